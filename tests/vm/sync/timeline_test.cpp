// DRM syncobj timelines on vgem's render node: signal, query, export and
// import round trips, sync_files in and out of points.

#include <gtest/gtest.h>

#include <thread>

#include "sync/drm_syncobj.hpp"
#include "vm_support.hpp"

namespace sluice::sync {
namespace {

using namespace std::chrono_literals;
using test::NodeType;
using test::SwSyncTimeline;

class TimelineKernelTest : public test::TimelineTest {};

TEST_F(TimelineKernelTest, SignalThenQuery) {
    auto timeline = DrmSyncobjTimeline::create(device_);
    ASSERT_TRUE(timeline) << timeline.error().message;
    EXPECT_NE(timeline->handle(), 0u);
    EXPECT_EQ(timeline->query(1).value(), PointState::Unavailable);
    EXPECT_EQ(timeline->last_signaled_point().value(), 0u);

    ASSERT_TRUE(timeline->signal(1));
    EXPECT_EQ(timeline->query(1).value(), PointState::Signaled);
    EXPECT_EQ(timeline->query(2).value(), PointState::Unavailable);
    EXPECT_EQ(timeline->last_signaled_point().value(), 1u);

    // Signaling ahead covers every earlier point.
    ASSERT_TRUE(timeline->signal(10));
    EXPECT_EQ(timeline->query(5).value(), PointState::Signaled);
    EXPECT_EQ(timeline->last_signaled_point().value(), 10u);
}

TEST_F(TimelineKernelTest, ExportedFdImportsIntoAnotherDrmFile) {
    auto timeline = DrmSyncobjTimeline::create(device_);
    ASSERT_TRUE(timeline);
    auto fd = timeline->export_fd();
    ASSERT_TRUE(fd) << fd.error().message;

    // A second open file of the device, as a client would have.
    UniqueFd other_file = test::open_drm_node("vgem", NodeType::Render);
    ASSERT_TRUE(other_file);
    auto other_device = SyncobjDevice::open(other_file);
    ASSERT_TRUE(other_device);
    auto imported = DrmSyncobjTimeline::import_fd(*other_device, *fd);
    ASSERT_TRUE(imported) << imported.error().message;

    ASSERT_TRUE(imported->signal(3));
    EXPECT_EQ(timeline->query(3).value(), PointState::Signaled);
    ASSERT_TRUE(timeline->signal(4));
    EXPECT_EQ(imported->query(4).value(), PointState::Signaled);
}

TEST_F(TimelineKernelTest, DuplicateIsASecondHandleToTheSameSyncobj) {
    auto timeline = DrmSyncobjTimeline::create(device_);
    ASSERT_TRUE(timeline);
    auto dup = timeline->duplicate();
    ASSERT_TRUE(dup) << dup.error().message;
    EXPECT_NE(dup->handle(), timeline->handle());
    ASSERT_TRUE(timeline->signal(2));
    { DrmSyncobjTimeline gone = std::move(timeline).value(); }
    EXPECT_EQ(dup->query(2).value(), PointState::Signaled);
}

TEST_F(TimelineKernelTest, MovedFromTimelinesReportErrors) {
    auto timeline = DrmSyncobjTimeline::create(device_);
    ASSERT_TRUE(timeline);
    DrmSyncobjTimeline taken = std::move(timeline).value();
    DrmSyncobjTimeline &moved_from = *timeline;
    EXPECT_EQ(moved_from.handle(), 0u);
    auto signal = moved_from.signal(1);
    ASSERT_FALSE(signal);
    EXPECT_EQ(signal.error().errno_value, EBADF);
    EXPECT_FALSE(moved_from.query(1));
    EXPECT_FALSE(moved_from.export_fd());
}

TEST_F(TimelineKernelTest, ASignaledPointExportsASignaledSyncFile) {
    auto timeline = DrmSyncobjTimeline::create(device_);
    ASSERT_TRUE(timeline);
    ASSERT_TRUE(timeline->signal(7));
    auto fence = timeline->export_sync_file(7);
    ASSERT_TRUE(fence) << fence.error().message;
    EXPECT_TRUE(fence->is_signaled().value());
    // An earlier point of a signaled timeline is signaled too.
    auto earlier = timeline->export_sync_file(3);
    ASSERT_TRUE(earlier) << earlier.error().message;
    EXPECT_TRUE(earlier->is_signaled().value());
}

TEST_F(TimelineKernelTest, AnUnavailablePointCannotBeExported) {
    auto timeline = DrmSyncobjTimeline::create(device_);
    ASSERT_TRUE(timeline);
    ASSERT_TRUE(timeline->signal(1));
    auto fence = timeline->export_sync_file(2);
    ASSERT_FALSE(fence);
    EXPECT_EQ(fence.error().errno_value, EINVAL);
    EXPECT_NE(fence.error().message.find("point 2 is not available yet"), std::string::npos) << fence.error().message;
}

TEST_F(TimelineKernelTest, ASyncFileImportedAtAPointRoundTrips) {
    SLUICE_REQUIRE_SW_SYNC();
    auto sw = SwSyncTimeline::open();
    ASSERT_TRUE(sw);
    auto pending = sw->create_fence(1);
    ASSERT_TRUE(pending);

    auto timeline = DrmSyncobjTimeline::create(device_);
    ASSERT_TRUE(timeline);
    ASSERT_TRUE(timeline->import_sync_file(5, *pending));
    EXPECT_EQ(timeline->query(5).value(), PointState::Available);

    auto out = timeline->export_sync_file(5);
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_FALSE(out->is_signaled().value());

    ASSERT_TRUE(sw->inc(1));
    EXPECT_EQ(timeline->query(5).value(), PointState::Signaled);
    EXPECT_TRUE(out->is_signaled().value());
}

TEST_F(TimelineKernelTest, BlockingWaitTimesOutOnAPointFarInTheFuture) {
    auto timeline = DrmSyncobjTimeline::create(device_);
    ASSERT_TRUE(timeline);
    ASSERT_TRUE(timeline->signal(1));
    const std::uint64_t far = std::uint64_t{1} << 62;
    EXPECT_EQ(timeline->query(far).value(), PointState::Unavailable);
    const auto start = std::chrono::steady_clock::now();
    auto reached = timeline->wait(far, WaitFor::Signaled, 100ms);
    ASSERT_TRUE(reached) << reached.error().message;
    EXPECT_FALSE(*reached);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 90ms);
    auto available = timeline->wait(far, WaitFor::Available, 10ms);
    ASSERT_TRUE(available);
    EXPECT_FALSE(*available);
}

TEST_F(TimelineKernelTest, BlockingWaitReturnsWhenAnotherThreadSignals) {
    auto timeline = DrmSyncobjTimeline::create(device_);
    ASSERT_TRUE(timeline);
    std::thread signaler([&] {
        std::this_thread::sleep_for(50ms);
        EXPECT_TRUE(timeline->signal(3).ok());
    });
    auto reached = timeline->wait(3, WaitFor::Signaled, 10s);
    signaler.join();
    ASSERT_TRUE(reached) << reached.error().message;
    EXPECT_TRUE(*reached);
}

TEST_F(TimelineKernelTest, WaitAnyNamesThePointThatArrived) {
    auto a = DrmSyncobjTimeline::create(device_);
    auto b = DrmSyncobjTimeline::create(device_);
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    ASSERT_TRUE(b->signal(2));
    const TimelinePoint points[] = {{&*a, 1}, {&*b, 2}};
    auto which = DrmSyncobjTimeline::wait_any(points, WaitFor::Signaled, 1s);
    ASSERT_TRUE(which) << which.error().message;
    ASSERT_TRUE(which->has_value());
    EXPECT_EQ(**which, 1u);
}

TEST_F(TimelineKernelTest, WaitAnyRefusesTimelinesOfDifferentFiles) {
    UniqueFd other_file = test::open_drm_node("vgem", NodeType::Render);
    auto other_device = SyncobjDevice::open(other_file);
    ASSERT_TRUE(other_device);
    auto a = DrmSyncobjTimeline::create(device_);
    auto b = DrmSyncobjTimeline::create(*other_device);
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    const TimelinePoint points[] = {{&*a, 1}, {&*b, 1}};
    auto which = DrmSyncobjTimeline::wait_any(points, WaitFor::Signaled, 0ms);
    ASSERT_FALSE(which);
    EXPECT_EQ(which.error().errno_value, EINVAL);
}

} // namespace
} // namespace sluice::sync
