#pragma once

// sw_sync: fences a test signals by hand, through debugfs (its ABI is in
// tests/uapi/test_only_uapi.hpp).

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
#include "tests/uapi/test_only_uapi.hpp"

namespace sluice::sync::test {

using test_uapi::kSwSyncPath;

// One sw_sync timeline: fences at values above its counter are pending.
// Closing it signals the remaining fences with an error.
class SwSyncTimeline {
public:
    static bool available() { return ::access(kSwSyncPath, R_OK | W_OK) == 0; }

    static Result<SwSyncTimeline> open() {
        const int fd = ::open(kSwSyncPath, O_RDWR | O_CLOEXEC);
        if (fd < 0)
            return errno_error(kSwSyncPath, errno);
        return SwSyncTimeline{UniqueFd{fd}};
    }

    Result<SyncFile> create_fence(std::uint32_t value, std::string_view name = "test") const {
        test_uapi::SwSyncCreateFence data{};
        data.value = value;
        std::memcpy(data.name, name.data(), std::min(name.size(), sizeof(data.name) - 1));
        if (::ioctl(fd_.get(), test_uapi::kIoctlSwSyncCreateFence, &data) != 0)
            return errno_error("SW_SYNC_IOC_CREATE_FENCE", errno);
        return SyncFile::adopt(UniqueFd{data.fence});
    }

    Result<void> inc(std::uint32_t by = 1) const {
        std::uint32_t step = by;
        if (::ioctl(fd_.get(), test_uapi::kIoctlSwSyncInc, &step) != 0)
            return errno_error("SW_SYNC_IOC_INC", errno);
        return {};
    }

private:
    explicit SwSyncTimeline(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

} // namespace sluice::sync::test
