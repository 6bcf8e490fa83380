// dma-buf implicit fences on a real kernel: vgem buffers whose reservation
// objects hold fences the test signals, and udmabuf buffers.

#include <gtest/gtest.h>

#include <optional>

#include <linux/udmabuf.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sync/dmabuf_fence.hpp"
#include "sync/fence_waiter.hpp"
#include "vm_support.hpp"

namespace sluice::sync {
namespace {

using namespace std::chrono_literals;
using test::NodeType;
using test::SwSyncTimeline;
using test::VgemBuffer;

class DmaBufKernelTest : public test::LoopTest {
protected:
    void SetUp() override {
        LoopTest::SetUp();
        // Dumb buffers can only be made on vgem's primary node.
        card_ = test::open_drm_node("vgem", NodeType::Primary);
        if (!card_)
            GTEST_SKIP() << "no vgem card node in /dev/dri (run through tests/vm/run-in-vm)";
    }

    void TearDown() override {
        card_.reset();
        LoopTest::TearDown();
    }

    UniqueFd card_;
    DmaBufFences fences_;
};

TEST_F(DmaBufKernelTest, AnUnfencedBufferExportsASignaledSyncFile) {
    auto buffer = VgemBuffer::create(card_);
    ASSERT_TRUE(buffer) << buffer.error().message;
    auto fence = fences_.export_sync_file(buffer->dmabuf(), DmaBufAccess::Write);
    ASSERT_TRUE(fence) << fence.error().message;
    EXPECT_TRUE(fence->is_signaled().value());
    EXPECT_EQ(fences_.support(), ImplicitSyncSupport::Supported);
}

TEST_F(DmaBufKernelTest, AVgemFenceIsPendingUntilSignaledAndTheWaiterFiresOnce) {
    auto buffer = VgemBuffer::create(card_);
    ASSERT_TRUE(buffer) << buffer.error().message;
    auto vgem_fence = buffer->attach_write_fence();
    ASSERT_TRUE(vgem_fence) << vgem_fence.error().message;

    // A reader waits for the writer.
    auto fence = fences_.export_sync_file(buffer->dmabuf(), DmaBufAccess::Read);
    ASSERT_TRUE(fence) << fence.error().message;
    EXPECT_FALSE(fence->is_signaled().value());
    auto info = fence->info();
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->status, FenceStatus::Pending);
    EXPECT_FALSE(info->signal_time.has_value());

    auto copy = fence->duplicate();
    ASSERT_TRUE(copy);
    FenceWaiter waiter{loop()};
    int calls = 0;
    auto wait = waiter.wait_sync_file(std::move(copy).value(), [&](Result<void> r) {
        EXPECT_TRUE(r.ok());
        ++calls;
    });
    ASSERT_TRUE(wait) << wait.error().message;
    dispatch_for(50ms);
    EXPECT_EQ(calls, 0);

    ASSERT_TRUE(buffer->signal_fence(*vgem_fence));
    ASSERT_TRUE(dispatch_until([&] { return calls > 0; }));
    dispatch_for(50ms);
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(fence->is_signaled().value());
    auto after = fence->info();
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, FenceStatus::Signaled);
    EXPECT_TRUE(after->signal_time.has_value());
}

TEST_F(DmaBufKernelTest, AnImportedSyncFileIsWhatALaterExportWaitsFor) {
    SLUICE_REQUIRE_SW_SYNC();
    auto buffer = VgemBuffer::create(card_);
    ASSERT_TRUE(buffer) << buffer.error().message;
    auto timeline = SwSyncTimeline::open();
    ASSERT_TRUE(timeline) << timeline.error().message;
    auto pending = timeline->create_fence(1, "compositor-render");
    ASSERT_TRUE(pending) << pending.error().message;

    ASSERT_TRUE(fences_.import_sync_file(buffer->dmabuf(), *pending, DmaBufAccess::Write));

    auto for_reader = fences_.export_sync_file(buffer->dmabuf(), DmaBufAccess::Read);
    ASSERT_TRUE(for_reader) << for_reader.error().message;
    EXPECT_FALSE(for_reader->is_signaled().value());
    auto info = for_reader->info();
    ASSERT_TRUE(info);
    bool found = false;
    for (const FenceInfo &f : info->fences)
        found = found || f.driver_name == "sw_sync";
    EXPECT_TRUE(found) << "the exported sync_file should carry the sw_sync fence";

    ASSERT_TRUE(timeline->inc(1));
    EXPECT_TRUE(for_reader->is_signaled().value());
}

