// Plane 0 of a single-plane linear dma-buf, mapped read-only into sluice.
// The mapping owns a duplicate of the plane's fd, so the DMA_BUF_IOCTL_SYNC
// bracket around each read never depends on how long the producer keeps its
// own fd (wlroots swaps a buffer's fds for copies when it drops it).
#pragma once

#include <cstddef>
#include <cstdint>

#include "sync/result.hpp"
#include "sync/unique_fd.hpp"
#include "wlroots/wlr.hpp"

namespace sluice::render {

class DmabufMapping {
public:
    // Checks that `attribs` describe something pixman can read from memory
    // (one plane, LINEAR or INVALID modifier, a packed format of
    // `bytes_per_pixel`, rows 4-byte aligned and inside the dma-buf) and maps
    // it. The error says which rule failed or which call was refused.
    [[nodiscard]] static sync::Result<DmabufMapping> map(const wlr_dmabuf_attributes &attribs,
                                                         uint32_t bytes_per_pixel);

    DmabufMapping() = default;
    ~DmabufMapping();
    DmabufMapping(DmabufMapping &&other) noexcept;
    DmabufMapping &operator=(DmabufMapping &&other) noexcept;
    DmabufMapping(const DmabufMapping &) = delete;
    DmabufMapping &operator=(const DmabufMapping &) = delete;

    [[nodiscard]] bool mapped() const { return base_ != nullptr; }
    // First byte of the plane (the mapping starts at the page holding it).
    [[nodiscard]] void *pixels() const { return static_cast<std::byte *>(base_) + plane_offset_; }
    [[nodiscard]] size_t stride() const { return stride_; }
    [[nodiscard]] sync::BorrowedFd fd() const { return fd_.borrow(); }

    // Unmaps and closes now (also what the destructor does).
    void reset();

private:
    sync::UniqueFd fd_;
    void *base_ = nullptr;
    size_t length_ = 0;
    size_t plane_offset_ = 0;
    size_t stride_ = 0;
};

} // namespace sluice::render
