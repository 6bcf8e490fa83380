// sluice's software renderer: a wlr_renderer built around wlroots' pixman
// renderer, which it keeps for what that does right (binding target buffers,
// begin/end, reading pixels back, the format lists), drawing everything
// itself: its own textures over any data-pointer buffer (PixmanTexture),
// placed by plan_texture_draw and composited by pixman_draw — source crops,
// scaling (wp_viewporter), output transforms, alpha and the scissor, where
// wlroots 0.15's pixman ignores the crop's offset and composites every
// surface through a transform over the whole output. It also adds what
// wlroots 0.15 needs before it offers linux-dmabuf (dma-buf texture formats
// and a DRM fd), importing each client dma-buf by mapping it for the CPU
// (MappedDmabufBuffer).
// For machines without a usable GPU: llvmpipe and kms_swrast cannot be
// trusted with dma-bufs from other devices (see VM-NOTES), pixman can read
// any dma-buf the kernel lets it mmap.
#pragma once

#include "render/cpu_access.hpp"
#include "sync/unique_fd.hpp"
#include "wlroots/wlr.hpp"

namespace sluice::render {

struct SoftwareRendererOptions {
    // The device clients should allocate on; linux-dmabuf advertises it as
    // its main device. The renderer owns it. Invalid: no dma-buf formats are
    // reported, so wlroots creates neither linux-dmabuf nor wl_drm.
    sync::UniqueFd drm_fd;
    // The bracket around every CPU read of a dma-buf; tests replace it.
    CpuAccessSync cpu_access_sync = dma_buf_cpu_access_sync;
};

// Null (with a log line) if the pixman renderer cannot be made. The result
// belongs to wlroots' usual protocol: wlr_renderer_destroy() frees it, the
// inner renderer and the DRM fd.
[[nodiscard]] wlr_renderer *create_software_renderer(SoftwareRendererOptions options);

[[nodiscard]] bool is_software_renderer(wlr_renderer *renderer);

// "gles2", "pixman", or "pixman with software dma-buf import" (for logs).
[[nodiscard]] const char *renderer_description(wlr_renderer *renderer);

} // namespace sluice::render
