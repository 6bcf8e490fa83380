#include "dmabuf.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <drm.h>
#include <drm_fourcc.h>
#include <drm_mode.h>
#include <xf86drm.h>

#include "clock.hpp"
#include "tests/uapi/test_only_uapi.hpp"
#include "connection.hpp"

namespace bench {

namespace {

using sluice::test_uapi::SwSyncCreateFence;
using sluice::test_uapi::VgemFenceAttach;
using sluice::test_uapi::VgemFenceSignal;

// DMA_BUF_IOCTL_{EXPORT,IMPORT}_SYNC_FILE are in linux/dma-buf.h since 6.0;
// Debian 12's headers have them, older ones would not.
#ifndef DMA_BUF_IOCTL_EXPORT_SYNC_FILE
#error "linux/dma-buf.h lacks DMA_BUF_IOCTL_EXPORT_SYNC_FILE (Linux 6.0 uapi headers needed)"
#endif

int ioctl_retry(int fd, unsigned long request, void *arg) {
    int ret = 0;
    do {
        ret = ioctl(fd, request, arg);
    } while (ret < 0 && (errno == EINTR || errno == EAGAIN));
    return ret;
}

std::string errno_text(const char *what) { return std::string(what) + ": " + strerror(errno); }

} // namespace

std::optional<DrmNode> open_drm_node(const std::string &dri_dir, const std::string &driver, bool exclude) {
    DIR *dir = opendir(dri_dir.c_str());
    if (dir == nullptr) {
        return std::nullopt;
    }
    std::vector<std::string> cards;
    while (dirent *entry = readdir(dir)) {
        if (std::strncmp(entry->d_name, "card", 4) == 0) {
            cards.emplace_back(entry->d_name);
        }
    }
    closedir(dir);
    std::sort(cards.begin(), cards.end());
    for (const auto &card : cards) {
        std::string path = dri_dir + "/" + card;
        UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
        if (!fd) {
            continue;
        }
        drmVersionPtr version = drmGetVersion(fd.get());
        if (version == nullptr) {
            continue;
        }
        std::string name(version->name, size_t(version->name_len));
        drmFreeVersion(version);
        if ((name == driver) != exclude) {
            return DrmNode{std::move(fd), path, name};
        }
    }
    return std::nullopt;
}

std::unique_ptr<DumbBuffer> DumbBuffer::create(int drm_fd, int width, int height, std::string &error) {
    std::unique_ptr<DumbBuffer> buffer(new DumbBuffer());
    drm_mode_create_dumb create{};
    create.width = uint32_t(width);
    create.height = uint32_t(height);
    create.bpp = 32;
    if (ioctl_retry(drm_fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) < 0) {
        error = errno_text("DRM_IOCTL_MODE_CREATE_DUMB");
        return nullptr;
    }
    buffer->drm_fd_ = drm_fd;
    buffer->handle_ = create.handle;
    buffer->stride_ = create.pitch;
    buffer->size_ = create.size;

    drm_prime_handle prime{};
    prime.handle = create.handle;
    prime.flags = DRM_CLOEXEC | DRM_RDWR;
    if (ioctl_retry(drm_fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime) < 0) {
        error = errno_text("DRM_IOCTL_PRIME_HANDLE_TO_FD");
        return nullptr;
    }
    buffer->dmabuf_.reset(prime.fd);

    // Through the dma-buf first (it works for vgem and for vkms); the dumb
    // map offset is the fallback for drivers without dma-buf mmap.
    void *map = mmap(nullptr, size_t(create.size), PROT_READ | PROT_WRITE, MAP_SHARED, prime.fd, 0);
    if (map == MAP_FAILED) {
        drm_mode_map_dumb map_dumb{};
        map_dumb.handle = create.handle;
        if (ioctl_retry(drm_fd, DRM_IOCTL_MODE_MAP_DUMB, &map_dumb) == 0) {
            map =
                mmap(nullptr, size_t(create.size), PROT_READ | PROT_WRITE, MAP_SHARED, drm_fd, off_t(map_dumb.offset));
        }
    }
    if (map == MAP_FAILED) {
        error = errno_text("mmap of a dumb buffer");
        return nullptr;
    }
    buffer->map_ = map;
    return buffer;
}

DumbBuffer::~DumbBuffer() {
    if (map_ != nullptr) {
        munmap(map_, size_t(size_));
    }
    if (handle_ != 0) {
        drm_gem_close close{};
        close.handle = handle_;
        ioctl(drm_fd_, DRM_IOCTL_GEM_CLOSE, &close);
    }
}

bool vgem_fence_attach(int vgem_fd, uint32_t handle, uint32_t &fence, std::string &error) {
    VgemFenceAttach attach{handle, sluice::test_uapi::kVgemFenceWrite, 0, 0};
    if (ioctl_retry(vgem_fd, sluice::test_uapi::kIoctlVgemFenceAttach, &attach) < 0) {
        error = errno_text("DRM_IOCTL_VGEM_FENCE_ATTACH");
        return false;
    }
    fence = attach.out_fence;
    return true;
}

bool vgem_fence_signal(int vgem_fd, uint32_t fence, std::string &error) {
    VgemFenceSignal signal{fence, 0};
    if (ioctl_retry(vgem_fd, sluice::test_uapi::kIoctlVgemFenceSignal, &signal) < 0) {
        error = errno_text("DRM_IOCTL_VGEM_FENCE_SIGNAL");
        return false;
    }
    return true;
}

UniqueFd export_sync_file(int dmabuf_fd, std::string &error) {
    dma_buf_export_sync_file args{};
    args.flags = DMA_BUF_SYNC_WRITE;
    args.fd = -1;
    if (ioctl_retry(dmabuf_fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &args) < 0) {
        error = errno_text("DMA_BUF_IOCTL_EXPORT_SYNC_FILE");
        return UniqueFd();
    }
    return UniqueFd(args.fd);
}

bool import_sync_file(int dmabuf_fd, int sync_file_fd, std::string &error) {
    dma_buf_import_sync_file args{};
    args.flags = DMA_BUF_SYNC_WRITE;
    args.fd = sync_file_fd;
    if (ioctl_retry(dmabuf_fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &args) < 0) {
        error = errno_text("DMA_BUF_IOCTL_IMPORT_SYNC_FILE");
        return false;
    }
    return true;
}

bool sync_file_signaled(int sync_file_fd) {
    pollfd p{sync_file_fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1;
}

std::unique_ptr<SwSyncTimeline> SwSyncTimeline::open(const std::string &path, std::string &error) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd) {
        error = "cannot open " + path + ": " + strerror(errno);
        return nullptr;
    }
    auto timeline = std::make_unique<SwSyncTimeline>();
    timeline->fd_ = std::move(fd);
    return timeline;
}

