#include "compositor/gate/commit_gate.hpp"

#include <algorithm>

#include "common/log.hpp"
#include "common/monotonic_time.hpp"
#include "common/surface_addon.hpp"
#include "compositor/gate/buffer_release.hpp"
#include "compositor/gate/hold_queue.hpp"
#include "compositor/gate/xdg_pending_state.hpp"
#include "protocols/commit_timing_v1.hpp"
#include "protocols/fifo_v1.hpp"
#include "protocols/linux_drm_syncobj.hpp"
#include "protocols/linux_explicit_sync_v1.hpp"
#include "protocols/tearing_control_v1.hpp"

namespace sluice {

namespace {

// What a held commit carries to the moment it is applied.
struct HeldCommit {
    std::optional<XdgPendingState> xdg;
    protocols::CommitTiming timing;
};

// fifo-v1: "The constraint must be ignored if the surface is a subsurface
// in synchronized mode" (its parent's commit decides when it shows).
bool synchronized_subsurface(wlr_surface *surface) {
    if (!wlr_surface_is_subsurface(surface)) {
        return false;
    }
    wlr_subsurface *subsurface = wlr_subsurface_from_wlr_surface(surface);
    return subsurface != nullptr && subsurface->synchronized;
}

} // namespace

// The gate's state on one surface: a HoldQueue of the commits it holds,
// each locked in wlroots (wlr_surface_lock_pending) and carrying the xdg
// state it was made with. Lives as long as the surface, so a destroyed
// surface cancels its waits and unlocks nothing.
//
// Once one commit is held, every later commit is held behind it too, even
// with nothing to wait for: wlroots would queue it anyway, but only a
// commit the gate holds itself can have its xdg state put back right
// before it is applied.
//
// It also keeps the surface's fifo barrier and the output that last showed
// the surface: a surface no output shows has its fifo constraint ignored,
// as fifo-v1 allows, so that nothing holds an off-screen client forever.
class GatedSurface : public SurfaceAddon<GatedSurface> {
public:
    static constexpr const char *addon_name = "sluice-commit-gate";

    GatedSurface(wlr_surface *surface, const void *owner, CommitGate &gate)
        : SurfaceAddon(surface, owner), gate_(gate), client_(wl_resource_get_client(surface->resource)),
          queue_(
              gate.held_per_client_, client_, [this](Queue::Released commit) { apply(std::move(commit)); },
              [this](const HeldCommit &commit) { return blocked(commit.timing); }) {
        // Until an output's frame shows it, where wlroots says it is.
        if (!wl_list_empty(&surface->current_outputs)) {
            wlr_surface_output *first = wl_container_of(surface->current_outputs.next, first, link);
            shown_on_ = first->output;
        }
        gate_.surfaces_.insert(this);
    }
    ~GatedSurface() { gate_.surfaces_.erase(this); }

    bool holding() const { return !queue_.empty(); }
    size_t held_count() const { return queue_.size(); }

    // Whether a commit with `timing` may not be applied now.
    bool blocked(const protocols::CommitTiming &timing) {
        waits_for_barrier_ = false;
        if (timing.wait_barrier && barrier_ && shown_on_ != nullptr && !synchronized_subsurface(surface())) {
            waits_for_barrier_ = true;
            return true;
        }
        if (timing.target_ns) {
            // Applied now, the content shows in the output's next frame:
            // wait while that frame is presented before the target. The
            // timer makes sure a frame, or a retry off screen, comes then.
            if (*timing.target_ns > gate_.next_present_ns(shown_on_)) {
                gate_.arm_timer(*timing.target_ns);
                return true;
            }
        }
        return false;
    }

    // A commit applied without being held (nothing blocked it).
    void applied_at_once(const protocols::CommitTiming &timing) { barrier_ = barrier_ || timing.set_barrier; }

    // An output latched a frame, which showed this surface or not.
    void latched(wlr_output *output, bool shown) {
        if (shown) {
            shown_on_ = output;
        } else if (shown_on_ == output || shown_on_ == nullptr) {
            // Off screen (hidden, unmapped, moved away): constraints lapse.
            shown_on_ = nullptr;
        } else {
            return; // another output's frame decides
        }
        // "cleared immediately after the following latching deadline"
        barrier_ = false;
        queue_.retry();
        ask_for_frame();
    }

    void output_gone(wlr_output *output) {
        if (shown_on_ == output) {
            shown_on_ = nullptr;
            barrier_ = false;
            queue_.retry();
        }
    }

    // A target time some commit waits for has come: off screen that is
    // the moment to apply it; on screen, the next frame's latch is.
    void timer_tick() {
        if (shown_on_ == nullptr) {
            queue_.retry();
        } else if (holding()) {
            wlr_output_schedule_frame(shown_on_);
        }
    }

