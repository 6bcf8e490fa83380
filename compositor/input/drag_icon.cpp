#include "compositor/input/drag_icon.hpp"

#include <cmath>

#include "compositor/input/seat.hpp"

namespace sluice {

DragIcon::DragIcon(Seat &seat, wlr_drag_icon *icon, wlr_scene_node *parent, double cursor_x, double cursor_y)
    : seat_(seat), icon_(icon), node_(wlr_scene_subsurface_tree_create(parent, icon->surface)), cursor_x_(cursor_x),
      cursor_y_(cursor_y) {
    if (node_ != nullptr) {
        // The tree removes itself when the icon's surface dies, which may
        // come before or after the icon's own destroy.
        node_destroy_.connect(&node_->events.destroy, [this](void *) {
            node_destroy_.disconnect();
            node_ = nullptr;
        });
    }
    // The client moves the hotspot with wl_surface.attach's x/y (or
    // wl_surface.offset): wlroots sums them into surface->sx/sy on commit.
    surface_commit_.connect(&icon_->surface->events.commit, [this](void *) { place(); });
    icon_destroy_.connect(&icon_->events.destroy, [this](void *) { seat_.remove_drag_icon(this); });
    place();
}

DragIcon::~DragIcon() {
    surface_commit_.disconnect();
    icon_destroy_.disconnect();
    node_destroy_.disconnect();
    if (node_ != nullptr) {
        wlr_scene_node_destroy(node_);
    }
}

void DragIcon::move_to(double cursor_x, double cursor_y) {
    cursor_x_ = cursor_x;
    cursor_y_ = cursor_y;
    place();
}

void DragIcon::place() {
    if (node_ == nullptr) {
        return;
    }
    const wlr_surface *surface = icon_->surface;
    wlr_scene_node_set_position(node_, static_cast<int>(std::floor(cursor_x_)) + surface->sx,
                                static_cast<int>(std::floor(cursor_y_)) + surface->sy);
}

} // namespace sluice
