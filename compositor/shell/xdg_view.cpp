#include "compositor/shell/xdg_view.hpp"

#include "compositor/input/seat.hpp"
#include "compositor/shell/desktop.hpp"

namespace sluice {

XdgView::XdgView(wlr_xdg_surface *xdg_surface, Desktop &desktop, Seat &seat)
    : View(desktop), seat_(seat), xdg_surface_(xdg_surface) {
    set_node(wlr_scene_xdg_surface_create(desktop_.view_layer(), xdg_surface_));
    // Popups find the scene node to parent themselves to through data.
    xdg_surface_->data = node();

    map_.connect(&xdg_surface_->events.map, [this](void *) {
        on_map();
        apply_requested_state();
    });
    unmap_.connect(&xdg_surface_->events.unmap, [this](void *) { on_unmap(); });
    destroy_.connect(&xdg_surface_->events.destroy, [this](void *) { desktop_.remove_view(this); });

    wlr_xdg_toplevel *toplevel = xdg_surface_->toplevel;
    request_move_.connect(&toplevel->events.request_move, [this](void *data) {
        auto *event = static_cast<wlr_xdg_toplevel_move_event *>(data);
        seat_.begin_interactive(this, Seat::Grab::move, 0, event->serial);
    });
    request_resize_.connect(&toplevel->events.request_resize, [this](void *data) {
        auto *event = static_cast<wlr_xdg_toplevel_resize_event *>(data);
        seat_.begin_interactive(this, Seat::Grab::resize, event->edges, event->serial);
    });
    // Before the window maps, the request is remembered by wlroots
    // (toplevel->requested) and applied at map; xdg-shell still wants a
    // configure in reply to each request, granted or not.
    request_maximize_.connect(&toplevel->events.request_maximize, [this](void *) {
        if (mapped()) {
            desktop_.set_maximized(this, xdg_surface_->toplevel->requested.maximized);
        }
        wlr_xdg_surface_schedule_configure(xdg_surface_);
    });
    request_fullscreen_.connect(&toplevel->events.request_fullscreen, [this](void *data) {
        auto *event = static_cast<wlr_xdg_toplevel_set_fullscreen_event *>(data);
        if (mapped()) {
            desktop_.set_fullscreen(this, event->fullscreen, event->output);
        }
        wlr_xdg_surface_schedule_configure(xdg_surface_);
    });
}

XdgView::~XdgView() { xdg_surface_->data = nullptr; }

wlr_box XdgView::geometry() const {
    wlr_box box{};
    wlr_xdg_surface_get_geometry(xdg_surface_, &box);
    return box;
}

void XdgView::set_activated(bool activated) { wlr_xdg_toplevel_set_activated(xdg_surface_, activated); }

void XdgView::request_size(int width, int height) { wlr_xdg_toplevel_set_size(xdg_surface_, width, height); }

void XdgView::set_fullscreen_state(bool fullscreen) { wlr_xdg_toplevel_set_fullscreen(xdg_surface_, fullscreen); }

void XdgView::set_maximized_state(bool maximized) { wlr_xdg_toplevel_set_maximized(xdg_surface_, maximized); }

void XdgView::apply_requested_state() {
    const wlr_xdg_toplevel_requested &requested = xdg_surface_->toplevel->requested;
    if (requested.fullscreen) {
        desktop_.set_fullscreen(this, true, requested.fullscreen_output);
    } else if (requested.maximized) {
        desktop_.set_maximized(this, true);
    }
}

void XdgView::close() { wlr_xdg_toplevel_send_close(xdg_surface_); }

std::string XdgView::title() const {
    const char *title = xdg_surface_->toplevel->title;
    const char *app_id = xdg_surface_->toplevel->app_id;
    if (title != nullptr) {
        return title;
    }
    return app_id != nullptr ? app_id : "";
}

void XdgView::constrain_popup(wlr_xdg_popup *popup) const {
    wlr_output *output = wlr_output_layout_output_at(desktop_.output_layout(), x() + geometry().width / 2.0,
                                                     y() + geometry().height / 2.0);
    if (output == nullptr) {
        output = wlr_output_layout_get_center_output(desktop_.output_layout());
    }
    if (output == nullptr) {
        return;
    }
    wlr_box output_box = *wlr_output_layout_get_box(desktop_.output_layout(), output);
    // The box is wanted in the toplevel's surface coordinates, whose origin
    // lies geometry().x/y before the window's placed corner.
    wlr_box geo = geometry();
    wlr_box box = {output_box.x - x() + geo.x, output_box.y - y() + geo.y, output_box.width, output_box.height};
    wlr_xdg_popup_unconstrain_from_box(popup, &box);
}

} // namespace sluice
