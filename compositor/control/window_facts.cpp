#include "compositor/control/window_facts.hpp"

#include <cstring>
#include <vector>

#include "compositor/control/wire.hpp"
#include "compositor/core/server.hpp"
#include "compositor/input/seat.hpp"
#include "compositor/shell/view.hpp"

namespace sluice::control {

namespace {

pid_t surface_pid(wlr_surface *surface) {
    if (surface == nullptr || surface->resource == nullptr) {
        return 0;
    }
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    wl_client_get_credentials(wl_resource_get_client(surface->resource), &pid, &uid, &gid);
    return pid;
}

bool matches(Server &server, const ClientDirectory &clients, const View &view, const Selector &selector) {
    switch (selector.kind) {
    case Selector::Kind::title: return facts_of(view).title == selector.value;
    case Selector::Kind::app_id: return facts_of(view).app_id == selector.value;
    case Selector::Kind::id: return surface_id(clients, view.surface()) == selector.value;
    case Selector::Kind::focused: return view.surface() != nullptr && view.surface() == focused_surface(server);
    }
    return false;
}

} // namespace

WindowFacts facts_of(const View &view) {
    WindowFacts facts;
    wlr_surface *surface = view.surface();
    if (surface == nullptr) {
        return facts;
    }
    if (wlr_surface_is_xdg_surface(surface)) {
        wlr_xdg_surface *xdg = wlr_xdg_surface_from_wlr_surface(surface);
        if (xdg != nullptr && xdg->role == WLR_XDG_SURFACE_ROLE_TOPLEVEL && xdg->toplevel != nullptr) {
            facts.title = xdg->toplevel->title != nullptr ? xdg->toplevel->title : "";
            facts.app_id = xdg->toplevel->app_id != nullptr ? xdg->toplevel->app_id : "";
        }
    } else if (wlr_surface_is_xwayland_surface(surface)) {
        wlr_xwayland_surface *xsurface = wlr_xwayland_surface_from_wlr_surface(surface);
        if (xsurface != nullptr) {
            facts.title = xsurface->title != nullptr ? xsurface->title : "";
            facts.app_id = xsurface->class_ != nullptr ? xsurface->class_ : "";
        }
    }
    return facts;
}

std::string surface_id(const ClientDirectory &clients, wlr_surface *surface) {
    if (surface == nullptr || surface->resource == nullptr) {
        return "";
    }
    return std::to_string(clients.id_of(wl_resource_get_client(surface->resource))) + "." +
           std::to_string(wl_resource_get_id(surface->resource));
}

wlr_surface *focused_surface(Server &server) { return server.seat().wlr()->keyboard_state.focused_surface; }

std::string window_json(Server &server, const ClientDirectory &clients, const View &view) {
    WindowFacts facts = facts_of(view);
    wlr_box geometry = view.geometry();
    wlr_surface *surface = view.surface();
    if ((geometry.width <= 0 || geometry.height <= 0) && surface != nullptr) {
        geometry.width = surface->current.width;
        geometry.height = surface->current.height;
    }
    JsonObject o;
    o.add("id", surface_id(clients, surface));
    o.add("client", surface != nullptr && surface->resource != nullptr
                        ? clients.id_of(wl_resource_get_client(surface->resource))
                        : uint64_t{0});
    o.add("pid", static_cast<int>(surface_pid(surface)));
    o.add("title", facts.title).add("app_id", facts.app_id);
    o.add("x", view.x()).add("y", view.y()).add("width", geometry.width).add("height", geometry.height);
    o.add("mapped", view.mapped());
    o.add("focused", surface != nullptr && surface == focused_surface(server));
    return o.str();
}

View *find_view(Server &server, const ClientDirectory &clients, const Selector &selector) {
    for (auto &view : server.views()) {
        if (view->mapped() && matches(server, clients, *view, selector)) {
            return view.get();
        }
    }
    return nullptr;
}

View *selected_view(Server &server, const ClientDirectory &clients, const std::string &word, std::string &error) {
    auto selector = parse_selector(word);
    if (!selector) {
        error = bad_selector(word);
        return nullptr;
    }
    View *view = find_view(server, clients, *selector);
    if (view == nullptr) {
        error = "no mapped window with " + selector->describe();
    }
    return view;
}

void for_each_surface(const ClientDirectory &clients,
                      const std::function<void(const ClientDirectory::Client &, wlr_surface *)> &visit) {
    for (const ClientDirectory::Client &client : clients.list()) {
        std::vector<wlr_surface *> surfaces;
        wl_client_for_each_resource(
            client.handle,
            [](wl_resource *resource, void *data) {
                if (strcmp(wl_resource_get_class(resource), "wl_surface") == 0) {
                    static_cast<std::vector<wlr_surface *> *>(data)->push_back(wlr_surface_from_resource(resource));
                }
                return WL_ITERATOR_CONTINUE;
            },
            &surfaces);
        for (wlr_surface *surface : surfaces) {
            visit(client, surface);
        }
    }
}

} // namespace sluice::control
