#pragma once

// Shared by the host unit tests (tests/unit/sync) and the guest kernel tests
// (tests/vm/sync): an fd-leak check and a wl_event_loop to dispatch.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <thread>
#include <functional>
#include <memory>
#include <string>

#include <dirent.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <wayland-server-core.h>

#include "sync/unique_fd.hpp"
#include "sync/wl_event_loop_adapter.hpp"

namespace sluice::sync::test {

inline int count_entries(const char *path) {
    DIR *dir = ::opendir(path);
    if (!dir)
        return -1;
    int count = 0;
    while (const dirent *entry = ::readdir(dir)) {
        if (entry->d_name[0] != '.')
            ++count;
    }
    ::closedir(dir);
    return count;
}

// Entries of /proc/self/fd, not counting the directory stream used to read it.
inline int open_fd_count() { return count_entries("/proc/self/fd") - 1; }

inline int thread_count() { return count_entries("/proc/self/task"); }

inline bool fd_is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

inline UniqueFd make_eventfd() { return UniqueFd{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)}; }

inline void signal_eventfd(BorrowedFd fd) {
    const std::uint64_t one = 1;
    ASSERT_EQ(::write(fd.get(), &one, sizeof(one)), static_cast<ssize_t>(sizeof(one)));
}

// Fails the test if it leaves more or fewer fds open, or threads running,
// than it found.
class LeakCheck : public ::testing::Test {
protected:
    void SetUp() override {
        fds_before_ = open_fd_count();
        threads_before_ = thread_count();
    }
    void TearDown() override {
        EXPECT_EQ(open_fd_count(), fds_before_) << "the test changed the number of open fds";
        // A joined thread can stay listed in /proc/self/task for a moment
        // after pthread_join returns (the kernel reaps it just after it
        // wakes the joiner); give it a second before calling it left behind.
        int threads = thread_count();
        for (int i = 0; i < 100 && threads != threads_before_; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            threads = thread_count();
        }
        EXPECT_EQ(threads, threads_before_) << "the test left threads behind";
    }

private:
    int fds_before_ = 0;
    int threads_before_ = 0;
};

// A wl_event_loop and its adapter, created after the fd count is taken and
// destroyed before it is checked again.
class LoopTest : public LeakCheck {
protected:
    void SetUp() override {
        LeakCheck::SetUp();
        loop_ = wl_event_loop_create();
        ASSERT_NE(loop_, nullptr);
        adapter_ = std::make_unique<WlEventLoopAdapter>(loop_);
    }

    void TearDown() override {
        // Subclasses drop their waits in their own TearDown first.
        adapter_.reset();
        if (loop_)
            wl_event_loop_destroy(loop_);
        loop_ = nullptr;
        LeakCheck::TearDown();
    }

    // One dispatch that waits at most `timeout` for something to happen.
    void dispatch(std::chrono::milliseconds timeout = std::chrono::milliseconds{0}) {
        wl_event_loop_dispatch(loop_, static_cast<int>(timeout.count()));
    }

    // Dispatches until `done` holds or `timeout` passes; returns done().
    bool dispatch_until(const std::function<bool()> &done,
                        std::chrono::milliseconds timeout = std::chrono::milliseconds{5000}) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done()) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return done();
            dispatch(std::min(left, std::chrono::milliseconds{50}));
        }
        return true;
    }

    // Keeps dispatching for `duration` (to show that nothing more happens).
    void dispatch_for(std::chrono::milliseconds duration) {
        dispatch_until([] { return false; }, duration);
    }

    EventLoop &loop() { return *adapter_; }

    wl_event_loop *loop_ = nullptr;
    std::unique_ptr<WlEventLoopAdapter> adapter_;
};

} // namespace sluice::sync::test
