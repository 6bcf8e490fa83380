// PNG for screenshots: written by sluice, read back by the tests and by
// anyone comparing screenshots. Only what sluice needs: 8-bit RGBA, no
// interlacing; the reader also takes 8-bit RGB and any filter, so it can
// read PNGs written by other tools too.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sluice::control {

// Straight (not premultiplied) RGBA, 4 bytes a pixel, rows top to bottom.
struct RgbaImage {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> rgba;

    [[nodiscard]] uint32_t argb(int x, int y) const; // 0xAARRGGBB
};

// zlib level 1: screenshots are taken while the event loop waits, and
// speed matters more there than size.
[[nodiscard]] std::vector<uint8_t> encode_png(const RgbaImage &image);
[[nodiscard]] std::optional<RgbaImage> decode_png(std::span<const uint8_t> bytes, std::string *error);

} // namespace sluice::control