    // Locks the commit now being made; it is applied once `fences` have
    // signaled and every commit before it has been applied. A fence that
    // cannot be watched (the fd table is full) keeps the commit locked for
    // good and disconnects the client: showing the buffer unready is not an
    // option, and nothing would ever release it.
    void hold(std::vector<protocols::AcquireFence> fences, const protocols::CommitTiming &timing) {
        uint32_t seq = wlr_surface_lock_pending(surface());
        HoldOutcome outcome =
            queue_.hold(seq, HeldCommit{XdgPendingState::capture(surface()), timing}, fences.size(),
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
        LOG_DEBUG(sync, "surface %p: holding commit %u for %zu fence(s)%s%s, %zu held", static_cast<void *>(surface()),
                  seq, queue_.remaining(seq), timing.wait_barrier ? ", the fifo barrier" : "",
                  timing.target_ns ? ", a target time" : "", queue_.size());
        ask_for_frame();
    }

private:
    using Queue = HoldQueue<HeldCommit>;

    // Outputs that draw only when something changed (KMS, nested) must
    // latch a frame for a commit that waits for the barrier to clear. One
    // that waits for a time gets its frame from the timer when the time
    // comes: asking now would have such outputs draw empty frames in a
    // busy loop until then.
    void ask_for_frame() {
        if (shown_on_ != nullptr && queue_.front_blocked() && waits_for_barrier_) {
            wlr_output_schedule_frame(shown_on_);
        }
    }

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
        if (commit.payload.xdg) {
            commit.payload.xdg->restore(surface());
        }
        // Set as the commit is applied, so a later commit in this drain
        // already waits for it.
        barrier_ = barrier_ || commit.payload.timing.set_barrier;
        ++gate_.stats_.released;
        LOG_DEBUG(sync, "surface %p: commit %u released", static_cast<void *>(surface()), commit.seq);
        wlr_surface_unlock_cached(surface(), commit.seq);
        if (live) {
            live->restore(surface());
        }
    }

    CommitGate &gate_;
    wl_client *client_;
    bool barrier_ = false;
    // What the last blocked() found: the barrier (else a time).
    bool waits_for_barrier_ = false;
    // The output whose frames last showed the surface; null: none does.
    wlr_output *shown_on_ = nullptr;
    // Last: its waits, which call back into this object, go first.
    Queue queue_;
};

CommitGate::CommitGate(wl_display *display, sync::SyncContext &sync)
    : waiter_(sync.waiter()), dmabuf_fences_(sync.dmabuf_fences()) {
    logger_ = wl_display_add_protocol_logger(display, &CommitGate::on_protocol_message, this);
    target_timer_ = wl_event_loop_add_timer(wl_display_get_event_loop(display), &CommitGate::on_target_timer, this);
}

CommitGate::~CommitGate() {
    if (logger_ != nullptr) {
        wl_protocol_logger_destroy(logger_);
    }
    if (target_timer_ != nullptr) {
        wl_event_source_remove(target_timer_);
    }
    releases_.clear();
}

void CommitGate::set_timing_protocols(protocols::FifoManagerV1 *fifo, protocols::CommitTimingManagerV1 *timing) {
    fifo_ = fifo;
    timing_ = timing;
}

void CommitGate::frame_latched(wlr_output *output, const std::vector<wlr_surface *> &shown, uint64_t next_present_ns) {
    next_present_[output] = next_present_ns;
    // A copy: applying a commit may create or destroy surfaces' state.
    std::vector<GatedSurface *> surfaces(surfaces_.begin(), surfaces_.end());
    for (GatedSurface *gated : surfaces) {
        if (surfaces_.count(gated) == 0) {
            continue;
        }
        bool on = std::find(shown.begin(), shown.end(), gated->surface()) != shown.end();
        gated->latched(output, on);
    }
}

void CommitGate::output_removed(wlr_output *output) {
    next_present_.erase(output);
    std::vector<GatedSurface *> surfaces(surfaces_.begin(), surfaces_.end());
    for (GatedSurface *gated : surfaces) {
        if (surfaces_.count(gated) != 0) {
            gated->output_gone(output);
        }
    }
}

uint64_t CommitGate::next_present_ns(wlr_output *output) const {
    uint64_t now = monotonic_now_ns();
    auto it = output != nullptr ? next_present_.find(output) : next_present_.end();
    // An output's prediction from its last latch may be behind by now (it
    // missed frames): content applied now cannot show before now.
    return it != next_present_.end() ? std::max(it->second, now) : now;
}

void CommitGate::arm_timer(uint64_t target_ns) {
    if (target_timer_ == nullptr || (target_deadline_ns_ != 0 && target_deadline_ns_ <= target_ns)) {
        return;
    }
    target_deadline_ns_ = target_ns;
    uint64_t now = monotonic_now_ns();
    // Whole milliseconds, rounded up: never early.
    uint64_t ms = target_ns > now ? (target_ns - now + 999999) / 1000000 : 1;
    wl_event_source_timer_update(target_timer_, static_cast<int>(std::min<uint64_t>(ms, INT32_MAX)));
}

int CommitGate::on_target_timer(void *data) {
    auto *self = static_cast<CommitGate *>(data);
    self->target_deadline_ns_ = 0;
    std::vector<GatedSurface *> surfaces(self->surfaces_.begin(), self->surfaces_.end());
    for (GatedSurface *gated : surfaces) {
        if (self->surfaces_.count(gated) != 0) {
            gated->timer_tick(); // re-arms the timer for what still waits
        }
    }
    return 0;
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
    if (fifo_ != nullptr) {
        fifo_->take_commit(surface_resource, sync.timing);
    }
    if (timing_ != nullptr) {
        timing_->take_commit(surface_resource, sync.timing);
    }
    if (tearing_ != nullptr) {
        tearing_->take_commit(surface_resource);
    }
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
    const protocols::CommitTiming &timing = sync.timing;
    if (existing == nullptr && (timing.constrains() || timing.set_barrier)) {
        existing = &gated(surface);
    }
    if (!pending.empty() || (existing != nullptr && (existing->holding() || existing->blocked(timing)))) {
        gated(surface).hold(std::move(pending), timing);
    } else if (existing != nullptr) {
        existing->applied_at_once(timing);
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
