#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "buffer.hpp"
#include "connection.hpp"
#include "unique_fd.hpp"

namespace bench {

void Buffer::adopt(wl_buffer *buffer) {
    static const wl_buffer_listener listener = {
        .release = [](void *data, wl_buffer *) { static_cast<Buffer *>(data)->busy_ = false; },
    };
    buffer_.reset(buffer);
    wl_buffer_add_listener(buffer, &listener, this);
}

namespace {

class ShmBuffer final : public Buffer {
public:
    ShmBuffer(int width, int height) : Buffer(width, height) {}
    ~ShmBuffer() override {
        if (map_ != MAP_FAILED) {
            munmap(map_, size_);
        }
    }

    bool init(Connection &connection, std::string &error) {
        stride_ = width_ * 4;
        size_ = size_t(stride_) * size_t(height_);
        UniqueFd fd(memfd_create("sluice-bench-shm", MFD_CLOEXEC | MFD_ALLOW_SEALING));
        if (!fd || ftruncate(fd.get(), off_t(size_)) < 0) {
            error = std::string("shm buffer: ") + strerror(errno);
            return false;
        }
        map_ = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
        if (map_ == MAP_FAILED) {
            error = std::string("shm buffer: mmap: ") + strerror(errno);
            return false;
        }
        pixels_ = static_cast<uint32_t *>(map_);
        // The pool only lives long enough to carve the buffer out of it: a
        // wl_buffer keeps its memory alive on the compositor side.
        wl_shm_pool *pool = wl_shm_create_pool(connection.shm(), fd.get(), int32_t(size_));
        wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, width_, height_, stride_, WL_SHM_FORMAT_XRGB8888);
        wl_shm_pool_destroy(pool);
        adopt(buffer);
        return true;
    }

    const char *kind() const override { return "shm"; }

private:
    void *map_ = MAP_FAILED;
    size_t size_ = 0;
};

} // namespace

std::unique_ptr<Buffer> make_shm_buffer(Connection &connection, int width, int height, std::string &error) {
    auto buffer = std::make_unique<ShmBuffer>(width, height);
    if (!buffer->init(connection, error)) {
        return nullptr;
    }
    return buffer;
}

void draw_frame(Buffer &buffer, uint32_t n) {
    buffer.begin_cpu_access();
    // A slow hue walk: consecutive frames differ in every pixel.
    uint32_t r = (n * 3) & 0xff;
    uint32_t g = (n * 5 + 85) & 0xff;
    uint32_t b = (n * 7 + 170) & 0xff;
    const uint32_t background = 0xff000000u | (r << 16) | (g << 8) | b;
    const uint32_t bar = ~background | 0xff000000u;
    const int bar_width = std::max(1, buffer.width() / 16);
    const int bar_x = int((n * 4) % uint32_t(std::max(1, buffer.width() - bar_width)));
    for (int y = 0; y < buffer.height(); ++y) {
        uint32_t *row = reinterpret_cast<uint32_t *>(reinterpret_cast<uint8_t *>(buffer.pixels()) +
                                                     size_t(y) * size_t(buffer.stride()));
        std::fill(row, row + buffer.width(), background);
        std::fill(row + bar_x, row + bar_x + bar_width, bar);
    }
    buffer.end_cpu_access();
}

} // namespace bench
