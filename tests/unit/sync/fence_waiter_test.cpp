#include <gtest/gtest.h>

#include <cerrno>
#include <optional>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>

#include "sync/fence_waiter.hpp"
#include "test_support.hpp"

// The waiter's bookkeeping with eventfds standing in for fences: an eventfd
// becomes readable when written, as a sync_file does when it signals.

namespace sluice::sync {
namespace {

using namespace std::chrono_literals;
using test::make_eventfd;
using test::signal_eventfd;

class FenceWaiterTest : public test::LoopTest {
protected:
    // A fence and the waiter's own copy of it (the waiter takes ownership).
    struct StandIn {
        UniqueFd fence;
        UniqueFd for_waiter;
    };

    StandIn make_fence() {
        StandIn s;
        s.fence = make_eventfd();
        auto copy = duplicate_fd(s.fence);
        EXPECT_TRUE(copy);
        s.for_waiter = std::move(copy).value();
        return s;
    }
};

TEST_F(FenceWaiterTest, FiresOnceWhenTheFenceSignals) {
    FenceWaiter waiter{loop()};
    StandIn f = make_fence();
    int calls = 0;
    auto wait = waiter.wait_readable(std::move(f.for_waiter), [&](Result<void> r) {
        EXPECT_TRUE(r.ok());
        ++calls;
    });
    ASSERT_TRUE(wait) << wait.error().message;
    EXPECT_TRUE(wait->pending());
    dispatch_for(30ms);
    EXPECT_EQ(calls, 0);
    signal_eventfd(f.fence);
    ASSERT_TRUE(dispatch_until([&] { return calls > 0; }));
    // The stand-in stays readable; the callback must not run again.
    dispatch_for(30ms);
    EXPECT_EQ(calls, 1);
    EXPECT_FALSE(wait->pending());
}

TEST_F(FenceWaiterTest, AnAlreadySignaledFenceFiresOnTheLoopNotInsideTheCall) {
    FenceWaiter waiter{loop()};
    StandIn f = make_fence();
    signal_eventfd(f.fence);
    int calls = 0;
    auto wait = waiter.wait_readable(std::move(f.for_waiter), [&](Result<void>) { ++calls; });
    ASSERT_TRUE(wait);
    EXPECT_EQ(calls, 0);
    dispatch();
    EXPECT_EQ(calls, 1);
}

TEST_F(FenceWaiterTest, DestroyedBeforeFiringNeverCalls) {
    FenceWaiter waiter{loop()};
    StandIn f = make_fence();
    int calls = 0;
    {
        auto wait = waiter.wait_readable(std::move(f.for_waiter), [&](Result<void>) { ++calls; });
        ASSERT_TRUE(wait);
        dispatch();
    }
    signal_eventfd(f.fence);
    dispatch_for(50ms);
    EXPECT_EQ(calls, 0);
}

TEST_F(FenceWaiterTest, CancelReleasesTheFdAtOnce) {
    FenceWaiter waiter{loop()};
    const int before = test::open_fd_count();
    StandIn f = make_fence();
    int calls = 0;
    auto wait = waiter.wait_readable(std::move(f.for_waiter), [&](Result<void>) { ++calls; });
    ASSERT_TRUE(wait);
    wait->cancel();
    EXPECT_FALSE(wait->pending());
    f.fence.reset();
    EXPECT_EQ(test::open_fd_count(), before);
    dispatch_for(20ms);
    EXPECT_EQ(calls, 0);
}

TEST_F(FenceWaiterTest, FiringReleasesTheFdBeforeTheWaitIsDestroyed) {
    FenceWaiter waiter{loop()};
    const int before = test::open_fd_count();
    StandIn f = make_fence();
    bool fired = false;
    auto wait = waiter.wait_readable(std::move(f.for_waiter), [&](Result<void>) { fired = true; });
    ASSERT_TRUE(wait);
    signal_eventfd(f.fence);
    ASSERT_TRUE(dispatch_until([&] { return fired; }));
    f.fence.reset();
    EXPECT_EQ(test::open_fd_count(), before);
}

TEST_F(FenceWaiterTest, CallbackMayDestroyItsOwnWait) {
    FenceWaiter waiter{loop()};
    StandIn f = make_fence();
    std::optional<PendingWait> holder;
    int calls = 0;
    auto wait = waiter.wait_readable(std::move(f.for_waiter), [&](Result<void>) {
        ++calls;
        holder.reset();
    });
    ASSERT_TRUE(wait);
    holder.emplace(std::move(wait).value());
    signal_eventfd(f.fence);
    ASSERT_TRUE(dispatch_until([&] { return calls > 0; }));
    dispatch_for(20ms);
    EXPECT_EQ(calls, 1);
    EXPECT_FALSE(holder.has_value());
}

TEST_F(FenceWaiterTest, CallbackMayCancelAnotherReadyWait) {
    FenceWaiter waiter{loop()};
    StandIn a = make_fence();
    StandIn b = make_fence();
    std::optional<PendingWait> wait_a;
    std::optional<PendingWait> wait_b;
    int calls_a = 0;
    int calls_b = 0;
    auto ra = waiter.wait_readable(std::move(a.for_waiter), [&](Result<void>) {
        ++calls_a;
        wait_b.reset();
    });
    auto rb = waiter.wait_readable(std::move(b.for_waiter), [&](Result<void>) {
        ++calls_b;
        wait_a.reset();
    });
    ASSERT_TRUE(ra);
    ASSERT_TRUE(rb);
    wait_a.emplace(std::move(ra).value());
    wait_b.emplace(std::move(rb).value());
    // Both ready in the same dispatch: whichever runs first cancels the other.
    signal_eventfd(a.fence);
    signal_eventfd(b.fence);
    ASSERT_TRUE(dispatch_until([&] { return calls_a + calls_b > 0; }));
    dispatch_for(20ms);
    EXPECT_EQ(calls_a + calls_b, 1);
}

TEST_F(FenceWaiterTest, ManyWaitsEachFireExactlyOnce) {
    FenceWaiter waiter{loop()};
    constexpr int kCount = 200;
    std::vector<UniqueFd> fences;
    std::vector<PendingWait> waits;
    std::vector<int> calls(kCount, 0);
    for (int i = 0; i < kCount; ++i) {
        StandIn f = make_fence();
        auto wait = waiter.wait_readable(std::move(f.for_waiter), [&calls, i](Result<void> r) {
            EXPECT_TRUE(r.ok());
            ++calls[i];
        });
        ASSERT_TRUE(wait) << wait.error().message;
        fences.push_back(std::move(f.fence));
        waits.push_back(std::move(wait).value());
    }
    // Every third wait is cancelled; the rest signal in reverse order.
    for (int i = 0; i < kCount; i += 3)
        waits[i].cancel();
    for (int i = kCount - 1; i >= 0; --i)
        signal_eventfd(fences[i]);
    auto fired = [&] {
        int n = 0;
        for (int c : calls)
            n += c;
        return n;
    };
    const int expected = kCount - (kCount + 2) / 3;
    ASSERT_TRUE(dispatch_until([&] { return fired() == expected; }));
    dispatch_for(30ms);
    for (int i = 0; i < kCount; ++i)
        EXPECT_EQ(calls[i], i % 3 == 0 ? 0 : 1) << "wait " << i;
}

TEST_F(FenceWaiterTest, MovedWaitStillFires) {
    FenceWaiter waiter{loop()};
    StandIn f = make_fence();
    int calls = 0;
    auto wait = waiter.wait_readable(std::move(f.for_waiter), [&](Result<void>) { ++calls; });
    ASSERT_TRUE(wait);
    PendingWait moved = std::move(wait).value();
    PendingWait again;
    again = std::move(moved);
    EXPECT_FALSE(moved.pending());
    EXPECT_TRUE(again.pending());
    signal_eventfd(f.fence);
    ASSERT_TRUE(dispatch_until([&] { return calls > 0; }));
    EXPECT_EQ(calls, 1);
}

TEST_F(FenceWaiterTest, AFenceFdThatHangsUpIsAnError) {
    FenceWaiter waiter{loop()};
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    UniqueFd write_end{pipe_fds[1]};
    std::optional<Result<void>> outcome;
    auto wait = waiter.wait_readable(UniqueFd{pipe_fds[0]}, [&](Result<void> r) { outcome = std::move(r); });
    ASSERT_TRUE(wait);
    write_end.reset();
    ASSERT_TRUE(dispatch_until([&] { return outcome.has_value(); }));
    ASSERT_FALSE(outcome->ok());
    EXPECT_EQ(outcome->error().errno_value, EIO);
}

TEST_F(FenceWaiterTest, RejectsAMissingCallback) {
    FenceWaiter waiter{loop()};
    auto wait = waiter.wait_readable(make_eventfd(), nullptr);
    ASSERT_FALSE(wait);
    EXPECT_EQ(wait.error().errno_value, EINVAL);
}

TEST_F(FenceWaiterTest, RejectsAMissingFd) {
    FenceWaiter waiter{loop()};
    auto wait = waiter.wait_readable(UniqueFd{}, [](Result<void>) {});
    ASSERT_FALSE(wait);
    EXPECT_EQ(wait.error().errno_value, EBADF);
}

TEST_F(FenceWaiterTest, RejectsAnFdThatCannotBePolled) {
    FenceWaiter waiter{loop()};
    int calls = 0;
    auto wait =
        waiter.wait_readable(UniqueFd{::memfd_create("fake-fence", MFD_CLOEXEC)}, [&](Result<void>) { ++calls; });
    ASSERT_FALSE(wait);
    EXPECT_EQ(wait.error().errno_value, EPERM);
    dispatch();
    EXPECT_EQ(calls, 0);
}

TEST_F(FenceWaiterTest, WaitsSurviveTheWaiter) {
    std::optional<FenceWaiter> waiter{std::in_place, loop()};
    StandIn f = make_fence();
    int calls = 0;
    auto wait = waiter->wait_readable(std::move(f.for_waiter), [&](Result<void>) { ++calls; });
    ASSERT_TRUE(wait);
    waiter.reset();
    signal_eventfd(f.fence);
    ASSERT_TRUE(dispatch_until([&] { return calls > 0; }));
}

} // namespace
} // namespace sluice::sync
