#pragma once

// Waits for fences on the event loop without ever blocking it, and calls
// back exactly once per wait. The commit gate uses it to hold a surface
// commit until the buffer's acquire fences have signaled.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "sync/drm_syncobj.hpp"
#include "sync/event_loop.hpp"
#include "sync/result.hpp"
#include "sync/sync_file.hpp"
#include "sync/unique_fd.hpp"

namespace sluice::sync {

// How a timeline point is waited for.
enum class TimelineWaitMethod {
    // DRM_IOCTL_SYNCOBJ_EVENTFD where the kernel has it (6.6+), else Thread.
    Auto,
    // DRM_IOCTL_SYNCOBJ_EVENTFD only; waits fail where the kernel lacks it.
    Eventfd,
    // A worker thread waits until the point is available, then the loop
    // polls the point's sync_file. Works on Linux 6.1.
    Thread,
};

struct FenceWaiterOptions {
    TimelineWaitMethod timeline_method = TimelineWaitMethod::Auto;
    // Longest single block of a worker thread. Cancellation normally wakes
    // the worker at once; this bounds it when it cannot.
    std::chrono::milliseconds thread_step{500};
};

// Called once, on the loop, when the awaited condition holds (ok) or the wait
// failed (error). Never called after the PendingWait died.
using FenceCallback = std::function<void(Result<void>)>;

namespace detail {
class WaitState;
}

// One wait in progress. Destroying it (or cancel()) before it fires cancels
// it: no callback, and every fd and thread of the wait is gone when the
// destructor returns. It may be destroyed from inside its own callback.
class PendingWait {
public:
    PendingWait() noexcept;
    explicit PendingWait(std::unique_ptr<detail::WaitState> state) noexcept;
    PendingWait(PendingWait &&) noexcept;
    PendingWait &operator=(PendingWait &&) noexcept;
    ~PendingWait();

    void cancel() noexcept;
    // True until the callback has been called or the wait cancelled.
    [[nodiscard]] bool pending() const noexcept;

private:
    std::unique_ptr<detail::WaitState> state_;
};

class FenceWaiter {
public:
    // `loop` must outlive the waiter and every PendingWait it hands out.
    explicit FenceWaiter(EventLoop &loop, FenceWaiterOptions options = {});

    // Any fd that becomes readable when "signaled": a sync_file, an eventfd
    // (the tests' stand-in for a fence). Takes ownership of `fd`.
    [[nodiscard]] Result<PendingWait> wait_readable(UniqueFd fd, FenceCallback callback);
    [[nodiscard]] Result<PendingWait> wait_sync_file(SyncFile fence, FenceCallback callback);
    // The wait does not depend on `timeline` staying alive.
    [[nodiscard]] Result<PendingWait> wait_timeline(const DrmSyncobjTimeline &timeline, std::uint64_t point,
                                                    WaitFor what, FenceCallback callback);

    [[nodiscard]] const FenceWaiterOptions &options() const noexcept { return options_; }

private:
    [[nodiscard]] Result<PendingWait> wait_timeline_eventfd(const DrmSyncobjTimeline &timeline, std::uint64_t point,
                                                            WaitFor what, FenceCallback &callback, bool *unsupported);
    [[nodiscard]] Result<PendingWait> wait_timeline_thread(const DrmSyncobjTimeline &timeline, std::uint64_t point,
                                                           WaitFor what, FenceCallback callback);

    EventLoop &loop_;
    FenceWaiterOptions options_;
};

} // namespace sluice::sync
