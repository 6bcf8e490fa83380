#include "sync/syncobj_device.hpp"

#include <cerrno>
#include <cstdint>
#include <string>

#include <xf86drm.h>

namespace sluice::sync {

Result<std::shared_ptr<const SyncobjDevice>> SyncobjDevice::open(BorrowedFd drm_fd) {
    auto copy = duplicate_fd(drm_fd);
    if (!copy)
        return std::move(copy).error();
    return adopt(std::move(copy).value());
}

Result<std::shared_ptr<const SyncobjDevice>> SyncobjDevice::adopt(UniqueFd drm_fd) {
    std::uint64_t syncobj = 0;
    if (drmGetCap(drm_fd.get(), DRM_CAP_SYNCOBJ, &syncobj) != 0) {
        const int err = errno;
        if (err == ENOTTY || err == EINVAL)
            return errno_error("DRM_IOCTL_GET_CAP", err, "fd " + std::to_string(drm_fd.get()) + " is not a DRM device");
        return errno_error("DRM_IOCTL_GET_CAP", err);
    }
    if (syncobj == 0)
        return errno_error("DRM_CAP_SYNCOBJ", EOPNOTSUPP, "the DRM driver has no syncobjs");

    std::uint64_t timeline = 0;
    if (drmGetCap(drm_fd.get(), DRM_CAP_SYNCOBJ_TIMELINE, &timeline) != 0)
        timeline = 0; // Kernels before 5.2 do not know the cap: no timelines.

    // make_shared cannot reach the private constructor.
    return std::shared_ptr<const SyncobjDevice>(new SyncobjDevice(std::move(drm_fd), timeline != 0));
}

} // namespace sluice::sync
