#include "dmabuf.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include <drm_fourcc.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/udmabuf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include "tests/uapi/test_only_uapi.hpp"

namespace sluice::test {

namespace {

using test_uapi::VgemFenceAttach;
using test_uapi::VgemFenceSignal;

int retry_ioctl(int fd, unsigned long request, void *arg) {
    int r;
    do {
        r = ::ioctl(fd, request, arg);
    } while (r < 0 && (errno == EINTR || errno == EAGAIN));
    return r;
}

// A CPU mapping of a dma-buf with the begin/end-of-access calls around it
// that let the exporter keep caches coherent (and wait for fences).
class CpuAccess {
public:
    CpuAccess(sync::BorrowedFd fd, size_t size, bool write)
        : fd_(fd), size_(size), flags_(DMA_BUF_SYNC_READ | (write ? DMA_BUF_SYNC_WRITE : 0u)) {
        map_ = ::mmap(nullptr, size_, PROT_READ | (write ? PROT_WRITE : 0), MAP_SHARED, fd_.get(), 0);
        if (map_ == MAP_FAILED)
            throw_errno("mmap of a dma-buf", errno);
        dma_buf_sync sync{.flags = DMA_BUF_SYNC_START | flags_};
        if (retry_ioctl(fd_.get(), DMA_BUF_IOCTL_SYNC, &sync) < 0) {
            const int error = errno;
            ::munmap(map_, size_);
            throw_errno("DMA_BUF_IOCTL_SYNC (start)", error);
        }
    }
    ~CpuAccess() {
        dma_buf_sync sync{.flags = DMA_BUF_SYNC_END | flags_};
        (void)retry_ioctl(fd_.get(), DMA_BUF_IOCTL_SYNC, &sync);
        ::munmap(map_, size_);
    }
    CpuAccess(const CpuAccess &) = delete;
    CpuAccess &operator=(const CpuAccess &) = delete;

