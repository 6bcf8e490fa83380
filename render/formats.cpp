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

// The same pairs as wlroots 0.15's pixman renderer (render/pixman/
// pixel_format.c, little-endian), so a texture reads exactly what a buffer
// allocated for that renderer holds.
constexpr std::array<std::pair<uint32_t, pixman_format_code_t>, 14> kPixmanFormats{{
    {DRM_FORMAT_ARGB8888, PIXMAN_a8r8g8b8},
    {DRM_FORMAT_XRGB8888, PIXMAN_x8r8g8b8},
    {DRM_FORMAT_ABGR8888, PIXMAN_a8b8g8r8},
    {DRM_FORMAT_XBGR8888, PIXMAN_x8b8g8r8},
    {DRM_FORMAT_RGBA8888, PIXMAN_r8g8b8a8},
    {DRM_FORMAT_RGBX8888, PIXMAN_r8g8b8x8},
    {DRM_FORMAT_BGRA8888, PIXMAN_b8g8r8a8},
    {DRM_FORMAT_BGRX8888, PIXMAN_b8g8r8x8},
    {DRM_FORMAT_RGB565, PIXMAN_r5g6b5},
    {DRM_FORMAT_BGR565, PIXMAN_b5g6r5},
    {DRM_FORMAT_ARGB2101010, PIXMAN_a2r10g10b10},
    {DRM_FORMAT_XRGB2101010, PIXMAN_x2r10g10b10},
    {DRM_FORMAT_ABGR2101010, PIXMAN_a2b10g10r10},
    {DRM_FORMAT_XBGR2101010, PIXMAN_x2b10g10r10},
}};

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the DRM/pixman format pairs assume little-endian");

} // namespace

std::optional<PixmanFormat> pixman_format_of(uint32_t drm_format) {
    for (const auto &[format, code] : kPixmanFormats) {
        if (format == drm_format) {
            return PixmanFormat{code, PIXMAN_FORMAT_A(code) != 0};
        }
    }
    return std::nullopt;
}

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
        if (packed_bytes_per_pixel(formats[i]) && std::find(result.begin(), result.end(), formats[i]) == result.end()) {
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
