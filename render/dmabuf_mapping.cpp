#include "render/dmabuf_mapping.hpp"

#include <cerrno>
#include <cstdio>
#include <string>
#include <utility>

#include <drm_fourcc.h>
#include <sys/mman.h>
#include <unistd.h>

namespace sluice::render {

namespace {

sync::Error layout_error(const std::string &why) { return sync::Error{EINVAL, why}; }

std::string hex64(uint64_t value) {
    char text[19];
    snprintf(text, sizeof(text), "0x%016llx", static_cast<unsigned long long>(value));
    return text;
}

} // namespace

sync::Result<DmabufMapping> DmabufMapping::map(const wlr_dmabuf_attributes &attribs, uint32_t bytes_per_pixel) {
    if (attribs.n_planes != 1) {
        return layout_error(std::to_string(attribs.n_planes) + " planes: only single-plane buffers are read");
    }
    // INVALID is "implicit": for the CPU-mappable exporters this path is for
    // (vgem, udmabuf, dumb buffers) that is linear.
    if (attribs.modifier != DRM_FORMAT_MOD_LINEAR && attribs.modifier != DRM_FORMAT_MOD_INVALID) {
        return layout_error("modifier " + hex64(attribs.modifier) + " is not linear");
    }
    if (attribs.width <= 0 || attribs.height <= 0) {
        return layout_error("empty size");
    }
    const uint64_t stride = attribs.stride[0];
    const uint64_t offset = attribs.offset[0];
    // pixman walks rows as 32-bit words and needs them aligned so.
    if (stride % 4 != 0 || offset % 4 != 0) {
        return layout_error("stride " + std::to_string(stride) + " / offset " + std::to_string(offset) +
                            " not a multiple of 4");
    }
    if (stride < static_cast<uint64_t>(attribs.width) * bytes_per_pixel) {
        return layout_error("stride " + std::to_string(stride) + " shorter than a row of " +
                            std::to_string(attribs.width) + " pixels");
    }
    const uint64_t end = offset + stride * static_cast<uint64_t>(attribs.height);
    // Reading past the end of a dma-buf mapping is SIGBUS, so the plane must
    // lie inside the buffer. Exporters that cannot seek leave it to mmap,
    // which refuses a mapping longer than the dma-buf.
    const off_t size = ::lseek(attribs.fd[0], 0, SEEK_END);
    if (size >= 0 && end > static_cast<uint64_t>(size)) {
        return layout_error("plane ends at byte " + std::to_string(end) + " of a " + std::to_string(size) +
                            "-byte buffer");
    }

    auto fd = sync::duplicate_fd(sync::BorrowedFd(attribs.fd[0]));
    if (!fd) {
        return std::move(fd).error();
    }
    const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    const uint64_t map_offset = offset - offset % page;
    const uint64_t length = end - map_offset;
    void *base = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd->get(), static_cast<off_t>(map_offset));
    if (base == MAP_FAILED) {
        return sync::errno_error("mmap", errno);
    }
    DmabufMapping mapping;
    mapping.fd_ = std::move(fd).value();
    mapping.base_ = base;
    mapping.length_ = length;
    mapping.plane_offset_ = offset - map_offset;
    mapping.stride_ = stride;
    return mapping;
}

DmabufMapping::~DmabufMapping() { reset(); }

DmabufMapping::DmabufMapping(DmabufMapping &&other) noexcept
    : fd_(std::move(other.fd_)), base_(std::exchange(other.base_, nullptr)), length_(std::exchange(other.length_, 0)),
      plane_offset_(std::exchange(other.plane_offset_, 0)), stride_(std::exchange(other.stride_, 0)) {}

DmabufMapping &DmabufMapping::operator=(DmabufMapping &&other) noexcept {
    if (this != &other) {
        reset();
        fd_ = std::move(other.fd_);
        base_ = std::exchange(other.base_, nullptr);
        length_ = std::exchange(other.length_, 0);
        plane_offset_ = std::exchange(other.plane_offset_, 0);
        stride_ = std::exchange(other.stride_, 0);
    }
    return *this;
}

void DmabufMapping::reset() {
    if (base_ != nullptr) {
        ::munmap(base_, length_);
        base_ = nullptr;
        length_ = 0;
    }
    fd_.reset();
}

} // namespace sluice::render
