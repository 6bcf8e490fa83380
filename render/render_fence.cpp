#include "render/render_fence.hpp"

#include <cerrno>
#include <cstdio>
#include <string_view>

#include <GLES2/gl2.h>

#include "common/log.hpp"

namespace sluice::render {

namespace {

bool has_extension(const char *list, std::string_view name) {
    for (std::string_view rest = list != nullptr ? list : ""; !rest.empty();) {
        const size_t end = rest.find(' ');
        if (rest.substr(0, end) == name) {
            return true;
        }
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    }
    return false;
}

template <typename Proc>
Proc lookup(const char *name) {
    return reinterpret_cast<Proc>(eglGetProcAddress(name));
}

sync::Error egl_error(std::string_view operation) {
    // EGL errors are not errnos; EIO marks "the driver said no".
    char code[16];
    std::snprintf(code, sizeof code, "0x%04x", static_cast<unsigned>(eglGetError()));
    return sync::Error{EIO, std::string(operation) + ": EGL error " + code};
}

} // namespace

RenderFence::~RenderFence() { procs_.destroy(display_, sync_); }

sync::Result<bool> RenderFence::wait(std::chrono::nanoseconds limit) const {
    const EGLint status =
        procs_.client_wait(display_, sync_, 0, static_cast<EGLTimeKHR>(limit.count() > 0 ? limit.count() : 0));
    if (status == EGL_CONDITION_SATISFIED_KHR) {
        return true;
    }
    if (status == EGL_TIMEOUT_EXPIRED_KHR) {
        return false;
    }
    return egl_error("eglClientWaitSyncKHR");
}

sync::Result<sync::SyncFile> RenderFence::sync_file() const {
    if (procs_.dup_native_fd == nullptr) {
        return sync::Error{EOPNOTSUPP, "eglDupNativeFenceFDANDROID: no native fences on this display"};
    }
    const int fd = procs_.dup_native_fd(display_, sync_);
    if (fd == EGL_NO_NATIVE_FENCE_FD_ANDROID) {
        return egl_error("eglDupNativeFenceFDANDROID");
    }
    return sync::SyncFile::adopt(sync::UniqueFd{fd});
}

std::unique_ptr<RenderFences> RenderFences::create(wlr_renderer *renderer, std::string &why) {
    if (!wlr_renderer_is_gles2(renderer)) {
        why = "the renderer draws before it returns";
        return nullptr;
    }
    return for_display(wlr_gles2_renderer_get_egl(renderer)->display, why);
}

std::unique_ptr<RenderFences> RenderFences::for_display(EGLDisplay display, std::string &why) {
    const char *extensions = eglQueryString(display, EGL_EXTENSIONS);
    if (!has_extension(extensions, "EGL_KHR_fence_sync")) {
        why = "the EGL display has no EGL_KHR_fence_sync";
        return nullptr;
    }
    EglSyncProcs procs;
    procs.create = lookup<PFNEGLCREATESYNCKHRPROC>("eglCreateSyncKHR");
    procs.destroy = lookup<PFNEGLDESTROYSYNCKHRPROC>("eglDestroySyncKHR");
    procs.client_wait = lookup<PFNEGLCLIENTWAITSYNCKHRPROC>("eglClientWaitSyncKHR");
    if (procs.create == nullptr || procs.destroy == nullptr || procs.client_wait == nullptr) {
        why = "EGL_KHR_fence_sync is advertised but its functions are missing";
        return nullptr;
    }
    if (has_extension(extensions, "EGL_ANDROID_native_fence_sync")) {
        procs.dup_native_fd = lookup<PFNEGLDUPNATIVEFENCEFDANDROIDPROC>("eglDupNativeFenceFDANDROID");
    }
    return std::unique_ptr<RenderFences>(new RenderFences(display, procs));
}

sync::Result<std::unique_ptr<RenderFence>> RenderFences::after_frame() const {
    if (eglGetCurrentContext() == EGL_NO_CONTEXT || eglGetCurrentDisplay() != display_) {
        return sync::Error{EINVAL, "render fence: no context of the renderer's EGL display is current"};
    }
    const EGLenum type = native() ? EGL_SYNC_NATIVE_FENCE_ANDROID : EGL_SYNC_FENCE_KHR;
    const EGLint attributes[] = {EGL_NONE};
    EGLSyncKHR sync = procs_.create(display_, type, attributes);
    if (sync == EGL_NO_SYNC_KHR) {
        return egl_error(native() ? "eglCreateSyncKHR(EGL_SYNC_NATIVE_FENCE_ANDROID)"
                                  : "eglCreateSyncKHR(EGL_SYNC_FENCE_KHR)");
    }
    // A fence signals only once submitted; a native one has no fd before.
    glFlush();
    return std::make_unique<RenderFence>(display_, sync, procs_);
}

sync::Result<void> RenderFences::settle_frame(wlr_buffer *target, sync::DmaBufFences &dmabuf_fences,
                                              std::chrono::nanoseconds limit) const {
    auto fence = after_frame();
    if (!fence.ok()) {
        return std::move(fence).error();
    }
    if (native()) {
        // Every consumer of the buffer (KMS, a recorder reading an exported
        // frame) waits on its reservation object; the fence goes there.
        auto file = (*fence)->sync_file();
        if (!file.ok()) {
            return std::move(file).error();
        }
        wlr_dmabuf_attributes attributes{};
        if (!wlr_buffer_get_dmabuf(target, &attributes)) {
            return sync::Error{EINVAL, "the frame's buffer is not a dma-buf"};
        }
        return dmabuf_fences.import_sync_file(sync::BorrowedFd{attributes.fd[0]}, *file, sync::DmaBufAccess::Write);
    }
    // Without sync_files nothing downstream can wait, so the frame does not
    // leave before it is drawn. The wait is for sluice's own frame on a
    // software rasterizer: the CPU drawing it, as pixman draws before it
    // returns, never a client's fence. (Waiting off the event loop would
    // leave the output's buffer attached across dispatches, which wlroots
    // 0.15's screencopy asserts against.)
    const auto start = std::chrono::steady_clock::now();
    auto done = (*fence)->wait(limit);
    LOG_DEBUG(render, "waited %.2f ms for the renderer to finish the frame",
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    if (!done.ok()) {
        return std::move(done).error();
    }
    if (!*done) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(limit).count();
        return sync::Error{ETIMEDOUT, "the renderer did not finish the frame within " + std::to_string(ms) + " ms"};
    }
    return {};
}

} // namespace sluice::render
