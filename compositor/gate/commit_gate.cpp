#include "compositor/gate/commit_gate.hpp"

#include "common/log.hpp"
#include "common/surface_addon.hpp"
#include "compositor/gate/buffer_release.hpp"
#include "compositor/gate/hold_queue.hpp"
#include "compositor/gate/xdg_pending_state.hpp"
#include "protocols/linux_drm_syncobj.hpp"
#include "protocols/linux_explicit_sync_v1.hpp"

namespace sluice {

// The gate's state on one surface: a HoldQueue of the commits it holds,
// each locked in wlroots (wlr_surface_lock_pending) and carrying the xdg
// state it was made with. Lives as long as the surface, so a destroyed
// surface cancels its waits and unlocks nothing.
//
// Once one commit is held, every later commit is held behind it too, even
// with nothing to wait for: wlroots would queue it anyway, but only a
// commit the gate holds itself can have its xdg state put back right
// before it is applied.
class GatedSurface : public SurfaceAddon<GatedSurface> {
public:
    static constexpr const char *addon_name = "sluice-commit-gate";

    GatedSurface(wlr_surface *surface, const void *owner, CommitGate &gate)
        : SurfaceAddon(surface, owner), gate_(gate), client_(wl_resource_get_client(surface->resource)),
          queue_(gate.held_per_client_, client_, [this](Queue::Released commit) { apply(std::move(commit)); }) {}

    bool holding() const { return !queue_.empty(); }
    size_t held_count() const { return queue_.size(); }

    // Locks the commit now being made; it is applied once `fences` have
    // signaled and every commit before it has been applied. A fence that
    // cannot be watched (the fd table is full) keeps the commit locked for
    // good and disconnects the client: showing the buffer unready is not an
    // option, and nothing would ever release it.
    void hold(std::vector<protocols::AcquireFence> fences) {
        uint32_t seq = wlr_surface_lock_pending(surface());
        HoldOutcome outcome =
            queue_.hold(seq, XdgPendingState::capture(surface()), fences.size(),
                        [&](size_t i, sync::FenceCallback done) { return start_wait(fences[i], std::move(done)); });
        if (!outcome.held) {
            // The commit stays locked: its buffer is never shown.
            LOG_ERROR(sync, "a client holds %zu commits waiting for fences; disconnecting it",
                      gate_.held_per_client_.held(client_));
            wl_client_post_implementation_error(client_, "more than %zu commits waiting for fences",
                                                max_held_commits_per_client);
            return;
        }
        for (const sync::Error &error : outcome.unstartable) {
            LOG_ERROR(sync, "cannot wait for an acquire fence (%s); disconnecting the client", error.message.c_str());
            wl_client_post_implementation_error(client_, "sluice cannot wait for this fence: %s",
                                                error.message.c_str());
        }
        ++gate_.stats_.held;
        LOG_DEBUG(sync, "surface %p: holding commit %u for %zu fence(s), %zu held", static_cast<void *>(surface()), seq,
                  queue_.remaining(seq), queue_.size());
    }

private:
    using Queue = HoldQueue<std::optional<XdgPendingState>>;

    sync::Result<sync::PendingWait> start_wait(protocols::AcquireFence &fence, sync::FenceCallback done) {
        if (fence.timeline_point) {
            return gate_.waiter_.wait_timeline(*fence.timeline_point->timeline, fence.timeline_point->point,
                                               sync::WaitFor::Signaled, std::move(done));
        }
        return gate_.waiter_.wait_sync_file(std::move(*fence.sync_file), std::move(done));
    }

    // Applies a commit the queue let through.
    void apply(Queue::Released commit) {
        // What the client has acked since its last commit must survive the
        // state put back for the commit applied now.
        std::optional<XdgPendingState> live = XdgPendingState::capture(surface());
        if (commit.payload) {
            commit.payload->restore(surface());
        }
        ++gate_.stats_.released;
        LOG_DEBUG(sync, "surface %p: commit %u released", static_cast<void *>(surface()), commit.seq);
        wlr_surface_unlock_cached(surface(), commit.seq);
        if (live) {
            live->restore(surface());
        }
    }

