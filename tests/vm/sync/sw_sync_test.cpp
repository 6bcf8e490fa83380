// sync_file status, signal time and merge, driven by sw_sync fences.

#include <gtest/gtest.h>

#include <ctime>
#include <optional>

#include <sys/mman.h>

#include "sync/sync_file.hpp"
#include "vm_support.hpp"

namespace sluice::sync {
namespace {

using test::SwSyncTimeline;

std::chrono::nanoseconds monotonic_now() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::chrono::seconds{ts.tv_sec} + std::chrono::nanoseconds{ts.tv_nsec};
}

class SwSyncKernelTest : public test::LeakCheck {
protected:
    void SetUp() override {
        LeakCheck::SetUp();
        SLUICE_REQUIRE_SW_SYNC();
    }
};

TEST_F(SwSyncKernelTest, StatusAndSignalTime) {
    auto sw = SwSyncTimeline::open();
    ASSERT_TRUE(sw) << sw.error().message;
    auto fence = sw->create_fence(1, "frame-1");
    ASSERT_TRUE(fence) << fence.error().message;

    auto before = fence->info();
    ASSERT_TRUE(before) << before.error().message;
    // Linux names a single-fence sync_file after its fence, not after the
    // name sw_sync was given.
    EXPECT_FALSE(before->name.empty());
    EXPECT_EQ(before->status, FenceStatus::Pending);
    ASSERT_EQ(before->fences.size(), 1u);
    EXPECT_EQ(before->fences[0].driver_name, "sw_sync");
    EXPECT_FALSE(before->fences[0].timestamp.has_value());
    EXPECT_FALSE(fence->signal_time().value().has_value());
    EXPECT_FALSE(fence->is_signaled().value());

    const auto t0 = monotonic_now();
    ASSERT_TRUE(sw->inc(1));
    const auto t1 = monotonic_now();

    EXPECT_TRUE(fence->is_signaled().value());
    auto after = fence->info();
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, FenceStatus::Signaled);
    EXPECT_EQ(after->error, 0);
    ASSERT_TRUE(after->signal_time.has_value());
    EXPECT_GE(*after->signal_time, t0);
    EXPECT_LE(*after->signal_time, t1);
    EXPECT_EQ(fence->signal_time().value(), after->signal_time);
}

TEST_F(SwSyncKernelTest, MergeSignalsWhenBothHave) {
    auto a = SwSyncTimeline::open();
    auto b = SwSyncTimeline::open();
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    auto fa = a->create_fence(1);
    auto fb = b->create_fence(1);
    ASSERT_TRUE(fa);
    ASSERT_TRUE(fb);

    auto merged = SyncFile::merge(*fa, *fb, "both");
    ASSERT_TRUE(merged) << merged.error().message;
    auto info = merged->info();
    ASSERT_TRUE(info);
    EXPECT_EQ(info->name, "both");
    EXPECT_EQ(info->fences.size(), 2u);
    EXPECT_EQ(info->status, FenceStatus::Pending);

    ASSERT_TRUE(a->inc(1));
    EXPECT_FALSE(merged->is_signaled().value());
    const auto t0 = monotonic_now();
    ASSERT_TRUE(b->inc(1));
    EXPECT_TRUE(merged->is_signaled().value());
    auto done = merged->info();
    ASSERT_TRUE(done);
    EXPECT_EQ(done->status, FenceStatus::Signaled);
    // The merged fence signaled when its last fence did.
    ASSERT_TRUE(done->signal_time.has_value());
    EXPECT_GE(*done->signal_time, t0);
}

TEST_F(SwSyncKernelTest, MergeOfPointsOnOneTimeline) {
    auto sw = SwSyncTimeline::open();
    ASSERT_TRUE(sw);
    auto f1 = sw->create_fence(1);
    auto f3 = sw->create_fence(3);
    ASSERT_TRUE(f1);
    ASSERT_TRUE(f3);
    auto merged = SyncFile::merge(*f1, *f3);
    ASSERT_TRUE(merged) << merged.error().message;
    ASSERT_TRUE(sw->inc(2));
    EXPECT_TRUE(f1->is_signaled().value());
    EXPECT_FALSE(merged->is_signaled().value());
    ASSERT_TRUE(sw->inc(1));
    EXPECT_TRUE(merged->is_signaled().value());
}

TEST_F(SwSyncKernelTest, MergeWithSomethingElseFails) {
    auto sw = SwSyncTimeline::open();
    ASSERT_TRUE(sw);
    auto fence = sw->create_fence(1);
    ASSERT_TRUE(fence);
    const SyncFile impostor = SyncFile::adopt_unchecked(UniqueFd{::memfd_create("x", MFD_CLOEXEC)});
    auto merged = SyncFile::merge(*fence, impostor);
    ASSERT_FALSE(merged);
    EXPECT_EQ(merged.error().message.rfind("SYNC_IOC_MERGE: ", 0), 0u) << merged.error().message;
}

TEST_F(SwSyncKernelTest, AFenceWhoseTimelineDiesSignalsWithAnError) {
    std::optional<SyncFile> fence;
    {
        auto sw = SwSyncTimeline::open();
        ASSERT_TRUE(sw);
        auto f = sw->create_fence(5);
        ASSERT_TRUE(f);
        fence.emplace(std::move(f).value());
        EXPECT_FALSE(fence->is_signaled().value());
    }
    EXPECT_TRUE(fence->is_signaled().value());
    auto info = fence->info();
    ASSERT_TRUE(info);
    EXPECT_NE(info->status, FenceStatus::Pending);
    if (info->status == FenceStatus::SignaledWithError) {
        EXPECT_LT(info->error, 0);
    }
}

TEST_F(SwSyncKernelTest, DuplicatesShareTheFence) {
    auto sw = SwSyncTimeline::open();
    ASSERT_TRUE(sw);
    auto fence = sw->create_fence(1);
    ASSERT_TRUE(fence);
    auto dup = fence->duplicate();
    ASSERT_TRUE(dup);
    auto from_borrowed = SyncFile::duplicate_from(fence->fd());
    ASSERT_TRUE(from_borrowed) << from_borrowed.error().message;
    ASSERT_TRUE(sw->inc(1));
    EXPECT_TRUE(dup->is_signaled().value());
    EXPECT_TRUE(from_borrowed->is_signaled().value());
}

} // namespace
} // namespace sluice::sync
