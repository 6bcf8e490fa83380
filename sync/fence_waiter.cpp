#include "sync/fence_waiter.hpp"

#include <cerrno>
#include <optional>
#include <utility>

#include <sys/eventfd.h>
#include <xf86drm.h>

#include "sync/kernel_uapi.hpp"
#include "sync/wait_thread.hpp"

namespace sluice::sync {
namespace detail {

class WaitState {
public:
    explicit WaitState(FenceCallback callback) noexcept : callback_(std::move(callback)) {}
    virtual ~WaitState() = default;
    WaitState(const WaitState &) = delete;
    WaitState &operator=(const WaitState &) = delete;

    [[nodiscard]] bool pending() const noexcept { return static_cast<bool>(callback_); }

protected:
    // Frees the wait's fds, watches and thread, then calls back. The
    // callback may destroy this object, so the call must come last.
    void fire(Result<void> result) {
        FenceCallback callback = std::exchange(callback_, nullptr);
        if (!callback)
            return;
        release();
        callback(std::move(result));
    }

    virtual void release() noexcept = 0;

private:
    FenceCallback callback_;
};

} // namespace detail

namespace {

using detail::WaitState;

// Fires when an fd becomes readable: a sync_file, the eventfd the kernel
// signals for a timeline point, or a test's eventfd.
class ReadableWait final : public WaitState {
public:
    static Result<std::unique_ptr<WaitState>> start(EventLoop &loop, UniqueFd fd, FenceCallback callback) {
        std::unique_ptr<ReadableWait> self{new ReadableWait(std::move(fd), std::move(callback))};
        auto watch = loop.watch_readable(self->fd_, [raw = self.get()](FdEvents events) { raw->on_events(events); });
        if (!watch)
            return std::move(watch).error();
        self->watch_ = std::move(watch).value();
        return std::unique_ptr<WaitState>{std::move(self)};
    }

private:
    ReadableWait(UniqueFd fd, FenceCallback callback) noexcept : WaitState(std::move(callback)), fd_(std::move(fd)) {}

    void on_events(FdEvents events) {
        if (events.readable)
            fire({});
        else
            // A fence fd never hangs up; a stand-in that does will never
            // signal, which the caller must hear about rather than wait on.
            fire(errno_error("poll", EIO, "error or hangup on the fence fd"));
    }

    void release() noexcept override {
        watch_.reset();
        fd_.reset();
    }

    // Declared before the watch so that the watch goes first.
    UniqueFd fd_;
    EventSourceHandle watch_;
};

// Linux 6.1 has no fd that signals when a timeline point becomes available,
// so a worker thread blocks until it is; then the loop polls the point's
// sync_file (or fires at once when availability was all that was asked).
class ThreadTimelineWait final : public WaitState {
public:
    static Result<std::unique_ptr<WaitState>> start(EventLoop &loop, const DrmSyncobjTimeline &timeline,
                                                    std::uint64_t point, WaitFor what, std::chrono::nanoseconds step,
                                                    FenceCallback callback) {
        // A handle of our own: the caller may destroy its timeline while we wait.
        auto target = timeline.duplicate();
        if (!target)
            return std::move(target).error();
        // Signaling this wakes the worker's wait when we cancel.
        auto cancel = DrmSyncobjTimeline::create(timeline.device());
        if (!cancel)
            return std::move(cancel).error();

        std::unique_ptr<ThreadTimelineWait> self{new ThreadTimelineWait(
            loop, std::move(target).value(), std::move(cancel).value(), point, what, std::move(callback))};

        // The worker only reads the two timelines, which outlive it: the
        // WaitThread member is destroyed (joined) before them.
        WaitThread::Task task;
        task.step = [target = &self->target_, cancel = &self->cancel_,
                     point](std::chrono::nanoseconds limit) -> Result<bool> {
            const TimelinePoint points[] = {{target, point}, {cancel, kCancelPoint}};
            auto reached = DrmSyncobjTimeline::wait_any(points, WaitFor::Available, limit);
            if (!reached)
                return std::move(reached).error();
            // Woken by the cancel point: not done; the thread sees the
            // cancellation before the next step.
            return reached->has_value() && **reached == 0;
        };
        task.interrupt = [cancel = &self->cancel_] { (void)cancel->signal(kCancelPoint); };

        auto thread = WaitThread::start(std::move(task), step);
        if (!thread)
            return std::move(thread).error();
        self->thread_ = std::move(thread).value();

        auto watch =
            loop.watch_readable(self->thread_->done_fd(), [raw = self.get()](FdEvents) { raw->on_available(); });
        if (!watch)
            return std::move(watch).error();
        self->thread_watch_ = std::move(watch).value();
        return std::unique_ptr<WaitState>{std::move(self)};
    }

private:
    static constexpr std::uint64_t kCancelPoint = 1;

    ThreadTimelineWait(EventLoop &loop, DrmSyncobjTimeline target, DrmSyncobjTimeline cancel, std::uint64_t point,
                       WaitFor what, FenceCallback callback) noexcept
        : WaitState(std::move(callback)), loop_(loop), target_(std::move(target)), cancel_(std::move(cancel)),
          point_(point), what_(what) {}

    void on_available() {
        thread_watch_.reset();
        auto outcome = thread_->finish();
        thread_.reset();
        if (!outcome) {
            fire(std::move(outcome).error());
            return;
        }
        if (what_ == WaitFor::Available) {
            fire({});
            return;
        }
        auto fence = target_.export_sync_file(point_);
        if (!fence) {
            fire(std::move(fence).error());
            return;
        }
        fence_.emplace(std::move(fence).value());
        auto watch = loop_.watch_readable(fence_->fd(), [this](FdEvents events) { on_fence(events); });
        if (!watch) {
            fire(std::move(watch).error());
            return;
        }
        fence_watch_ = std::move(watch).value();
    }

