// xdg-shell windows for tests: a toplevel or a popup, each owning its
// wl_surface, acknowledging configures by itself unless told not to.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "client.hpp"
#include "image.hpp"
#include "proxy.hpp"
#include "shm.hpp"

namespace sluice::test {

// The parts of a wl_surface + xdg_surface pair that toplevels and popups
// share. Not movable: the listeners point at it.
class XdgSurface {
public:
    XdgSurface(const XdgSurface &) = delete;
    XdgSurface &operator=(const XdgSurface &) = delete;
    XdgSurface(XdgSurface &&) = delete;
    XdgSurface &operator=(XdgSurface &&) = delete;

    [[nodiscard]] wl_surface *surface() const { return surface_.get(); }
    [[nodiscard]] xdg_surface *xdg() const { return xdg_surface_.get(); }
    [[nodiscard]] Client &client() const { return client_; }

    // xdg_surface.configure events seen so far, and the last serial.
    [[nodiscard]] uint32_t configure_count() const { return configure_count_; }
    [[nodiscard]] uint32_t last_serial() const { return last_serial_; }
    [[nodiscard]] bool acked() const { return acked_serial_ == last_serial_ && configure_count_ > 0; }
    // Waits until at least `count` configures have arrived (acked already
    // when auto_ack is on).
    bool wait_for_configure(uint32_t count = 1, std::chrono::milliseconds timeout = default_timeout);
    // Acknowledges the last configure (for auto_ack = false).
    void ack();

    void set_window_geometry(const Rect &geometry);

    // Attach `buffer` at (0,0), damage all of it, commit. Marks it busy.
    void commit_buffer(ShmBuffer &buffer);
    // Commit whatever is pending, nothing attached.
    void commit();

protected:
    XdgSurface(Client &client, bool auto_ack);
    ~XdgSurface();
    // The role object must be destroyed before the xdg_surface; subclasses
    // call this from their destructor after dropping theirs.
    void destroy_surfaces();

private:
    static void handle_configure(void *data, xdg_surface *surface, uint32_t serial);

    Client &client_;
    bool auto_ack_;
    uint32_t configure_count_ = 0;
    uint32_t last_serial_ = 0;
    uint32_t acked_serial_ = 0;
    // Order matters: the xdg_surface is destroyed before its wl_surface.
    Proxy<wl_surface> surface_;
    Proxy<xdg_surface> xdg_surface_;
};

class Toplevel : public XdgSurface {
public:
    struct Options {
        std::string title = "sluice-test";
        std::string app_id = "org.sluice.test";
        // Off for tests that want to misbehave around the first configure.
        bool auto_ack = true;
    };

    // Creates surface, xdg_surface and toplevel, sets title and app_id and
    // sends the initial (bufferless) commit that asks for a configure.
    explicit Toplevel(Client &client) : Toplevel(client, Options{}) {}
    Toplevel(Client &client, const Options &options);
    ~Toplevel();

    [[nodiscard]] xdg_toplevel *toplevel() const { return toplevel_.get(); }

    // Waits for the first configure, commits `buffer`, and roundtrips so the
    // compositor has seen the mapping commit. False on timeout or error.
    bool map(ShmBuffer &buffer, std::chrono::milliseconds timeout = default_timeout);

    void set_title(const std::string &title);
    void set_app_id(const std::string &app_id);

    // Last xdg_toplevel.configure.
    [[nodiscard]] int32_t configured_width() const { return configured_width_; }
    [[nodiscard]] int32_t configured_height() const { return configured_height_; }
    [[nodiscard]] const std::vector<uint32_t> &configured_states() const { return states_; }
    [[nodiscard]] bool close_requested() const { return close_requested_; }

private:
    static void handle_configure(void *data, xdg_toplevel *toplevel, int32_t width, int32_t height, wl_array *states);
    static void handle_close(void *data, xdg_toplevel *toplevel);

    Proxy<xdg_toplevel> toplevel_;
    int32_t configured_width_ = -1;
    int32_t configured_height_ = -1;
    std::vector<uint32_t> states_;
    bool close_requested_ = false;
};

// The xdg_positioner rules, as plain data.
struct PositionerRules {
    int32_t width = 0;
    int32_t height = 0;
    Rect anchor_rect;
    uint32_t anchor = XDG_POSITIONER_ANCHOR_NONE;
    uint32_t gravity = XDG_POSITIONER_GRAVITY_NONE;
    uint32_t constraint_adjustment = XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_NONE;
    int32_t offset_x = 0;
    int32_t offset_y = 0;
};

// Builds an xdg_positioner from the rules; only what is set is sent, so a
// test can make an incomplete one on purpose (width/height 0 skips
// set_size, an empty anchor_rect skips set_anchor_rect).
Proxy<xdg_positioner> make_positioner(xdg_wm_base *wm_base, const PositionerRules &rules);

class Popup : public XdgSurface {
public:
    // A popup of `parent` (an xdg_surface of this client) placed by `rules`.
    // Sends the initial commit.
    Popup(Client &client, xdg_surface *parent, const PositionerRules &rules, bool auto_ack = true);
    ~Popup();

    [[nodiscard]] xdg_popup *popup() const { return popup_.get(); }

    // Where the compositor put it, relative to the parent's window geometry
    // (xdg_popup.configure); meaningful once configure_count() > 0.
    [[nodiscard]] const Rect &geometry() const { return geometry_; }
    [[nodiscard]] bool dismissed() const { return done_; }

    bool map(ShmBuffer &buffer, std::chrono::milliseconds timeout = default_timeout);

private:
    static void handle_configure(void *data, xdg_popup *popup, int32_t x, int32_t y, int32_t width, int32_t height);
    static void handle_done(void *data, xdg_popup *popup);
    static void handle_repositioned(void *data, xdg_popup *popup, uint32_t token);

    Proxy<xdg_popup> popup_;
    Rect geometry_;
    bool done_ = false;
};

} // namespace sluice::test
