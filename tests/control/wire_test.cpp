// The control protocol's pieces that need no sluice: request quoting, JSON,
// base64 and PNG (checked against libpng's pngfix where it is installed).
#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "compositor/control/png.hpp"
#include "compositor/control/wire.hpp"

namespace sluice::control {
namespace {

TEST(Wire, WordsSurviveQuoting) {
    const std::vector<std::string> words = {"type", "Hello, \"world\"\\\n\t", "", "plain"};
    std::string error;
    const auto back = split_words(join_words(words), &error);
    ASSERT_TRUE(back.has_value()) << error;
    EXPECT_EQ(*back, words);
}

TEST(Wire, MalformedRequestsAreRefused) {
    std::string error;
    EXPECT_FALSE(split_words("type \"open", &error).has_value());
    EXPECT_NE(error.find("not closed"), std::string::npos);
    EXPECT_FALSE(split_words("type \"a\\q\"", &error).has_value());
}

TEST(Wire, JsonRoundTrip) {
    JsonObject o;
    o.add("s", "line\n\"quoted\" \x01").add("n", -12).add("d", 0.5).add("b", true);
    o.add_raw("a", json_array({"1", "\"two\"", "null"}));
    const std::string text = ok_reply(o);
    std::string error;
    const auto value = parse_json(text, &error);
    ASSERT_TRUE(value.has_value()) << error << ": " << text;
    EXPECT_TRUE(*value->get("ok")->as_bool());
    EXPECT_EQ(*value->get("s")->as_string(), "line\n\"quoted\" \x01");
    EXPECT_EQ(*value->get("n")->as_number(), -12);
    EXPECT_EQ(*value->get("d")->as_number(), 0.5);
    ASSERT_NE(value->get("a")->as_array(), nullptr);
    EXPECT_EQ(value->get("a")->as_array()->size(), 3u);
    EXPECT_TRUE((*value->get("a")->as_array())[2].is_null());
    EXPECT_FALSE(parse_json("{\"ok\":tru}", &error).has_value());
    EXPECT_FALSE(parse_json("{\"ok\":true} x", &error).has_value());
}

TEST(Wire, ErrorReplies) {
    const auto value = parse_json(error_reply("it \"broke\""), nullptr);
    ASSERT_TRUE(value.has_value());
    EXPECT_FALSE(*value->get("ok")->as_bool());
    EXPECT_EQ(*value->get("error")->as_string(), "it \"broke\"");
}

TEST(Wire, Base64) {
    for (size_t n = 0; n < 10; ++n) {
        std::vector<uint8_t> bytes(n);
        for (size_t i = 0; i < n; ++i)
            bytes[i] = static_cast<uint8_t>(i * 37 + 200);
        const auto back = base64_decode(base64_encode(bytes));
        ASSERT_TRUE(back.has_value()) << n;
        EXPECT_EQ(*back, bytes) << n;
    }
    EXPECT_EQ(base64_encode({'M', 'a', 'n'}), "TWFu");
    EXPECT_FALSE(base64_decode("TWF").has_value());
    EXPECT_FALSE(base64_decode("T*Fu").has_value());
}

RgbaImage test_image(int w, int h) {
    RgbaImage image;
    image.width = w;
    image.height = h;
    image.rgba.resize(static_cast<size_t>(w * h * 4));
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < 4; ++c)
                image.rgba[static_cast<size_t>((y * w + x) * 4 + c)] = static_cast<uint8_t>(x * 7 + y * 13 + c * 60);
    return image;
}

TEST(Png, RoundTrip) {
    const RgbaImage image = test_image(37, 21);
    const auto png = encode_png(image);
    std::string error;
    const auto back = decode_png(png, &error);
    ASSERT_TRUE(back.has_value()) << error;
    EXPECT_EQ(back->width, 37);
    EXPECT_EQ(back->height, 21);
    EXPECT_EQ(back->rgba, image.rgba);
    EXPECT_EQ(back->argb(1, 0), (uint32_t{187} << 24) | (7u << 16) | (67u << 8) | 127u);
}

TEST(Png, CorruptionIsDetected) {
    auto png = encode_png(test_image(8, 8));
    png[png.size() / 2] ^= 0x55;
    std::string error;
    EXPECT_FALSE(decode_png(png, &error).has_value());
    EXPECT_FALSE(error.empty());
    EXPECT_FALSE(decode_png(std::vector<uint8_t>{1, 2, 3}, &error).has_value());
}

TEST(Png, LibpngAcceptsIt) {
    const char *pngfix = std::getenv("PNGFIX");
    if (pngfix == nullptr || *pngfix == '\0')
        GTEST_SKIP() << "pngfix (Debian package libpng-tools) is not installed";
    const std::string path = testing::TempDir() + "sluice-png-test.png";
    const auto png = encode_png(test_image(64, 48));
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char *>(png.data()), static_cast<std::streamsize>(png.size()));
    // pngfix exits 0 for a PNG that libpng reads without complaint.
    const std::string command = std::string(pngfix) + " -q " + path;
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    std::remove(path.c_str());
}

} // namespace
} // namespace sluice::control
