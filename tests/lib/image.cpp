#include "image.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include <wayland-client-protocol.h>

namespace sluice::test {

Rect Rect::intersect(const Rect &o) const {
    const int32_t x0 = std::max(x, o.x);
    const int32_t y0 = std::max(y, o.y);
    const int32_t x1 = std::min(x + width, o.x + o.width);
    const int32_t y1 = std::min(y + height, o.y + o.height);
    if (x1 <= x0 || y1 <= y0)
        return {x0, y0, 0, 0};
    return {x0, y0, x1 - x0, y1 - y0};
}

std::ostream &operator<<(std::ostream &os, const Rect &r) {
    return os << r.width << "x" << r.height << "+" << r.x << "+" << r.y;
}

std::string argb_to_string(uint32_t argb) {
    char text[16];
    std::snprintf(text, sizeof(text), "0x%08x", argb);
    return text;
}

Image::Image(int32_t width, int32_t height, uint32_t fill)
    : width_(width), height_(height),
      pixels_(static_cast<size_t>(std::max(width, 0)) * static_cast<size_t>(std::max(height, 0)), fill) {
    if (width < 0 || height < 0)
        throw std::invalid_argument("negative image size");
}

namespace {

// DRM fourcc formats are little-endian packed words, so one native 32-bit
// load yields the channels in the order the name gives, most significant
// first. Formats without alpha read as opaque: the X byte is undefined.
uint32_t to_argb(uint32_t word, uint32_t format) {
    const auto byte = [word](int shift) { return (word >> shift) & 0xffu; };
    uint32_t a = 0xff, r = 0, g = 0, b = 0;
    switch (format) {
    case WL_SHM_FORMAT_ARGB8888: a = byte(24); [[fallthrough]];
    case WL_SHM_FORMAT_XRGB8888: r = byte(16), g = byte(8), b = byte(0); break;
    case WL_SHM_FORMAT_ABGR8888: a = byte(24); [[fallthrough]];
    case WL_SHM_FORMAT_XBGR8888: b = byte(16), g = byte(8), r = byte(0); break;
    case WL_SHM_FORMAT_RGBA8888: a = byte(0); [[fallthrough]];
    case WL_SHM_FORMAT_RGBX8888: r = byte(24), g = byte(16), b = byte(8); break;
    case WL_SHM_FORMAT_BGRA8888: a = byte(0); [[fallthrough]];
    case WL_SHM_FORMAT_BGRX8888: b = byte(24), g = byte(16), r = byte(8); break;
    default: throw std::invalid_argument("unsupported wl_shm format " + argb_to_string(format));
    }
    return (a << 24) | (r << 16) | (g << 8) | b;
}

} // namespace

Image Image::from_shm(const void *data, int32_t width, int32_t height, int32_t stride, uint32_t wl_shm_format,
                      bool y_invert) {
    if (stride < width * 4)
        throw std::invalid_argument("stride smaller than a row");
    Image image(width, height);
    const auto *bytes = static_cast<const unsigned char *>(data);
    for (int32_t y = 0; y < height; ++y) {
        const int32_t src_row = y_invert ? height - 1 - y : y;
        const unsigned char *row = bytes + static_cast<size_t>(src_row) * static_cast<size_t>(stride);
        for (int32_t x = 0; x < width; ++x) {
            uint32_t word;
            std::memcpy(&word, row + static_cast<size_t>(x) * 4, sizeof(word));
            image.pixels_[static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)] =
                to_argb(word, wl_shm_format);
        }
    }
    return image;
}

