#pragma once

// The DRM file that syncobj handles belong to. Handles are only meaningful
// on the open file that created them, so every timeline keeps the device
// alive through a shared_ptr; the device holds its own duplicate of the fd,
// which is why a caller closing its fd cannot leave a timeline pointing at a
// closed (or, worse, reused) fd number.

#include <atomic>
#include <memory>

#include "sync/result.hpp"
#include "sync/unique_fd.hpp"

namespace sluice::sync {

class SyncobjDevice {
public:
    enum class EventfdSupport { Unknown, Supported, Unsupported };

    // Duplicates `drm_fd` (the caller keeps its own) and checks that the
    // device has syncobjs at all.
    [[nodiscard]] static Result<std::shared_ptr<const SyncobjDevice>> open(BorrowedFd drm_fd);
    [[nodiscard]] static Result<std::shared_ptr<const SyncobjDevice>> adopt(UniqueFd drm_fd);

    SyncobjDevice(const SyncobjDevice &) = delete;
    SyncobjDevice &operator=(const SyncobjDevice &) = delete;

    [[nodiscard]] BorrowedFd fd() const noexcept { return fd_.borrow(); }
    // DRM_CAP_SYNCOBJ_TIMELINE: timelines, and with them the
    // linux-drm-syncobj-v1 protocol, need it.
    [[nodiscard]] bool supports_timeline() const noexcept { return timeline_; }

    // Whether DRM_IOCTL_SYNCOBJ_EVENTFD (Linux 6.6) works here; learned on
    // first use by the fence waiter and remembered.
    [[nodiscard]] EventfdSupport eventfd_support() const noexcept { return eventfd_.load(); }
    void note_eventfd_support(bool supported) const noexcept {
        eventfd_.store(supported ? EventfdSupport::Supported : EventfdSupport::Unsupported);
    }

private:
    SyncobjDevice(UniqueFd fd, bool timeline) noexcept : fd_(std::move(fd)), timeline_(timeline) {}

    UniqueFd fd_;
    bool timeline_;
    // A cached capability, not object state: mutable so that const users
    // (timelines hold a pointer to const) can record it.
    mutable std::atomic<EventfdSupport> eventfd_{EventfdSupport::Unknown};
};

} // namespace sluice::sync
