#pragma once

// Kernel ABI that the build headers may not have. Private to sync/: the
// public headers never expose ioctl structs.
//
// - DMA_BUF_IOCTL_{EXPORT,IMPORT}_SYNC_FILE arrived in Linux 6.0; bookworm's
//   linux-libc-dev has them, older build hosts do not.
// - DRM_IOCTL_SYNCOBJ_EVENTFD arrived in Linux 6.6; libdrm 2.4.114's drm.h
//   predates it.
// The layouts are fixed kernel ABI, checked by the static_asserts below.

#include <cstdint>

#include <linux/dma-buf.h>
#include <linux/types.h>
#include <xf86drm.h>

#ifndef DMA_BUF_IOCTL_EXPORT_SYNC_FILE
struct dma_buf_export_sync_file {
    __u32 flags;
    __s32 fd;
};
struct dma_buf_import_sync_file {
    __u32 flags;
    __s32 fd;
};
#define DMA_BUF_IOCTL_EXPORT_SYNC_FILE _IOWR(DMA_BUF_BASE, 2, struct dma_buf_export_sync_file)
#define DMA_BUF_IOCTL_IMPORT_SYNC_FILE _IOW(DMA_BUF_BASE, 3, struct dma_buf_import_sync_file)
#endif

static_assert(sizeof(dma_buf_export_sync_file) == 8);
static_assert(sizeof(dma_buf_import_sync_file) == 8);

namespace sluice::sync::uapi {

// struct drm_syncobj_eventfd (include/uapi/drm/drm.h, Linux 6.6).
struct SyncobjEventfd {
    __u32 handle;
    // 0 or DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE.
    __u32 flags;
    __u64 point;
    __s32 fd;
    __u32 pad;
};
static_assert(sizeof(SyncobjEventfd) == 24);

inline constexpr unsigned long kIoctlSyncobjEventfd = DRM_IOWR(0xCF, SyncobjEventfd);

// DMA_BUF_MAGIC from <linux/magic.h>: dma-bufs live on their own pseudo
// filesystem (Linux 5.3+), which is how a dma-buf is told from other fds.
inline constexpr long kDmaBufFsMagic = 0x444d4142;

} // namespace sluice::sync::uapi
