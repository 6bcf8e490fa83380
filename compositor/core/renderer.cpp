#include "compositor/core/renderer.hpp"

#include <string>

#include "common/log.hpp"
#include "render/factory.hpp"
#include "render/linear_dumb_allocator.hpp"
#include "render/render_fence.hpp"
#include "render/software_renderer.hpp"

namespace sluice {

std::unique_ptr<Renderer> Renderer::create(wlr_backend *backend, RendererChoice choice) {
    std::unique_ptr<Renderer> self(new Renderer());
    switch (choice) {
    case RendererChoice::pixman:
        // pixman plus dma-buf import from a CPU mapping: without it wlroots
        // 0.15 offers no linux-dmabuf at all on a machine without a GPU.
        self->renderer_ = render::create_pixman_renderer(backend);
        break;
    case RendererChoice::gles2: {
        int drm_fd = wlr_backend_get_drm_fd(backend);
        if (drm_fd < 0) {
            LOG_ERROR(render, "the gles2 renderer needs a DRM device and this backend has none "
                              "(try --renderer pixman)");
            return nullptr;
        }
        self->renderer_ = wlr_gles2_renderer_create_with_drm_fd(drm_fd);
        break;
    }
    case RendererChoice::automatic:
        // wlroots' choice (WLR_RENDERER, else GLES2 when the backend has a
        // DRM device, else pixman); where it lands on pixman, sluice's
        // pixman, which also imports dma-bufs, takes its place.
        self->renderer_ = wlr_renderer_autocreate(backend);
        if (self->renderer_ != nullptr && wlr_renderer_is_pixman(self->renderer_)) {
            wlr_renderer_destroy(self->renderer_);
            self->renderer_ = render::create_pixman_renderer(backend);
        }
        break;
    }
    if (self->renderer_ == nullptr) {
        LOG_ERROR(render, "cannot create the %s renderer", to_string(choice));
        return nullptr;
    }
    LOG_INFO(render, "renderer: %s", render::renderer_description(self->renderer_));
    std::string no_fences;
    self->fences_ = render::RenderFences::create(self->renderer_, no_fences);
    if (self->fences_ == nullptr && wlr_renderer_is_gles2(self->renderer_)) {
        LOG_ERROR(render, "no render-done fences (%s): frames may reach the output before they are drawn",
                  no_fences.c_str());
    } else if (self->fences_ != nullptr) {
        LOG_INFO(render, "render-done fences: %s",
                 self->fences_->native()
                     ? "sync_files, put into each frame's buffer for the display and readers to wait on"
                     : "EGL fences without sync_files (no EGL_ANDROID_native_fence_sync); each frame is "
                       "committed once the renderer has finished it");
    }

    // Dumb buffers labelled LINEAR where asked, or no cursor plane takes
    // them (render/linear_dumb_allocator.hpp).
    self->allocator_ =
        render::with_linear_dumb_buffers(self->renderer_, wlr_allocator_autocreate(backend, self->renderer_));
    if (self->allocator_ == nullptr) {
        LOG_ERROR(render, "cannot create a buffer allocator for this backend and renderer");
        return nullptr;
    }
    return self;
}

Renderer::~Renderer() {
    if (allocator_ != nullptr) {
        wlr_allocator_destroy(allocator_);
    }
    if (renderer_ != nullptr) {
        wlr_renderer_destroy(renderer_);
    }
}

} // namespace sluice
