#pragma once

// Guest-side helpers for the sync kernel tests: DRM nodes found by driver
// name, vgem buffers with fences the test signals, and fixtures that skip with
// a reason where a device is missing (e.g. when run outside the VM).

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <xf86drm.h>

#include "sw_sync.hpp"
#include "sync/drm_syncobj.hpp"
#include "sync/result.hpp"
#include "sync/syncobj_device.hpp"
#include "sync/unique_fd.hpp"
#include "test_support.hpp"
#include "tests/uapi/test_only_uapi.hpp"

namespace sluice::sync::test {

using test_uapi::kIoctlVgemFenceAttach;
using test_uapi::kIoctlVgemFenceSignal;
using test_uapi::kVgemFenceWrite;
using test_uapi::VgemFenceAttach;
using test_uapi::VgemFenceSignal;

enum class NodeType { Primary, Render };

// The first /dev/dri node of `driver` ("vgem", "vkms") of the given type,
// found by asking each node its driver name rather than trusting numbering.
inline UniqueFd open_drm_node(std::string_view driver, NodeType type) {
    DIR *dir = ::opendir("/dev/dri");
    if (!dir)
        return {};
    const char *prefix = type == NodeType::Render ? "renderD" : "card";
    UniqueFd found;
    while (const dirent *entry = ::readdir(dir)) {
        if (std::strncmp(entry->d_name, prefix, std::strlen(prefix)) != 0)
            continue;
        const std::string path = std::string("/dev/dri/") + entry->d_name;
        UniqueFd fd{::open(path.c_str(), O_RDWR | O_CLOEXEC)};
        if (!fd)
            continue;
        drmVersionPtr version = drmGetVersion(fd.get());
        const bool match = version && driver == std::string_view(version->name, version->name_len);
        drmFreeVersion(version);
        if (match) {
            found = std::move(fd);
            break;
        }
    }
    ::closedir(dir);
    return found;
}

// A vgem buffer object shared as a dma-buf, whose reservation object the
// test fills with fences it signals itself.
class VgemBuffer {
public:
    static Result<VgemBuffer> create(BorrowedFd card) {
        drm_mode_create_dumb create{};
        create.width = 64;
        create.height = 64;
        create.bpp = 32;
        if (drmIoctl(card.get(), DRM_IOCTL_MODE_CREATE_DUMB, &create) != 0)
            return errno_error("DRM_IOCTL_MODE_CREATE_DUMB", errno);
        int dmabuf = -1;
        if (drmPrimeHandleToFD(card.get(), create.handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf) != 0)
            return errno_error("DRM_IOCTL_PRIME_HANDLE_TO_FD", errno);
        return VgemBuffer{card, create.handle, UniqueFd{dmabuf}};
    }

    // Adds an unsignaled write fence (so readers must wait); returns its id.
    Result<std::uint32_t> attach_write_fence() const {
        VgemFenceAttach attach{};
        attach.handle = handle_;
        attach.flags = kVgemFenceWrite;
        if (drmIoctl(card_.get(), kIoctlVgemFenceAttach, &attach) != 0)
            return errno_error("DRM_IOCTL_VGEM_FENCE_ATTACH", errno);
        return attach.out_fence;
    }

    Result<void> signal_fence(std::uint32_t fence) const {
        VgemFenceSignal signal{};
        signal.fence = fence;
        if (drmIoctl(card_.get(), kIoctlVgemFenceSignal, &signal) != 0)
            return errno_error("DRM_IOCTL_VGEM_FENCE_SIGNAL", errno);
        return {};
    }

    BorrowedFd dmabuf() const { return dmabuf_; }

private:
    VgemBuffer(BorrowedFd card, std::uint32_t handle, UniqueFd dmabuf)
        : card_(card), handle_(handle), dmabuf_(std::move(dmabuf)) {}

    // The card fd is the fixture's; the GEM handle dies with it.
    BorrowedFd card_;
    std::uint32_t handle_;
    UniqueFd dmabuf_;
};

// vgem's render node as a SyncobjDevice, plus an event loop. Skips (with the
// reason) where there is no vgem or it lacks timeline syncobjs.
class TimelineTest : public LoopTest {
protected:
    void SetUp() override {
        LoopTest::SetUp();
        render_ = open_drm_node("vgem", NodeType::Render);
        if (!render_)
            GTEST_SKIP() << "no vgem render node in /dev/dri (run through tests/vm/run-in-vm)";
        auto device = SyncobjDevice::open(render_);
        ASSERT_TRUE(device) << device.error().message;
        device_ = std::move(device).value();
        if (!device_->supports_timeline())
            GTEST_SKIP() << "vgem lacks DRM_CAP_SYNCOBJ_TIMELINE (the VM kernel's test patch is missing)";
    }

    void TearDown() override {
        device_.reset();
        render_.reset();
        LoopTest::TearDown();
    }

    UniqueFd render_;
    std::shared_ptr<const SyncobjDevice> device_;
};

#define SLUICE_REQUIRE_SW_SYNC()                                                                   \
    do {                                                                                           \
        if (!::sluice::sync::test::SwSyncTimeline::available())                                    \
            GTEST_SKIP() << ::sluice::sync::test::kSwSyncPath << " is missing (needs debugfs and " \
                         << "CONFIG_SW_SYNC; run through tests/vm/run-in-vm)";                     \
    } while (0)

} // namespace sluice::sync::test
