// wlr_buffers for host tests of the software renderer: a "dma-buf" whose
// plane is a memfd (mmap works on it like on a dma-buf; DMA_BUF_IOCTL_SYNC
// does not, so the tests inject the bracket), and plain memory buffers that
// offer a data pointer (what wl_shm buffers and render targets look like to
// pixman).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "sync/unique_fd.hpp"
#include "wlroots/wlr.hpp"

namespace sluice::render::test {

// Counts the buffer's release and destroy signals.
struct BufferEvents {
    int releases = 0;
    int destroys = 0;
    wl_listener release{};
    wl_listener destroy{};

    void watch(wlr_buffer *buffer) {
        release.notify = [](wl_listener *l, void *) {
            BufferEvents *self = wl_container_of(l, self, release);
            ++self->releases;
        };
        destroy.notify = [](wl_listener *l, void *) {
            BufferEvents *self = wl_container_of(l, self, destroy);
            ++self->destroys;
            wl_list_remove(&self->release.link);
            wl_list_remove(&self->destroy.link);
        };
        wl_signal_add(&buffer->events.release, &release);
        wl_signal_add(&buffer->events.destroy, &destroy);
    }
};

// A dma-buf as wlroots' linux-dmabuf hands it over: get_dmabuf only. The
// test owns it as the producer and calls drop() when done.
class FakeDmabuf {
public:
    static constexpr const char *kMemfdName = "sluice-test-dmabuf";

    // A memfd of `size` bytes (default: exactly one plane of the layout).
    FakeDmabuf(int32_t width, int32_t height, uint32_t format = DRM_FORMAT_XRGB8888, uint32_t stride = 0,
               uint32_t offset = 0, size_t size = 0)
        : fd_(memfd_create(kMemfdName, MFD_CLOEXEC)) {
        stride = stride != 0 ? stride : static_cast<uint32_t>(width) * 4;
        size_ = size != 0 ? size : offset + static_cast<size_t>(stride) * height;
        if (!fd_.valid() || ftruncate(fd_.get(), static_cast<off_t>(size_)) != 0) {
            abort();
        }
        pixels_ = static_cast<uint8_t *>(mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0));
        attribs_.width = width;
        attribs_.height = height;
        attribs_.format = format;
        attribs_.modifier = DRM_FORMAT_MOD_LINEAR;
        attribs_.n_planes = 1;
        attribs_.offset[0] = offset;
        attribs_.stride[0] = stride;
        for (int &fd : attribs_.fd) {
            fd = -1;
        }
        attribs_.fd[0] = fd_.get();
        wlr_buffer_init(&handle_.base, &impl, width, height);
        handle_.owner = this;
    }

    ~FakeDmabuf() {
        if (!dropped_) {
            drop();
        }
        munmap(pixels_, size_);
    }

    FakeDmabuf(const FakeDmabuf &) = delete;
    FakeDmabuf &operator=(const FakeDmabuf &) = delete;

    wlr_buffer *wlr() { return &handle_.base; }
    wlr_dmabuf_attributes &attribs() { return attribs_; }
    int fd() const { return fd_.get(); }

    // Writes one 32-bit pixel value over the whole plane.
    void fill(uint32_t value) {
        for (int32_t y = 0; y < attribs_.height; ++y) {
            auto *row = reinterpret_cast<uint32_t *>(pixels_ + attribs_.offset[0] + y * attribs_.stride[0]);
            for (int32_t x = 0; x < attribs_.width; ++x) {
                row[x] = value;
            }
        }
    }

    void drop() {
        dropped_ = true;
        wlr_buffer_drop(wlr());
    }
    bool destroyed() const { return destroyed_; }

private:
    struct Handle {
        wlr_buffer base;
        FakeDmabuf *owner;
    };
    static FakeDmabuf *from(wlr_buffer *buffer) { return reinterpret_cast<Handle *>(buffer)->owner; }
    static void handle_destroy(wlr_buffer *buffer) { from(buffer)->destroyed_ = true; }
    static bool handle_get_dmabuf(wlr_buffer *buffer, wlr_dmabuf_attributes *out) {
        *out = from(buffer)->attribs_;
        return true;
    }
    static const wlr_buffer_impl impl;

