// The fence waiter against real kernel fences: timeline points through
// DRM_IOCTL_SYNCOBJ_EVENTFD and through the worker-thread fallback (each test
// runs with both), sync_files from sw_sync.

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>

#include "sync/fence_waiter.hpp"
#include "vm_support.hpp"

namespace sluice::sync {
namespace {

using namespace std::chrono_literals;
using test::NodeType;
using test::SwSyncTimeline;

std::string method_name(const ::testing::TestParamInfo<TimelineWaitMethod> &info) {
    switch (info.param) {
    case TimelineWaitMethod::Auto: return "Auto";
    case TimelineWaitMethod::Eventfd: return "Eventfd";
    case TimelineWaitMethod::Thread: return "Thread";
    }
    return "Unknown";
}

class TimelineWaiterTest : public test::TimelineTest, public ::testing::WithParamInterface<TimelineWaitMethod> {
protected:
    void SetUp() override {
        TimelineTest::SetUp();
        if (IsSkipped())
            return;
        FenceWaiterOptions options;
        options.timeline_method = GetParam();
        // Long, so that a prompt cancellation shows it was woken, not timed out.
        options.thread_step = 2s;
        waiter_.emplace(loop(), options);
        auto timeline = DrmSyncobjTimeline::create(device_);
        ASSERT_TRUE(timeline) << timeline.error().message;
        timeline_.emplace(std::move(timeline).value());
    }

    void TearDown() override {
        timeline_.reset();
        waiter_.reset();
        TimelineTest::TearDown();
    }

    // Starts a wait that records its outcomes.
    PendingWait start(std::uint64_t point, WaitFor what, std::vector<Result<void>> &outcomes) {
        auto wait = waiter_->wait_timeline(*timeline_, point, what,
                                           [&outcomes](Result<void> r) { outcomes.push_back(std::move(r)); });
        EXPECT_TRUE(wait) << wait.error().message;
        if (!wait)
            return {};
        return std::move(wait).value();
    }

