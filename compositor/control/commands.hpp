// The control commands: each request (a list of words) becomes a reply, at
// once or later. Waiting commands (wait-window, clock step) never block:
// they return a Deferred that the ControlServer polls from the event loop
// until it has an answer or its time is up.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace sluice {
class Server;
}

namespace sluice::control {

class ClientRegistry;
class VirtualInput;

struct Deferred {
    // Called from the event loop until it returns a reply. `expired` is true
    // on the last call, when the timeout has passed; it must reply then.
    std::function<std::optional<std::string>(bool expired)> poll;
    std::chrono::milliseconds timeout;
};

using Outcome = std::variant<std::string, Deferred>;

class Commands {
public:
    Commands(Server &server, ClientRegistry &clients, VirtualInput &input)
        : server_(server), clients_(clients), input_(input) {}

    Commands(const Commands &) = delete;
    Commands &operator=(const Commands &) = delete;

    [[nodiscard]] Outcome run(const std::vector<std::string> &words);

private:
    using Args = std::vector<std::string>;
    Outcome help(const Args &args);
    Outcome ping(const Args &args);
    Outcome list_clients(const Args &args);
    Outcome list_surfaces(const Args &args);
    Outcome list_windows(const Args &args);
    Outcome list_outputs(const Args &args);
    Outcome screenshot(const Args &args);
    Outcome wait_window(const Args &args);
    Outcome focus(const Args &args);
    Outcome key(const Args &args);
    Outcome type(const Args &args);
    Outcome motion(const Args &args);
    Outcome click(const Args &args);
    Outcome button(const Args &args);
    Outcome scroll(const Args &args);
    Outcome tap(const Args &args);
    Outcome touch_down(const Args &args);
    Outcome touch_move(const Args &args);
    Outcome touch_up(const Args &args);
    Outcome clock(const Args &args);
    Outcome sync(const Args &args);
    Outcome quit(const Args &args);

    Server &server_;
    ClientRegistry &clients_;
    VirtualInput &input_;
};

} // namespace sluice::control
