// A window: an xdg toplevel or an Xwayland surface, placed in the scene.
// The shell-specific parts live in the subclasses.
#pragma once

#include <string>

#include "common/listener.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {

class Desktop;

class View {
public:
    virtual ~View();

    View(const View &) = delete;
    View &operator=(const View &) = delete;

    virtual wlr_surface *surface() const = 0;
    // Window geometry: the part of the surface that is the window proper,
    // in surface-local coordinates (shadows and such lie outside it).
    virtual wlr_box geometry() const = 0;
    virtual void set_activated(bool activated) = 0;
    virtual void request_size(int width, int height) = 0;
    virtual void close() = 0;
    virtual std::string title() const = 0;

    // Fullscreen and maximized are asked for by the client and granted by
    // the desktop (Desktop::set_fullscreen / set_maximized); the shell only
    // tells its client.
    virtual void set_fullscreen_state(bool fullscreen) { (void)fullscreen; }
    virtual void set_maximized_state(bool maximized) { (void)maximized; }

    bool mapped() const { return mapped_; }
    bool fullscreen() const { return fullscreen_output_ != nullptr; }
    wlr_output *fullscreen_output() const { return fullscreen_output_; }
    bool maximized() const { return maximized_; }
    // Where the window was before it went fullscreen or maximized.
    const wlr_box &restore_box() const { return restore_box_; }

    // What the desktop grants, recorded here and told to the client. The
    // desktop also moves and sizes the window.
    void enter_fullscreen(wlr_output *output);
    void leave_fullscreen();
    void set_maximized(bool maximized);
    // Keeps where the window is now as the box to restore.
    void remember_restore_box();

    // Hidden behind a fullscreen window (so that it can be scanned out).
    void set_occluded(bool occluded);
    int x() const { return x_; }
    int y() const { return y_; }
    // Moves the window geometry's top-left corner to (x, y) in the layout.
    void move_to(int x, int y);
    wlr_scene_node *node() const { return node_; }

protected:
    explicit View(Desktop &desktop) : desktop_(desktop) {}
    // The subclass creates the scene node once its surface exists; a new
    // node replaces (and destroys) the previous one.
    void set_node(wlr_scene_node *node);
    // Tells the client where its window now is, for shells that care (X11).
    virtual void moved() {}
    // Places, shows and focuses the view; called when the surface maps.
    void on_map();
    void on_unmap();

    Desktop &desktop_;

private:
    wlr_scene_node *node_ = nullptr;
    // Some nodes (xdg surface trees) are destroyed by wlroots together with
    // their surface; the view must not destroy them again.
    Listener node_destroy_;
    bool mapped_ = false;
    bool placed_ = false;
    bool occluded_ = false;
    bool maximized_ = false;
    wlr_output *fullscreen_output_ = nullptr;
    wlr_box restore_box_{};

    friend class Desktop;
    int x_ = 0;
    int y_ = 0;
};

} // namespace sluice