    std::optional<FenceWaiter> waiter_;
    std::optional<DrmSyncobjTimeline> timeline_;
};

TEST_P(TimelineWaiterTest, FiresOnceForAPointSignaledLater) {
    std::vector<Result<void>> outcomes;
    PendingWait wait = start(3, WaitFor::Signaled, outcomes);
    dispatch_for(100ms);
    EXPECT_TRUE(outcomes.empty());
    ASSERT_TRUE(timeline_->signal(3));
    ASSERT_TRUE(dispatch_until([&] { return !outcomes.empty(); }));
    dispatch_for(100ms);
    ASSERT_EQ(outcomes.size(), 1u);
    EXPECT_TRUE(outcomes[0].ok()) << outcomes[0].error().message;
    EXPECT_FALSE(wait.pending());
}

TEST_P(TimelineWaiterTest, FiresForAnAlreadySignaledPoint) {
    ASSERT_TRUE(timeline_->signal(5));
    std::vector<Result<void>> outcomes;
    PendingWait wait = start(4, WaitFor::Signaled, outcomes);
    EXPECT_TRUE(outcomes.empty()) << "never inside wait_timeline()";
    ASSERT_TRUE(dispatch_until([&] { return !outcomes.empty(); }));
    dispatch_for(50ms);
    ASSERT_EQ(outcomes.size(), 1u);
    EXPECT_TRUE(outcomes[0].ok());
}

TEST_P(TimelineWaiterTest, AvailableFiresBeforeSignaled) {
    SLUICE_REQUIRE_SW_SYNC();
    auto sw = SwSyncTimeline::open();
    ASSERT_TRUE(sw);
    auto pending = sw->create_fence(1);
    ASSERT_TRUE(pending);

    std::vector<Result<void>> available;
    std::vector<Result<void>> signaled;
    PendingWait wait_available = start(2, WaitFor::Available, available);
    PendingWait wait_signaled = start(2, WaitFor::Signaled, signaled);
    dispatch_for(100ms);
    EXPECT_TRUE(available.empty());
    EXPECT_TRUE(signaled.empty());

    // The producer submits its work: the point gets a fence, still pending.
    ASSERT_TRUE(timeline_->import_sync_file(2, *pending));
    ASSERT_TRUE(dispatch_until([&] { return !available.empty(); }));
    dispatch_for(100ms);
    EXPECT_EQ(available.size(), 1u);
    EXPECT_TRUE(signaled.empty());

    ASSERT_TRUE(sw->inc(1));
    ASSERT_TRUE(dispatch_until([&] { return !signaled.empty(); }));
    dispatch_for(50ms);
    EXPECT_EQ(available.size(), 1u);
    ASSERT_EQ(signaled.size(), 1u);
    EXPECT_TRUE(signaled[0].ok()) << signaled[0].error().message;
}

TEST_P(TimelineWaiterTest, AvailableFiresForASignaledPoint) {
    ASSERT_TRUE(timeline_->signal(1));
    std::vector<Result<void>> outcomes;
    PendingWait wait = start(1, WaitFor::Available, outcomes);
    ASSERT_TRUE(dispatch_until([&] { return !outcomes.empty(); }));
    EXPECT_TRUE(outcomes[0].ok());
}

TEST_P(TimelineWaiterTest, DestroyedMidWaitNeverFires) {
    std::vector<Result<void>> outcomes;
    {
        PendingWait wait = start(2, WaitFor::Signaled, outcomes);
        dispatch_for(50ms);
        const auto start_time = std::chrono::steady_clock::now();
        wait.cancel();
        // The worker thread (if any) is woken, not waited out.
        EXPECT_LT(std::chrono::steady_clock::now() - start_time, 1s);
    }
    ASSERT_TRUE(timeline_->signal(2));
    dispatch_for(150ms);
    EXPECT_TRUE(outcomes.empty());
}

TEST_P(TimelineWaiterTest, DestroyedAfterAvailableBeforeSignaledNeverFires) {
    SLUICE_REQUIRE_SW_SYNC();
    auto sw = SwSyncTimeline::open();
    ASSERT_TRUE(sw);
    auto pending = sw->create_fence(1);
    ASSERT_TRUE(pending);
    std::vector<Result<void>> outcomes;
    {
        PendingWait wait = start(1, WaitFor::Signaled, outcomes);
        ASSERT_TRUE(timeline_->import_sync_file(1, *pending));
        // Lets the thread method reach its second stage (polling the point's
        // sync_file) before the wait dies.
        dispatch_for(100ms);
        EXPECT_TRUE(wait.pending());
    }
    ASSERT_TRUE(sw->inc(1));
    dispatch_for(100ms);
    EXPECT_TRUE(outcomes.empty());
}

TEST_P(TimelineWaiterTest, TheWaitDoesNotNeedTheTimelineObject) {
    auto fd = timeline_->export_fd();
    ASSERT_TRUE(fd);
    std::vector<Result<void>> outcomes;
    PendingWait wait = start(6, WaitFor::Signaled, outcomes);
    // The caller drops its timeline (e.g. the client destroyed the protocol
    // object); another holder signals the point.
    timeline_.reset();
    auto other = DrmSyncobjTimeline::import_fd(device_, *fd);
    ASSERT_TRUE(other);
    dispatch_for(50ms);
    ASSERT_TRUE(other->signal(6));
    ASSERT_TRUE(dispatch_until([&] { return !outcomes.empty(); }));
    EXPECT_TRUE(outcomes[0].ok());
}

TEST_P(TimelineWaiterTest, TheCallersDrmFdClosedUnderAWaiter) {
    // The device keeps its own copy of the fd, so closing the one the
    // timeline came from changes nothing.
    UniqueFd raw = test::open_drm_node("vgem", NodeType::Render);
    ASSERT_TRUE(raw);
    auto device = SyncobjDevice::open(raw);
    ASSERT_TRUE(device);
    auto timeline = DrmSyncobjTimeline::create(*device);
    ASSERT_TRUE(timeline);
    std::vector<Result<void>> outcomes;
    auto wait = waiter_->wait_timeline(*timeline, 1, WaitFor::Signaled,
                                       [&](Result<void> r) { outcomes.push_back(std::move(r)); });
    ASSERT_TRUE(wait);
    raw.reset();
    device->reset();
    dispatch_for(50ms);
    ASSERT_TRUE(timeline->signal(1)) << "the timeline still works";
    ASSERT_TRUE(dispatch_until([&] { return !outcomes.empty(); }));
    EXPECT_TRUE(outcomes[0].ok());
}

TEST_P(TimelineWaiterTest, EverythingGoneUnderAWaiterIsStillSafe) {
    UniqueFd raw = test::open_drm_node("vgem", NodeType::Render);
    ASSERT_TRUE(raw);
    std::optional<PendingWait> wait;
    std::vector<Result<void>> outcomes;
    {
        auto device = SyncobjDevice::open(raw);
        ASSERT_TRUE(device);
        auto timeline = DrmSyncobjTimeline::create(*device);
        ASSERT_TRUE(timeline);
        auto started = waiter_->wait_timeline(*timeline, 9, WaitFor::Signaled,
                                              [&](Result<void> r) { outcomes.push_back(std::move(r)); });
        ASSERT_TRUE(started);
        wait.emplace(std::move(started).value());
    }
    raw.reset();
    // Nobody can signal point 9 any more; the wait just stays pending and
    // can still be cancelled cleanly.
    dispatch_for(100ms);
    EXPECT_TRUE(outcomes.empty());
    wait.reset();
    dispatch_for(50ms);
    EXPECT_TRUE(outcomes.empty());
}

TEST_P(TimelineWaiterTest, TheDeviceFileGoneUnderAWaiterGivesErrorsNotCrashes) {
    // Simulates the DRM file disappearing under the library (a bug elsewhere
    // closing the fd, a device going away): the number the device owns is
    // made to point at a memfd. Plain close() would invite a double close.
    UniqueFd raw = test::open_drm_node("vgem", NodeType::Render);
    ASSERT_TRUE(raw);
    auto device = SyncobjDevice::adopt(std::move(raw));
    ASSERT_TRUE(device);
    auto timeline = DrmSyncobjTimeline::create(*device);
    ASSERT_TRUE(timeline);
    std::vector<Result<void>> outcomes;
    auto wait = waiter_->wait_timeline(*timeline, 1, WaitFor::Signaled,
                                       [&](Result<void> r) { outcomes.push_back(std::move(r)); });
    ASSERT_TRUE(wait);
    dispatch_for(50ms);

    UniqueFd memfd{::memfd_create("not-drm", MFD_CLOEXEC)};
    ASSERT_TRUE(memfd);
    ASSERT_EQ(::dup3(memfd.get(), (*device)->fd().get(), O_CLOEXEC), (*device)->fd().get());

    auto signal = timeline->signal(1);
    ASSERT_FALSE(signal);
    EXPECT_EQ(signal.error().errno_value, ENOTTY);
    EXPECT_FALSE(timeline->query(1));

    if (GetParam() == TimelineWaitMethod::Thread) {
        // The worker's next wait fails and says so; at most one step late.
        ASSERT_TRUE(dispatch_until([&] { return !outcomes.empty(); }, 10s));
        ASSERT_EQ(outcomes.size(), 1u);
        ASSERT_FALSE(outcomes[0].ok());
        EXPECT_EQ(outcomes[0].error().errno_value, ENOTTY) << outcomes[0].error().message;
    } else {
        // The kernel dropped the eventfd registration with the syncobj; the
        // point can never signal now, and the wait stays quiet.
        dispatch_for(100ms);
        EXPECT_TRUE(outcomes.empty());
    }
    wait->cancel();
}

TEST_P(TimelineWaiterTest, ManyPointsFireInTheirOwnTime) {
    constexpr int kPoints = 12;
    std::vector<std::vector<Result<void>>> outcomes(kPoints);
    std::vector<PendingWait> waits;
    for (int i = 0; i < kPoints; ++i)
        waits.push_back(start(static_cast<std::uint64_t>(i + 1), WaitFor::Signaled, outcomes[i]));
    for (int done = 0; done < kPoints; done += 3) {
        ASSERT_TRUE(timeline_->signal(static_cast<std::uint64_t>(done + 3)));
        ASSERT_TRUE(dispatch_until([&] { return !outcomes[done + 2].empty(); }));
        dispatch_for(30ms);
        for (int i = 0; i < kPoints; ++i)
            EXPECT_EQ(outcomes[i].size(), i < done + 3 ? 1u : 0u) << "point " << i + 1;
    }
}

TEST_P(TimelineWaiterTest, UsesTheMethodAskedFor) {
    std::vector<Result<void>> outcomes;
    PendingWait wait = start(1, WaitFor::Signaled, outcomes);
    const auto support = device_->eventfd_support();
    switch (GetParam()) {
    case TimelineWaitMethod::Thread:
        // The thread method never probes the eventfd ioctl.
        EXPECT_EQ(support, SyncobjDevice::EventfdSupport::Unknown);
        break;
    case TimelineWaitMethod::Eventfd:
    case TimelineWaitMethod::Auto:
        // Linux 6.12 in the VM has DRM_IOCTL_SYNCOBJ_EVENTFD.
        EXPECT_EQ(support, SyncobjDevice::EventfdSupport::Supported);
        break;
    }
    ASSERT_TRUE(timeline_->signal(1));
    ASSERT_TRUE(dispatch_until([&] { return !outcomes.empty(); }));
}

INSTANTIATE_TEST_SUITE_P(Methods, TimelineWaiterTest,
                         ::testing::Values(TimelineWaitMethod::Eventfd, TimelineWaitMethod::Thread,
                                           TimelineWaitMethod::Auto),
                         method_name);

class SyncFileWaiterTest : public test::LoopTest {
protected:
    void SetUp() override {
        LoopTest::SetUp();
        SLUICE_REQUIRE_SW_SYNC();
    }
};

TEST_F(SyncFileWaiterTest, FiresOnceWhenTheSwSyncFenceSignals) {
    auto sw = SwSyncTimeline::open();
    ASSERT_TRUE(sw);
    auto fence = sw->create_fence(2);
    ASSERT_TRUE(fence);
    FenceWaiter waiter{loop()};
    int calls = 0;
    auto wait = waiter.wait_sync_file(std::move(fence).value(), [&](Result<void> r) {
        EXPECT_TRUE(r.ok());
        ++calls;
    });
    ASSERT_TRUE(wait) << wait.error().message;
    ASSERT_TRUE(sw->inc(1));
    dispatch_for(50ms);
    EXPECT_EQ(calls, 0) << "point 2 is not reached by the first increment";
    ASSERT_TRUE(sw->inc(1));
    ASSERT_TRUE(dispatch_until([&] { return calls > 0; }));
    dispatch_for(50ms);
    EXPECT_EQ(calls, 1);
}

TEST_F(SyncFileWaiterTest, DestroyedBeforeTheFenceSignalsNeverFires) {
    auto sw = SwSyncTimeline::open();
    ASSERT_TRUE(sw);
    auto fence = sw->create_fence(1);
    ASSERT_TRUE(fence);
    FenceWaiter waiter{loop()};
    int calls = 0;
    {
        auto wait = waiter.wait_sync_file(std::move(fence).value(), [&](Result<void>) { ++calls; });
        ASSERT_TRUE(wait);
        dispatch_for(20ms);
    }
    ASSERT_TRUE(sw->inc(1));
    dispatch_for(50ms);
    EXPECT_EQ(calls, 0);
}

} // namespace
} // namespace sluice::sync