    [[nodiscard]] uint8_t *bytes() const { return static_cast<uint8_t *>(map_); }

private:
    sync::BorrowedFd fd_;
    size_t size_;
    uint64_t flags_;
    void *map_ = nullptr;
};

} // namespace

VgemFence::VgemFence(VgemFence &&other) noexcept
    : card_(std::move(other.card_)), id_(other.id_), signaled_(std::exchange(other.signaled_, true)) {}

VgemFence::~VgemFence() {
    if (!signaled_ && card_) {
        VgemFenceSignal signal{.fence = id_, .flags = 0};
        (void)drmIoctl(card_->fd().get(), test_uapi::kIoctlVgemFenceSignal, &signal);
    }
}

void VgemFence::signal() {
    if (signaled_)
        return;
    VgemFenceSignal signal{.fence = id_, .flags = 0};
    if (drmIoctl(card_->fd().get(), test_uapi::kIoctlVgemFenceSignal, &signal) != 0)
        throw_errno("DRM_IOCTL_VGEM_FENCE_SIGNAL", errno);
    signaled_ = true;
}

DmaBuf DmaBuf::vgem(std::shared_ptr<const DrmDevice> card, int32_t width, int32_t height) {
    if (!card)
        throw std::runtime_error("no vgem device for a dumb buffer");
    drm_mode_create_dumb create{};
    create.width = static_cast<uint32_t>(width);
    create.height = static_cast<uint32_t>(height);
    create.bpp = 32;
    if (drmIoctl(card->fd().get(), DRM_IOCTL_MODE_CREATE_DUMB, &create) != 0)
        throw_errno("DRM_IOCTL_MODE_CREATE_DUMB on " + card->path(), errno);
    int prime = -1;
    if (drmPrimeHandleToFD(card->fd().get(), create.handle, DRM_CLOEXEC | DRM_RDWR, &prime) != 0) {
        const int error = errno;
        drm_gem_close close{.handle = create.handle, .pad = 0};
        (void)drmIoctl(card->fd().get(), DRM_IOCTL_GEM_CLOSE, &close);
        throw_errno("DRM_IOCTL_PRIME_HANDLE_TO_FD", error);
    }
    DmaBufLayout layout{width, height, DRM_FORMAT_XRGB8888, create.pitch, create.size};
    return DmaBuf(DmaBufSource::vgem, layout, sync::UniqueFd(prime), std::move(card), create.handle);
}

DmaBuf DmaBuf::udmabuf(int32_t width, int32_t height) {
    const uint32_t stride = static_cast<uint32_t>(width) * 4;
    const long page = ::sysconf(_SC_PAGESIZE);
    const uint64_t raw = static_cast<uint64_t>(stride) * static_cast<uint64_t>(height);
    const uint64_t size =
        (raw + static_cast<uint64_t>(page) - 1) / static_cast<uint64_t>(page) * static_cast<uint64_t>(page);

    sync::UniqueFd memfd(::memfd_create("sluice-test-udmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!memfd)
        throw_errno("memfd_create", errno);
    if (::ftruncate(memfd.get(), static_cast<off_t>(size)) < 0)
        throw_errno("ftruncate", errno);
    if (::fcntl(memfd.get(), F_ADD_SEALS, F_SEAL_SHRINK) < 0)
        throw_errno("F_ADD_SEALS F_SEAL_SHRINK", errno);
    sync::UniqueFd device(::open("/dev/udmabuf", O_RDWR | O_CLOEXEC));
    if (!device)
        throw_errno("/dev/udmabuf", errno);
    udmabuf_create create{};
    create.memfd = static_cast<uint32_t>(memfd.get());
    create.flags = UDMABUF_FLAGS_CLOEXEC;
    create.offset = 0;
    create.size = size;
    const int fd = ::ioctl(device.get(), UDMABUF_CREATE, &create);
    if (fd < 0)
        throw_errno("UDMABUF_CREATE", errno);
    // The dma-buf holds the memfd's pages itself; memfd and device close here.
    DmaBufLayout layout{width, height, DRM_FORMAT_XRGB8888, stride, size};
    return DmaBuf(DmaBufSource::udmabuf, layout, sync::UniqueFd(fd), nullptr, 0);
}

DmaBuf DmaBuf::adopt(DmaBufSource source, DmaBufLayout layout, sync::UniqueFd fd) {
    if (!fd)
        throw std::invalid_argument("DmaBuf::adopt: no fd");
    return DmaBuf(source, layout, std::move(fd), nullptr, 0);
}

DmaBuf::DmaBuf(DmaBuf &&other) noexcept
    : source_(other.source_), layout_(other.layout_), fd_(std::move(other.fd_)), card_(std::move(other.card_)),
      handle_(std::exchange(other.handle_, 0)) {}

DmaBuf::~DmaBuf() {
    if (card_ && handle_ != 0) {
        drm_gem_close close{.handle = handle_, .pad = 0};
        (void)drmIoctl(card_->fd().get(), DRM_IOCTL_GEM_CLOSE, &close);
    }
}

void DmaBuf::fill(uint32_t xrgb) {
    CpuAccess access(fd_.borrow(), static_cast<size_t>(layout_.size), true);
    for (int32_t y = 0; y < layout_.height; ++y) {
        auto *row = reinterpret_cast<uint32_t *>(access.bytes() + static_cast<size_t>(y) * layout_.stride);
        for (int32_t x = 0; x < layout_.width; ++x)
            row[x] = xrgb;
    }
}

uint32_t DmaBuf::pixel(int32_t x, int32_t y) const {
    CpuAccess access(fd_.borrow(), static_cast<size_t>(layout_.size), false);
    uint32_t value = 0;
    std::memcpy(&value, access.bytes() + static_cast<size_t>(y) * layout_.stride + static_cast<size_t>(x) * 4,
                sizeof(value));
    return value;
}

VgemFence DmaBuf::attach_vgem_fence() const {
    if (source_ != DmaBufSource::vgem)
        throw std::logic_error("attach_vgem_fence on a buffer that is not vgem's");
    VgemFenceAttach attach{};
    attach.handle = handle_;
    attach.flags = test_uapi::kVgemFenceWrite;
    if (drmIoctl(card_->fd().get(), test_uapi::kIoctlVgemFenceAttach, &attach) != 0)
        throw_errno("DRM_IOCTL_VGEM_FENCE_ATTACH", errno);
    return VgemFence(card_, attach.out_fence);
}

void DmaBuf::import_write_fence(const sync::SyncFile &fence) const {
    dma_buf_import_sync_file import{.flags = DMA_BUF_SYNC_WRITE, .fd = fence.fd().get()};
    if (retry_ioctl(fd_.get(), DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &import) < 0)
        throw_errno("DMA_BUF_IOCTL_IMPORT_SYNC_FILE", errno);
}

} // namespace sluice::test
