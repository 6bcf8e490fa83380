#include "kms_fixture.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

#include <linux/dma-buf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <xf86drm.h>

#include "shm.hpp"
#include "tests/vm/base_set_up.hpp"

namespace sluice::test {

namespace {
using Clock = std::chrono::steady_clock;
} // namespace

void KmsSessionTest::SetUp() {
    SLUICE_VM_BASE_SET_UP(SessionTest);
    kms_ = KmsDevice::open_vkms();
    if (!kms_)
        GTEST_SKIP() << "no vkms device in /dev/dri";
    vkms_alloc_ = DrmDevice::open("vkms", DrmNodeType::primary);
    ASSERT_TRUE(vkms_alloc_) << "vkms opened once but not twice";
    // The first open of a DRM device with no master makes the opener
    // master; sluice (through seatd) must become master, not the test.
    // Reading the state as root needs no master (CAP_SYS_ADMIN suffices).
    (void)drmDropMaster(kms_->fd().get());
    (void)drmDropMaster(vkms_alloc_->fd().get());
}

void KmsRendererTest::SetUp() {
#if defined(__SANITIZE_ADDRESS__)
    // llvmpipe in an ASan-instrumented sluice under TCG: the first frame
    // with a second window took over 90 s here (each new shader variant is
    // compiled by instrumented code on an emulated CPU), so sluice missed
    // every timeout and SIGTERM. The session suite's simpler gles2 scenes do
    // run under ASan; these run in the normal build.
    if (std::string_view(GetParam()) == "gles2")
        GTEST_SKIP() << "gles2 (llvmpipe) is too slow in an ASan build under TCG for these scenes; "
                        "the normal build runs them";
#endif
    SLUICE_VM_BASE_SET_UP(KmsSessionTest);
    ASSERT_NO_FATAL_FAILURE(start({.renderer = GetParam()}));
}

void KmsRendererClientTest::SetUp() {
    SLUICE_VM_BASE_SET_UP(KmsRendererTest);
    client_ = connect_client();
}

bool KmsSessionTest::wait_kms(const std::function<bool(const Snapshot &)> &done, Snapshot *last,
                              std::chrono::milliseconds timeout) {
    return poll_kms(nullptr, done, last, timeout);
}

bool KmsSessionTest::wait_kms(Client &client, const std::function<bool(const Snapshot &)> &done, Snapshot *last,
                              std::chrono::milliseconds timeout) {
    return poll_kms(&client, done, last, timeout);
}

bool KmsSessionTest::poll_kms(Client *client, const std::function<bool(const Snapshot &)> &done, Snapshot *last,
                              std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        Snapshot now = kms_->snapshot();
        const bool ok = done(now);
        if (last != nullptr)
            *last = std::move(now);
        if (ok)
            return true;
        if (Clock::now() >= deadline || (client != nullptr && client->error() != 0))
            return false;
        if (client != nullptr)
            client->dispatch_once(std::chrono::milliseconds{20});
        else
            std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
}

uint32_t KmsSessionTest::plane_with(const Snapshot &snapshot, const DmaBuf &dmabuf) {
    for (const kms::Plane *plane : snapshot.lit()) {
        try {
            if (kms_->framebuffer(plane->fb_id).same_dmabuf(dmabuf.fd()))
                return plane->id;
        } catch (const std::exception &) {
            // The framebuffer went away since the snapshot: not this one.
        }
    }
    return 0;
}

bool KmsSessionTest::primary_shows(const Snapshot &snapshot, const DmaBuf &dmabuf) {
    const kms::Plane *primary = snapshot.first(PlaneType::primary);
    if (primary == nullptr || !primary->on())
        return false;
    try {
        return kms_->framebuffer(primary->fb_id).same_dmabuf(dmabuf.fd());
    } catch (const std::exception &) {
        return false;
    }
}

std::string KmsSessionTest::describe_primary(const Snapshot &snapshot) {
    const kms::Plane *primary = snapshot.first(PlaneType::primary);
    if (primary == nullptr || !primary->on())
        return "the primary plane is off";
    try {
        return "primary plane: " + kms_->framebuffer(primary->fb_id).describe();
    } catch (const std::exception &e) {
        return std::string("primary plane: ") + e.what();
    }
}

FullscreenWindow::FullscreenWindow(Client &client, LinuxDmabuf &dmabuf, const std::string &title)
    : client_(client), dmabuf_(dmabuf), toplevel_(client, Toplevel::Options{.title = title}) {
    // Mapped first with a small window: sluice applies a fullscreen request
    // made before the map at the map, with a configure of the output's size.
    first_ = std::make_unique<ShmBuffer>(client.shm(), 64, 64);
    first_->fill(0xff808080u);
    if (!toplevel_.map(*first_, session_timeout))
        throw std::runtime_error("the window did not map: " + client.describe_error());
    xdg_toplevel_set_fullscreen(toplevel_.toplevel(), nullptr);
    client.flush();
    if (!client.dispatch_until([this] { return fullscreen() && width() > 0; }, session_timeout))
        throw std::runtime_error("no fullscreen configure: " + client.describe_error());
}

bool FullscreenWindow::fullscreen() const {
    const auto &states = toplevel_.configured_states();
    return std::find(states.begin(), states.end(), XDG_TOPLEVEL_STATE_FULLSCREEN) != states.end();
}

std::unique_ptr<DmaBufBuffer> FullscreenWindow::make_buffer(const std::shared_ptr<const DrmDevice> &card,
                                                            uint32_t xrgb) {
    DmaBuf dmabuf = DmaBuf::vgem(card, width(), height()); // a dumb buffer on `card`, whichever driver
    dmabuf.fill(xrgb);
    return std::make_unique<DmaBufBuffer>(dmabuf_, std::move(dmabuf));
}

std::unique_ptr<PresentationFeedback> FullscreenWindow::commit(wl_buffer *buffer) {
    wl_surface *surface = toplevel_.surface();
    wl_surface_attach(surface, buffer, 0, 0);
    wl_surface_damage_buffer(surface, 0, 0, INT32_MAX, INT32_MAX);
    auto feedback = std::make_unique<PresentationFeedback>(client_.presentation(), surface);
    wl_surface_commit(surface);
    client_.flush();
    return feedback;
}

bool FullscreenWindow::unset_fullscreen(std::chrono::milliseconds timeout) {
    xdg_toplevel_unset_fullscreen(toplevel_.toplevel());
    client_.flush();
    return client_.dispatch_until([this] { return !fullscreen(); }, timeout);
}

void fill_pattern(const DmaBuf &dmabuf, uint32_t seed) {
    const DmaBufLayout &layout = dmabuf.layout();
    const int fd = dmabuf.fd().get();
    void *map = ::mmap(nullptr, layout.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        throw std::runtime_error("mmap of a dma-buf to fill");
    dma_buf_sync sync{.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW};
    (void)::ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
    for (int32_t y = 0; y < layout.height; ++y) {
        auto *row = reinterpret_cast<uint32_t *>(static_cast<uint8_t *>(map) + static_cast<size_t>(y) * layout.stride);
        for (int32_t x = 0; x < layout.width; ++x)
            row[x] = ShmBuffer::pattern_pixel(x, y, seed);
    }
    sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
    (void)::ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
    ::munmap(map, layout.size);
}

Image pattern_image(int32_t width, int32_t height, uint32_t seed) {
    Image image(width, height);
    for (int32_t y = 0; y < height; ++y) {
        for (int32_t x = 0; x < width; ++x)
            image.set_pixel(x, y, ShmBuffer::pattern_pixel(x, y, seed));
    }
    return image;
}

bool wait_resolved(Client &client, const PresentationFeedback &feedback, std::chrono::milliseconds timeout) {
    return client.dispatch_until([&] { return feedback.resolved(); }, timeout);
}

std::string describe(const PresentationFeedback &feedback) {
    switch (feedback.state()) {
    case PresentationFeedback::State::pending: return "pending";
    case PresentationFeedback::State::discarded: return "discarded";
    case PresentationFeedback::State::presented: {
        std::ostringstream os;
        os << "presented (seq " << feedback.presented().seq << ", flags 0x" << std::hex << feedback.presented().flags
           << ")";
        return os.str();
    }
    }
    return "?";
}

bool zero_copy(const PresentationFeedback &feedback) {
    return feedback.state() == PresentationFeedback::State::presented &&
           (feedback.presented().flags & WP_PRESENTATION_FEEDBACK_KIND_ZERO_COPY) != 0;
}

} // namespace sluice::test
