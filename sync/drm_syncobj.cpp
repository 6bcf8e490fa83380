#include "sync/drm_syncobj.hpp"

#include <cerrno>
#include <ctime>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <xf86drm.h>

namespace sluice::sync {
namespace {

// libdrm's drmSyncobj* return either -1 or -errno depending on the function,
// but all of them leave errno set, so errno is what is read.
Error drm_error(const char *operation) { return errno_error(operation, errno); }

Error no_timeline_error() {
    return errno_error("DRM_CAP_SYNCOBJ_TIMELINE", EOPNOTSUPP, "the DRM driver has no timeline syncobjs");
}

Error moved_from_error(const char *operation) { return errno_error(operation, EBADF, "the timeline was moved from"); }

// A binary syncobj that only lives for one transfer: sync_files move in and
// out of timelines through one, since the kernel's sync_file import/export
// speaks binary syncobjs only.
class TemporarySyncobj {
public:
    static Result<TemporarySyncobj> create(BorrowedFd fd) {
        std::uint32_t handle = 0;
        if (drmSyncobjCreate(fd.get(), 0, &handle) != 0)
            return drm_error("DRM_IOCTL_SYNCOBJ_CREATE");
        return TemporarySyncobj{fd, handle};
    }
    TemporarySyncobj(TemporarySyncobj &&other) noexcept : fd_(other.fd_), handle_(std::exchange(other.handle_, 0)) {}
    TemporarySyncobj &operator=(TemporarySyncobj &&) = delete;
    ~TemporarySyncobj() {
        if (handle_ != 0)
            drmSyncobjDestroy(fd_.get(), handle_);
    }
    std::uint32_t handle() const noexcept { return handle_; }

private:
    TemporarySyncobj(BorrowedFd fd, std::uint32_t handle) noexcept : fd_(fd), handle_(handle) {}
    BorrowedFd fd_;
    std::uint32_t handle_;
};

// A point moves between a timeline and a binary syncobj made for the
// purpose; a moved-from timeline has nothing to move.
Result<TemporarySyncobj> transfer_partner(std::uint32_t timeline_handle, BorrowedFd device) {
    if (timeline_handle == 0)
        return moved_from_error("DRM_IOCTL_SYNCOBJ_TRANSFER");
    return TemporarySyncobj::create(device);
}

std::int64_t absolute_deadline(std::chrono::nanoseconds timeout) {
    // 0 is the kernel's "just poll".
    if (timeout.count() <= 0)
        return 0;
    // Otherwise the syncobj wait takes an absolute CLOCK_MONOTONIC time.
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const std::int64_t now_ns = std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
    const std::int64_t limit = std::numeric_limits<std::int64_t>::max();
    if (timeout.count() > limit - now_ns)
        return limit;
    return now_ns + timeout.count();
}

std::uint32_t wait_flags(WaitFor what) {
    // WAIT_FOR_SUBMIT: a point with no fence yet is waited for rather than
    // rejected with EINVAL.
    std::uint32_t flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
    if (what == WaitFor::Available)
        flags |= DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE;
    return flags;
}

} // namespace

Result<DrmSyncobjTimeline> DrmSyncobjTimeline::create(std::shared_ptr<const SyncobjDevice> device) {
    if (!device->supports_timeline())
        return no_timeline_error();
    std::uint32_t handle = 0;
    if (drmSyncobjCreate(device->fd().get(), 0, &handle) != 0)
        return drm_error("DRM_IOCTL_SYNCOBJ_CREATE");
    return DrmSyncobjTimeline{std::move(device), handle};
}

Result<DrmSyncobjTimeline> DrmSyncobjTimeline::import_fd(std::shared_ptr<const SyncobjDevice> device,
                                                         BorrowedFd syncobj_fd) {
    if (!device->supports_timeline())
        return no_timeline_error();
    std::uint32_t handle = 0;
    if (drmSyncobjFDToHandle(device->fd().get(), syncobj_fd.get(), &handle) != 0) {
        const int err = errno;
        // The kernel answers EINVAL both for a closed fd and for an fd of
        // another kind (memfd, dma-buf, sync_file).
        if (err == EINVAL)
            return errno_error("DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE", err,
                               "fd " + std::to_string(syncobj_fd.get()) + " is not a syncobj fd");
        return errno_error("DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE", err);
    }
    return DrmSyncobjTimeline{std::move(device), handle};
}

DrmSyncobjTimeline::DrmSyncobjTimeline(DrmSyncobjTimeline &&other) noexcept
    : device_(std::move(other.device_)), handle_(std::exchange(other.handle_, 0)) {}

DrmSyncobjTimeline &DrmSyncobjTimeline::operator=(DrmSyncobjTimeline &&other) noexcept {
    if (this != &other) {
        destroy();
        device_ = std::move(other.device_);
        handle_ = std::exchange(other.handle_, 0);
    }
    return *this;
}

DrmSyncobjTimeline::~DrmSyncobjTimeline() { destroy(); }

void DrmSyncobjTimeline::destroy() noexcept {
    // The device's fd is our own duplicate, so the handle is still valid on
    // it whatever the caller did with its fd. A failure here (device gone)
    // leaves nothing for us to clean up.
    if (handle_ != 0)
        drmSyncobjDestroy(device_->fd().get(), handle_);
    handle_ = 0;
}

Result<UniqueFd> DrmSyncobjTimeline::export_fd() const {
    if (handle_ == 0)
        return moved_from_error("DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD");
    int fd = -1;
    if (drmSyncobjHandleToFD(device_->fd().get(), handle_, &fd) != 0)
        return drm_error("DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD");
    return UniqueFd{fd};
}

Result<DrmSyncobjTimeline> DrmSyncobjTimeline::duplicate() const {
    auto fd = export_fd();
    if (!fd)
        return std::move(fd).error();
    // Importing our own export on the same DRM file makes a new handle to
    // the same syncobj.
    return import_fd(device_, fd->borrow());
}

Result<void> DrmSyncobjTimeline::signal(std::uint64_t point) const {
    if (handle_ == 0)
        return moved_from_error("DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL");
    std::uint32_t handle = handle_;
    if (drmSyncobjTimelineSignal(device_->fd().get(), &handle, &point, 1) != 0)
        return drm_error("DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL");
    return {};
}

Result<PointState> DrmSyncobjTimeline::query(std::uint64_t point) const {
    // A zero-timeout wait answers exactly "has this point reached the state"
    // and, unlike DRM_IOCTL_SYNCOBJ_QUERY, stays right for timelines whose
    // points were signaled out of order.
    auto signaled = wait(point, WaitFor::Signaled, std::chrono::nanoseconds{0});
    if (!signaled)
        return std::move(signaled).error();
    if (*signaled)
        return PointState::Signaled;
    auto available = wait(point, WaitFor::Available, std::chrono::nanoseconds{0});
    if (!available)
        return std::move(available).error();
    return *available ? PointState::Available : PointState::Unavailable;
}

Result<std::uint64_t> DrmSyncobjTimeline::last_signaled_point() const {
    if (handle_ == 0)
        return moved_from_error("DRM_IOCTL_SYNCOBJ_QUERY");
    std::uint32_t handle = handle_;
    std::uint64_t point = 0;
    if (drmSyncobjQuery(device_->fd().get(), &handle, &point, 1) != 0)
        return drm_error("DRM_IOCTL_SYNCOBJ_QUERY");
    return point;
}

Result<bool> DrmSyncobjTimeline::wait(std::uint64_t point, WaitFor what, std::chrono::nanoseconds timeout) const {
    const TimelinePoint only{this, point};
    auto reached = wait_any(std::span{&only, 1}, what, timeout);
    if (!reached)
        return std::move(reached).error();
    return reached->has_value();
}

Result<std::optional<std::size_t>> DrmSyncobjTimeline::wait_any(std::span<const TimelinePoint> points, WaitFor what,
                                                                std::chrono::nanoseconds timeout) {
    constexpr const char *kOperation = "DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT";
    if (points.empty())
        return errno_error(kOperation, EINVAL, "no points to wait for");
    const SyncobjDevice *device = points.front().timeline->device_.get();
    std::vector<std::uint32_t> handles;
    std::vector<std::uint64_t> values;
    handles.reserve(points.size());
    values.reserve(points.size());
    for (const TimelinePoint &p : points) {
        if (p.timeline->handle_ == 0)
            return moved_from_error(kOperation);
        // Handles only mean something on the DRM file that made them.
        if (p.timeline->device_.get() != device)
            return errno_error(kOperation, EINVAL, "the timelines belong to different devices");
        handles.push_back(p.timeline->handle_);
        values.push_back(p.point);
    }
    std::uint32_t first = 0;
    if (drmSyncobjTimelineWait(device->fd().get(), handles.data(), values.data(), static_cast<unsigned>(handles.size()),
                               absolute_deadline(timeout), wait_flags(what), &first) != 0) {
        const int err = errno;
        if (err == ETIME)
            return std::optional<std::size_t>{};
        return errno_error(kOperation, err);
    }
    return std::optional<std::size_t>{first};
}

Result<SyncFile> DrmSyncobjTimeline::export_sync_file(std::uint64_t point) const {
    auto binary = transfer_partner(handle_, device_->fd());
    if (!binary)
        return std::move(binary).error();
    const int fd = device_->fd().get();
    if (drmSyncobjTransfer(fd, binary->handle(), 0, handle_, point, 0) != 0) {
        const int err = errno;
        if (err == EINVAL)
            return errno_error("DRM_IOCTL_SYNCOBJ_TRANSFER", err,
                               "point " + std::to_string(point) + " is not available yet");
        return errno_error("DRM_IOCTL_SYNCOBJ_TRANSFER", err);
    }
    int sync_fd = -1;
    if (drmSyncobjExportSyncFile(fd, binary->handle(), &sync_fd) != 0)
        return drm_error("DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD(EXPORT_SYNC_FILE)");
    return SyncFile::adopt_unchecked(UniqueFd{sync_fd});
}

Result<void> DrmSyncobjTimeline::import_sync_file(std::uint64_t point, const SyncFile &fence) const {
    auto binary = transfer_partner(handle_, device_->fd());
    if (!binary)
        return std::move(binary).error();
    const int fd = device_->fd().get();
    if (drmSyncobjImportSyncFile(fd, binary->handle(), fence.fd().get()) != 0)
        return drm_error("DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE(IMPORT_SYNC_FILE)");
    if (drmSyncobjTransfer(fd, handle_, point, binary->handle(), 0, 0) != 0)
        return drm_error("DRM_IOCTL_SYNCOBJ_TRANSFER");
    return {};
}

} // namespace sluice::sync