    void on_fence(FdEvents events) {
        if (events.readable)
            fire({});
        else
            fire(errno_error("poll", EIO, "error or hangup on the point's sync_file"));
    }

    void release() noexcept override {
        fence_watch_.reset();
        fence_.reset();
        thread_watch_.reset();
        thread_.reset();
    }

    EventLoop &loop_;
    // Destruction runs bottom-up: watches before what they watch, the thread
    // (joined) before the timelines it reads.
    DrmSyncobjTimeline target_;
    DrmSyncobjTimeline cancel_;
    std::uint64_t point_;
    WaitFor what_;
    std::unique_ptr<WaitThread> thread_;
    EventSourceHandle thread_watch_;
    std::optional<SyncFile> fence_;
    EventSourceHandle fence_watch_;
};

Error no_callback_error() { return errno_error("fence wait", EINVAL, "no callback given"); }

} // namespace

PendingWait::PendingWait() noexcept = default;
PendingWait::PendingWait(std::unique_ptr<detail::WaitState> state) noexcept : state_(std::move(state)) {}
PendingWait::PendingWait(PendingWait &&) noexcept = default;
PendingWait &PendingWait::operator=(PendingWait &&) noexcept = default;
PendingWait::~PendingWait() = default;

void PendingWait::cancel() noexcept { state_.reset(); }

bool PendingWait::pending() const noexcept { return state_ && state_->pending(); }

FenceWaiter::FenceWaiter(EventLoop &loop, FenceWaiterOptions options) : loop_(loop), options_(options) {}

Result<PendingWait> FenceWaiter::wait_readable(UniqueFd fd, FenceCallback callback) {
    if (!callback)
        return no_callback_error();
    if (!fd.valid())
        return errno_error("fence wait", EBADF, "no fd given");
    auto state = ReadableWait::start(loop_, std::move(fd), std::move(callback));
    if (!state)
        return std::move(state).error();
    return PendingWait{std::move(state).value()};
}

Result<PendingWait> FenceWaiter::wait_sync_file(SyncFile fence, FenceCallback callback) {
    return wait_readable(std::move(fence).release(), std::move(callback));
}

Result<PendingWait> FenceWaiter::wait_timeline(const DrmSyncobjTimeline &timeline, std::uint64_t point, WaitFor what,
                                               FenceCallback callback) {
    if (!callback)
        return no_callback_error();
    if (timeline.handle() == 0)
        return errno_error("fence wait", EBADF, "the timeline was moved from");

    const auto support = timeline.device()->eventfd_support();
    switch (options_.timeline_method) {
    case TimelineWaitMethod::Thread: return wait_timeline_thread(timeline, point, what, std::move(callback));
    case TimelineWaitMethod::Eventfd: return wait_timeline_eventfd(timeline, point, what, callback, nullptr);
    case TimelineWaitMethod::Auto: break;
    }
    if (support != SyncobjDevice::EventfdSupport::Unsupported) {
        bool unsupported = false;
        auto wait = wait_timeline_eventfd(timeline, point, what, callback, &unsupported);
        if (wait || !unsupported)
            return wait;
    }
    return wait_timeline_thread(timeline, point, what, std::move(callback));
}

Result<PendingWait> FenceWaiter::wait_timeline_eventfd(const DrmSyncobjTimeline &timeline, std::uint64_t point,
                                                       WaitFor what, FenceCallback &callback, bool *unsupported) {
    constexpr const char *kOperation = "DRM_IOCTL_SYNCOBJ_EVENTFD";
    const auto &device = timeline.device();
    if (device->eventfd_support() == SyncobjDevice::EventfdSupport::Unsupported)
        return errno_error(kOperation, EOPNOTSUPP, "the kernel lacks it; Linux 6.6 added it");

    UniqueFd signal{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
    if (!signal)
        return errno_error("eventfd", errno);

    uapi::SyncobjEventfd args{};
    args.handle = timeline.handle();
    args.flags = what == WaitFor::Available ? DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE : 0;
    args.point = point;
    args.fd = signal.get();
    if (drmIoctl(device->fd().get(), uapi::kIoctlSyncobjEventfd, &args) != 0) {
        const int err = errno;
        // Before 6.6 the DRM core rejects the unknown ioctl number with
        // EINVAL (ENOTTY on some paths); EOPNOTSUPP is a driver without
        // timelines. Our own arguments are never invalid otherwise.
        if (err == EINVAL || err == ENOTTY || err == EOPNOTSUPP) {
            device->note_eventfd_support(false);
            if (unsupported)
                *unsupported = true;
            return errno_error(kOperation, err, "not supported here; Linux 6.6 added it");
        }
        return errno_error(kOperation, err);
    }
    device->note_eventfd_support(true);

    // From here on only the eventfd matters, whatever happens to `timeline`.
    // (Should every reference to the syncobj go away, the kernel drops the
    // registration: the point can then never signal, and the wait never
    // fires, as for any fence that never signals.)
    auto state = ReadableWait::start(loop_, std::move(signal), std::move(callback));
    if (!state)
        return std::move(state).error();
    return PendingWait{std::move(state).value()};
}

Result<PendingWait> FenceWaiter::wait_timeline_thread(const DrmSyncobjTimeline &timeline, std::uint64_t point,
                                                      WaitFor what, FenceCallback callback) {
    auto state = ThreadTimelineWait::start(loop_, timeline, point, what, options_.thread_step, std::move(callback));
    if (!state)
        return std::move(state).error();
    return PendingWait{std::move(state).value()};
}

} // namespace sluice::sync
