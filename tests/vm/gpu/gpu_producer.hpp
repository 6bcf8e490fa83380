// A client's GPU: GLES2 on virtio-gpu's render node, through GBM and EGL
// with no window system, drawing into dma-bufs that a test then hands to
// sluice as linux-dmabuf wl_buffers. What a real GPU client does, in the
// open: the buffer is written by the GPU, and the moment the GPU is done
// is known only through its fences (the reservation object's implicit
// fence, or an EGL native fence the producer asks for).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "dmabuf.hpp"
#include "drm_device.hpp"
#include "sync/sync_file.hpp"
#include "sync/syncobj_device.hpp"

struct gbm_bo;
struct gbm_device;

namespace sluice::test {

// One GBM buffer the GPU renders into: a dma-buf, and the GL framebuffer
// over it in the producer's context.
class GpuBuffer {
public:
    ~GpuBuffer();
    GpuBuffer(const GpuBuffer &) = delete;
    GpuBuffer &operator=(const GpuBuffer &) = delete;

    [[nodiscard]] int32_t width() const { return width_; }
    [[nodiscard]] int32_t height() const { return height_; }
    // A dma-buf of the same memory, for DmaBufBuffer (the GBM bo keeps its own).
    [[nodiscard]] DmaBuf export_dmabuf() const;

private:
    friend class GpuProducer;
    GpuBuffer() = default;

    void *display_ = nullptr; // EGLDisplay
    gbm_bo *bo_ = nullptr;
    void *image_ = nullptr; // EGLImageKHR
    uint32_t renderbuffer_ = 0;
    uint32_t framebuffer_ = 0;
    int32_t width_ = 0;
    int32_t height_ = 0;
};

class GpuProducer {
public:
    // The producer on the first virtio_gpu render node, or null with *why
    // set when there is none or it cannot render (no GBM, EGL or GLES2, or
    // one of the extensions a GPU client relies on is missing).
    static std::unique_ptr<GpuProducer> open(std::string *why);
    ~GpuProducer();
    GpuProducer(const GpuProducer &) = delete;
    GpuProducer &operator=(const GpuProducer &) = delete;

    [[nodiscard]] const DrmDevice &render_node() const { return *node_; }
    // The render node's syncobjs, for timeline points made from GPU fences.
    [[nodiscard]] const std::shared_ptr<const sync::SyncobjDevice> &syncobjs() const { return syncobjs_; }
    // GL_RENDERER, e.g. "virgl (LLVMPIPE (LLVM 15.0.6, 256 bits))".
    [[nodiscard]] const std::string &gl_renderer() const { return gl_renderer_; }

    // A linear XRGB8888 buffer. Throws on failure.
    [[nodiscard]] std::unique_ptr<GpuBuffer> allocate(int32_t width, int32_t height);

    // Queues drawing `xrgb` (0x00RRGGBB) over all of `buffer` and flushes it
    // to the GPU without waiting. With `work` > 0 the colour is written by a
    // fragment shader that first loops `work` times per pixel, in bands from
    // top to bottom, so the GPU takes long over it and a reader that does
    // not wait for the GPU sees a buffer half old, half new.
    void draw(GpuBuffer &buffer, uint32_t xrgb, int work = 0);
    // A sync_file that signals when everything queued so far is done
    // (EGL_ANDROID_native_fence_sync), as an explicit-sync client sends it.
    [[nodiscard]] sync::SyncFile fence();
    // Waits for the GPU (glFinish).
    void finish();

private:
    GpuProducer() = default;
    bool init(std::string *why);
    bool build_program(std::string *why);

    std::shared_ptr<const DrmDevice> node_;
    std::shared_ptr<const sync::SyncobjDevice> syncobjs_;
    gbm_device *gbm_ = nullptr;
    void *display_ = nullptr; // EGLDisplay
    void *context_ = nullptr; // EGLContext
    uint32_t program_ = 0;
    int colour_uniform_ = -1;
    int work_uniform_ = -1;
    std::string gl_renderer_;
};

} // namespace sluice::test
