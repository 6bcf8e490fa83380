// dma-bufs a test client can make without a GPU: vgem dumb buffers shared
// through PRIME, and udmabufs over a sealed memfd. Both are filled from the
// CPU through a mapping bracketed by DMA_BUF_IOCTL_SYNC, as a real producer
// would; vgem buffers can also carry fences the test signals (implicit sync).
#pragma once

#include <cstdint>
#include <memory>

#include "drm_device.hpp"
#include "sync/sync_file.hpp"
#include "sync/unique_fd.hpp"

namespace sluice::test {

// One plane, linear, 32 bits per pixel.
struct DmaBufLayout {
    int32_t width = 0;
    int32_t height = 0;
    uint32_t drm_format = 0; // DRM_FORMAT_*, XRGB8888 unless asked otherwise
    uint32_t stride = 0;
    uint64_t size = 0;
};

// gpu: made by a GPU's allocator (GBM) and written by the GPU; see DmaBuf::adopt.
enum class DmaBufSource { vgem, udmabuf, gpu };

// A fence in a vgem buffer's reservation object. The test signals it; if it
// does not, the destructor does, so that a failed test leaves nothing for
// the compositor (or vgem's own 10 s timeout) to wait for.
class VgemFence {
public:
    VgemFence(std::shared_ptr<const DrmDevice> card, uint32_t id) : card_(std::move(card)), id_(id) {}
    ~VgemFence();
    VgemFence(VgemFence &&other) noexcept;
    VgemFence &operator=(VgemFence &&other) = delete;
    VgemFence(const VgemFence &) = delete;
    VgemFence &operator=(const VgemFence &) = delete;

    // DRM_IOCTL_VGEM_FENCE_SIGNAL. Throws on failure (not on a second call).
    void signal();
    [[nodiscard]] bool signaled() const { return signaled_; }

private:
    std::shared_ptr<const DrmDevice> card_;
    uint32_t id_;
    bool signaled_ = false;
};

class DmaBuf {
public:
    // A dumb buffer on vgem's primary node (vgem refuses dumb buffers on
    // its render node), exported with PRIME. Throws on failure.
    static DmaBuf vgem(std::shared_ptr<const DrmDevice> card, int32_t width, int32_t height);
    // A udmabuf over a memfd sealed against shrinking (the kernel requires
    // it: pages under a dma-buf must not vanish). Throws on failure.
    static DmaBuf udmabuf(int32_t width, int32_t height);
    // A dma-buf made elsewhere (a GPU's allocator): one linear plane of
    // `layout`, its memory held by `fd` alone.
    static DmaBuf adopt(DmaBufSource source, DmaBufLayout layout, sync::UniqueFd fd);

    DmaBuf(DmaBuf &&other) noexcept;
    DmaBuf &operator=(DmaBuf &&other) = delete;
    DmaBuf(const DmaBuf &) = delete;
    DmaBuf &operator=(const DmaBuf &) = delete;
    ~DmaBuf();

    [[nodiscard]] const DmaBufLayout &layout() const { return layout_; }
    [[nodiscard]] sync::BorrowedFd fd() const { return fd_.borrow(); }
    [[nodiscard]] DmaBufSource source() const { return source_; }

    // Writes `xrgb` (0x00RRGGBB) to every pixel. DMA_BUF_SYNC_START waits
    // for the fences already in the buffer, so fill before attaching one.
    void fill(uint32_t xrgb);
    // Reads one pixel back (for self-checks).
    [[nodiscard]] uint32_t pixel(int32_t x, int32_t y) const;

    // vgem only: an unsignaled fence added to the reservation object, as
    // the write (exclusive) fence, which is what a reader waits for.
    [[nodiscard]] VgemFence attach_vgem_fence() const;
    // Any source: `fence` added as a write fence (DMA_BUF_IOCTL_IMPORT_SYNC_FILE).
    void import_write_fence(const sync::SyncFile &fence) const;

private:
    DmaBuf(DmaBufSource source, DmaBufLayout layout, sync::UniqueFd fd, std::shared_ptr<const DrmDevice> card,
           uint32_t handle)
        : source_(source), layout_(layout), fd_(std::move(fd)), card_(std::move(card)), handle_(handle) {}

    DmaBufSource source_;
    DmaBufLayout layout_;
    sync::UniqueFd fd_;
    // vgem: the GEM handle, meaningful only on card_'s open file, closed with
    // this object (the dma-buf keeps the memory alive on its own).
    std::shared_ptr<const DrmDevice> card_;
    uint32_t handle_ = 0;
};

} // namespace sluice::test
