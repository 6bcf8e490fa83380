// Stacked windows as a user sees them, now that sluice skips drawing what
// an opaque window hides and clears the background only where nothing
// opaque lies: opaque (XRGB) windows hide what is below exactly, a
// translucent window still blends over the windows and background below
// it, and what a window hid shows again, whole, when it goes.
#include <cstdlib>
#include <memory>

#include "fixture.hpp"
#include "screen.hpp"

namespace sluice::test {
namespace {

// Premultiplied OVER of `src` (0xAARRGGBB) on an opaque `dst`.
uint32_t over(uint32_t src, uint32_t dst) {
    const uint32_t a = src >> 24;
    uint32_t out = 0xff000000;
    for (int shift : {0, 8, 16}) {
        const uint32_t s = (src >> shift) & 0xff, d = (dst >> shift) & 0xff;
        out |= std::min<uint32_t>(255, s + (d * (255 - a) + 127) / 255) << shift;
    }
    return out;
}

// Pixels of `area` more than 2 away from `argb` in any channel.
size_t far_from(const Image &img, const Rect &area, uint32_t argb) {
    size_t count = 0;
    for (int32_t y = area.y; y < area.y + area.height; ++y) {
        for (int32_t x = area.x; x < area.x + area.width; ++x) {
            const uint32_t p = img.pixel(x, y);
            for (int shift : {0, 8, 16}) {
                if (std::abs(static_cast<int>((p >> shift) & 0xff) - static_cast<int>((argb >> shift) & 0xff)) > 2) {
                    ++count;
                    break;
                }
            }
        }
    }
    return count;
}

class Stacking : public SluiceTest {};

TEST_F(Stacking, OpaqueWindowsHideExactlyWhatTheyCover) {
    auto c = connect();
    ShmBuffer b1(c->shm(), 200, 150, WL_SHM_FORMAT_XRGB8888), b2(c->shm(), 200, 150, WL_SHM_FORMAT_XRGB8888);
    ShmBuffer b3(c->shm(), 200, 150, WL_SHM_FORMAT_XRGB8888);
    b1.fill(red);
    b2.fill(green);
    b3.fill(blue);
    auto w1 = std::make_unique<Toplevel>(*c);
    auto w2 = std::make_unique<Toplevel>(*c);
    auto w3 = std::make_unique<Toplevel>(*c);
    ASSERT_TRUE(w1->map(b1)) << c->describe_error();
    ASSERT_TRUE(w2->map(b2)) << c->describe_error();
    ASSERT_TRUE(w3->map(b3)) << c->describe_error();
    const Rect r1 = centered(out_w, out_h, 200, 150);
    const Rect r2 = {r1.x + 32, r1.y + 32, 200, 150};
    const Rect r3 = {r1.x + 64, r1.y + 64, 200, 150};
    auto shot = capture_until(*c, c->output().proxy.get(), [&](const Image &img) { return img.all(r3, blue); });
    ASSERT_TRUE(shot.matched) << shot.last.mismatch(r3, blue) << "; " << keep_image(shot.last, "screen");
    EXPECT_TRUE(shot.last.all({r1.x, r1.y, 200, 32}, red)) << keep_image(shot.last, "screen");
    EXPECT_TRUE(shot.last.all({r1.x, r1.y, 32, 150}, red)) << keep_image(shot.last, "screen");
    EXPECT_TRUE(shot.last.all({r2.x, r2.y, 200, 32}, green)) << keep_image(shot.last, "screen");
    EXPECT_TRUE(shot.last.all({r2.x, r2.y, 32, 150}, green)) << keep_image(shot.last, "screen");
    // Background right up to the windows' edges, and nowhere inside them.
    const Rect right_of{r3.x + r3.width, 0, out_w - r3.x - r3.width, out_h};
    EXPECT_TRUE(shot.last.all(right_of, background_argb)) << shot.last.mismatch(right_of, background_argb);
    EXPECT_EQ(shot.last.count({r1.x, r1.y, r3.x + r3.width - r1.x, r3.y + r3.height - r1.y}, background_argb),
              size_t(2 * 64 * 32 + 32 * 32 * 2))
        << "background only in the two notches of the staircase; " << keep_image(shot.last, "screen");

    // The top window goes: what it hid comes back whole.
    w3.reset();
    shot = capture_until(*c, c->output().proxy.get(), [&](const Image &img) { return img.all(r2, green); });
    EXPECT_TRUE(shot.matched) << shot.last.mismatch(r2, green) << "; " << keep_image(shot.last, "screen");
    EXPECT_TRUE(shot.last.all({r1.x, r1.y, 200, 32}, red)) << keep_image(shot.last, "screen");
    const Rect uncovered{r2.x + r2.width, r3.y, r3.x + r3.width - r2.x - r2.width, r3.height};
    EXPECT_TRUE(shot.last.all(uncovered, background_argb)) << shot.last.mismatch(uncovered, background_argb);
}

TEST_F(Stacking, TranslucentWindowBlendsOverWindowsAndBackground) {
    auto c = connect();
    ShmBuffer below(c->shm(), 200, 150, WL_SHM_FORMAT_XRGB8888);
    below.fill(red);
    // 50 % white, premultiplied, with no opaque region: whatever is under
    // it must still be drawn.
    constexpr uint32_t half_white = 0x80808080;
    ShmBuffer above(c->shm(), 200, 150, WL_SHM_FORMAT_ARGB8888);
    above.fill(half_white);
    Toplevel w1(*c), w2(*c);
    ASSERT_TRUE(w1.map(below)) << c->describe_error();
    ASSERT_TRUE(w2.map(above)) << c->describe_error();
    const Rect r1 = centered(out_w, out_h, 200, 150);
    const Rect r2 = {r1.x + 32, r1.y + 32, 200, 150};
    const Rect overlap{r2.x, r2.y, 200 - 32, 150 - 32};
    const Rect over_background{r1.x + 200, r2.y, 32, 150};
    const uint32_t on_red = over(half_white, red), on_background = over(half_white, background_argb);
    auto shot = capture_until(*c, c->output().proxy.get(), [&](const Image &img) {
        return far_from(img, overlap, on_red) == 0 && far_from(img, over_background, on_background) == 0;
    });
    EXPECT_EQ(far_from(shot.last, overlap, on_red), 0u)
        << "expected " << argb_to_string(on_red) << " got " << argb_to_string(shot.last.pixel(overlap.x, overlap.y))
        << "; " << keep_image(shot.last, "screen");
    EXPECT_EQ(far_from(shot.last, over_background, on_background), 0u)
        << "expected " << argb_to_string(on_background) << " got "
        << argb_to_string(shot.last.pixel(over_background.x, over_background.y)) << "; "
        << keep_image(shot.last, "screen");
    EXPECT_TRUE(shot.last.all({r1.x, r1.y, 200, 32}, red)) << keep_image(shot.last, "screen");
}

} // namespace
} // namespace sluice::test
