// The control commands, one function each, by topic; commands.cpp maps
// request names to them. A handler that answers at once returns its JSON;
// one that may wait gets the request's Reply and returns an Outcome (see
// reply.hpp).
#pragma once

#include <string>

#include "compositor/control/command_args.hpp"
#include "compositor/control/reply.hpp"

namespace sluice {
class Server;
}

namespace sluice::control {

class ClientDirectory;
class VirtualInput;

// What every command works with.
struct CommandContext {
    Server &server;
    ClientDirectory &clients;
    VirtualInput &input;
};

namespace commands {

// commands_session.cpp: the socket and sluice itself.
[[nodiscard]] std::string help(CommandContext &context, const Args &args);
[[nodiscard]] std::string ping(CommandContext &context, const Args &args);
[[nodiscard]] std::string quit(CommandContext &context, const Args &args);

// commands_windows.cpp: clients, surfaces, windows, outputs; focus.
[[nodiscard]] std::string list_clients(CommandContext &context, const Args &args);
[[nodiscard]] std::string list_surfaces(CommandContext &context, const Args &args);
[[nodiscard]] std::string list_windows(CommandContext &context, const Args &args);
[[nodiscard]] std::string list_outputs(CommandContext &context, const Args &args);
[[nodiscard]] std::string focus(CommandContext &context, const Args &args);
[[nodiscard]] Outcome wait_window(CommandContext &context, const Args &args, Reply &reply);

// commands_input.cpp: the virtual keyboard, pointer and touch screen.
[[nodiscard]] std::string key(CommandContext &context, const Args &args);
[[nodiscard]] std::string type(CommandContext &context, const Args &args);
[[nodiscard]] std::string motion(CommandContext &context, const Args &args);
[[nodiscard]] std::string click(CommandContext &context, const Args &args);
[[nodiscard]] std::string button(CommandContext &context, const Args &args);
[[nodiscard]] std::string scroll(CommandContext &context, const Args &args);
[[nodiscard]] std::string tap(CommandContext &context, const Args &args);
[[nodiscard]] std::string touch_down(CommandContext &context, const Args &args);
[[nodiscard]] std::string touch_move(CommandContext &context, const Args &args);
[[nodiscard]] std::string touch_up(CommandContext &context, const Args &args);

// commands_clock.cpp: the frame clock.
[[nodiscard]] Outcome clock(CommandContext &context, const Args &args, Reply &reply);

// commands_capture.cpp: screenshots.
[[nodiscard]] std::string screenshot(CommandContext &context, const Args &args);

// commands_sync.cpp: the commit gate's counts.
[[nodiscard]] std::string gate_stats(CommandContext &context, const Args &args);

// commands_log.cpp: log levels at run time.
[[nodiscard]] std::string log_levels(CommandContext &context, const Args &args);

} // namespace commands

} // namespace sluice::control