TEST_F(DmaBufKernelTest, AReadFenceHoldsWritersButNotReaders) {
    SLUICE_REQUIRE_SW_SYNC();
    auto buffer = VgemBuffer::create(card_);
    ASSERT_TRUE(buffer) << buffer.error().message;
    auto timeline = SwSyncTimeline::open();
    ASSERT_TRUE(timeline);
    auto pending = timeline->create_fence(1);
    ASSERT_TRUE(pending);
    ASSERT_TRUE(fences_.import_sync_file(buffer->dmabuf(), *pending, DmaBufAccess::Read));

    auto for_reader = fences_.export_sync_file(buffer->dmabuf(), DmaBufAccess::Read);
    auto for_writer = fences_.export_sync_file(buffer->dmabuf(), DmaBufAccess::Write);
    ASSERT_TRUE(for_reader);
    ASSERT_TRUE(for_writer);
    EXPECT_TRUE(for_reader->is_signaled().value());
    EXPECT_FALSE(for_writer->is_signaled().value());
    ASSERT_TRUE(timeline->inc(1));
    EXPECT_TRUE(for_writer->is_signaled().value());
}

TEST_F(DmaBufKernelTest, UdmabufBuffersExportToo) {
    UniqueFd dev{::open("/dev/udmabuf", O_RDWR | O_CLOEXEC)};
    if (!dev)
        GTEST_SKIP() << "no /dev/udmabuf";
    const long page = ::sysconf(_SC_PAGESIZE);
    UniqueFd memfd{::memfd_create("udmabuf-test", MFD_CLOEXEC | MFD_ALLOW_SEALING)};
    ASSERT_TRUE(memfd);
    ASSERT_EQ(::ftruncate(memfd.get(), page), 0);
    ASSERT_EQ(::fcntl(memfd.get(), F_ADD_SEALS, F_SEAL_SHRINK), 0);
    udmabuf_create create{};
    create.memfd = static_cast<__u32>(memfd.get());
    create.flags = UDMABUF_FLAGS_CLOEXEC;
    create.offset = 0;
    create.size = static_cast<__u64>(page);
    UniqueFd dmabuf{::ioctl(dev.get(), UDMABUF_CREATE, &create)};
    ASSERT_TRUE(dmabuf) << "UDMABUF_CREATE: " << std::strerror(errno);
    auto fence = fences_.export_sync_file(dmabuf, DmaBufAccess::ReadWrite);
    ASSERT_TRUE(fence) << fence.error().message;
    EXPECT_TRUE(fence->is_signaled().value());
}

TEST_F(DmaBufKernelTest, WrongFdsAreTurnedAwayClearly) {
    // A memfd and a sync_file are not dma-bufs.
    UniqueFd memfd{::memfd_create("not-a-dmabuf", MFD_CLOEXEC)};
    auto from_memfd = fences_.export_sync_file(memfd, DmaBufAccess::Read);
    ASSERT_FALSE(from_memfd);
    EXPECT_EQ(from_memfd.error().errno_value, ENOTTY);
    EXPECT_NE(from_memfd.error().message.find("is not a dma-buf"), std::string::npos);

    auto buffer = VgemBuffer::create(card_);
    ASSERT_TRUE(buffer);
    auto sync_file = fences_.export_sync_file(buffer->dmabuf(), DmaBufAccess::Read);
    ASSERT_TRUE(sync_file);
    auto from_sync_file = fences_.export_sync_file(sync_file->fd(), DmaBufAccess::Read);
    ASSERT_FALSE(from_sync_file);
    EXPECT_EQ(from_sync_file.error().errno_value, ENOTTY);

    // ...and a dma-buf is not a sync_file.
    auto dup = duplicate_fd(buffer->dmabuf());
    ASSERT_TRUE(dup);
    auto not_a_fence = SyncFile::adopt(std::move(dup).value());
    ASSERT_FALSE(not_a_fence);
    EXPECT_EQ(not_a_fence.error().errno_value, ENOTTY);
    EXPECT_NE(not_a_fence.error().message.find("is not a sync_file"), std::string::npos);

    // A closed fd.
    int raw;
    {
        auto gone = duplicate_fd(buffer->dmabuf());
        ASSERT_TRUE(gone);
        raw = gone->get();
    }
    auto from_closed = fences_.export_sync_file(BorrowedFd{raw}, DmaBufAccess::Read);
    ASSERT_FALSE(from_closed);
    EXPECT_EQ(from_closed.error().errno_value, EBADF);

    // None of that was taken for "the kernel lacks the ioctl".
    EXPECT_NE(fences_.support(), ImplicitSyncSupport::Unsupported);
}

} // namespace
} // namespace sluice::sync
