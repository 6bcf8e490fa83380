#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include <sys/mman.h>

#include "sync/dmabuf_fence.hpp"
#include "test_support.hpp"

namespace sluice::sync {
namespace {

using test::make_eventfd;

class DmaBufFencesTest : public test::LeakCheck {};

TEST_F(DmaBufFencesTest, ExportFromAMemfdSaysItIsNotADmaBuf) {
    DmaBufFences fences;
    UniqueFd memfd{::memfd_create("not-a-dmabuf", MFD_CLOEXEC)};
    ASSERT_TRUE(memfd);
    auto fence = fences.export_sync_file(memfd, DmaBufAccess::Read);
    ASSERT_FALSE(fence);
    EXPECT_EQ(fence.error().errno_value, ENOTTY);
    EXPECT_EQ(fence.error().message, "DMA_BUF_IOCTL_EXPORT_SYNC_FILE: Inappropriate ioctl for device (fd " +
                                         std::to_string(memfd.get()) + " is not a dma-buf)");
    EXPECT_FALSE(DmaBufFences::is_unsupported(fence.error()));
    // Bad input says nothing about the kernel.
    EXPECT_EQ(fences.support(), ImplicitSyncSupport::Unknown);
}

TEST_F(DmaBufFencesTest, ExportFromAClosedFdIsAnError) {
    DmaBufFences fences;
    int raw;
    {
        UniqueFd fd = make_eventfd();
        raw = fd.get();
    }
    auto fence = fences.export_sync_file(BorrowedFd{raw}, DmaBufAccess::Write);
    ASSERT_FALSE(fence);
    EXPECT_EQ(fence.error().errno_value, EBADF);
    EXPECT_EQ(fences.support(), ImplicitSyncSupport::Unknown);
}

TEST_F(DmaBufFencesTest, ImportIntoAMemfdSaysItIsNotADmaBuf) {
    DmaBufFences fences;
    UniqueFd memfd{::memfd_create("not-a-dmabuf", MFD_CLOEXEC)};
    // The dma-buf side fails first, so any fd can play the sync_file here.
    const SyncFile fence = SyncFile::adopt_unchecked(make_eventfd());
    auto imported = fences.import_sync_file(memfd, fence, DmaBufAccess::Write);
    ASSERT_FALSE(imported);
    EXPECT_EQ(imported.error().errno_value, ENOTTY);
    EXPECT_NE(imported.error().message.find("DMA_BUF_IOCTL_IMPORT_SYNC_FILE"), std::string::npos);
    EXPECT_NE(imported.error().message.find("is not a dma-buf"), std::string::npos);
}

TEST_F(DmaBufFencesTest, UnsupportedIsItsOwnCondition) {
    Error e{EOPNOTSUPP, "x"};
    EXPECT_TRUE(DmaBufFences::is_unsupported(e));
    e.errno_value = ENOTTY;
    EXPECT_FALSE(DmaBufFences::is_unsupported(e));
}

} // namespace
} // namespace sluice::sync
