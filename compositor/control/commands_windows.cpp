// clients, surfaces, windows, outputs: what is there; focus and
// wait-window: a window by selector.
#include <map>

#include "compositor/control/client_directory.hpp"
#include "compositor/control/command_handlers.hpp"
#include "compositor/control/command_wait.hpp"
#include "compositor/control/window_changes.hpp"
#include "compositor/control/window_facts.hpp"
#include "compositor/control/wire.hpp"
#include "compositor/core/server.hpp"
#include "compositor/gate/commit_gate.hpp"
#include "compositor/output/output.hpp"
#include "compositor/shell/view.hpp"

namespace sluice::control::commands {

namespace {

// The reply of wait-window once the window is there.
std::string found_window(CommandContext &context, const View &view) {
    JsonObject o;
    o.add_raw("window", window_json(context.server, context.clients, view));
    return ok_reply(o);
}

std::string wait_timed_out(long timeout_ms, const Selector &wanted) {
    JsonObject o;
    o.add("ok", false)
        .add("error",
             "timed out after " + std::to_string(timeout_ms) + " ms waiting for a window with " + wanted.describe())
        .add("timeout", true);
    return o.str();
}

// wait-window: answered when a window the selector names is mapped,
// looked for again whenever WindowChanges says the windows may differ.
class WindowWait : public Wait {
public:
    WindowWait(CommandContext &context, Selector wanted, long timeout_ms, Reply reply)
        : Wait(context.server.event_loop(), std::move(reply), std::chrono::milliseconds(timeout_ms)), context_(context),
          wanted_(std::move(wanted)), timeout_ms_(timeout_ms),
          changes_(context.server, context.clients, [this] { check_soon(); }) {}

private:
    std::optional<std::string> check() override {
        if (View *view = find_view(context_.server, context_.clients, wanted_)) {
            return found_window(context_, *view);
        }
        return std::nullopt;
    }
    std::string timed_out() override { return wait_timed_out(timeout_ms_, wanted_); }

    CommandContext &context_;
    Selector wanted_;
    long timeout_ms_;
    WindowChanges changes_;
};

// {"ok":true,"<key>":[items]}
std::string list_reply(std::string_view key, const std::vector<std::string> &items) {
    JsonObject reply;
    reply.add_raw(key, json_array(items));
    return ok_reply(reply);
}

} // namespace

std::string list_clients(CommandContext &context, const Args &args) {
    if (auto refused = refuse_arguments("clients", args)) {
        return *refused;
    }
    std::map<uint64_t, int> surface_counts;
    for_each_surface(context.clients,
                     [&](const ClientDirectory::Client &client, wlr_surface *) { ++surface_counts[client.id]; });
    std::vector<std::string> list;
    for (const ClientDirectory::Client &client : context.clients.list()) {
        JsonObject o;
        o.add("id", client.id).add("pid", static_cast<int>(client.pid)).add("command", client.command);
        o.add("surfaces", surface_counts[client.id]);
        list.push_back(o.str());
    }
    return list_reply("clients", list);
}

std::string list_surfaces(CommandContext &context, const Args &args) {
    if (auto refused = refuse_arguments("surfaces", args)) {
        return *refused;
    }
    Server &server = context.server;
    std::vector<std::string> list;
    for_each_surface(context.clients, [&](const ClientDirectory::Client &client, wlr_surface *surface) {
        JsonObject o;
        o.add("id", surface_id(context.clients, surface)).add("client", client.id);
        o.add("pid", static_cast<int>(client.pid));
        o.add("role", surface->role != nullptr && surface->role->name != nullptr ? surface->role->name : "");
        o.add("width", surface->current.width).add("height", surface->current.height);
        int lx = 0, ly = 0;
        bool visible = server.surface_position(surface, lx, ly);
        o.add("visible", visible);
        if (visible) {
            o.add("x", lx).add("y", ly);
        }
        o.add("held_commits", static_cast<uint64_t>(server.gate().held_commits(surface)));
        o.add("presentation_hint", server.presentation_hint(surface));
        list.push_back(o.str());
    });
    return list_reply("surfaces", list);
}

std::string list_windows(CommandContext &context, const Args &args) {
    if (auto refused = refuse_arguments("windows", args)) {
        return *refused;
    }
    std::vector<std::string> list;
    for (const auto &view : context.server.views()) {
        list.push_back(window_json(context.server, context.clients, *view));
    }
    return list_reply("windows", list);
}

std::string list_outputs(CommandContext &context, const Args &args) {
    if (auto refused = refuse_arguments("outputs", args)) {
        return *refused;
    }
    std::vector<std::string> list;
    for (const auto &output : context.server.outputs()) {
        wlr_box box = output->layout_box();
        JsonObject o;
        o.add("name", output->wlr()->name).add("x", box.x).add("y", box.y);
        o.add("width", output->wlr()->width).add("height", output->wlr()->height);
        o.add("refresh_mhz", output->wlr()->refresh);
        o.add("paused", output->clock_paused()).add("frames", output->frames());
        list.push_back(o.str());
    }
    return list_reply("outputs", list);
}

std::string focus(CommandContext &context, const Args &args) {
    if (args.size() != 1) {
        return error_reply("usage: focus WINDOW");
    }
    std::string error;
    View *view = selected_view(context.server, context.clients, args[0], error);
    if (view == nullptr) {
        return error_reply(error);
    }
    context.server.focus_view(view);
    return ok_reply();
}

Outcome wait_window(CommandContext &context, const Args &args, Reply &reply) {
    if (args.empty() || args.size() > 2) {
        return error_reply("usage: wait-window WINDOW [TIMEOUT_MS]");
    }
    auto selector = parse_selector(args[0]);
    if (!selector) {
        return error_reply(bad_selector(args[0]));
    }
    long timeout = 5000;
    if (args.size() == 2 && !parse_count(args[1], 0, 3600000, timeout)) {
        return error_reply("bad timeout '" + args[1] + "' (milliseconds, 0 to 3600000)");
    }
    // It may be there already.
    if (View *view = find_view(context.server, context.clients, *selector)) {
        return found_window(context, *view);
    }
    if (timeout == 0) {
        return wait_timed_out(timeout, *selector);
    }
    return std::make_unique<WindowWait>(context, *selector, timeout, std::move(reply));
}

} // namespace sluice::control::commands
