#include "compositor/core/renderer.hpp"

#include <optional>
#include <string>

#include "common/log.hpp"
#include "render/factory.hpp"
#include "render/gles2_device.hpp"
#include "render/linear_dumb_allocator.hpp"
#include "render/render_fence.hpp"
#include "render/software_renderer.hpp"

namespace sluice {

namespace {

// wlroots' choice (WLR_RENDERER, else GLES2 when the backend has a DRM
// device, else pixman), kept where it is a GPU. Where it is pixman, or
// GLES2 on Mesa's CPU rasterizer (kms_swrast on a display-only device, which
// wlroots accepts under WLR_RENDERER_ALLOW_SOFTWARE), sluice's pixman takes
// its place: it draws on the CPU as well, and also imports dma-bufs from
// other devices, which kms_swrast cannot.
// *gles2 gets what the kept gles2 renderer draws with, so that it is asked once.
wlr_renderer *create_automatic(wlr_backend *backend, std::optional<render::Gles2Device> *gles2) {
    wlr_renderer *renderer = wlr_renderer_autocreate(backend);
    if (renderer == nullptr) {
        return nullptr;
    }
    if (wlr_renderer_is_gles2(renderer)) {
        const render::Gles2Device device = render::describe_gles2_device(renderer);
        if (!device.software) {
            LOG_INFO(render, "renderer auto: gles2, the GPU is %s", device.gl_renderer.c_str());
            *gles2 = device;
            return renderer;
        }
        LOG_INFO(render,
                 "renderer auto: pixman, since gles2 here would be %s, a CPU rasterizer behind %s, "
                 "which cannot import other devices' dma-bufs",
                 device.gl_renderer.c_str(), device.drm_driver.empty() ? "no GPU" : device.drm_driver.c_str());
    } else {
        LOG_INFO(render, "renderer auto: pixman, since wlroots found no GPU to render with");
    }
    wlr_renderer_destroy(renderer);
    return render::create_pixman_renderer(backend);
}

} // namespace

std::unique_ptr<Renderer> Renderer::create(wlr_backend *backend, RendererChoice choice) {
    std::unique_ptr<Renderer> self(new Renderer());
    std::optional<render::Gles2Device> gles2;
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
    case RendererChoice::automatic: self->renderer_ = create_automatic(backend, &gles2); break;
    }
    if (self->renderer_ == nullptr) {
        LOG_ERROR(render, "cannot create the %s renderer", to_string(choice));
        return nullptr;
    }
    if (wlr_renderer_is_gles2(self->renderer_)) {
        if (!gles2) {
            gles2 = render::describe_gles2_device(self->renderer_);
        }
        const render::Gles2Device &device = *gles2;
        LOG_INFO(render, "renderer: gles2 on %s (DRM driver %s)", device.gl_renderer.c_str(),
                 device.drm_driver.empty() ? "unknown" : device.drm_driver.c_str());
    } else {
        LOG_INFO(render, "renderer: %s", render::renderer_description(self->renderer_));
    }
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
