#include "gpu_fixture.hpp"

#include <stdexcept>

#include "tests/vm/base_set_up.hpp"

namespace sluice::test {

const char *to_string(GpuSync sync) {
    switch (sync) {
    case GpuSync::implicit: return "implicit";
    case GpuSync::sync_file: return "sync_file";
    case GpuSync::syncobj: return "syncobj";
    }
    return "?";
}

void GpuSessionTest::SetUp() {
    SLUICE_VM_BASE_SET_UP(SessionTest);
    {
        // Only the path: the open ends here, so the test does not stay DRM
        // master of the card that sluice must drive.
        auto card = DrmDevice::open("virtio_gpu", DrmNodeType::primary);
        if (!card)
            GTEST_SKIP() << "no virtio_gpu device in the guest: the gpu suite runs under run-in-vm --gpu "
                            "(QEMU's virtio-gpu-gl-pci with virgl; Debian: qemu-system-gui, xvfb)";
        card_ = card->path();
    }
    std::string why;
    gpu_ = GpuProducer::open(&why);
    ASSERT_TRUE(gpu_) << "virtio_gpu is there but a client cannot render on it: " << why;
}

void GpuSessionTest::start_on_gpu(const std::string &renderer, std::vector<std::string> extra_args) {
    SessionOptions options;
    options.card = card_;
    options.renderer = renderer;
    options.extra_args = std::move(extra_args);
    options.keyboard = false;
    options.pointer = false;
    options.env.emplace("WLR_LIBINPUT_NO_DEVICES", std::string("1"));
    start(options);
}

GpuWindow::GpuWindow(Client &client, GpuProducer &gpu, GpuSync sync)
    : client_(client), gpu_(gpu), sync_(sync), dmabuf_(std::make_unique<LinuxDmabuf>(client)),
      window_(std::make_unique<FullscreenWindow>(client, *dmabuf_, std::string("gpu ") + to_string(sync))) {
    switch (sync_) {
    case GpuSync::implicit: break;
    case GpuSync::sync_file:
        explicit_sync_ = std::make_unique<ExplicitSyncManager>(client);
        synchronization_ = explicit_sync_->get_synchronization(window_->surface());
        break;
    case GpuSync::syncobj: {
        syncobj_manager_ = std::make_unique<SyncobjManager>(client);
        syncobj_surface_ = syncobj_manager_->get_surface(window_->surface());
        auto context = SyncobjContext::on(gpu.syncobjs());
        acquire_timeline_ = std::make_unique<ImportedTimeline>(*syncobj_manager_, *context);
        release_timeline_ = std::make_unique<ImportedTimeline>(*syncobj_manager_, *context);
        break;
    }
    }
}

GpuWindow::~GpuWindow() {
    // The extensions go before the surface they belong to.
    synchronization_.reset();
    syncobj_surface_.reset();
    client_.flush();
}

std::unique_ptr<PresentationFeedback> GpuWindow::draw_and_commit(uint32_t xrgb, int work) {
    Buffer buffer;
    // A configure of 0x0 leaves the size to the client: a small window.
    buffer.gpu = gpu_.allocate(width() > 0 ? width() : 64, height() > 0 ? height() : 64);
    gpu_.draw(*buffer.gpu, xrgb, work);
    buffer.wayland = std::make_unique<DmaBufBuffer>(*dmabuf_, buffer.gpu->export_dmabuf());
    // Every kind asks for the GPU's fence; the implicit one only to learn
    // whether the drawing was still going on at the commit.
    const sync::SyncFile fence = gpu_.fence();
    switch (sync_) {
    case GpuSync::implicit: break;
    case GpuSync::sync_file:
        zwp_linux_surface_synchronization_v1_set_acquire_fence(synchronization_.get(), fence.fd().get());
        break;
    case GpuSync::syncobj: {
        ++point_;
        if (auto imported = acquire_timeline_->local->timeline().import_sync_file(point_, fence); !imported)
            throw std::runtime_error("importing the GPU's fence at a timeline point: " + imported.error().message);
        set_acquire_point(syncobj_surface_.get(), *acquire_timeline_, point_);
        set_release_point(syncobj_surface_.get(), *release_timeline_, point_);
        break;
    }
    }
    buffers_.push_back(std::move(buffer));
    if (auto signaled = fence.is_signaled(); signaled && !signaled.value())
        ++pending_at_commit_;
    return window_->commit(buffers_.back().wayland->get());
}

} // namespace sluice::test
