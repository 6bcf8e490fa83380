// help, ping, quit: the control socket and sluice itself.
#include "common/log.hpp"
#include "compositor/control/command_handlers.hpp"
#include "compositor/control/wire.hpp"
#include "compositor/core/server.hpp"

namespace sluice::control::commands {

std::string help(CommandContext &, const Args &) {
    JsonObject o;
    o.add("commands", command_summary());
    return ok_reply(o);
}

std::string ping(CommandContext &, const Args &args) { return refuse_arguments("ping", args).value_or(ok_reply()); }

std::string quit(CommandContext &context, const Args &args) {
    long code = 0;
    if (args.size() > 1 || (args.size() == 1 && !parse_count(args[0], 0, 255, code))) {
        return error_reply("usage: quit [CODE] (0 to 255)");
    }
    LOG_INFO(control, "quit requested with exit code %ld", code);
    context.server.terminate(static_cast<int>(code));
    return ok_reply();
}

} // namespace sluice::control::commands
