// The dma-buf layouts sluice composites from a CPU mapping: packed RGB
// formats with one plane, whose rows pixman reads as they lie in memory.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "wlroots/wlr.hpp"

namespace sluice::render {

// Bytes per pixel of a single-plane packed RGB format sluice knows how to
// lay out, or nullopt (YUV, multi-plane, compressed, unknown).
[[nodiscard]] std::optional<uint32_t> packed_bytes_per_pixel(uint32_t drm_format);

// How pixman names a DRM format's layout in memory, and whether its pixels
// carry alpha (an opaque format may be copied with PIXMAN_OP_SRC). Little-
// endian hosts only, as wlroots 0.15's own table: DRM formats are defined
// little-endian, and several have no pixman equivalent on big-endian.
struct PixmanFormat {
    pixman_format_code_t code;
    bool has_alpha;
};
[[nodiscard]] std::optional<PixmanFormat> pixman_format_of(uint32_t drm_format);

// The formats of `pixman` (its shm texture formats, i.e. what its texture
// code reads) whose layout sluice knows.
[[nodiscard]] std::vector<uint32_t> cpu_importable_formats(wlr_renderer *pixman);

// "AR24", the fourcc's four characters (for logs).
struct FourccName {
    char text[5];
};
[[nodiscard]] FourccName fourcc_name(uint32_t drm_format);

} // namespace sluice::render
