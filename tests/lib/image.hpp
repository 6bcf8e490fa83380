// A captured picture of what a user would see, normalised to top-down
// ARGB8888 whatever format and orientation the producer used, so that tests
// can compare pixels without caring whether they came from screencopy, grim
// or a file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::test {

struct Rect {
    int32_t x = 0;
    int32_t y = 0;
    int32_t width = 0;
    int32_t height = 0;

    [[nodiscard]] bool empty() const { return width <= 0 || height <= 0; }
    [[nodiscard]] bool contains(int32_t px, int32_t py) const {
        return px >= x && py >= y && px < x + width && py < y + height;
    }
    [[nodiscard]] Rect intersect(const Rect &other) const;
    friend bool operator==(const Rect &, const Rect &) = default;
};

std::ostream &operator<<(std::ostream &os, const Rect &r);

// "0xffrrggbb", the spelling the failure messages use.
std::string argb_to_string(uint32_t argb);

class Image {
public:
    Image() = default;
    Image(int32_t width, int32_t height, uint32_t fill = 0);

    // `data` holds `height` rows of `stride` bytes in a 32-bit wl_shm format.
    // y_invert means row 0 of the data is the bottom row of the picture.
    // Throws std::invalid_argument for formats it does not know.
    static Image from_shm(const void *data, int32_t width, int32_t height, int32_t stride, uint32_t wl_shm_format,
                          bool y_invert);

    // Binary PPM (P6, maxval 255), the format grim writes with -t ppm.
    static Image from_ppm(std::string_view bytes);
    static Image load_ppm(const std::filesystem::path &path);
    void save_ppm(const std::filesystem::path &path) const;

    [[nodiscard]] int32_t width() const { return width_; }
    [[nodiscard]] int32_t height() const { return height_; }
    [[nodiscard]] Rect bounds() const { return {0, 0, width_, height_}; }

    // ARGB8888; throws std::out_of_range outside the picture.
    [[nodiscard]] uint32_t pixel(int32_t x, int32_t y) const;
    void set_pixel(int32_t x, int32_t y, uint32_t argb);

    // Pixels of `area` (clipped to the picture) equal to `argb`.
    [[nodiscard]] size_t count(const Rect &area, uint32_t argb) const;
    [[nodiscard]] bool all(const Rect &area, uint32_t argb) const;
    // Smallest rectangle holding every pixel equal to `argb`, if any.
    [[nodiscard]] std::optional<Rect> bounding_box(uint32_t argb) const;
    // A readable account of where `area` differs from `argb`: the count and
    // the first few offending pixels. Empty when it does not differ.
    [[nodiscard]] std::string mismatch(const Rect &area, uint32_t argb) const;

private:
    int32_t width_ = 0;
    int32_t height_ = 0;
    std::vector<uint32_t> pixels_;
};

} // namespace sluice::test