UniqueFd SwSyncTimeline::fence_at(uint32_t point, std::string &error) {
    SwSyncCreateFence create{};
    create.value = point;
    std::strncpy(create.name, "sluice-bench", sizeof create.name - 1);
    create.fence = -1;
    if (ioctl_retry(fd_.get(), sluice::test_uapi::kIoctlSwSyncCreateFence, &create) < 0) {
        error = errno_text("SW_SYNC_IOC_CREATE_FENCE");
        return UniqueFd();
    }
    return UniqueFd(create.fence);
}

bool SwSyncTimeline::advance(uint32_t by, std::string &error) {
    if (ioctl_retry(fd_.get(), sluice::test_uapi::kIoctlSwSyncInc, &by) < 0) {
        error = errno_text("SW_SYNC_IOC_INC");
        return false;
    }
    return true;
}

std::unique_ptr<DmabufBuffer> DmabufBuffer::create(Connection &connection, int drm_fd, int width, int height,
                                                   std::string &error) {
    if (connection.dmabuf() == nullptr) {
        error = "the compositor offers no zwp_linux_dmabuf_v1 (version 3 or later)";
        return nullptr;
    }
    // Dumb buffers are linear: say so when the compositor lists the linear
    // modifier, otherwise rely on the implicit one (the driver's default
    // layout, which for dumb buffers is linear too).
    auto modifiers = connection.dmabuf_modifiers(DRM_FORMAT_XRGB8888);
    uint64_t modifier = DRM_FORMAT_MOD_INVALID;
    if (std::find(modifiers.begin(), modifiers.end(), DRM_FORMAT_MOD_LINEAR) != modifiers.end()) {
        modifier = DRM_FORMAT_MOD_LINEAR;
    } else if (std::find(modifiers.begin(), modifiers.end(), DRM_FORMAT_MOD_INVALID) == modifiers.end()) {
        error = "the compositor's linux-dmabuf lists neither the linear nor the implicit modifier for XRGB8888";
        return nullptr;
    }

    std::unique_ptr<DmabufBuffer> buffer(new DmabufBuffer(width, height));
    buffer->dumb_ = DumbBuffer::create(drm_fd, width, height, error);
    if (!buffer->dumb_) {
        return nullptr;
    }
    buffer->stride_ = int(buffer->dumb_->stride());
    buffer->pixels_ = static_cast<uint32_t *>(buffer->dumb_->map());

    struct Result {
        wl_buffer *buffer = nullptr;
        bool done = false;
    } result;
    static const zwp_linux_buffer_params_v1_listener params_listener = {
        .created =
            [](void *data, zwp_linux_buffer_params_v1 *, wl_buffer *created) {
                auto *r = static_cast<Result *>(data);
                r->buffer = created;
                r->done = true;
            },
        .failed = [](void *data, zwp_linux_buffer_params_v1 *) { static_cast<Result *>(data)->done = true; },
    };
    Proxy<zwp_linux_buffer_params_v1> params(zwp_linux_dmabuf_v1_create_params(connection.dmabuf()));
    zwp_linux_buffer_params_v1_add_listener(params.get(), &params_listener, &result);
    zwp_linux_buffer_params_v1_add(params.get(), buffer->dumb_->dmabuf_fd(), 0, 0, buffer->dumb_->stride(),
                                   uint32_t(modifier >> 32), uint32_t(modifier & 0xffffffff));
    // Not create_immed: a compositor that cannot import may then answer
    // with a protocol error, which would end the whole connection.
    zwp_linux_buffer_params_v1_create(params.get(), width, height, DRM_FORMAT_XRGB8888, 0);
    int64_t deadline = now_ns() + 20'000'000'000;
    while (!result.done && now_ns() < deadline) {
        if (!connection.pump(100)) {
            error = "the compositor closed the connection while importing a dma-buf: " + connection.error();
            return nullptr;
        }
    }
    if (result.buffer == nullptr) {
        error = result.done ? "the compositor refused the dma-buf (linux-dmabuf 'failed')"
                            : "no answer to linux-dmabuf create within 20 s";
        return nullptr;
    }
    buffer->adopt(result.buffer);
    return buffer;
}

void DmabufBuffer::begin_cpu_access() {
    dma_buf_sync sync{DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE};
    ioctl_retry(dumb_->dmabuf_fd(), DMA_BUF_IOCTL_SYNC, &sync);
}

void DmabufBuffer::end_cpu_access() {
    dma_buf_sync sync{DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE};
    ioctl_retry(dumb_->dmabuf_fd(), DMA_BUF_IOCTL_SYNC, &sync);
}

} // namespace bench
