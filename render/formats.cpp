#include "render/formats.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <drm_fourcc.h>

namespace sluice::render {

namespace {

// Only layouts whose bytes per pixel are certain; pixman's own list decides
// which of them are offered (cpu_importable_formats intersects the two).
constexpr std::array<std::pair<uint32_t, uint32_t>, 16> kPackedFormats{{
    {DRM_FORMAT_XRGB8888, 4},
    {DRM_FORMAT_ARGB8888, 4},
    {DRM_FORMAT_XBGR8888, 4},
    {DRM_FORMAT_ABGR8888, 4},
    {DRM_FORMAT_RGBX8888, 4},
    {DRM_FORMAT_RGBA8888, 4},
    {DRM_FORMAT_BGRX8888, 4},
    {DRM_FORMAT_BGRA8888, 4},
    {DRM_FORMAT_XRGB2101010, 4},
    {DRM_FORMAT_ARGB2101010, 4},
    {DRM_FORMAT_XBGR2101010, 4},
    {DRM_FORMAT_ABGR2101010, 4},
    {DRM_FORMAT_RGB565, 2},
    {DRM_FORMAT_BGR565, 2},
    {DRM_FORMAT_RGB888, 3},
    {DRM_FORMAT_BGR888, 3},
}};

} // namespace

std::optional<uint32_t> packed_bytes_per_pixel(uint32_t drm_format) {
    for (const auto &[format, bpp] : kPackedFormats) {
        if (format == drm_format) {
            return bpp;
        }
    }
    return std::nullopt;
}

std::vector<uint32_t> cpu_importable_formats(wlr_renderer *pixman) {
    size_t len = 0;
    const uint32_t *formats = wlr_renderer_get_shm_texture_formats(pixman, &len);
    std::vector<uint32_t> result;
    for (size_t i = 0; formats != nullptr && i < len; ++i) {
        if (packed_bytes_per_pixel(formats[i]) &&
            std::find(result.begin(), result.end(), formats[i]) == result.end()) {
            result.push_back(formats[i]);
        }
    }
    return result;
}

FourccName fourcc_name(uint32_t drm_format) {
    FourccName name{};
    for (int i = 0; i < 4; ++i) {
        char c = static_cast<char>((drm_format >> (8 * i)) & 0xff);
        name.text[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    name.text[4] = '\0';
    return name;
}

} // namespace sluice::render
