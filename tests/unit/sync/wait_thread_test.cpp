#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <stdexcept>

#include <poll.h>

#include "sync/wait_thread.hpp"
#include "test_support.hpp"

namespace sluice::sync {
namespace {

using namespace std::chrono_literals;
using test::make_eventfd;
using test::signal_eventfd;

// Blocks on `fence` (ready) and `wake` (interrupt) like the DRM wait blocks
// on the awaited point and the cancel point.
Result<bool> poll_step(int fence, int wake, std::chrono::nanoseconds limit) {
    pollfd fds[] = {{fence, POLLIN, 0}, {wake, POLLIN, 0}};
    const int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(limit).count());
    const int n = ::poll(fds, 2, ms);
    if (n < 0)
        return errno_error("poll", errno);
    return (fds[0].revents & POLLIN) != 0;
}

bool wait_readable(BorrowedFd fd, std::chrono::milliseconds timeout) {
    pollfd pfd{fd.get(), POLLIN, 0};
    return ::poll(&pfd, 1, static_cast<int>(timeout.count())) == 1;
}

class WaitThreadTest : public test::LeakCheck {};

TEST_F(WaitThreadTest, ReportsThroughTheEventfdWhenReady) {
    UniqueFd fence = make_eventfd();
    UniqueFd wake = make_eventfd();
    std::atomic<int> steps{0};
    WaitThread::Task task;
    task.step = [&, f = fence.get(), w = wake.get()](std::chrono::nanoseconds limit) {
        ++steps;
        return poll_step(f, w, limit);
    };
    auto thread = WaitThread::start(std::move(task), 20ms);
    ASSERT_TRUE(thread) << thread.error().message;
    EXPECT_FALSE(wait_readable((*thread)->done_fd(), 60ms));
    EXPECT_GE(steps.load(), 2) << "the worker blocks in bounded steps";
    signal_eventfd(fence);
    ASSERT_TRUE(wait_readable((*thread)->done_fd(), 5000ms));
    auto outcome = (*thread)->finish();
    EXPECT_TRUE(outcome.ok());
}

TEST_F(WaitThreadTest, InterruptMakesDestructionPrompt) {
    UniqueFd fence = make_eventfd();
    UniqueFd wake = make_eventfd();
    WaitThread::Task task;
    task.step = [f = fence.get(), w = wake.get()](std::chrono::nanoseconds limit) { return poll_step(f, w, limit); };
    task.interrupt = [w = wake.get()] { signal_eventfd(BorrowedFd{w}); };
    auto thread = WaitThread::start(std::move(task), 60s);
    ASSERT_TRUE(thread);
    std::this_thread::sleep_for(20ms);
    const auto start = std::chrono::steady_clock::now();
    thread->reset();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(WaitThreadTest, WithoutInterruptDestructionWaitsOneStepAtMost) {
    UniqueFd fence = make_eventfd();
    UniqueFd wake = make_eventfd();
    WaitThread::Task task;
    task.step = [f = fence.get(), w = wake.get()](std::chrono::nanoseconds limit) { return poll_step(f, w, limit); };
    auto thread = WaitThread::start(std::move(task), 100ms);
    ASSERT_TRUE(thread);
    std::this_thread::sleep_for(20ms);
    const auto start = std::chrono::steady_clock::now();
    thread->reset();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(WaitThreadTest, StepErrorsEndTheWait) {
    WaitThread::Task task;
    task.step = [](std::chrono::nanoseconds) -> Result<bool> {
        return errno_error("DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT", ENOENT);
    };
    auto thread = WaitThread::start(std::move(task), 10ms);
    ASSERT_TRUE(thread);
    ASSERT_TRUE(wait_readable((*thread)->done_fd(), 5000ms));
    auto outcome = (*thread)->finish();
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error().errno_value, ENOENT);
    EXPECT_EQ(outcome.error().message, "DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT: No such file or directory");
}

TEST_F(WaitThreadTest, StepExceptionsBecomeErrors) {
    WaitThread::Task task;
    task.step = [](std::chrono::nanoseconds) -> Result<bool> { throw std::runtime_error("boom"); };
    auto thread = WaitThread::start(std::move(task), 10ms);
    ASSERT_TRUE(thread);
    ASSERT_TRUE(wait_readable((*thread)->done_fd(), 5000ms));
    auto outcome = (*thread)->finish();
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error().errno_value, EIO);
}

} // namespace
} // namespace sluice::sync
