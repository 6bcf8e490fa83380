// log: the log levels, read and set at run time.
#include "common/log.hpp"
#include "compositor/control/command_handlers.hpp"
#include "compositor/control/wire.hpp"
#include "compositor/core/wlroots_log.hpp"

namespace sluice::control::commands {

std::string log_levels(CommandContext &, const Args &args) {
    if (!args.empty()) {
        // The words as one spec, so that a bad one changes nothing at all.
        std::string spec;
        for (const std::string &word : args) {
            spec += spec.empty() ? word : "," + word;
        }
        if (auto error = log::apply_spec(spec)) {
            return error_reply(*error);
        }
        // wlroots skips its own work below the level it was given.
        route_wlroots_log();
        LOG_INFO(control, "log levels now %s", log::describe_levels().c_str());
    }
    JsonObject o;
    o.add("levels", log::describe_levels());
    return ok_reply(o);
}

} // namespace sluice::control::commands
