// The gate: every wl_surface.commit passes here before wlroots applies it.
// The gate validates the commit's explicit-sync state (protocol errors for
// misuse), gathers the fences its buffer must wait for — an explicit acquire
// point or sync_file, else the dma-buf's implicit write fences — and, while
// any is pending, holds the commit with wlr_surface_lock_pending. Fences are
// waited for on the event loop, never blocking it; when they signal the
// commit is released with wlr_surface_unlock_cached, and later commits,
// which wlroots queued behind it, follow in order. A client whose fence
// never signals holds back only its own surface.
//
// Time holds commits too (fifo-v1, commit-timing-v1): a commit that waits
// for the surface's fifo barrier, or names a time before which it is not
// to be presented, is held the same way, and its fences and these
// conditions must all be met. The outputs tell the gate when they have
// latched a frame (frame_latched): that clears the barriers of the
// surfaces it showed and lets through what may now reach the next frame.
#pragma once

#include <list>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/listener.hpp"
#include "compositor/gate/client_hold_counts.hpp"
#include "protocols/commit_sync.hpp"
#include "sync/sync_context.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {

namespace protocols {
class CommitTimingManagerV1;
class FifoManagerV1;
class LinuxDrmSyncobjManager;
class LinuxExplicitSyncV1;
class TearingControlManagerV1;
} // namespace protocols

class BufferRelease;
class GatedSurface;

struct GateStats {
    uint64_t commits = 0;
    uint64_t held = 0;
    uint64_t released = 0;
};

class CommitGate {
public:
    // `sync` waits for the fences and must outlive the gate.
    CommitGate(wl_display *display, sync::SyncContext &sync);
    ~CommitGate();

    CommitGate(const CommitGate &) = delete;
    CommitGate &operator=(const CommitGate &) = delete;

    // The explicit-sync protocols whose per-commit state the gate consumes;
    // either may be null (not offered).
    void set_protocols(protocols::LinuxDrmSyncobjManager *syncobj, protocols::LinuxExplicitSyncV1 *explicit_v1);
    // The frame-pacing protocols; either may be null (not offered).
    void set_timing_protocols(protocols::FifoManagerV1 *fifo, protocols::CommitTimingManagerV1 *timing);
    // Takes each commit's presentation hint as the commit reaches the gate
    // (a held commit's hint counts from then, not from when it is applied:
    // nothing acts on hints yet). Null: not offered.
    void set_tearing_control(protocols::TearingControlManagerV1 *tearing) { tearing_ = tearing; }

    // `output` has latched a frame showing `shown`; the next frame it takes
    // will be presented at `next_present_ns` (CLOCK_MONOTONIC). Clears the
    // fifo barriers of the surfaces shown (and of those no output shows any
    // more, whose constraints lapse) and applies what that lets through.
    void frame_latched(wlr_output *output, const std::vector<wlr_surface *> &shown, uint64_t next_present_ns);
    void output_removed(wlr_output *output);

    const GateStats &stats() const { return stats_; }
    // Commits currently held on a surface (0 when none or unknown).
    size_t held_commits(wlr_surface *surface) const;

private:
    friend class GatedSurface;
    static void on_protocol_message(void *data, wl_protocol_logger_type type,
                                    const wl_protocol_logger_message *message);
    void on_commit(wl_resource *surface_resource);
    GatedSurface &gated(wlr_surface *surface);
    void collect_implicit_fences(wlr_buffer *buffer, protocols::CommitSync &sync);
    void remove_release(BufferRelease *release);
    // The time content applied now would be presented on `output` (null:
    // on no output, so now).
    uint64_t next_present_ns(wlr_output *output) const;
    // Wakes the gate at `target_ns` (or earlier, for an earlier target):
    // surfaces on no output retry, the others ask their output for a frame.
    void arm_timer(uint64_t target_ns);
    static int on_target_timer(void *data);

    sync::FenceWaiter &waiter_;
    sync::DmaBufFences &dmabuf_fences_;
    protocols::LinuxDrmSyncobjManager *syncobj_ = nullptr;
    protocols::LinuxExplicitSyncV1 *explicit_v1_ = nullptr;
    protocols::FifoManagerV1 *fifo_ = nullptr;
    protocols::CommitTimingManagerV1 *timing_ = nullptr;
    protocols::TearingControlManagerV1 *tearing_ = nullptr;
    wl_protocol_logger *logger_ = nullptr;
    std::list<std::unique_ptr<BufferRelease>> releases_;
    GateStats stats_;
    bool warned_no_implicit_ = false;
    // Shared by the queues of all of a client's surfaces.
    ClientHoldCounts held_per_client_;
    // Every GatedSurface, for the outputs' latches.
    std::unordered_set<GatedSurface *> surfaces_;
    std::unordered_map<wlr_output *, uint64_t> next_present_;
    wl_event_source *target_timer_ = nullptr;
    uint64_t target_deadline_ns_ = 0; // 0: not armed
};

} // namespace sluice
