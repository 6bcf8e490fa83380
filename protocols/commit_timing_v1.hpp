// wp_commit_timing_v1: a commit may name the time before which it is not
// to be presented (set_timestamp, on the presentation clock). Parses the
// request into per-commit state (CommitTiming); the gate holds the commit
// until an output's next frame is presented at or after that time.
#pragma once

#include <wayland-server-core.h>

#include "protocols/commit_sync.hpp"
#include "protocols/surface_extension.hpp"

namespace sluice::protocols {

class CommitTimingManagerV1 {
public:
    explicit CommitTimingManagerV1(wl_display *display);
    ~CommitTimingManagerV1();

    CommitTimingManagerV1(const CommitTimingManagerV1 &) = delete;
    CommitTimingManagerV1 &operator=(const CommitTimingManagerV1 &) = delete;

    // Moves the surface's pending timestamp into `out` (nothing when the
    // surface has no wp_commit_timer_v1).
    void take_commit(wl_resource *surface, CommitTiming &out);

private:
    static void bind(wl_client *client, void *data, uint32_t version, uint32_t id);
    static void handle_get_timer(wl_client *client, wl_resource *resource, uint32_t id, wl_resource *surface);

    wl_global *global_;
    SurfaceExtensions surfaces_;
    ManagerResources resources_;
};

} // namespace sluice::protocols
