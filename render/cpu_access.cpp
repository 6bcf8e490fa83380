#include "render/cpu_access.hpp"

#include <cerrno>

#include <linux/dma-buf.h>
#include <sys/ioctl.h>

namespace sluice::render {

sync::Result<void> dma_buf_cpu_access_sync(sync::BorrowedFd dmabuf, std::uint64_t flags) {
    dma_buf_sync args{};
    args.flags = flags;
    int ret = 0;
    do {
        ret = ::ioctl(dmabuf.get(), DMA_BUF_IOCTL_SYNC, &args);
    } while (ret != 0 && (errno == EINTR || errno == EAGAIN));
    if (ret != 0) {
        return sync::errno_error("DMA_BUF_IOCTL_SYNC", errno);
    }
    return {};
}

std::uint64_t cpu_read_start_flags() { return DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ; }

std::uint64_t cpu_read_end_flags() { return DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ; }

} // namespace sluice::render
