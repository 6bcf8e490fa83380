// How the compositor gets its software renderer: pixman with dma-buf import
// on the device find_dmabuf_device() picks, logged so that a reader of the
// log knows what linux-dmabuf advertises.
#pragma once

#include "wlroots/wlr.hpp"

namespace sluice::render {

// Null (logged) if not even pixman can be made. Free with wlr_renderer_destroy.
[[nodiscard]] wlr_renderer *create_pixman_renderer(wlr_backend *backend);

} // namespace sluice::render
