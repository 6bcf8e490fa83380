#include "compositor/shell/view.hpp"

#include "common/log.hpp"
#include "compositor/shell/desktop.hpp"

namespace sluice {

View::~View() { set_node(nullptr); }

void View::set_node(wlr_scene_node *node) {
    if (node_ != nullptr) {
        node_destroy_.disconnect();
        wlr_scene_node_destroy(node_);
    }
    node_ = node;
    if (node_ == nullptr) {
        return;
    }
    node_->data = this;
    node_destroy_.connect(&node_->events.destroy, [this](void *) {
        node_destroy_.disconnect();
        node_ = nullptr;
    });
    wlr_scene_node_set_enabled(node_, false);
}

void View::move_to(int x, int y) {
    x_ = x;
    y_ = y;
    if (node_ != nullptr) {
        // The node's origin is the window geometry's corner: wlroots'
        // xdg scene helper already offsets the surface inside it.
        wlr_scene_node_set_position(node_, x, y);
    }
    moved();
}

void View::enter_fullscreen(wlr_output *output) {
    fullscreen_output_ = output;
    set_fullscreen_state(true);
}

void View::leave_fullscreen() {
    fullscreen_output_ = nullptr;
    set_fullscreen_state(false);
}

void View::set_maximized(bool maximized) {
    maximized_ = maximized;
    set_maximized_state(maximized);
}

void View::remember_restore_box() {
    wlr_box geo = geometry();
    restore_box_ = {x_, y_, geo.width, geo.height};
}

void View::set_occluded(bool occluded) {
    occluded_ = occluded;
    if (node_ != nullptr) {
        wlr_scene_node_set_enabled(node_, mapped_ && !occluded_);
    }
}

void View::on_map() {
    mapped_ = true;
    if (!placed_) {
        wlr_box geo = geometry();
        int x = 0;
        int y = 0;
        desktop_.initial_position(geo.width, geo.height, x, y);
        move_to(x, y);
        placed_ = true;
    } else {
        move_to(x_, y_);
    }
    wlr_scene_node_set_enabled(node_, !occluded_);
    LOG_INFO(view, "mapped '%s' at %d,%d", title().c_str(), x_, y_);
    desktop_.focus_view(this);
}

void View::on_unmap() {
    mapped_ = false;
    wlr_scene_node_set_enabled(node_, false);
    LOG_DEBUG(view, "unmapped '%s'", title().c_str());
    desktop_.view_unmapped(this);
}

} // namespace sluice
