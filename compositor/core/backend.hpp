// The wlroots backend sluice runs on, chosen from --backend, and the outputs
// it is asked for at start.
#pragma once

#include <memory>
#include <string>

#include "compositor/core/options.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {

class Backend {
public:
    // Null when `choice` cannot work here (no parent compositor, no X
    // server, no DRM device or seat); `why` then says so in one line.
    static std::unique_ptr<Backend> create(wl_display *display, BackendChoice choice, std::string &why);
    // Destroys the backend, and with it its outputs and input devices.
    ~Backend();

    Backend(const Backend &) = delete;
    Backend &operator=(const Backend &) = delete;

    wlr_backend *wlr() const { return backend_; }
    // Headless and nested backends make `count` outputs on request (of
    // `mode` where the backend takes one); a session's outputs are the
    // connectors that are there.
    void add_configured_outputs(int count, const Mode &mode);
    // Whether the outputs are windows on another desktop (wayland, x11).
    bool nested() const;

private:
    explicit Backend(wlr_backend *backend) : backend_(backend) {}

    wlr_backend *backend_;
};

// What the drm choice needs WLR_BACKENDS to say when Backend::create runs:
// wlroots 0.15 starts a session (libseat, the wait for the seat, GPU
// discovery, the session kept with the backend for VT switching) only from
// wlr_backend_autocreate, which takes the backends to start from that
// variable alone. Null for the other choices. main() sets it: the library
// leaves the environment alone.
[[nodiscard]] const char *wlroots_backends(BackendChoice choice);

} // namespace sluice
