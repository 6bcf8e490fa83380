// Wrong fds where a kernel object belongs: each is a clear error, never a
// crash, and (through the fixture) never a leaked fd.

#include <gtest/gtest.h>

#include <sys/mman.h>

#include "sync/drm_syncobj.hpp"
#include "sync/dmabuf_fence.hpp"
#include "sync/fence_waiter.hpp"
#include "vm_support.hpp"

namespace sluice::sync {
namespace {

using test::NodeType;

class BadInputKernelTest : public test::TimelineTest {};

TEST_F(BadInputKernelTest, AMemfdIsNotASyncobj) {
    UniqueFd memfd{::memfd_create("not-a-syncobj", MFD_CLOEXEC)};
    auto timeline = DrmSyncobjTimeline::import_fd(device_, memfd);
    ASSERT_FALSE(timeline);
    EXPECT_EQ(timeline.error().errno_value, EINVAL);
    EXPECT_EQ(timeline.error().message, "DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE: Invalid argument (fd " +
                                            std::to_string(memfd.get()) + " is not a syncobj fd)");
}

TEST_F(BadInputKernelTest, AClosedFdIsNotASyncobj) {
    int raw;
    {
        UniqueFd fd = test::make_eventfd();
        raw = fd.get();
    }
    auto timeline = DrmSyncobjTimeline::import_fd(device_, BorrowedFd{raw});
    ASSERT_FALSE(timeline);
    EXPECT_EQ(timeline.error().errno_value, EINVAL);
}

TEST_F(BadInputKernelTest, ASyncFileIsNotASyncobjAndViceVersa) {
    auto timeline = DrmSyncobjTimeline::create(device_);
    ASSERT_TRUE(timeline);
    ASSERT_TRUE(timeline->signal(1));
    auto sync_file = timeline->export_sync_file(1);
    ASSERT_TRUE(sync_file);
    auto as_syncobj = DrmSyncobjTimeline::import_fd(device_, sync_file->fd());
    ASSERT_FALSE(as_syncobj);
    EXPECT_EQ(as_syncobj.error().errno_value, EINVAL);

    auto syncobj_fd = timeline->export_fd();
    ASSERT_TRUE(syncobj_fd);
    auto as_sync_file = SyncFile::adopt(std::move(syncobj_fd).value());
    ASSERT_FALSE(as_sync_file);
    EXPECT_EQ(as_sync_file.error().errno_value, ENOTTY);
}

TEST_F(BadInputKernelTest, ADeviceWithoutSyncobjsIsRefused) {
    // vkms has no syncobjs at all.
    UniqueFd vkms = test::open_drm_node("vkms", NodeType::Primary);
    if (!vkms)
        GTEST_SKIP() << "no vkms node";
    auto device = SyncobjDevice::open(vkms);
    ASSERT_FALSE(device);
    EXPECT_EQ(device.error().errno_value, EOPNOTSUPP);
    EXPECT_EQ(device.error().message, "DRM_CAP_SYNCOBJ: Operation not supported (the DRM driver has no syncobjs)");
}

TEST_F(BadInputKernelTest, AMemfdIsNotADrmDevice) {
    UniqueFd memfd{::memfd_create("not-drm", MFD_CLOEXEC)};
    auto device = SyncobjDevice::open(memfd);
    ASSERT_FALSE(device);
    EXPECT_EQ(device.error().errno_value, ENOTTY);
}

TEST_F(BadInputKernelTest, ASyncobjFdIsNotADmaBuf) {
    auto timeline = DrmSyncobjTimeline::create(device_);
    ASSERT_TRUE(timeline);
    auto fd = timeline->export_fd();
    ASSERT_TRUE(fd);
    DmaBufFences fences;
    auto exported = fences.export_sync_file(*fd, DmaBufAccess::Read);
    ASSERT_FALSE(exported);
    EXPECT_EQ(exported.error().errno_value, ENOTTY);
    EXPECT_NE(exported.error().message.find("is not a dma-buf"), std::string::npos);
}

TEST_F(BadInputKernelTest, APointFarInTheFutureStaysUnsignaled) {
    auto timeline = DrmSyncobjTimeline::create(device_);
    ASSERT_TRUE(timeline);
    const std::uint64_t far = ~std::uint64_t{0};
    EXPECT_EQ(timeline->query(far).value(), PointState::Unavailable);
    auto reached = timeline->wait(far, WaitFor::Available, std::chrono::milliseconds{20});
    ASSERT_TRUE(reached) << reached.error().message;
    EXPECT_FALSE(*reached);

    FenceWaiter waiter{loop()};
    int calls = 0;
    auto wait = waiter.wait_timeline(*timeline, far, WaitFor::Signaled, [&](Result<void>) { ++calls; });
    ASSERT_TRUE(wait) << wait.error().message;
    dispatch_for(std::chrono::milliseconds{100});
    EXPECT_EQ(calls, 0);
    EXPECT_TRUE(wait->pending());
}

} // namespace
} // namespace sluice::sync
