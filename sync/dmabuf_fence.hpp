#pragma once

// Implicit synchronization lives in a dma-buf's reservation object. Linux 6.0
// lets userspace take those fences out as a sync_file (so sluice can wait for
// a client's GPU work without blocking) and put a sync_file in (so an
// implicit-sync consumer waits for sluice's own work).

#include <atomic>
#include <cerrno>
#include <cstdint>

#include "sync/result.hpp"
#include "sync/sync_file.hpp"
#include "sync/unique_fd.hpp"

namespace sluice::sync {

// Which fences an export returns / how an import is recorded. Values are the
// kernel's DMA_BUF_SYNC_READ / DMA_BUF_SYNC_WRITE bits.
enum class DmaBufAccess : std::uint32_t {
    // Export: the fences a reader must wait for (the writers).
    // Import: the fence is recorded as a read.
    Read = 1u << 0,
    // Export: every fence (a writer waits for readers and writers).
    // Import: the fence is recorded as a write.
    Write = 1u << 1,
    ReadWrite = Read | Write,
};

enum class ImplicitSyncSupport {
    // No successful or telling call yet.
    Unknown,
    Supported,
    // The kernel predates Linux 6.0: callers must fall back (e.g. treat the
    // buffer as ready, or wait in the GPU with implicit sync).
    Unsupported,
};

// Holds the "does this kernel have it" answer, found once on first use and
// kept for the object's lifetime. One per compositor; pass it where needed.
class DmaBufFences {
public:
    // errno_value of every error that means "this kernel lacks the ioctls".
    static constexpr int kUnsupportedErrno = EOPNOTSUPP;

    DmaBufFences() = default;
    DmaBufFences(const DmaBufFences &) = delete;
    DmaBufFences &operator=(const DmaBufFences &) = delete;

    // DMA_BUF_IOCTL_EXPORT_SYNC_FILE. A dma-buf with no fences gives an
    // already-signaled sync_file.
    [[nodiscard]] Result<SyncFile> export_sync_file(BorrowedFd dmabuf, DmaBufAccess access);
    // DMA_BUF_IOCTL_IMPORT_SYNC_FILE.
    [[nodiscard]] Result<void> import_sync_file(BorrowedFd dmabuf, const SyncFile &fence, DmaBufAccess access);

    [[nodiscard]] ImplicitSyncSupport support() const noexcept { return support_.load(); }

    [[nodiscard]] static bool is_unsupported(const Error &error) noexcept {
        return error.errno_value == kUnsupportedErrno;
    }

private:
    // Turns a failed ioctl into an Error, telling "not a dma-buf" (ENOTTY)
    // from "the kernel does not know this ioctl" (EOPNOTSUPP, remembered).
    [[nodiscard]] Error classify_failure(const char *operation, BorrowedFd dmabuf, int err);

    std::atomic<ImplicitSyncSupport> support_{ImplicitSyncSupport::Unknown};
};

} // namespace sluice::sync
