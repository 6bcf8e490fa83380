#include "shm.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace sluice::test {

ShmBuffer::ShmBuffer(wl_shm *shm, int32_t width, int32_t height, uint32_t format, int32_t stride)
    : width_(width), height_(height), stride_(stride ? stride : width * 4), format_(format) {
    if (width <= 0 || height <= 0 || stride_ < width * 4)
        throw std::invalid_argument("bad shm buffer geometry");
    size_ = static_cast<size_t>(stride_) * static_cast<size_t>(height_);

    UniqueFd fd(memfd_create("sluice-test-shm", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!fd)
        throw std::runtime_error(std::string("memfd_create: ") + std::strerror(errno));
    if (ftruncate(fd.get(), static_cast<off_t>(size_)) < 0)
        throw std::runtime_error(std::string("ftruncate: ") + std::strerror(errno));
    // The compositor must be able to rely on the size: seal it so that a
    // test cannot shrink the file under it by accident.
    fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL);
    data_ = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    if (data_ == MAP_FAILED) {
        data_ = nullptr;
        throw std::runtime_error(std::string("mmap: ") + std::strerror(errno));
    }

    // libwayland duplicates the fd when it queues the request, and the
    // buffer keeps the pool alive on the server, so neither the fd nor the
    // pool proxy needs to outlive this constructor.
    Proxy<wl_shm_pool> pool(wl_shm_create_pool(shm, fd.get(), static_cast<int32_t>(size_)));
    buffer_.reset(wl_shm_pool_create_buffer(pool.get(), 0, width_, height_, stride_, format_));
    static const wl_buffer_listener listener = {.release = &ShmBuffer::handle_release};
    wl_buffer_add_listener(buffer_.get(), &listener, this);
}

ShmBuffer::~ShmBuffer() {
    buffer_.reset();
    if (data_)
        munmap(data_, size_);
}

void ShmBuffer::handle_release(void *data, wl_buffer *) {
    auto *self = static_cast<ShmBuffer *>(data);
    self->busy_ = false;
    ++self->releases_;
}

void ShmBuffer::fill(uint32_t argb) { fill_rect({0, 0, width_, height_}, argb); }

void ShmBuffer::fill_rect(const Rect &area, uint32_t argb) {
    const Rect r = area.intersect({0, 0, width_, height_});
    auto *bytes = static_cast<unsigned char *>(data_);
    for (int32_t y = r.y; y < r.y + r.height; ++y) {
        auto *row = reinterpret_cast<uint32_t *>(bytes + static_cast<size_t>(y) * static_cast<size_t>(stride_));
        for (int32_t x = r.x; x < r.x + r.width; ++x)
            row[x] = argb;
    }
}

uint32_t ShmBuffer::pattern_pixel(int32_t x, int32_t y, uint32_t seed) {
    // Opaque; each channel moves with a different coordinate mix.
    const auto ux = static_cast<uint32_t>(x), uy = static_cast<uint32_t>(y);
    const uint32_t r = (ux * 7 + seed) & 0xff;
    const uint32_t g = (uy * 13 + seed * 3) & 0xff;
    const uint32_t b = ((ux + uy) * 5 + seed * 7) & 0xff;
    return 0xff000000u | (r << 16) | (g << 8) | b;
}

void ShmBuffer::fill_pattern(uint32_t seed) {
    auto *bytes = static_cast<unsigned char *>(data_);
    for (int32_t y = 0; y < height_; ++y) {
        auto *row = reinterpret_cast<uint32_t *>(bytes + static_cast<size_t>(y) * static_cast<size_t>(stride_));
        for (int32_t x = 0; x < width_; ++x)
            row[x] = pattern_pixel(x, y, seed);
    }
}

Image ShmBuffer::contents() const { return Image::from_shm(data_, width_, height_, stride_, format_, false); }

} // namespace sluice::test
