#include "sync/wait_thread.hpp"

#include <cerrno>
#include <cstdint>
#include <exception>
#include <system_error>

#include <sys/eventfd.h>
#include <unistd.h>

namespace sluice::sync {

Result<std::unique_ptr<WaitThread>> WaitThread::start(Task task, std::chrono::nanoseconds slice) {
    const int done = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (done < 0)
        return errno_error("eventfd", errno);
    std::unique_ptr<WaitThread> self{new WaitThread(std::move(task), slice, UniqueFd{done})};
    try {
        self->worker_ = std::thread([raw = self.get()] { raw->run(); });
    } catch (const std::system_error &e) {
        return errno_error("pthread_create", e.code().value());
    }
    return self;
}

WaitThread::WaitThread(Task task, std::chrono::nanoseconds slice, UniqueFd done) noexcept
    : task_(std::move(task)), slice_(slice), done_(std::move(done)) {}

WaitThread::~WaitThread() { stop(); }

void WaitThread::stop() noexcept {
    if (!worker_.joinable())
        return;
    cancelled_.store(true);
    if (task_.interrupt) {
        try {
            task_.interrupt();
        } catch (...) {
            // Without the interrupt the worker still stops at the end of its
            // current step; only the join takes longer.
        }
    }
    worker_.join();
}

Result<void> WaitThread::finish() {
    if (worker_.joinable())
        worker_.join();
    return outcome_;
}

void WaitThread::run() noexcept {
    Result<void> outcome;
    try {
        for (;;) {
            if (cancelled_.load()) {
                outcome = errno_error("fence wait", ECANCELED);
                break;
            }
            auto step = task_.step(slice_);
            if (!step) {
                outcome = std::move(step).error();
                break;
            }
            if (*step)
                break;
        }
    } catch (const std::exception &e) {
        outcome = Error{EIO, std::string("fence wait: ") + e.what()};
    } catch (...) {
        outcome = Error{EIO, "fence wait: unknown exception"};
    }
    outcome_ = std::move(outcome);
    // The owner's join() orders outcome_ before its read; the eventfd only
    // wakes the loop.
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(done_.get(), &one, sizeof(one));
}

} // namespace sluice::sync
