// clock: pause, resume and step the outputs' frame clocks.
#include <algorithm>
#include <memory>
#include <vector>

#include "common/listener.hpp"
#include "compositor/control/command_handlers.hpp"
#include "compositor/control/command_wait.hpp"
#include "compositor/control/wire.hpp"
#include "compositor/core/server.hpp"
#include "compositor/output/output.hpp"

namespace sluice::control::commands {

namespace {

std::string clock_state(Server &server) {
    std::vector<std::string> list;
    bool all_paused = !server.outputs().empty();
    for (const auto &output : server.outputs()) {
        JsonObject o;
        o.add("name", output->wlr()->name).add("paused", output->clock_paused()).add("frames", output->frames());
        list.push_back(o.str());
        all_paused = all_paused && output->clock_paused();
    }
    JsonObject reply;
    reply.add("paused", all_paused).add_raw("outputs", json_array(list));
    return ok_reply(reply);
}

// clock step: answered once every output stepped has drawn its frames,
// looked at after each of their frame events. An output that goes away
// meanwhile is no longer waited for.
class StepWait : public Wait {
public:
    StepWait(Server &server, uint64_t frames, std::chrono::milliseconds timeout, Reply reply)
        : Wait(server.event_loop(), std::move(reply), timeout), server_(server) {
        for (const auto &output : server_.outputs()) {
            auto target = std::make_unique<Target>();
            target->output = output->wlr();
            target->frames = output->frames() + frames;
            target->frame.connect(&target->output->events.frame, [this](void *) { check_soon(); });
            Target *raw = target.get();
            target->destroy.connect(&target->output->events.destroy, [this, raw](void *) {
                raw->frame.disconnect();
                raw->destroy.disconnect();
                raw->output = nullptr;
                check_soon();
            });
            targets_.push_back(std::move(target));
        }
    }

private:
    struct Target {
        wlr_output *output = nullptr; // null once it is gone
        uint64_t frames = 0;          // Output::frames() to reach
        Listener frame;
        Listener destroy;
    };

    std::optional<std::string> check() override {
        for (const auto &target : targets_) {
            for (const auto &output : server_.outputs()) {
                if (target->output != nullptr && output->wlr() == target->output && output->frames() < target->frames) {
                    return std::nullopt;
                }
            }
        }
        return clock_state(server_);
    }
    std::string timed_out() override { return error_reply("the frames did not come in time (is the output alive?)"); }

    Server &server_;
    std::vector<std::unique_ptr<Target>> targets_;
};

} // namespace

Outcome clock(CommandContext &context, const Args &args, Reply &reply) {
    Server &server = context.server;
    if (args.empty()) {
        return clock_state(server);
    }
    if (server.outputs().empty()) {
        return error_reply("there is no output, so no frame clock");
    }
    if ((args[0] == "pause" || args[0] == "resume") && args.size() == 1) {
        for (const auto &output : server.outputs()) {
            output->pause_clock(args[0] == "pause");
        }
        return clock_state(server);
    }
    if (args[0] != "step" || args.size() > 2) {
        return error_reply("usage: clock [pause|resume|step [N]]");
    }
    long frames = 1;
    if (args.size() == 2 && !parse_count(args[1], 1, 10000, frames)) {
        return error_reply("bad frame count '" + args[1] + "' (1 to 10000)");
    }
    for (const auto &output : server.outputs()) {
        if (!output->clock_paused()) {
            return error_reply("the clock runs; pause it first (clock pause)");
        }
    }
    int slowest_mhz = 1000000;
    for (const auto &output : server.outputs()) {
        if (output->wlr()->refresh > 0) {
            slowest_mhz = std::min(slowest_mhz, output->wlr()->refresh);
        }
    }
    // Twice the time the frames take at the slowest refresh, plus slack.
    auto timeout = std::chrono::milliseconds(frames * 2 * 1000000 / slowest_mhz + 5000);
    // Listening before stepping: a backend may draw the frame at once.
    auto wait = std::make_unique<StepWait>(server, static_cast<uint64_t>(frames), timeout, std::move(reply));
    for (const auto &output : server.outputs()) {
        output->step_clock(static_cast<uint32_t>(frames));
    }
    return wait;
}

} // namespace sluice::control::commands