    CommitGate &gate_;
    wl_client *client_;
    // Last: its waits, which call back into this object, go first.
    Queue queue_;
};

CommitGate::CommitGate(wl_display *display, sync::SyncContext &sync)
    : waiter_(sync.waiter()), dmabuf_fences_(sync.dmabuf_fences()) {
    logger_ = wl_display_add_protocol_logger(display, &CommitGate::on_protocol_message, this);
}

CommitGate::~CommitGate() {
    if (logger_ != nullptr) {
        wl_protocol_logger_destroy(logger_);
    }
    releases_.clear();
}

void CommitGate::set_protocols(protocols::LinuxDrmSyncobjManager *syncobj,
                               protocols::LinuxExplicitSyncV1 *explicit_v1) {
    syncobj_ = syncobj;
    explicit_v1_ = explicit_v1;
}

size_t CommitGate::held_commits(wlr_surface *surface) const {
    GatedSurface *gated = GatedSurface::find(surface, this);
    return gated != nullptr ? gated->held_count() : 0;
}

void CommitGate::on_protocol_message(void *data, wl_protocol_logger_type type,
                                     const wl_protocol_logger_message *message) {
    // libwayland calls protocol loggers for every request just before it
    // dispatches it, which makes this the one place to see a commit before
    // wlroots applies it (wlroots 0.15 has no such signal). Keep the common
    // path to two comparisons: this runs for every message of every client.
    static const wl_message *const commit = &wl_surface_interface.methods[WL_SURFACE_COMMIT];
    if (type != WL_PROTOCOL_LOGGER_REQUEST || message->message != commit) {
        return;
    }
    static_cast<CommitGate *>(data)->on_commit(message->resource);
}

GatedSurface &CommitGate::gated(wlr_surface *surface) { return GatedSurface::get(surface, this, *this); }

void CommitGate::on_commit(wl_resource *surface_resource) {
    wlr_surface *surface = wlr_surface_from_resource(surface_resource);
    ++stats_.commits;

    wlr_buffer *buffer = (surface->pending.committed & WLR_SURFACE_STATE_BUFFER) ? surface->pending.buffer : nullptr;
    wlr_dmabuf_attributes attribs{};
    protocols::CommitFacts facts;
    facts.attaches_buffer = buffer != nullptr;
    facts.buffer_is_dmabuf = buffer != nullptr && wlr_buffer_get_dmabuf(buffer, &attribs);

    protocols::CommitSync sync;
    bool valid = (syncobj_ == nullptr || syncobj_->take_commit(surface_resource, facts, sync)) &&
                 (explicit_v1_ == nullptr || explicit_v1_->take_commit(surface_resource, facts, sync));
    if (!valid) {
        // A protocol error was posted and the client is on its way out;
        // hold this commit forever so its buffer is never latched.
        (void)wlr_surface_lock_pending(surface);
        return;
    }
    if (facts.buffer_is_dmabuf && !sync.explicit_sync) {
        collect_implicit_fences(buffer, sync);
    }
    if (buffer != nullptr && !sync.release.empty()) {
        releases_.push_back(std::make_unique<BufferRelease>(buffer, std::move(sync.release), dmabuf_fences_,
                                                            [this](BufferRelease *done) { remove_release(done); }));
    }

    // Only fences that are still pending hold the commit: the common case
    // (already signaled) costs no lock and no frame of latency.
    std::vector<protocols::AcquireFence> pending;
    for (auto &fence : sync.acquire) {
        bool signaled = false;
        if (fence.timeline_point) {
            auto state = fence.timeline_point->timeline->query(fence.timeline_point->point);
            signaled = state && *state == sync::PointState::Signaled;
        } else if (fence.sync_file) {
            auto state = fence.sync_file->is_signaled();
            signaled = state && *state;
        }
        if (!signaled) {
            pending.push_back(std::move(fence));
        }
    }
    GatedSurface *existing = GatedSurface::find(surface, this);
    if (!pending.empty() || (existing != nullptr && existing->holding())) {
        gated(surface).hold(std::move(pending));
    }
}

void CommitGate::collect_implicit_fences(wlr_buffer *buffer, protocols::CommitSync &sync) {
    wlr_dmabuf_attributes attribs{};
    if (!wlr_buffer_get_dmabuf(buffer, &attribs)) {
        return;
    }
    // Reading needs the writers done: the fences a reader waits for. Planes
    // usually share one dma-buf; export each distinct one once.
    for (int i = 0; i < attribs.n_planes; ++i) {
        bool seen = false;
        for (int j = 0; j < i; ++j) {
            seen = seen || attribs.fd[j] == attribs.fd[i];
        }
        if (seen) {
            continue;
        }
        auto fence = dmabuf_fences_.export_sync_file(sync::BorrowedFd(attribs.fd[i]), sync::DmaBufAccess::Read);
        if (fence) {
            sync.acquire.push_back(protocols::AcquireFence{std::nullopt, std::move(fence).value()});
        } else if (sync::DmaBufFences::is_unsupported(fence.error())) {
            if (!warned_no_implicit_) {
                LOG_ERROR(sync, "this kernel cannot export dma-buf fences (Linux 6.0+ can); implicitly "
                                "synchronized buffers are shown without waiting for them");
                warned_no_implicit_ = true;
            }
            return;
        } else {
            LOG_ERROR(sync, "cannot read the implicit fences of a client buffer: %s", fence.error().message.c_str());
        }
    }
}

void CommitGate::remove_release(BufferRelease *release) {
    releases_.remove_if([release](const std::unique_ptr<BufferRelease> &r) { return r.get() == release; });
}

} // namespace sluice
