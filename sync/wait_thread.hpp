#pragma once

// For waits the kernel offers no fd for (a timeline point before
// DRM_IOCTL_SYNCOBJ_EVENTFD, Linux 6.6), a thread blocks instead of the event
// loop. The thread never touches loop state: it ends by writing an eventfd
// that the loop watches.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "sync/result.hpp"
#include "sync/unique_fd.hpp"

namespace sluice::sync {

class WaitThread {
public:
    struct Task {
        // Runs on the worker thread, repeatedly, until it returns true (the
        // awaited condition holds) or an error, or the wait is cancelled.
        // Blocks for at most `limit` per call, so that cancellation is noticed
        // even when `interrupt` cannot wake it.
        std::function<Result<bool>(std::chrono::nanoseconds limit)> step;
        // Runs on the owner's thread when cancelling: makes a blocked step
        // return promptly. May be empty.
        std::function<void()> interrupt;
    };

    [[nodiscard]] static Result<std::unique_ptr<WaitThread>> start(Task task, std::chrono::nanoseconds slice);

    WaitThread(const WaitThread &) = delete;
    WaitThread &operator=(const WaitThread &) = delete;
    // Cancels, interrupts and joins: no thread outlives the object.
    ~WaitThread();

    // Readable once the worker has finished (condition met or error).
    [[nodiscard]] BorrowedFd done_fd() const noexcept { return done_.borrow(); }

    // Joins the worker and returns how the wait ended. Call once done_fd()
    // is readable: the join is then immediate.
    [[nodiscard]] Result<void> finish();

private:
    WaitThread(Task task, std::chrono::nanoseconds slice, UniqueFd done) noexcept;
    void run() noexcept;
    void stop() noexcept;

    Task task_;
    std::chrono::nanoseconds slice_;
    UniqueFd done_;
    std::atomic<bool> cancelled_{false};
    // Written by the worker before it exits, read by the owner after join().
    Result<void> outcome_;
    std::thread worker_;
};

} // namespace sluice::sync
