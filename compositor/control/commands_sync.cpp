// sync: what the commit gate has seen and holds.
#include "compositor/control/command_handlers.hpp"
#include "compositor/control/window_facts.hpp"
#include "compositor/control/wire.hpp"
#include "compositor/core/server.hpp"
#include "compositor/gate/commit_gate.hpp"

namespace sluice::control::commands {

std::string gate_stats(CommandContext &context, const Args &args) {
    if (auto refused = refuse_arguments("sync", args)) {
        return *refused;
    }
    CommitGate &gate = context.server.gate();
    std::vector<std::string> list;
    for_each_surface(context.clients, [&](const ClientDirectory::Client &, wlr_surface *surface) {
        JsonObject o;
        o.add("id", surface_id(context.clients, surface))
            .add("held_commits", static_cast<uint64_t>(gate.held_commits(surface)));
        list.push_back(o.str());
    });
    const GateStats &stats = gate.stats();
    JsonObject reply;
    reply.add("commits", stats.commits).add("held", stats.held).add("released", stats.released);
    reply.add_raw("surfaces", json_array(list));
    return ok_reply(reply);
}

} // namespace sluice::control::commands
