#include <gtest/gtest.h>

#include <cerrno>
#include <optional>
#include <stdexcept>

#include <sys/mman.h>

#include "sync/wl_event_loop_adapter.hpp"
#include "test_support.hpp"

namespace sluice::sync {
namespace {

using namespace std::chrono_literals;
using test::make_eventfd;
using test::signal_eventfd;

class WlEventLoopAdapterTest : public test::LoopTest {};

TEST_F(WlEventLoopAdapterTest, WatchFiresWhenTheFdBecomesReadable) {
    UniqueFd fd = make_eventfd();
    int calls = 0;
    FdEvents seen;
    auto watch = loop().watch_readable(fd, [&](FdEvents events) {
        ++calls;
        seen = events;
    });
    ASSERT_TRUE(watch) << watch.error().message;
    dispatch();
    EXPECT_EQ(calls, 0);
    signal_eventfd(fd);
    ASSERT_TRUE(dispatch_until([&] { return calls > 0; }));
    EXPECT_TRUE(seen.readable);
    EXPECT_FALSE(seen.hangup);
    EXPECT_FALSE(seen.error);
}

TEST_F(WlEventLoopAdapterTest, WatchIsLevelTriggered) {
    UniqueFd fd = make_eventfd();
    int calls = 0;
    auto watch = loop().watch_readable(fd, [&](FdEvents) { ++calls; });
    ASSERT_TRUE(watch);
    signal_eventfd(fd);
    dispatch();
    dispatch();
    dispatch();
    EXPECT_EQ(calls, 3);
}

TEST_F(WlEventLoopAdapterTest, DestroyedWatchIsNotCalled) {
    UniqueFd fd = make_eventfd();
    int calls = 0;
    auto watch = loop().watch_readable(fd, [&](FdEvents) { ++calls; });
    ASSERT_TRUE(watch);
    watch->reset();
    signal_eventfd(fd);
    dispatch_for(50ms);
    EXPECT_EQ(calls, 0);
}

TEST_F(WlEventLoopAdapterTest, WatchMayBeDestroyedInsideItsCallback) {
    UniqueFd fd = make_eventfd();
    int calls = 0;
    EventSourceHandle handle;
    auto watch = loop().watch_readable(fd, [&](FdEvents) {
        ++calls;
        handle.reset();
    });
    ASSERT_TRUE(watch);
    handle = std::move(watch).value();
    signal_eventfd(fd);
    dispatch_for(50ms);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(handle, nullptr);
}

TEST_F(WlEventLoopAdapterTest, HangupIsReported) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    UniqueFd read_end{pipe_fds[0]};
    UniqueFd write_end{pipe_fds[1]};
    std::optional<FdEvents> seen;
    auto watch = loop().watch_readable(read_end, [&](FdEvents events) { seen = events; });
    ASSERT_TRUE(watch);
    write_end.reset();
    ASSERT_TRUE(dispatch_until([&] { return seen.has_value(); }));
    EXPECT_TRUE(seen->hangup);
    EXPECT_FALSE(seen->readable);
}

TEST_F(WlEventLoopAdapterTest, WatchingAClosedFdIsAnError) {
    int raw;
    {
        UniqueFd fd = make_eventfd();
        raw = fd.get();
    }
    auto watch = loop().watch_readable(BorrowedFd{raw}, [](FdEvents) {});
    ASSERT_FALSE(watch);
    EXPECT_EQ(watch.error().errno_value, EBADF);
    EXPECT_EQ(watch.error().message, "wl_event_loop_add_fd: Bad file descriptor");
}

TEST_F(WlEventLoopAdapterTest, WatchingARegularFileIsAnError) {
    UniqueFd memfd{::memfd_create("not-pollable", MFD_CLOEXEC)};
    ASSERT_TRUE(memfd);
    auto watch = loop().watch_readable(memfd, [](FdEvents) {});
    ASSERT_FALSE(watch);
    EXPECT_EQ(watch.error().errno_value, EPERM);
    EXPECT_NE(watch.error().message.find("cannot be polled"), std::string::npos) << watch.error().message;
}

TEST_F(WlEventLoopAdapterTest, IdleRunsOnceOnTheNextDispatch) {
    int calls = 0;
    auto idle = loop().post_idle([&] { ++calls; });
    ASSERT_TRUE(idle) << idle.error().message;
    EXPECT_EQ(calls, 0);
    dispatch();
    EXPECT_EQ(calls, 1);
    dispatch();
    EXPECT_EQ(calls, 1);
    // Dropping the handle of an idle that already ran is harmless.
    idle->reset();
    dispatch();
    EXPECT_EQ(calls, 1);
}

TEST_F(WlEventLoopAdapterTest, CancelledIdleNeverRuns) {
    int calls = 0;
    auto idle = loop().post_idle([&] { ++calls; });
    ASSERT_TRUE(idle);
    idle->reset();
    dispatch();
    EXPECT_EQ(calls, 0);
}

TEST_F(WlEventLoopAdapterTest, IdleMayDestroyItsHandleWhileRunning) {
    int calls = 0;
    EventSourceHandle handle;
    auto idle = loop().post_idle([&] {
        ++calls;
        handle.reset();
    });
    ASSERT_TRUE(idle);
    handle = std::move(idle).value();
    dispatch();
    dispatch();
    EXPECT_EQ(calls, 1);
}

TEST_F(WlEventLoopAdapterTest, ExceptionsDoNotCrossTheLoop) {
    UniqueFd fd = make_eventfd();
    auto watch = loop().watch_readable(fd, [](FdEvents) { throw std::runtime_error("oops"); });
    ASSERT_TRUE(watch);
    signal_eventfd(fd);
    dispatch();
    auto idle = loop().post_idle([] { throw std::runtime_error("oops"); });
    ASSERT_TRUE(idle);
    dispatch();
    SUCCEED();
}

TEST_F(WlEventLoopAdapterTest, SourcesOutlivingTheAdapterAreInert) {
    UniqueFd fd = make_eventfd();
    int calls = 0;
    auto watch = loop().watch_readable(fd, [&](FdEvents) { ++calls; });
    auto idle = loop().post_idle([&] { ++calls; });
    ASSERT_TRUE(watch);
    ASSERT_TRUE(idle);
    adapter_.reset();
    signal_eventfd(fd);
    dispatch_for(50ms);
    EXPECT_EQ(calls, 0);
}

TEST_F(WlEventLoopAdapterTest, SourcesOutlivingTheLoopAreInert) {
    UniqueFd fd = make_eventfd();
    auto watch = loop().watch_readable(fd, [](FdEvents) {});
    auto idle = loop().post_idle([] {});
    ASSERT_TRUE(watch);
    ASSERT_TRUE(idle);
    wl_event_loop_destroy(loop_);
    loop_ = nullptr;
    EXPECT_EQ(adapter_->loop(), nullptr);
    auto late = adapter_->watch_readable(fd, [](FdEvents) {});
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().errno_value, EINVAL);
    // Destroying the handles now touches no freed loop (ASan would tell),
    // and the fd check in TearDown shows libwayland's fd copies were closed.
}

} // namespace
} // namespace sluice::sync