Image Image::from_ppm(std::string_view bytes) {
    size_t pos = 0;
    // PPM header tokens are separated by whitespace and may carry comments.
    const auto next_token = [&]() -> std::string {
        while (pos < bytes.size()) {
            if (bytes[pos] == '#') {
                while (pos < bytes.size() && bytes[pos] != '\n')
                    ++pos;
            } else if (std::isspace(static_cast<unsigned char>(bytes[pos]))) {
                ++pos;
            } else {
                break;
            }
        }
        const size_t start = pos;
        while (pos < bytes.size() && !std::isspace(static_cast<unsigned char>(bytes[pos])))
            ++pos;
        return std::string(bytes.substr(start, pos - start));
    };
    if (next_token() != "P6")
        throw std::invalid_argument("not a binary PPM (P6)");
    const int width = std::stoi(next_token());
    const int height = std::stoi(next_token());
    const int maxval = std::stoi(next_token());
    if (maxval != 255)
        throw std::invalid_argument("PPM maxval " + std::to_string(maxval) + " unsupported");
    ++pos; // the single whitespace byte that ends the header
    const size_t need = static_cast<size_t>(width) * static_cast<size_t>(height) * 3;
    if (bytes.size() < pos || bytes.size() - pos < need)
        throw std::invalid_argument("PPM data truncated");
    Image image(width, height);
    for (size_t i = 0; i < static_cast<size_t>(width) * static_cast<size_t>(height); ++i) {
        const auto c = [&](size_t k) {
            return static_cast<uint32_t>(static_cast<unsigned char>(bytes[pos + i * 3 + k]));
        };
        image.pixels_[i] = 0xff000000u | (c(0) << 16) | (c(1) << 8) | c(2);
    }
    return image;
}

Image Image::load_ppm(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot open " + path.string());
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return from_ppm(bytes);
}

void Image::save_ppm(const std::filesystem::path &path) const {
    std::ofstream out(path, std::ios::binary);
    out << "P6\n" << width_ << " " << height_ << "\n255\n";
    for (uint32_t p : pixels_) {
        const char rgb[3] = {static_cast<char>((p >> 16) & 0xff), static_cast<char>((p >> 8) & 0xff),
                             static_cast<char>(p & 0xff)};
        out.write(rgb, 3);
    }
    if (!out)
        throw std::runtime_error("cannot write " + path.string());
}

uint32_t Image::pixel(int32_t x, int32_t y) const {
    if (!bounds().contains(x, y))
        throw std::out_of_range("pixel (" + std::to_string(x) + "," + std::to_string(y) + ") outside " +
                                std::to_string(width_) + "x" + std::to_string(height_));
    return pixels_[static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)];
}

void Image::set_pixel(int32_t x, int32_t y, uint32_t argb) {
    if (!bounds().contains(x, y))
        throw std::out_of_range("pixel outside image");
    pixels_[static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)] = argb;
}

size_t Image::count(const Rect &area, uint32_t argb) const {
    const Rect r = area.intersect(bounds());
    size_t n = 0;
    for (int32_t y = r.y; y < r.y + r.height; ++y)
        for (int32_t x = r.x; x < r.x + r.width; ++x)
            n += pixel(x, y) == argb;
    return n;
}

bool Image::all(const Rect &area, uint32_t argb) const {
    const Rect r = area.intersect(bounds());
    return count(r, argb) == static_cast<size_t>(r.width) * static_cast<size_t>(std::max(r.height, 0));
}

std::optional<Rect> Image::bounding_box(uint32_t argb) const {
    int32_t x0 = width_, y0 = height_, x1 = -1, y1 = -1;
    for (int32_t y = 0; y < height_; ++y) {
        for (int32_t x = 0; x < width_; ++x) {
            if (pixel(x, y) != argb)
                continue;
            x0 = std::min(x0, x), y0 = std::min(y0, y);
            x1 = std::max(x1, x), y1 = std::max(y1, y);
        }
    }
    if (x1 < 0)
        return std::nullopt;
    return Rect{x0, y0, x1 - x0 + 1, y1 - y0 + 1};
}

std::string Image::mismatch(const Rect &area, uint32_t argb) const {
    const Rect r = area.intersect(bounds());
    std::ostringstream text;
    size_t bad = 0;
    for (int32_t y = r.y; y < r.y + r.height; ++y) {
        for (int32_t x = r.x; x < r.x + r.width; ++x) {
            const uint32_t p = pixel(x, y);
            if (p == argb)
                continue;
            if (bad < 5)
                text << (bad ? ", " : " first: ") << "(" << x << "," << y << ")=" << argb_to_string(p);
            ++bad;
        }
    }
    if (bad == 0)
        return {};
    std::ostringstream head;
    head << bad << " of " << static_cast<size_t>(r.width) * static_cast<size_t>(r.height) << " pixels in " << r
         << " are not " << argb_to_string(argb) << ";" << text.str();
    return head.str();
}

} // namespace sluice::test
