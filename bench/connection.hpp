// One client connection to the compositor under test and the globals the
// workloads use. Whatever the compositor lacks stays null; workloads decide
// what that means (fall back, or record "not offered").
#pragma once

#include <time.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <wayland-client.h>

#include "linux-dmabuf-unstable-v1-client-protocol.h"
#include "linux-explicit-synchronization-unstable-v1-client-protocol.h"
#include "presentation-time-client-protocol.h"
#include "proxy.hpp"
#include "xdg-shell-client-protocol.h"

namespace bench {

struct OutputMode {
    int32_t width = 0;
    int32_t height = 0;
    int32_t refresh_mhz = 0;
};

class Connection {
public:
    // socket: a name in $XDG_RUNTIME_DIR or a path; empty means
    // $WAYLAND_DISPLAY. Returns null and sets error when it cannot connect
    // or the compositor lacks what every workload needs (wl_compositor,
    // wl_shm, xdg_wm_base).
    static std::unique_ptr<Connection> open(const std::string &socket, std::string &error);
    // Takes a socket already connected (the startup workload connects by
    // hand to time the moment the compositor accepts).
    static std::unique_ptr<Connection> adopt(int fd, std::string &error);
    ~Connection();

    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    wl_display *display() const { return display_; }
    wl_compositor *compositor() const { return compositor_.get(); }
    wl_shm *shm() const { return shm_.get(); }
    xdg_wm_base *wm_base() const { return wm_base_.get(); }
    wp_presentation *presentation() const { return presentation_.get(); }
    zwp_linux_dmabuf_v1 *dmabuf() const { return dmabuf_.get(); }
    zwp_linux_explicit_synchronization_v1 *explicit_sync() const { return explicit_sync_.get(); }
    bool has_global(const std::string &interface) const;
    const std::vector<std::string> &global_names() const { return global_names_; }

    // The clock presentation timestamps are on (CLOCK_MONOTONIC when the
    // compositor has no wp_presentation: frame callbacks are then timed on
    // arrival, on that clock).
    clockid_t clock() const { return clock_; }
    int64_t now() const;
    const OutputMode &output_mode() const { return mode_; }
    // DRM format modifiers linux-dmabuf (v3) announced for a format.
    std::vector<uint64_t> dmabuf_modifiers(uint32_t format) const;

    bool roundtrip();
    // Non-empty once the connection has failed: the protocol error or errno.
    std::string error() const;
    bool failed() const { return wl_display_get_error(display_) != 0; }

    // Reads and dispatches events on all connections until timeout_ms passes
    // or at least one event arrived. Returns false if any connection failed.
    static bool pump(std::span<Connection *const> connections, int timeout_ms);
    bool pump(int timeout_ms);

private:
    explicit Connection(wl_display *display) : display_(display) {}
    bool init(std::string &error);

    static void on_global(void *data, wl_registry *registry, uint32_t name, const char *interface, uint32_t version);
    static void on_global_remove(void *data, wl_registry *registry, uint32_t name);

    wl_display *display_;
    Proxy<wl_registry> registry_;
    Proxy<wl_compositor> compositor_;
    Proxy<wl_shm> shm_;
    Proxy<xdg_wm_base> wm_base_;
    Proxy<wp_presentation> presentation_;
    Proxy<wl_output> output_;
    Proxy<zwp_linux_dmabuf_v1> dmabuf_;
    Proxy<zwp_linux_explicit_synchronization_v1> explicit_sync_;
    std::vector<std::string> global_names_;
    std::vector<std::pair<uint32_t, uint64_t>> dmabuf_formats_;
    clockid_t clock_ = CLOCK_MONOTONIC;
    OutputMode mode_;
};

} // namespace bench
