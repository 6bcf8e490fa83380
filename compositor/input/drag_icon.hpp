// The picture a drag-and-drop source shows under the pointer
// (wl_data_device.start_drag's icon surface): a scene node above the
// windows that follows the cursor.
#pragma once

#include "common/listener.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {

class Seat;

class DragIcon {
public:
    // Shows `icon` under `parent`, with its hotspot at (cursor_x, cursor_y)
    // in layout coordinates.
    DragIcon(Seat &seat, wlr_drag_icon *icon, wlr_scene_node *parent, double cursor_x, double cursor_y);
    ~DragIcon();

    DragIcon(const DragIcon &) = delete;
    DragIcon &operator=(const DragIcon &) = delete;

    // Puts the hotspot at the cursor's new position.
    void move_to(double cursor_x, double cursor_y);

private:
    void place();

    Seat &seat_;
    wlr_drag_icon *icon_;
    wlr_scene_node *node_;
    double cursor_x_;
    double cursor_y_;
    Listener icon_destroy_;
    Listener node_destroy_;
    Listener surface_commit_;
};

} // namespace sluice
