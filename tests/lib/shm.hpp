// A wl_buffer backed by a memfd the test can draw into.
#pragma once

#include <cstdint>
#include <cstddef>

#include "image.hpp"
#include "proxy.hpp"

namespace sluice::test {

class ShmBuffer {
public:
    // 32-bit formats only (ARGB8888, XRGB8888 and their byte-order
    // variants); stride 0 means tightly packed. Throws std::runtime_error
    // if the memfd cannot be made.
    ShmBuffer(wl_shm *shm, int32_t width, int32_t height, uint32_t format = WL_SHM_FORMAT_ARGB8888, int32_t stride = 0);
    ~ShmBuffer();

    // The release listener points at this object.
    ShmBuffer(const ShmBuffer &) = delete;
    ShmBuffer &operator=(const ShmBuffer &) = delete;
    ShmBuffer(ShmBuffer &&) = delete;
    ShmBuffer &operator=(ShmBuffer &&) = delete;

    [[nodiscard]] wl_buffer *get() const { return buffer_.get(); }
    [[nodiscard]] int32_t width() const { return width_; }
    [[nodiscard]] int32_t height() const { return height_; }
    [[nodiscard]] int32_t stride() const { return stride_; }
    [[nodiscard]] uint32_t format() const { return format_; }
    [[nodiscard]] const void *data() const { return data_; }

    // Pixels are written as native 32-bit words, i.e. 0xAARRGGBB for
    // (A|X)RGB8888; for XRGB8888 the compositor ignores the top byte.
    void fill(uint32_t argb);
    void fill_rect(const Rect &area, uint32_t argb);
    // A deterministic picture with no two neighbouring pixels alike, so that
    // an offset or a flip shows up in a comparison.
    void fill_pattern(uint32_t seed);
    [[nodiscard]] static uint32_t pattern_pixel(int32_t x, int32_t y, uint32_t seed);

    // The compositor holds the buffer from commit until wl_buffer.release.
    // Surface helpers call mark_busy() when they attach it.
    void mark_busy() { busy_ = true; }
    [[nodiscard]] bool busy() const { return busy_; }
    [[nodiscard]] uint32_t release_count() const { return releases_; }

    // What the buffer holds, as an Image (for comparisons).
    [[nodiscard]] Image contents() const;

private:
    static void handle_release(void *data, wl_buffer *buffer);

    int32_t width_;
    int32_t height_;
    int32_t stride_;
    uint32_t format_;
    size_t size_ = 0;
    void *data_ = nullptr;
    Proxy<wl_buffer> buffer_;
    bool busy_ = false;
    uint32_t releases_ = 0;
};

} // namespace sluice::test
