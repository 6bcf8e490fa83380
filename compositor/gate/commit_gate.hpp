// The gate: every wl_surface.commit passes here before wlroots applies it.
// The gate validates the commit's explicit-sync state (protocol errors for
// misuse), gathers the fences its buffer must wait for — an explicit acquire
// point or sync_file, else the dma-buf's implicit write fences — and, while
// any is pending, holds the commit with wlr_surface_lock_pending. Fences are
// waited for on the event loop, never blocking it; when they signal the
// commit is released with wlr_surface_unlock_cached, and later commits,
// which wlroots queued behind it, follow in order. A client whose fence
// never signals holds back only its own surface.
#pragma once

#include <list>
#include <memory>

#include "common/listener.hpp"
#include "compositor/gate/client_hold_counts.hpp"
#include "protocols/commit_sync.hpp"
#include "sync/sync_context.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {

namespace protocols {
class LinuxDrmSyncobjManager;
class LinuxExplicitSyncV1;
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

    sync::FenceWaiter &waiter_;
    sync::DmaBufFences &dmabuf_fences_;
    protocols::LinuxDrmSyncobjManager *syncobj_ = nullptr;
    protocols::LinuxExplicitSyncV1 *explicit_v1_ = nullptr;
    wl_protocol_logger *logger_ = nullptr;
    std::list<std::unique_ptr<BufferRelease>> releases_;
    GateStats stats_;
    bool warned_no_implicit_ = false;
    // Shared by the queues of all of a client's surfaces.
    ClientHoldCounts held_per_client_;
};

} // namespace sluice
