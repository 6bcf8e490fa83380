#pragma once

// A DRM syncobj used as a timeline: a 64-bit counter of points, each point a
// fence. linux-drm-syncobj-v1 clients name acquire and release points on
// such timelines.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "sync/result.hpp"
#include "sync/sync_file.hpp"
#include "sync/syncobj_device.hpp"
#include "sync/unique_fd.hpp"

namespace sluice::sync {

// A point is "available" once a fence has been attached to it (the producer
// submitted its work), and "signaled" once that fence has signaled.
enum class PointState { Unavailable, Available, Signaled };

enum class WaitFor { Available, Signaled };

class DrmSyncobjTimeline;

struct TimelinePoint {
    const DrmSyncobjTimeline *timeline;
    std::uint64_t point;
};

class DrmSyncobjTimeline {
public:
    // Fails with EOPNOTSUPP when the device lacks DRM_CAP_SYNCOBJ_TIMELINE.
    [[nodiscard]] static Result<DrmSyncobjTimeline> create(std::shared_ptr<const SyncobjDevice> device);
    // From a syncobj fd (DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE); the fd stays the
    // caller's.
    [[nodiscard]] static Result<DrmSyncobjTimeline> import_fd(std::shared_ptr<const SyncobjDevice> device,
                                                              BorrowedFd syncobj_fd);

    DrmSyncobjTimeline(DrmSyncobjTimeline &&other) noexcept;
    DrmSyncobjTimeline &operator=(DrmSyncobjTimeline &&other) noexcept;
    DrmSyncobjTimeline(const DrmSyncobjTimeline &) = delete;
    DrmSyncobjTimeline &operator=(const DrmSyncobjTimeline &) = delete;
    ~DrmSyncobjTimeline();

    // A syncobj fd another process (or another DRM file) can import.
    [[nodiscard]] Result<UniqueFd> export_fd() const;
    // A second handle to the same syncobj, owned separately.
    [[nodiscard]] Result<DrmSyncobjTimeline> duplicate() const;

    // Attaches an already-signaled fence at `point`.
    [[nodiscard]] Result<void> signal(std::uint64_t point) const;
    // Non-blocking.
    [[nodiscard]] Result<PointState> query(std::uint64_t point) const;
    // The highest point known to be signaled (DRM_IOCTL_SYNCOBJ_QUERY).
    [[nodiscard]] Result<std::uint64_t> last_signaled_point() const;
    // Blocks the calling thread for at most `timeout`; true when the point
    // reached the state, false on timeout. Never call it on the event loop.
    [[nodiscard]] Result<bool> wait(std::uint64_t point, WaitFor what, std::chrono::nanoseconds timeout) const;

    // Blocks until any of `points` (all on one device) reaches the state:
    // the index of one that did, or empty on timeout.
    [[nodiscard]] static Result<std::optional<std::size_t>> wait_any(std::span<const TimelinePoint> points,
                                                                     WaitFor what, std::chrono::nanoseconds timeout);

    // The fence at `point` as a sync_file. The point must be available
    // (EINVAL otherwise): a sync_file cannot stand for work not yet submitted.
    [[nodiscard]] Result<SyncFile> export_sync_file(std::uint64_t point) const;
    // Makes `fence` the fence of `point`.
    [[nodiscard]] Result<void> import_sync_file(std::uint64_t point, const SyncFile &fence) const;

    [[nodiscard]] std::uint32_t handle() const noexcept { return handle_; }
    [[nodiscard]] const std::shared_ptr<const SyncobjDevice> &device() const noexcept { return device_; }

private:
    DrmSyncobjTimeline(std::shared_ptr<const SyncobjDevice> device, std::uint32_t handle) noexcept
        : device_(std::move(device)), handle_(handle) {}

    void destroy() noexcept;

    std::shared_ptr<const SyncobjDevice> device_;
    // 0 is never a valid syncobj handle; it marks a moved-from object.
    std::uint32_t handle_ = 0;
};

} // namespace sluice::sync
