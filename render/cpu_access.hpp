// CPU reads of a dma-buf must be bracketed by DMA_BUF_IOCTL_SYNC: on a
// device with non-coherent caches the exporter flushes or invalidates there,
// and the START waits for the buffer's pending writers. The bracket is a
// function object so that tests can stand a memfd in for a dma-buf (where the
// ioctl fails with ENOTTY) and watch when the bracket opens and closes.
#pragma once

#include <cstdint>
#include <functional>

#include "sync/result.hpp"
#include "sync/unique_fd.hpp"

namespace sluice::render {

// `flags` is the kernel's struct dma_buf_sync flags word (DMA_BUF_SYNC_*).
using CpuAccessSync = std::function<sync::Result<void>(sync::BorrowedFd dmabuf, std::uint64_t flags)>;

// DMA_BUF_IOCTL_SYNC, retried while the kernel says EINTR or EAGAIN (the
// START may wait for fences and be interrupted by a signal).
[[nodiscard]] sync::Result<void> dma_buf_cpu_access_sync(sync::BorrowedFd dmabuf, std::uint64_t flags);

// The flags words of a read bracket, named so callers cannot mix them up.
[[nodiscard]] std::uint64_t cpu_read_start_flags();
[[nodiscard]] std::uint64_t cpu_read_end_flags();

} // namespace sluice::render
