// The fixture of the gpu suite: sluice as a desktop session on virtio-gpu
// (virgl, rendered by the host's llvmpipe) in the QEMU guest that
// `run-in-vm --gpu` boots, with the gles2 renderer on a real GPU driver, and
// a GPU of the test's own (GpuProducer) to draw client buffers with. Where
// the guest has no virtio_gpu device every test skips, saying so.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gpu_producer.hpp"
#include "kms_fixture.hpp"
#include "session_fixture.hpp"
#include "sync_protocols.hpp"

namespace sluice::test {

// What a GPU client hands sluice to say when its buffer is drawn.
enum class GpuSync {
    implicit,  // nothing: the GPU's fence is in the dma-buf's reservation object
    sync_file, // zwp_linux_explicit_synchronization_v1: the EGL native fence as acquire fence
    syncobj,   // wp_linux_drm_syncobj_v1: that fence imported at a timeline point
};
const char *to_string(GpuSync sync);

class GpuSessionTest : public SessionTest {
protected:
    void SetUp() override;

    // Starts sluice on the GPU's card with `renderer` and no input devices.
    void start_on_gpu(const std::string &renderer = "gles2", std::vector<std::string> extra_args = {});

    [[nodiscard]] GpuProducer &gpu() { return *gpu_; }
    [[nodiscard]] const std::string &gpu_card() const { return card_; }

private:
    std::string card_;
    std::unique_ptr<GpuProducer> gpu_;
};

// A fullscreen window whose buffers the GPU draws, committed with one kind
// of sync. Each commit uses a new buffer, so no buffer is drawn again
// before sluice has let it go.
class GpuWindow {
public:
    GpuWindow(Client &client, GpuProducer &gpu, GpuSync sync);
    ~GpuWindow();

    [[nodiscard]] FullscreenWindow &window() { return *window_; }
    [[nodiscard]] int32_t width() const { return window_->width(); }
    [[nodiscard]] int32_t height() const { return window_->height(); }

    // Draws `xrgb` into a new buffer (with `work`, see GpuProducer::draw),
    // sets the acquire fence of this window's kind and commits, without
    // waiting for the GPU. The feedback of that commit.
    [[nodiscard]] std::unique_ptr<PresentationFeedback> draw_and_commit(uint32_t xrgb, int work = 0);
    [[nodiscard]] DmaBufBuffer &last_buffer() { return *buffers_.back().wayland; }
    // Commits sent while the GPU was still drawing their buffer: the ones
    // where a compositor that did not wait could have shown it half drawn.
    [[nodiscard]] size_t pending_at_commit() const { return pending_at_commit_; }

private:
    struct Buffer {
        std::unique_ptr<GpuBuffer> gpu;
        std::unique_ptr<DmaBufBuffer> wayland;
    };

    Client &client_;
    GpuProducer &gpu_;
    GpuSync sync_;
    std::unique_ptr<LinuxDmabuf> dmabuf_;
    std::unique_ptr<FullscreenWindow> window_;
    std::vector<Buffer> buffers_;
    // sync_file
    std::unique_ptr<ExplicitSyncManager> explicit_sync_;
    Proxy<zwp_linux_surface_synchronization_v1> synchronization_;
    // syncobj
    std::unique_ptr<SyncobjManager> syncobj_manager_;
    Proxy<wp_linux_drm_syncobj_surface_v1> syncobj_surface_;
    std::unique_ptr<ImportedTimeline> acquire_timeline_;
    std::unique_ptr<ImportedTimeline> release_timeline_;
    uint64_t point_ = 0;
    size_t pending_at_commit_ = 0;
};

} // namespace sluice::test
