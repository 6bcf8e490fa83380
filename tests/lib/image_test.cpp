// The pixel plumbing the protocol tests trust: format normalisation, y_invert
// and PPM parsing. Needs no compositor.
#include <cstring>
#include <string>

#include <gtest/gtest.h>
#include <wayland-client-protocol.h>

#include "image.hpp"

namespace sluice::test {
namespace {

TEST(Image, NormalisesByteOrdersToArgb) {
    // One pixel, R=0x11 G=0x22 B=0x33 A=0x80, in each layout.
    const struct {
        uint32_t format;
        uint32_t word;
        uint32_t expected;
    } cases[] = {
        {WL_SHM_FORMAT_ARGB8888, 0x80112233, 0x80112233}, {WL_SHM_FORMAT_XRGB8888, 0x00112233, 0xff112233},
        {WL_SHM_FORMAT_ABGR8888, 0x80332211, 0x80112233}, {WL_SHM_FORMAT_XBGR8888, 0x12332211, 0xff112233},
        {WL_SHM_FORMAT_RGBA8888, 0x11223380, 0x80112233}, {WL_SHM_FORMAT_BGRX8888, 0x332211aa, 0xff112233},
    };
    for (const auto &c : cases) {
        const Image image = Image::from_shm(&c.word, 1, 1, 4, c.format, false);
        EXPECT_EQ(argb_to_string(image.pixel(0, 0)), argb_to_string(c.expected))
            << "format " << argb_to_string(c.format);
    }
    const uint32_t word = 0;
    EXPECT_THROW(Image::from_shm(&word, 1, 1, 4, WL_SHM_FORMAT_RGB565, false), std::invalid_argument);
}

TEST(Image, HonoursStrideAndYInvert) {
    // 2x2 picture with a padded stride of 3 pixels; rows stored bottom-up.
    const uint32_t data[] = {
        0xff000003, 0xff000004, 0xdeadbeef, // bottom row
        0xff000001, 0xff000002, 0xdeadbeef, // top row
    };
    const Image image = Image::from_shm(data, 2, 2, 12, WL_SHM_FORMAT_ARGB8888, true);
    EXPECT_EQ(image.pixel(0, 0), 0xff000001u);
    EXPECT_EQ(image.pixel(1, 0), 0xff000002u);
    EXPECT_EQ(image.pixel(0, 1), 0xff000003u);
    EXPECT_EQ(image.pixel(1, 1), 0xff000004u);
    EXPECT_THROW((void)image.pixel(2, 0), std::out_of_range);
}

TEST(Image, ParsesBinaryPpmWithComments) {
    std::string ppm = "P6\n# made by a test\n2 1\n255\n";
    ppm += std::string("\x10\x20\x30\xff\x00\x7f", 6);
    const Image image = Image::from_ppm(ppm);
    ASSERT_EQ(image.width(), 2);
    ASSERT_EQ(image.height(), 1);
    EXPECT_EQ(image.pixel(0, 0), 0xff102030u);
    EXPECT_EQ(image.pixel(1, 0), 0xffff007fu);
    EXPECT_THROW(Image::from_ppm("P6\n2 1\n255\nabc"), std::invalid_argument);
}

TEST(Image, FindsRegionsAndExplainsMismatches) {
    Image image(10, 8, 0xff000000);
    for (int y = 2; y < 5; ++y)
        for (int x = 3; x < 7; ++x)
            image.set_pixel(x, y, 0xffff0000);
    EXPECT_EQ(image.bounding_box(0xffff0000), (Rect{3, 2, 4, 3}));
    EXPECT_EQ(image.bounding_box(0xff00ff00), std::nullopt);
    EXPECT_TRUE(image.all({3, 2, 4, 3}, 0xffff0000));
    EXPECT_EQ(image.count({0, 0, 10, 8}, 0xff000000), 80u - 12u);
    EXPECT_TRUE(image.mismatch({3, 2, 4, 3}, 0xffff0000).empty());
    EXPECT_NE(image.mismatch({2, 2, 4, 3}, 0xffff0000).find("3 of 12"), std::string::npos)
        << image.mismatch({2, 2, 4, 3}, 0xffff0000);
}

} // namespace
} // namespace sluice::test
