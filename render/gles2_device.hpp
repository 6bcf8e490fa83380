// What a gles2 renderer draws with: the GL renderer string and the DRM
// driver under it, and whether that is a GPU or Mesa's CPU rasterizer
// behind a display-only driver (kms_swrast on vkms), which
// `--renderer auto` must not pick: that path renders on the CPU anyway and
// cannot import dma-bufs from other devices.
#pragma once

#include <string>

#include "wlroots/wlr.hpp"

namespace sluice::render {

struct Gles2Device {
    std::string gl_renderer; // GL_RENDERER, e.g. "virgl (LLVMPIPE (LLVM 15.0.6, 256 bits))"
    std::string drm_driver;  // the renderer's DRM device's driver, e.g. "virtio_gpu"; empty if none
    // GL_RENDERER names a CPU rasterizer (llvmpipe, softpipe, swrast) as
    // the renderer itself. A virtual GPU whose host happens to render on
    // the CPU (virgl over llvmpipe) is a GPU to the guest: its string
    // names virgl first.
    bool software = false;
};

// For a gles2 renderer; makes its EGL context current for the query.
[[nodiscard]] Gles2Device describe_gles2_device(wlr_renderer *renderer);

} // namespace sluice::render
