// A client buffer the windows draw into and attach: shared memory, or a
// dma-buf (dmabuf.hpp). The compositor holds a buffer from commit to
// wl_buffer.release; a window only draws into buffers that are not busy.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <wayland-client.h>

#include "proxy.hpp"

namespace bench {

class Connection;

class Buffer {
public:
    virtual ~Buffer() = default;
    Buffer(const Buffer &) = delete;
    Buffer &operator=(const Buffer &) = delete;

    wl_buffer *wl() const { return buffer_.get(); }
    int width() const { return width_; }
    int height() const { return height_; }
    bool busy() const { return busy_; }
    void mark_busy() { busy_ = true; }
    // How the pixels travel: "shm" or "dmabuf".
    virtual const char *kind() const = 0;

    // XRGB8888 rows, stride_ bytes apart. Drawing is bracketed by
    // begin/end so a dma-buf can flush CPU caches (DMA_BUF_IOCTL_SYNC).
    uint32_t *pixels() const { return pixels_; }
    int stride() const { return stride_; }
    virtual void begin_cpu_access() {}
    virtual void end_cpu_access() {}

protected:
    Buffer(int width, int height) : width_(width), height_(height) {}
    // Takes ownership of the wl_buffer and listens for its release.
    void adopt(wl_buffer *buffer);

    int width_;
    int height_;
    int stride_ = 0;
    uint32_t *pixels_ = nullptr;

private:
    Proxy<wl_buffer> buffer_;
    bool busy_ = false;
};

// One memfd-backed wl_shm buffer; null with error set on failure.
std::unique_ptr<Buffer> make_shm_buffer(Connection &connection, int width, int height, std::string &error);

// Fills the buffer with frame n of the animation: a colour that changes
// every frame and a bar that moves, so every frame damages every pixel and
// no compositor can skip the work as a no-op.
void draw_frame(Buffer &buffer, uint32_t n);

} // namespace bench
