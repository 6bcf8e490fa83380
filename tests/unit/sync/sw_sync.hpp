#pragma once

// sw_sync: fences a test signals by hand, through debugfs. Its ioctls are not
// uapi, so the ABI (drivers/dma-buf/sw_sync.c) is written out here.

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "sync/result.hpp"
#include "sync/sync_file.hpp"
#include "sync/unique_fd.hpp"

namespace sluice::sync::test {

inline constexpr const char* kSwSyncPath = "/sys/kernel/debug/sync/sw_sync";

struct SwSyncCreateFenceData {
    std::uint32_t value;
    char name[32];
    std::int32_t fence;
};
inline constexpr unsigned long kSwSyncIocCreateFence = _IOWR('W', 0, SwSyncCreateFenceData);
inline constexpr unsigned long kSwSyncIocInc = _IOW('W', 1, std::uint32_t);

// One sw_sync timeline: fences at values above its counter are pending.
// Closing it signals the remaining fences with an error.
class SwSyncTimeline {
public:
    static bool available() { return ::access(kSwSyncPath, R_OK | W_OK) == 0; }

    static Result<SwSyncTimeline> open()
    {
        const int fd = ::open(kSwSyncPath, O_RDWR | O_CLOEXEC);
        if (fd < 0)
            return errno_error(kSwSyncPath, errno);
        return SwSyncTimeline{UniqueFd{fd}};
    }

    Result<SyncFile> create_fence(std::uint32_t value, std::string_view name = "test") const
    {
        SwSyncCreateFenceData data{};
        data.value = value;
        std::memcpy(data.name, name.data(), std::min(name.size(), sizeof(data.name) - 1));
        if (::ioctl(fd_.get(), kSwSyncIocCreateFence, &data) != 0)
            return errno_error("SW_SYNC_IOC_CREATE_FENCE", errno);
        return SyncFile::adopt(UniqueFd{data.fence});
    }

    Result<void> inc(std::uint32_t by = 1) const
    {
        std::uint32_t step = by;
        if (::ioctl(fd_.get(), kSwSyncIocInc, &step) != 0)
            return errno_error("SW_SYNC_IOC_INC", errno);
        return {};
    }

private:
    explicit SwSyncTimeline(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

} // namespace sluice::sync::test
