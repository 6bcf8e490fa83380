#include "compositor/control/png.hpp"

#include <cstring>

#include <zlib.h>

namespace sluice::control {

namespace {

constexpr uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

void put_u32(std::vector<uint8_t> &out, uint32_t v) {
    out.push_back(static_cast<uint8_t>(v >> 24));
    out.push_back(static_cast<uint8_t>(v >> 16));
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
}

uint32_t get_u32(const uint8_t *p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

void put_chunk(std::vector<uint8_t> &out, const char type[4], const uint8_t *data, size_t size) {
    put_u32(out, static_cast<uint32_t>(size));
    size_t start = out.size();
    out.insert(out.end(), type, type + 4);
    if (size > 0) {
        out.insert(out.end(), data, data + size);
    }
    // The CRC covers the type and the data, not the length.
    uLong crc = crc32(0L, out.data() + start, static_cast<uInt>(out.size() - start));
    put_u32(out, static_cast<uint32_t>(crc));
}

uint8_t paeth(int a, int b, int c) {
    int p = a + b - c;
    int pa = p > a ? p - a : a - p;
    int pb = p > b ? p - b : b - p;
    int pc = p > c ? p - c : c - p;
    if (pa <= pb && pa <= pc) {
        return static_cast<uint8_t>(a);
    }
    return static_cast<uint8_t>(pb <= pc ? b : c);
}

} // namespace

uint32_t RgbaImage::argb(int x, int y) const {
    const uint8_t *p = &rgba[(static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)) * 4];
    return (uint32_t{p[3]} << 24) | (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
}

std::vector<uint8_t> encode_png(const RgbaImage &image) {
    const size_t row = static_cast<size_t>(image.width) * 4;
    // Every row starts with its filter type; 0 (none) keeps encoding cheap.
    std::vector<uint8_t> raw;
    raw.reserve((row + 1) * static_cast<size_t>(image.height));
    for (int y = 0; y < image.height; ++y) {
        raw.push_back(0);
        const uint8_t *src = image.rgba.data() + row * static_cast<size_t>(y);
        raw.insert(raw.end(), src, src + row);
    }
    uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
    std::vector<uint8_t> packed(packed_size);
    if (compress2(packed.data(), &packed_size, raw.data(), static_cast<uLong>(raw.size()), 1) != Z_OK) {
        return {};
    }
    packed.resize(packed_size);

    std::vector<uint8_t> out(signature, signature + sizeof(signature));
    std::vector<uint8_t> header;
    put_u32(header, static_cast<uint32_t>(image.width));
    put_u32(header, static_cast<uint32_t>(image.height));
    header.push_back(8); // bit depth
    header.push_back(6); // colour type: RGBA
    header.push_back(0); // compression: deflate
    header.push_back(0); // filter method: adaptive
    header.push_back(0); // no interlace
    put_chunk(out, "IHDR", header.data(), header.size());
    put_chunk(out, "IDAT", packed.data(), packed.size());
    put_chunk(out, "IEND", nullptr, 0);
    return out;
}

std::optional<RgbaImage> decode_png(std::span<const uint8_t> bytes, std::string *error) {
    auto fail = [error](const std::string &why) -> std::optional<RgbaImage> {
        if (error != nullptr) {
            *error = why;
        }
        return std::nullopt;
    };
    if (bytes.size() < sizeof(signature) || memcmp(bytes.data(), signature, sizeof(signature)) != 0) {
        return fail("not a PNG file (bad signature)");
    }
    size_t pos = sizeof(signature);
    int width = 0, height = 0, channels = 0;
    bool have_header = false, have_end = false;
    std::vector<uint8_t> packed;
    while (pos + 12 <= bytes.size()) {
        uint32_t length = get_u32(&bytes[pos]);
        if (length > bytes.size() - pos - 12) {
            return fail("truncated chunk");
        }
        const uint8_t *type = &bytes[pos + 4];
        const uint8_t *data = &bytes[pos + 8];
        uint32_t stored_crc = get_u32(data + length);
        uLong crc = crc32(0L, type, length + 4);
        if (crc != stored_crc) {
            return fail("chunk CRC mismatch");
        }
        std::string name(reinterpret_cast<const char *>(type), 4);
        if (name == "IHDR") {
            if (length != 13) {
                return fail("bad IHDR");
            }
            width = static_cast<int>(get_u32(data));
            height = static_cast<int>(get_u32(data + 4));
            if (data[8] != 8) {
                return fail("only 8-bit PNGs are supported");
            }
            if (data[9] == 6) {
                channels = 4;
            } else if (data[9] == 2) {
                channels = 3;
            } else {
                return fail("only RGB and RGBA PNGs are supported");
            }
            if (data[12] != 0) {
                return fail("interlaced PNGs are not supported");
            }
            if (width <= 0 || height <= 0 || width > 65536 || height > 65536) {
                return fail("bad PNG size");
            }
            have_header = true;
        } else if (name == "IDAT") {
            packed.insert(packed.end(), data, data + length);
        } else if (name == "IEND") {
            have_end = true;
            break;
        }
        pos += 12 + length;
    }
    if (!have_header || !have_end) {
        return fail("missing IHDR or IEND");
    }
    const size_t stride = static_cast<size_t>(width) * static_cast<size_t>(channels);
    std::vector<uint8_t> raw((stride + 1) * static_cast<size_t>(height));
    uLongf raw_size = static_cast<uLongf>(raw.size());
    if (uncompress(raw.data(), &raw_size, packed.data(), static_cast<uLong>(packed.size())) != Z_OK ||
        raw_size != raw.size()) {
        return fail("corrupt image data");
    }
    RgbaImage image;
    image.width = width;
    image.height = height;
    image.rgba.resize(static_cast<size_t>(width) * static_cast<size_t>(height) * 4);
    std::vector<uint8_t> previous(stride, 0), current(stride);
    const size_t bpp = static_cast<size_t>(channels);
    for (int y = 0; y < height; ++y) {
        const uint8_t *line = &raw[(stride + 1) * static_cast<size_t>(y)];
        uint8_t filter = line[0];
        for (size_t i = 0; i < stride; ++i) {
            int a = i >= bpp ? current[i - bpp] : 0;
            int b = previous[i];
            int c = i >= bpp ? previous[i - bpp] : 0;
            int x = line[1 + i];
            switch (filter) {
            case 0: break;
            case 1: x += a; break;
            case 2: x += b; break;
            case 3: x += (a + b) / 2; break;
            case 4: x += paeth(a, b, c); break;
            default: return fail("unknown row filter");
            }
            current[i] = static_cast<uint8_t>(x);
        }
        for (int px = 0; px < width; ++px) {
            uint8_t *dst =
                &image.rgba[(static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(px)) * 4];
            const uint8_t *src = &current[static_cast<size_t>(px) * bpp];
            dst[0] = src[0];
            dst[1] = src[1];
            dst[2] = src[2];
            dst[3] = channels == 4 ? src[3] : 0xff;
        }
        previous.swap(current);
    }
    return image;
}

} // namespace sluice::control
