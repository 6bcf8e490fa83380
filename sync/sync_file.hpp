#pragma once

// A sync_file is the kernel's portable fence: an fd that becomes readable
// when the fences inside it have signaled. It is what crosses process and
// API boundaries (linux-explicit-synchronization, EGL native fences,
// dma-buf implicit fences, KMS IN_FENCE_FD).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sync/result.hpp"
#include "sync/unique_fd.hpp"

namespace sluice::sync {

enum class FenceStatus {
    Pending,
    Signaled,
    // Signaled, but the producer reported a failure (e.g. a GPU reset).
    SignaledWithError,
};

struct FenceInfo {
    std::string timeline_name;
    std::string driver_name;
    FenceStatus status = FenceStatus::Pending;
    // Negative errno when status == SignaledWithError, else 0.
    int error = 0;
    // CLOCK_MONOTONIC time of the signal; empty while pending.
    std::optional<std::chrono::nanoseconds> timestamp;
};

struct SyncFileInfo {
    std::string name;
    FenceStatus status = FenceStatus::Pending;
    int error = 0;
    std::vector<FenceInfo> fences;
    // CLOCK_MONOTONIC time at which the last of the fences signaled, i.e.
    // when the sync_file as a whole signaled; empty while any is pending.
    std::optional<std::chrono::nanoseconds> signal_time;
};

class SyncFile {
public:
    // Takes ownership of `fd` after checking that it is a sync_file, so that
    // a client cannot pass off a memfd (always "readable") as a fence.
    [[nodiscard]] static Result<SyncFile> adopt(UniqueFd fd);
    // Skips the check: only for fds a kernel export ioctl just returned
    // (DMA_BUF_IOCTL_EXPORT_SYNC_FILE, syncobj export, sw_sync).
    [[nodiscard]] static SyncFile adopt_unchecked(UniqueFd fd) noexcept { return SyncFile{std::move(fd)}; }
    // Duplicates an fd owned elsewhere, then checks it like adopt().
    [[nodiscard]] static Result<SyncFile> duplicate_from(BorrowedFd fd);
    // A new sync_file that signals when both inputs have (SYNC_IOC_MERGE).
    [[nodiscard]] static Result<SyncFile> merge(const SyncFile &a, const SyncFile &b,
                                                std::string_view name = "sluice-merge");

    SyncFile(SyncFile &&) noexcept = default;
    SyncFile &operator=(SyncFile &&) noexcept = default;

    [[nodiscard]] Result<SyncFile> duplicate() const;

    // Status, per-fence details and signal time (SYNC_IOC_FILE_INFO).
    [[nodiscard]] Result<SyncFileInfo> info() const;
    // Non-blocking readiness check by poll().
    [[nodiscard]] Result<bool> is_signaled() const;
    // When it signaled (CLOCK_MONOTONIC); empty while pending.
    [[nodiscard]] Result<std::optional<std::chrono::nanoseconds>> signal_time() const;

    [[nodiscard]] BorrowedFd fd() const noexcept { return fd_.borrow(); }
    // Hands the fd to the caller (e.g. to send it to a client or KMS).
    [[nodiscard]] UniqueFd release() &&noexcept { return std::move(fd_); }

private:
    explicit SyncFile(UniqueFd fd) noexcept : fd_(std::move(fd)) {}

    UniqueFd fd_;
};

} // namespace sluice::sync
