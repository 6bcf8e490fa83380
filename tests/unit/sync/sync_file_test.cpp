#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include <sys/mman.h>

#include "sw_sync.hpp"
#include "sync/sync_file.hpp"
#include "test_support.hpp"

namespace sluice::sync {
namespace {

using test::make_eventfd;
using test::SwSyncTimeline;

class SyncFileTest : public test::LeakCheck {};

TEST_F(SyncFileTest, AMemfdIsNotASyncFile) {
    UniqueFd memfd{::memfd_create("fake-fence", MFD_CLOEXEC)};
    ASSERT_TRUE(memfd);
    const std::string raw = std::to_string(memfd.get());
    auto fence = SyncFile::adopt(std::move(memfd));
    ASSERT_FALSE(fence);
    EXPECT_EQ(fence.error().errno_value, ENOTTY);
    EXPECT_EQ(fence.error().message,
              "SYNC_IOC_FILE_INFO: Inappropriate ioctl for device (fd " + raw + " is not a sync_file)");
    // adopt() took the fd; the fixture checks that it was closed.
}

TEST_F(SyncFileTest, AnEventfdIsNotASyncFile) {
    auto fence = SyncFile::adopt(make_eventfd());
    ASSERT_FALSE(fence);
    EXPECT_EQ(fence.error().errno_value, ENOTTY);
}

TEST_F(SyncFileTest, AClosedFdIsNotASyncFile) {
    int raw;
    {
        UniqueFd fd = make_eventfd();
        raw = fd.get();
    }
    auto fence = SyncFile::duplicate_from(BorrowedFd{raw});
    ASSERT_FALSE(fence);
    EXPECT_EQ(fence.error().errno_value, EBADF);
}

TEST_F(SyncFileTest, DuplicateFromLeavesTheCallersFdAlone) {
    UniqueFd memfd{::memfd_create("fake-fence", MFD_CLOEXEC)};
    auto fence = SyncFile::duplicate_from(memfd);
    ASSERT_FALSE(fence);
    EXPECT_TRUE(test::fd_is_open(memfd.get()));
}

TEST_F(SyncFileTest, AMovedFromSyncFileReportsErrors) {
    // adopt_unchecked stands in for a kernel export here; only the moved-from
    // object is exercised.
    SyncFile fence = SyncFile::adopt_unchecked(make_eventfd());
    SyncFile taken = std::move(fence);
    auto signaled = fence.is_signaled();
    ASSERT_FALSE(signaled);
    EXPECT_EQ(signaled.error().errno_value, EBADF);
    auto info = fence.info();
    ASSERT_FALSE(info);
    EXPECT_EQ(info.error().errno_value, EBADF);
    auto dup = fence.duplicate();
    ASSERT_FALSE(dup);
}

TEST_F(SyncFileTest, ReleaseHandsTheFdOver) {
    SyncFile fence = SyncFile::adopt_unchecked(make_eventfd());
    const int raw = fence.fd().get();
    UniqueFd fd = std::move(fence).release();
    EXPECT_EQ(fd.get(), raw);
    EXPECT_FALSE(fence.fd().valid());
}

// Real sync_files need sw_sync, which only a kernel with CONFIG_SW_SYNC and
// debugfs mounted offers (the VM does; most hosts do not).
class SwSyncFileTest : public test::LeakCheck {
protected:
    void SetUp() override {
        LeakCheck::SetUp();
        if (!SwSyncTimeline::available())
            GTEST_SKIP() << test::kSwSyncPath << " is not available here (needs CONFIG_SW_SYNC and debugfs); "
                         << "the vm suite covers sync_files";
    }
};

TEST_F(SwSyncFileTest, PendingThenSignaled) {
    auto timeline = SwSyncTimeline::open();
    ASSERT_TRUE(timeline) << timeline.error().message;
    auto fence = timeline->create_fence(1);
    ASSERT_TRUE(fence) << fence.error().message;
    EXPECT_FALSE(fence->is_signaled().value());
    ASSERT_TRUE(timeline->inc(1));
    EXPECT_TRUE(fence->is_signaled().value());
    auto info = fence->info();
    ASSERT_TRUE(info);
    EXPECT_EQ(info->status, FenceStatus::Signaled);
    EXPECT_TRUE(info->signal_time.has_value());
}

} // namespace
} // namespace sluice::sync
