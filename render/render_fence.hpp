// When a GLES2 frame is drawn. A composited frame may go to KMS, and through
// export-dmabuf to a screen recorder, only once the renderer has finished
// drawing it. A GPU driver puts its own fence into the buffer's reservation
// object and every consumer waits on it; a software rasterizer (llvmpipe,
// which Mesa uses on vkms through kms_swrast) puts nothing there and may
// still be drawing when glFlush returns. So each frame gets a render-done
// fence:
//  - with EGL_ANDROID_native_fence_sync, a sync_file, which the caller puts
//    into the buffer's reservation object so that implicit-sync consumers
//    (KMS, a recorder's DMA_BUF_IOCTL_SYNC) wait for it;
//  - with only EGL_KHR_fence_sync, an EGL fence the caller waits for before
//    it commits the frame (there, a software rasterizer: the wait is the CPU
//    finishing sluice's own frame, never a client's work).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "sync/dmabuf_fence.hpp"
#include "sync/result.hpp"
#include "sync/sync_file.hpp"
#include "wlroots/wlr.hpp"

namespace sluice::render {

// The EGL entry points of the two extensions, looked up once.
struct EglSyncProcs {
    PFNEGLCREATESYNCKHRPROC create = nullptr;
    PFNEGLDESTROYSYNCKHRPROC destroy = nullptr;
    PFNEGLCLIENTWAITSYNCKHRPROC client_wait = nullptr;
    PFNEGLDUPNATIVEFENCEFDANDROIDPROC dup_native_fd = nullptr; // null without native fences
};

// One frame's fence. Owns the EGLSync; the display must outlive it.
class RenderFence {
public:
    RenderFence(EGLDisplay display, EGLSyncKHR sync, const EglSyncProcs &procs) noexcept
        : display_(display), sync_(sync), procs_(procs) {}
    ~RenderFence();
    RenderFence(const RenderFence &) = delete;
    RenderFence &operator=(const RenderFence &) = delete;

    // True once every command before the fence has completed; blocks for at
    // most `limit`. Safe from any thread (EGL fences need no current
    // context to be waited on).
    [[nodiscard]] sync::Result<bool> wait(std::chrono::nanoseconds limit) const;
    // The fence as a sync_file (native fences only).
    [[nodiscard]] sync::Result<sync::SyncFile> sync_file() const;

private:
    EGLDisplay display_;
    EGLSyncKHR sync_;
    EglSyncProcs procs_; // a copy: fences may outlive RenderFences at teardown
};

class RenderFences {
public:
    // Null when `renderer` is not GLES2 (pixman draws before it returns) or
    // its EGL display has neither extension; `why` then says which.
    static std::unique_ptr<RenderFences> create(wlr_renderer *renderer, std::string &why);
    // The same for any initialised EGL display (tests use Mesa's
    // surfaceless one).
    static std::unique_ptr<RenderFences> for_display(EGLDisplay display, std::string &why);

    RenderFences(const RenderFences &) = delete;
    RenderFences &operator=(const RenderFences &) = delete;

    // Whether fences come as sync_files.
    [[nodiscard]] bool native() const { return procs_.dup_native_fd != nullptr; }
    // A fence after every command so far, flushed so that it can signal.
    // Call right after the frame's last command, with a context of the
    // display current (for wlroots' renderer: between
    // wlr_output_attach_render and the commit).
    [[nodiscard]] sync::Result<std::unique_ptr<RenderFence>> after_frame() const;

    // What a frame drawn into `target` needs before it may be committed: a
    // native fence put into `target`'s reservation object (no wait), or,
    // without sync_files, the wait for the fence, at most `limit`. Same
    // call-site rule as after_frame(). An error says why the frame goes out
    // unfenced (or, past `limit`, unfinished).
    [[nodiscard]] sync::Result<void> settle_frame(wlr_buffer *target, sync::DmaBufFences &dmabuf_fences,
                                                  std::chrono::nanoseconds limit) const;

private:
    RenderFences(EGLDisplay display, const EglSyncProcs &procs) : display_(display), procs_(procs) {}

    EGLDisplay display_;
    EglSyncProcs procs_;
};

} // namespace sluice::render
