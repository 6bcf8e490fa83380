#include "fenced_window.hpp"

#include <stdexcept>

namespace sluice::test {

std::string_view to_string(SyncKind kind) {
    switch (kind) {
    case SyncKind::syncobj: return "syncobj";
    case SyncKind::sync_file: return "sync_file";
    case SyncKind::implicit: return "implicit";
    }
    return "?";
}

namespace {

class TimelineAcquire final : public AcquireControl {
public:
    explicit TimelineAcquire(TimelineFence fence) : fence_(std::move(fence)) {}
    void signal() override { fence_.signal(); }

private:
    TimelineFence fence_;
};

class TimelineRelease final : public ReleaseProbe {
public:
    TimelineRelease(std::shared_ptr<const ClientTimeline> timeline, uint64_t point)
        : timeline_(std::move(timeline)), point_(point) {}
    bool released() const override { return timeline_->signaled(point_); }
    std::string describe() const override {
        const char *state = "unavailable (no fence attached)";
        switch (timeline_->state(point_)) {
        case sync::PointState::Unavailable: break;
        case sync::PointState::Available: state = "available (fence attached, pending)"; break;
        case sync::PointState::Signaled: state = "signaled"; break;
        }
        return "release point " + std::to_string(point_) + " " + state;
    }

private:
    std::shared_ptr<const ClientTimeline> timeline_;
    uint64_t point_;
};

class SwSyncAcquire final : public AcquireControl {
public:
    explicit SwSyncAcquire(std::unique_ptr<SwSyncFence> fence) : fence_(std::move(fence)) {}
    void signal() override { fence_->signal(); }

private:
    std::unique_ptr<SwSyncFence> fence_;
};

class ExplicitRelease final : public ReleaseProbe {
public:
    explicit ExplicitRelease(zwp_linux_surface_synchronization_v1 *synchronization) : listener_(synchronization) {}
    bool released() const override { return listener_.released(); }
    std::string describe() const override { return listener_.describe(); }

private:
    BufferReleaseListener listener_;
};

class VgemAcquire final : public AcquireControl {
public:
    explicit VgemAcquire(VgemFence fence) : fence_(std::move(fence)) {}
    void signal() override { fence_.signal(); }

private:
    VgemFence fence_;
};

// Implicit sync has nothing but wl_buffer.release: released once the
// buffer has had one more release event than when it was committed.
class WlBufferRelease final : public ReleaseProbe {
public:
    explicit WlBufferRelease(const DmaBufBuffer &buffer) : buffer_(buffer), before_(buffer.release_count()) {}
    bool released() const override { return buffer_.release_count() > before_; }
    std::string describe() const override {
        return released() ? "wl_buffer.release received" : "no wl_buffer.release yet";
    }

private:
    const DmaBufBuffer &buffer_;
    uint32_t before_;
};

} // namespace

// --- FencedWindow -------------------------------------------------------------------

FencedWindow::FencedWindow(Client &client, DmaBufSource source, std::shared_ptr<const DrmDevice> vgem_card)
    : client_(client), factory_(client, source, std::move(vgem_card)), toplevel_(std::make_unique<Toplevel>(client)) {}

FencedWindow::~FencedWindow() = default;

FencedCommit FencedWindow::commit(DmaBufBuffer &buffer, bool ready) {
    if (!toplevel_)
        throw std::logic_error("commit on a FencedWindow whose surface was destroyed");
    FencedCommit out;
    wl_surface *s = surface();
    wl_surface_attach(s, buffer.get(), 0, 0);
    wl_surface_damage_buffer(s, 0, 0, buffer.width(), buffer.height());
    out.frame = std::make_unique<FrameCallback>(s);
    if (client_.presentation() != nullptr)
        out.feedback = std::make_unique<PresentationFeedback>(client_.presentation(), s);
    prepare(buffer, ready, out);
    wl_surface_commit(s);
    client_.flush();
    return out;
}

bool FencedWindow::map(DmaBufBuffer &buffer, std::chrono::milliseconds timeout) {
    if (!toplevel_->wait_for_configure(1, timeout))
        return false;
    FencedCommit first = commit(buffer, true);
    return client_.roundtrip(timeout);
}

void FencedWindow::destroy_surface() {
    destroy_extension();
    toplevel_.reset();
    client_.flush();
}

// --- SyncobjWindow -------------------------------------------------------------------

SyncobjWindow::SyncobjWindow(Client &client, std::shared_ptr<const SyncobjContext> context, DmaBufSource source,
                             std::shared_ptr<const DrmDevice> vgem_card)
    : FencedWindow(client, source, std::move(vgem_card)), context_(std::move(context)), manager_(client),
      extension_(manager_.get_surface(surface())) {
    if (!context_)
        throw std::runtime_error("SyncobjWindow needs a syncobj device (vgem render node with timelines)");
}

SyncobjWindow::~SyncobjWindow() {
    destroy_extension();
    timelines_.clear();
}

void SyncobjWindow::prepare(DmaBufBuffer &buffer, bool ready, FencedCommit &out) {
    BufferTimelines &t = timelines_[&buffer];
    if (!t.acquire) {
        t.acquire = std::make_unique<ImportedTimeline>(manager_, *context_);
        t.release = std::make_unique<ImportedTimeline>(manager_, *context_);
    }
    const uint64_t point = ++t.last_point;
    TimelineFence fence(t.acquire->local, point);
    if (ready)
        fence.signal();
    else
        out.acquire = std::make_unique<TimelineAcquire>(std::move(fence));
    set_acquire_point(extension_.get(), *t.acquire, point);
    set_release_point(extension_.get(), *t.release, point);
    out.release = std::make_unique<TimelineRelease>(t.release->local, point);
}

// --- SyncFileWindow --------------------------------------------------------------------

SyncFileWindow::SyncFileWindow(Client &client, DmaBufSource source, std::shared_ptr<const DrmDevice> vgem_card)
    : FencedWindow(client, source, std::move(vgem_card)), manager_(client),
      extension_(manager_.get_synchronization(surface())) {}

SyncFileWindow::~SyncFileWindow() { destroy_extension(); }

void SyncFileWindow::prepare(DmaBufBuffer &, bool ready, FencedCommit &out) {
    // Each pending fence has a sw_sync timeline of its own, so that fences
    // signal independently of each other, in any order the test likes.
    auto fence = std::make_unique<SwSyncFence>();
    if (ready)
        fence->signal();
    // An already signaled fence is still a fence: ready commits go through
    // the same path as held ones.
    const sync::SyncFile copy = fence->fence();
    zwp_linux_surface_synchronization_v1_set_acquire_fence(extension_.get(), copy.fd().get());
    out.release = std::make_unique<ExplicitRelease>(extension_.get());
    if (!ready)
        out.acquire = std::make_unique<SwSyncAcquire>(std::move(fence));
    // A ready fence dies here; the copy sent is already signaled.
}

// --- ImplicitWindow ----------------------------------------------------------------------

ImplicitWindow::ImplicitWindow(Client &client, DmaBufSource source, std::shared_ptr<const DrmDevice> vgem_card)
    : FencedWindow(client, source, std::move(vgem_card)) {}

ImplicitWindow::~ImplicitWindow() = default;

void ImplicitWindow::prepare(DmaBufBuffer &buffer, bool ready, FencedCommit &out) {
    if (!ready && buffer.dmabuf().source() == DmaBufSource::vgem) {
        out.acquire = std::make_unique<VgemAcquire>(buffer.dmabuf().attach_vgem_fence());
    } else if (!ready) {
        auto fence = std::make_unique<SwSyncFence>();
        buffer.dmabuf().import_write_fence(fence->fence());
        out.acquire = std::make_unique<SwSyncAcquire>(std::move(fence));
    }
    out.release = std::make_unique<WlBufferRelease>(buffer);
}

std::unique_ptr<FencedWindow> make_fenced_window(SyncKind kind, Client &client, const FenceKit &kit,
                                                 DmaBufSource source) {
    switch (kind) {
    case SyncKind::syncobj: return std::make_unique<SyncobjWindow>(client, kit.syncobj, source, kit.vgem_card);
    case SyncKind::sync_file: return std::make_unique<SyncFileWindow>(client, source, kit.vgem_card);
    case SyncKind::implicit: return std::make_unique<ImplicitWindow>(client, source, kit.vgem_card);
    }
    throw std::logic_error("unknown SyncKind");
}

} // namespace sluice::test
