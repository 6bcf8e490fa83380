// Kernel ABI that only the tests and the bench use, written out once:
// vgem's fence ioctls (include/uapi/drm/vgem_drm.h, not in libdrm's
// headers) and sw_sync's (drivers/dma-buf/sw_sync.c, debugfs ABI with no
// uapi header at all). The product never uses either; sync/kernel_uapi.hpp
// holds the ABI sluice itself needs.
#pragma once

#include <cstdint>

#include <linux/dma-buf.h>
#include <sys/ioctl.h>
#include <xf86drm.h>

// In linux/dma-buf.h since 6.0; Debian 12's headers have them.
#ifndef DMA_BUF_IOCTL_EXPORT_SYNC_FILE
#error "linux/dma-buf.h lacks DMA_BUF_IOCTL_EXPORT_SYNC_FILE (Linux 6.0 uapi headers needed)"
#endif

namespace sluice::test_uapi {

struct VgemFenceAttach {
    std::uint32_t handle;
    std::uint32_t flags;
    std::uint32_t out_fence;
    std::uint32_t pad;
};
struct VgemFenceSignal {
    std::uint32_t fence;
    std::uint32_t flags;
};
static_assert(sizeof(VgemFenceAttach) == 16 && sizeof(VgemFenceSignal) == 8);
inline constexpr std::uint32_t kVgemFenceWrite = 0x1;
inline constexpr unsigned long kIoctlVgemFenceAttach = DRM_IOWR(DRM_COMMAND_BASE + 0x1, VgemFenceAttach);
inline constexpr unsigned long kIoctlVgemFenceSignal = DRM_IOW(DRM_COMMAND_BASE + 0x2, VgemFenceSignal);

inline constexpr const char *kSwSyncPath = "/sys/kernel/debug/sync/sw_sync";
struct SwSyncCreateFence {
    std::uint32_t value;
    char name[32];
    std::int32_t fence;
};
static_assert(sizeof(SwSyncCreateFence) == 40);
inline constexpr unsigned long kIoctlSwSyncCreateFence = _IOWR('W', 0, SwSyncCreateFence);
inline constexpr unsigned long kIoctlSwSyncInc = _IOW('W', 1, std::uint32_t);

} // namespace sluice::test_uapi
