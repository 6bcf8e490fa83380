#include "compositor/control/commands.hpp"

#include <map>

#include "compositor/control/wire.hpp"

namespace sluice::control {

namespace {

using Handler = Outcome (*)(CommandContext &, const Args &, Reply &);

// A command that always answers at once has no use for the Reply.
template <std::string (*answer)(CommandContext &, const Args &)>
Outcome at_once(CommandContext &context, const Args &args, Reply &) {
    return answer(context, args);
}

} // namespace

Outcome Commands::run(const std::vector<std::string> &words, Reply reply) {
    using namespace commands;
    static const std::map<std::string, Handler, std::less<>> handlers = {
        {"help", &at_once<help>},
        {"ping", &at_once<ping>},
        {"clients", &at_once<list_clients>},
        {"surfaces", &at_once<list_surfaces>},
        {"windows", &at_once<list_windows>},
        {"outputs", &at_once<list_outputs>},
        {"screenshot", &at_once<screenshot>},
        {"wait-window", &wait_window},
        {"focus", &at_once<focus>},
        {"key", &at_once<key>},
        {"type", &at_once<type>},
        {"motion", &at_once<motion>},
        {"click", &at_once<click>},
        {"button", &at_once<button>},
        {"scroll", &at_once<scroll>},
        {"tap", &at_once<tap>},
        {"touch-down", &at_once<touch_down>},
        {"touch-move", &at_once<touch_move>},
        {"touch-up", &at_once<touch_up>},
        {"clock", &clock},
        {"sync", &at_once<gate_stats>},
        {"log", &at_once<log_levels>},
        {"quit", &at_once<quit>},
    };
    if (words.empty()) {
        return error_reply("empty request (try help)");
    }
    auto it = handlers.find(words.front());
    if (it == handlers.end()) {
        return error_reply("unknown command '" + words.front() + "' (try help)");
    }
    Args args(words.begin() + 1, words.end());
    return it->second(context_, args, reply);
}

} // namespace sluice::control
