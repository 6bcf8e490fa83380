#include "compositor/shell/xwayland_view.hpp"

#include "compositor/input/seat.hpp"
#include "compositor/shell/desktop.hpp"

namespace sluice {

XwaylandView::XwaylandView(wlr_xwayland_surface *xsurface, Desktop &desktop, Seat &seat)
    : View(desktop), seat_(seat), xsurface_(xsurface) {
    map_.connect(&xsurface_->events.map, [this](void *) { handle_map(); });
    unmap_.connect(&xsurface_->events.unmap, [this](void *) {
        on_unmap();
        // The wl_surface behind an X window may change between maps.
        set_node(nullptr);
    });
    destroy_.connect(&xsurface_->events.destroy, [this](void *) { desktop_.remove_view(this); });
    request_configure_.connect(&xsurface_->events.request_configure, [this](void *data) {
        auto *event = static_cast<wlr_xwayland_surface_configure_event *>(data);
        wlr_xwayland_surface_configure(xsurface_, event->x, event->y, event->width, event->height);
        if (mapped()) {
            move_to(event->x, event->y);
        }
    });
    request_activate_.connect(&xsurface_->events.request_activate, [this](void *) {
        if (mapped()) {
            desktop_.focus_view(this);
        }
    });
    request_move_.connect(&xsurface_->events.request_move,
                          [this](void *) { seat_.begin_interactive(this, Seat::Grab::move, 0, 0); });
    request_resize_.connect(&xsurface_->events.request_resize, [this](void *data) {
        auto *event = static_cast<wlr_xwayland_resize_event *>(data);
        seat_.begin_interactive(this, Seat::Grab::resize, event->edges, 0);
    });
}

void XwaylandView::handle_map() {
    set_node(wlr_scene_subsurface_tree_create(desktop_.view_layer(), xsurface_->surface));
    if (xsurface_->override_redirect) {
        move_to(xsurface_->x, xsurface_->y);
        wlr_scene_node_set_enabled(node(), true);
        wlr_scene_node_raise_to_top(node());
        return;
    }
    on_map();
}

void XwaylandView::set_activated(bool activated) {
    wlr_xwayland_surface_activate(xsurface_, activated);
    if (activated) {
        wlr_xwayland_surface_restack(xsurface_, nullptr, XCB_STACK_MODE_ABOVE);
    }
}

void XwaylandView::request_size(int width, int height) {
    wlr_xwayland_surface_configure(xsurface_, xsurface_->x, xsurface_->y, width, height);
}

void XwaylandView::moved() {
    if (xsurface_->x != x() || xsurface_->y != y()) {
        wlr_xwayland_surface_configure(xsurface_, x(), y(), xsurface_->width, xsurface_->height);
    }
}

std::string XwaylandView::title() const {
    if (xsurface_->title != nullptr) {
        return xsurface_->title;
    }
    return xsurface_->class_ != nullptr ? xsurface_->class_ : "";
}

} // namespace sluice
