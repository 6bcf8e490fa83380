// Test clients that commit dma-bufs guarded by fences the test controls,
// one per way of telling the compositor about the fence:
//   SyncobjWindow   wp_linux_drm_syncobj_surface_v1 acquire/release points
//   SyncFileWindow  zwp_linux_surface_synchronization_v1 acquire sync_file
//                   and zwp_linux_buffer_release_v1
//   ImplicitWindow  no protocol: a vgem fence in the dma-buf itself
// A test drives them step by step: commit (acquire pending or ready), look
// at the screen, signal, look again, ask whether the buffer was released.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "client.hpp"
#include "fences.hpp"
#include "frame.hpp"
#include "linux_dmabuf.hpp"
#include "sync_protocols.hpp"
#include "xdg.hpp"

namespace sluice::test {

enum class SyncKind { syncobj, sync_file, implicit };
std::string_view to_string(SyncKind kind);

// Lets a held commit through.
class AcquireControl {
public:
    virtual ~AcquireControl() = default;
    virtual void signal() = 0;
};

// Tells whether the compositor has said it is done with a committed buffer.
class ReleaseProbe {
public:
    virtual ~ReleaseProbe() = default;
    [[nodiscard]] virtual bool released() const = 0;
    [[nodiscard]] virtual std::string describe() const = 0;
};

// What a test keeps of one commit.
struct FencedCommit {
    // Null when the commit was made with its fence already signaled.
    std::unique_ptr<AcquireControl> acquire;
    std::unique_ptr<ReleaseProbe> release;
    std::unique_ptr<FrameCallback> frame;
    // Null when the compositor has no wp_presentation.
    std::unique_ptr<PresentationFeedback> feedback;

    void signal() {
        if (acquire)
            acquire->signal();
    }
    [[nodiscard]] bool released() const { return release && release->released(); }
    [[nodiscard]] bool presented() const {
        return feedback && feedback->state() == PresentationFeedback::State::presented;
    }
};

class FencedWindow {
public:
    virtual ~FencedWindow();
    FencedWindow(const FencedWindow &) = delete;
    FencedWindow &operator=(const FencedWindow &) = delete;

    [[nodiscard]] virtual SyncKind kind() const = 0;
    [[nodiscard]] Client &client() const { return client_; }
    [[nodiscard]] Toplevel &toplevel() const { return *toplevel_; }
    [[nodiscard]] wl_surface *surface() const { return toplevel_->surface(); }
    [[nodiscard]] DmaBufFactory &buffers() { return factory_; }

    // Attaches `buffer`, damages all of it, asks for a frame callback and
    // presentation feedback, sets this kind's fences and commits (and
    // flushes). The acquire fence is pending until the returned
    // FencedCommit::signal(), or already signaled when `ready`.
    [[nodiscard]] FencedCommit commit(DmaBufBuffer &buffer, bool ready);
    // Waits for the first configure, commits `buffer` ready and roundtrips.
    // False on timeout or error.
    bool map(DmaBufBuffer &buffer, std::chrono::milliseconds timeout = default_timeout);

    // Destroys the protocol extension, then the xdg objects and the
    // wl_surface, while commits may still be held; the buffers stay.
    void destroy_surface();

protected:
    FencedWindow(Client &client, DmaBufSource source, std::shared_ptr<const DrmDevice> vgem_card);
    // Sets the fences for the commit being made, before wl_surface.commit.
    virtual void prepare(DmaBufBuffer &buffer, bool ready, FencedCommit &out) = 0;
    virtual void destroy_extension() = 0;

private:
    Client &client_;
    DmaBufFactory factory_;
    std::unique_ptr<Toplevel> toplevel_;
};

class SyncobjWindow final : public FencedWindow {
public:
    // Throws when sluice offers no wp_linux_drm_syncobj_manager_v1.
    SyncobjWindow(Client &client, std::shared_ptr<const SyncobjContext> context, DmaBufSource source,
                  std::shared_ptr<const DrmDevice> vgem_card);
    ~SyncobjWindow() override;

    [[nodiscard]] SyncKind kind() const override { return SyncKind::syncobj; }
    [[nodiscard]] wp_linux_drm_syncobj_surface_v1 *extension() const { return extension_.get(); }

protected:
    void prepare(DmaBufBuffer &buffer, bool ready, FencedCommit &out) override;
    void destroy_extension() override { extension_.reset(); }

private:
    // Each buffer gets its own acquire and release timeline: signaling a
    // point signals every point below it, so sharing one timeline between
    // buffers would let one buffer's fence release another's commit.
    struct BufferTimelines {
        std::unique_ptr<ImportedTimeline> acquire;
        std::unique_ptr<ImportedTimeline> release;
        uint64_t last_point = 0;
    };

    std::shared_ptr<const SyncobjContext> context_;
    SyncobjManager manager_;
    Proxy<wp_linux_drm_syncobj_surface_v1> extension_;
    std::map<const DmaBufBuffer *, BufferTimelines> timelines_;
};

class SyncFileWindow final : public FencedWindow {
public:
    // Throws when sluice offers no zwp_linux_explicit_synchronization_v1.
    SyncFileWindow(Client &client, DmaBufSource source, std::shared_ptr<const DrmDevice> vgem_card);
    ~SyncFileWindow() override;

    [[nodiscard]] SyncKind kind() const override { return SyncKind::sync_file; }
    [[nodiscard]] zwp_linux_surface_synchronization_v1 *extension() const { return extension_.get(); }

protected:
    void prepare(DmaBufBuffer &buffer, bool ready, FencedCommit &out) override;
    void destroy_extension() override { extension_.reset(); }

private:
    ExplicitSyncManager manager_;
    Proxy<zwp_linux_surface_synchronization_v1> extension_;
};

// Implicit sync: the fence lives in the dma-buf's reservation object. On a
// vgem buffer it is a vgem fence (as a GPU driver would attach); on a
// udmabuf, a sw_sync fence imported with DMA_BUF_IOCTL_IMPORT_SYNC_FILE.
class ImplicitWindow final : public FencedWindow {
public:
    ImplicitWindow(Client &client, DmaBufSource source, std::shared_ptr<const DrmDevice> vgem_card);
    ~ImplicitWindow() override;

    [[nodiscard]] SyncKind kind() const override { return SyncKind::implicit; }

protected:
    void prepare(DmaBufBuffer &buffer, bool ready, FencedCommit &out) override;
    void destroy_extension() override {}
};

// What a FencedWindow of `kind` needs, gathered once per test.
struct FenceKit {
    std::shared_ptr<const SyncobjContext> syncobj; // vgem render node
    std::shared_ptr<const DrmDevice> vgem_card;    // vgem primary node
};

// A window of `kind` on `client`, with buffers from `source`.
std::unique_ptr<FencedWindow> make_fenced_window(SyncKind kind, Client &client, const FenceKit &kit,
                                                 DmaBufSource source = DmaBufSource::vgem);

} // namespace sluice::test