    Handle handle_{};
    sync::UniqueFd fd_;
    size_t size_ = 0;
    uint8_t *pixels_ = nullptr;
    wlr_dmabuf_attributes attribs_{};
    bool dropped_ = false;
    bool destroyed_ = false;
};

inline const wlr_buffer_impl FakeDmabuf::impl = {
    .destroy = FakeDmabuf::handle_destroy,
    .get_dmabuf = FakeDmabuf::handle_get_dmabuf,
    .get_shm = nullptr,
    .begin_data_ptr_access = nullptr,
    .end_data_ptr_access = nullptr,
};

// Memory with a data pointer: XRGB8888 by default, tightly packed.
class MemoryBuffer {
public:
    MemoryBuffer(int32_t width, int32_t height, uint32_t format = DRM_FORMAT_XRGB8888)
        : width_(width), format_(format), pixels_(static_cast<size_t>(width) * height) {
        wlr_buffer_init(&handle_.base, &impl, width, height);
        handle_.owner = this;
    }
    ~MemoryBuffer() {
        if (!dropped_) {
            dropped_ = true;
            wlr_buffer_drop(wlr());
        }
    }
    MemoryBuffer(const MemoryBuffer &) = delete;
    MemoryBuffer &operator=(const MemoryBuffer &) = delete;

    wlr_buffer *wlr() { return &handle_.base; }
    uint32_t pixel(int32_t x, int32_t y) const { return pixels_.at(static_cast<size_t>(y) * width_ + x); }
    void fill(uint32_t value) { std::fill(pixels_.begin(), pixels_.end(), value); }
    void set_pixel(int32_t x, int32_t y, uint32_t value) { pixels_.at(static_cast<size_t>(y) * width_ + x) = value; }
    int accesses() const { return accesses_; }

private:
    struct Handle {
        wlr_buffer base;
        MemoryBuffer *owner;
    };
    static MemoryBuffer *from(wlr_buffer *buffer) { return reinterpret_cast<Handle *>(buffer)->owner; }
    static void handle_destroy(wlr_buffer *) {}
    static bool handle_begin(wlr_buffer *buffer, uint32_t, void **data, uint32_t *format, size_t *stride) {
        MemoryBuffer *self = from(buffer);
        ++self->accesses_;
        *data = self->pixels_.data();
        *format = self->format_;
        *stride = static_cast<size_t>(self->width_) * 4;
        return true;
    }
    static void handle_end(wlr_buffer *) {}
    static const wlr_buffer_impl impl;

    Handle handle_{};
    int32_t width_;
    uint32_t format_;
    std::vector<uint32_t> pixels_;
    int accesses_ = 0;
    bool dropped_ = false;
};

inline const wlr_buffer_impl MemoryBuffer::impl = {
    .destroy = MemoryBuffer::handle_destroy,
    .get_dmabuf = nullptr,
    .get_shm = nullptr,
    .begin_data_ptr_access = MemoryBuffer::handle_begin,
    .end_data_ptr_access = MemoryBuffer::handle_end,
};

// Mappings of the fake dma-bufs' memfds in this process right now.
inline int memfd_mapping_count() {
    FILE *maps = fopen("/proc/self/maps", "r");
    if (maps == nullptr) {
        return -1;
    }
    int count = 0;
    char line[4096];
    while (fgets(line, sizeof(line), maps) != nullptr) {
        if (strstr(line, FakeDmabuf::kMemfdName) != nullptr) {
            ++count;
        }
    }
    fclose(maps);
    return count;
}

inline int open_fd_count() {
    DIR *dir = opendir("/proc/self/fd");
    if (dir == nullptr) {
        return -1;
    }
    int count = 0;
    while (const dirent *entry = readdir(dir)) {
        count += entry->d_name[0] != '.';
    }
    closedir(dir);
    return count - 1; // the directory stream itself
}

} // namespace sluice::render::test
