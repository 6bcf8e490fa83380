// Window management: the windows in stacking order, which one has focus,
// where a new one goes, fullscreen and maximized, what hides what, and
// which window is under a point.
#pragma once

#include <list>
#include <memory>
#include <vector>

#include "wlroots/wlr.hpp"

namespace sluice {

class DmabufFeedback;
class Output;
class Seat;
class View;

class Desktop {
public:
    // Windows go into `view_layer`, placed on the outputs of `layout`.
    // `dmabuf_feedback` (may be null: no linux-dmabuf) hears when a window
    // enters or leaves fullscreen.
    Desktop(wlr_scene_node *view_layer, wlr_output_layout *layout, DmabufFeedback *dmabuf_feedback);
    ~Desktop();

    Desktop(const Desktop &) = delete;
    Desktop &operator=(const Desktop &) = delete;

    // The seat whose keyboard focus follows the windows. The seat needs the
    // desktop to exist first, so it is attached after; without one, focus
    // only raises and activates.
    void attach_seat(Seat *seat) { seat_ = seat; }

    wlr_scene_node *view_layer() const { return view_layer_; }
    wlr_output_layout *output_layout() const { return layout_; }

    // Windows, topmost first.
    std::list<std::unique_ptr<View>> &views() { return views_; }
    const std::list<std::unique_ptr<View>> &views() const { return views_; }
    // A new window goes to the bottom until it maps and takes focus.
    void add_view(std::unique_ptr<View> view);
    void remove_view(View *view);
    // Destroys every window (at shutdown).
    void clear_views() { views_.clear(); }
    // Moves focus and any grab away from a view that just left the screen.
    void view_unmapped(View *view);
    void focus_view(View *view);
    void cycle_focus();
    void close_focused_view();
    // Grants or ends fullscreen (on `output`, or the one the view is on)
    // and maximized; both restore the window's previous box when ended.
    void set_fullscreen(View *view, bool fullscreen, wlr_output *output = nullptr);
    void set_maximized(View *view, bool maximized);
    // A fullscreen window on top of its output hides what is under it
    // there, background included: the scene can then scan it out as it is.
    void update_occlusion();
    // The view and surface under a layout point, if any.
    View *view_at(double lx, double ly, wlr_surface **surface, double *sx, double *sy);
    // Where a surface shown in the scene sits in the layout.
    bool surface_position(wlr_surface *surface, int &lx, int &ly) const;
    // Where a newly mapped window of this size goes.
    void initial_position(int width, int height, int &x, int &y) const;
    // The output a view mostly sits on (or the first one).
    wlr_output *output_of(const View *view) const;

    // Outputs in the order they appeared; a window fullscreen on an output
    // that goes leaves fullscreen first.
    void output_added(Output *output);
    void output_removed(Output *output);

private:
    wlr_surface *focused_surface() const;
    // Puts a maximized window over its output, or back where it was.
    void place_maximized(View *view, bool maximized);

    wlr_scene_node *view_layer_;
    wlr_output_layout *layout_;
    DmabufFeedback *dmabuf_feedback_;
    Seat *seat_ = nullptr;
    std::vector<Output *> outputs_;
    std::list<std::unique_ptr<View>> views_;
};

} // namespace sluice
