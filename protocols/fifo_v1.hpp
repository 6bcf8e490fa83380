// wp_fifo_v1: a commit may wait until the surface's previous content has
// been on screen for one refresh (wait_barrier), and may set that condition
// for the next (set_barrier). Parses the requests into per-commit state
// (CommitTiming); the gate holds the commit and clears the barrier.
#pragma once

#include <wayland-server-core.h>

#include "protocols/commit_sync.hpp"
#include "protocols/surface_extension.hpp"

namespace sluice::protocols {

class FifoManagerV1 {
public:
    explicit FifoManagerV1(wl_display *display);
    ~FifoManagerV1();

    FifoManagerV1(const FifoManagerV1 &) = delete;
    FifoManagerV1 &operator=(const FifoManagerV1 &) = delete;

    // Moves the surface's pending fifo state into `out` (nothing when the
    // surface has no wp_fifo_v1).
    void take_commit(wl_resource *surface, CommitTiming &out);

private:
    static void bind(wl_client *client, void *data, uint32_t version, uint32_t id);
    static void handle_get_fifo(wl_client *client, wl_resource *resource, uint32_t id, wl_resource *surface);

    wl_global *global_;
    SurfaceExtensions surfaces_;
    ManagerResources resources_;
};

} // namespace sluice::protocols
