// What the explicit-sync protocols hand the commit gate for one
// wl_surface.commit: the fences that must signal before the buffer may be
// read, and whom to tell when sluice no longer reads it. Nothing here knows
// about wlroots; the gate knows nothing of the protocols beyond this.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "sync/drm_syncobj.hpp"
#include "sync/sync_file.hpp"

namespace sluice::protocols {

// A point on a DRM syncobj timeline that keeps the timeline alive (unlike
// sync::TimelinePoint, which only borrows it): the client may destroy its
// timeline object while commits that name it are still queued.
struct SharedTimelinePoint {
    std::shared_ptr<const sync::DrmSyncobjTimeline> timeline;
    std::uint64_t point = 0;
};

// A fence the buffer's producer signals when the buffer is ready to read.
struct AcquireFence {
    std::optional<SharedTimelinePoint> timeline_point;
    std::optional<sync::SyncFile> sync_file;
};

// Someone to tell when sluice has stopped reading a committed buffer.
// Release happens exactly once: explicitly through release(), or, if the
// target dies first, as an immediate release from its destructor (so that
// a client is never left waiting, whatever path dropped the buffer).
class ReleaseTarget {
public:
    virtual ~ReleaseTarget() = default;
    ReleaseTarget(const ReleaseTarget &) = delete;
    ReleaseTarget &operator=(const ReleaseTarget &) = delete;

    // `fence` signals once the last read of the buffer has finished; null
    // when reading is already over.
    virtual void release(const sync::SyncFile *fence) = 0;

protected:
    ReleaseTarget() = default;
};

// What fifo-v1 and commit-timing-v1 ask of one commit: conditions on when
// it may be applied, on top of its fences.
struct CommitTiming {
    // Applying this commit sets the surface's fifo barrier.
    bool set_barrier = false;
    // Not applied while the surface's fifo barrier is set.
    bool wait_barrier = false;
    // Not presented before this time (CLOCK_MONOTONIC, ns).
    std::optional<std::uint64_t> target_ns;

    [[nodiscard]] bool constrains() const { return wait_barrier || target_ns.has_value(); }
};

struct CommitSync {
    std::vector<AcquireFence> acquire;
    std::vector<std::unique_ptr<ReleaseTarget>> release;
    // The client synchronizes explicitly: the buffer's implicit fences are
    // not to be waited for.
    bool explicit_sync = false;
    CommitTiming timing;
};

// What the protocols check a commit against.
struct CommitFacts {
    // A non-null buffer is attached in this commit.
    bool attaches_buffer = false;
    // That buffer is a dma-buf (the only kind explicit sync applies to).
    bool buffer_is_dmabuf = false;
};

} // namespace sluice::protocols
