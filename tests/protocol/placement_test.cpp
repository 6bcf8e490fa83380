// Where windows appear and that they go away: what a user sees through
// screencopy, checked pixel by pixel against sluice's placement rules.
#include <algorithm>
#include <vector>
#include <chrono>
#include <memory>
#include <utility>

#include "fixture.hpp"
#include "screen.hpp"
#include "frame.hpp"

namespace sluice::test {
namespace {

// Waits until the screen shows `argb` exactly over `where` (and nowhere
// else), returning the last capture for the assertions that follow.
Image wait_for_color_at(Client &c, uint32_t argb, const Rect &where) {
    return capture_until(
               c, c.output().proxy.get(),
               [&](const Image &img) { return img.bounding_box(argb) == std::optional<Rect>(where); }, default_timeout)
        .last;
}

class Placement : public SluiceTest {};

TEST_F(Placement, OutputHasTheModeAskedFor) {
    auto c = connect();
    ASSERT_EQ(c->outputs().size(), 1u);
    const Output &o = c->output();
    EXPECT_TRUE(o.done);
    EXPECT_EQ(o.width, out_w);
    EXPECT_EQ(o.height, out_h);
    EXPECT_EQ(o.refresh_mhz, 60000);
    EXPECT_EQ(o.logical, std::optional<Rect>(Rect{0, 0, out_w, out_h})) << "xdg-output layout";
}

TEST_F(Placement, EmptyScreenIsBackground) {
    auto c = connect();
    const Image img = capture_output(*c, c->output().proxy.get());
    ASSERT_EQ(img.width(), out_w);
    ASSERT_EQ(img.height(), out_h);
    EXPECT_TRUE(img.all(img.bounds(), background_argb))
        << img.mismatch(img.bounds(), background_argb) << "; " << keep_image(img, "screen");
}

TEST_F(Placement, ToplevelIsCenteredOnFirstOutput) {
    auto c = connect();
    ShmBuffer buffer(c->shm(), 200, 100);
    buffer.fill(red);
    Toplevel window(*c);
    ASSERT_TRUE(window.map(buffer)) << c->describe_error();
    // sluice lets the client choose its size.
    EXPECT_EQ(window.configured_width(), 0);
    EXPECT_EQ(window.configured_height(), 0);

    const Rect expected = centered(out_w, out_h, 200, 100);
    ASSERT_EQ(expected, (Rect{220, 190, 200, 100}));
    const Image img = wait_for_color_at(*c, red, expected);
    EXPECT_EQ(img.bounding_box(red), std::optional<Rect>(expected)) << keep_image(img, "screen");
    EXPECT_TRUE(img.all(expected, red)) << img.mismatch(expected, red);
    // Everything else is background: no decorations, no shadow, no cursor.
    EXPECT_EQ(img.count(img.bounds(), background_argb),
              static_cast<size_t>(out_w * out_h - expected.width * expected.height))
        << keep_image(img, "screen");
}

TEST_F(Placement, ToplevelContentIsCopiedPixelForPixel) {
    auto c = connect();
    ShmBuffer buffer(c->shm(), 96, 64);
    buffer.fill_pattern(42);
    Toplevel window(*c);
    ASSERT_TRUE(window.map(buffer)) << c->describe_error();

    const Rect where = centered(out_w, out_h, 96, 64);
    const uint32_t corner = ShmBuffer::pattern_pixel(0, 0, 42);
    const auto shown = capture_until(
        *c, c->output().proxy.get(), [&](const Image &img) { return img.pixel(where.x, where.y) == corner; },
        default_timeout);
    const Image &img = shown.last;
    size_t wrong = 0;
    for (int32_t y = 0; y < where.height; ++y) {
        for (int32_t x = 0; x < where.width; ++x) {
            if (img.pixel(where.x + x, where.y + y) != ShmBuffer::pattern_pixel(x, y, 42))
                ++wrong;
        }
    }
    // An offset, a flip or a scale would break most of them.
    EXPECT_EQ(wrong, 0u) << "pixels differing from the client's buffer at " << where << "; "
                         << keep_image(img, "screen");
}

TEST_F(Placement, SamePositionCascadesBy32) {
    auto c = connect();
    ShmBuffer b1(c->shm(), 200, 100), b2(c->shm(), 200, 100), b3(c->shm(), 200, 100);
    b1.fill(red);
    b2.fill(green);
    b3.fill(blue);
    Toplevel w1(*c), w2(*c), w3(*c);
    ASSERT_TRUE(w1.map(b1)) << c->describe_error();
    ASSERT_TRUE(w2.map(b2)) << c->describe_error();
    ASSERT_TRUE(w3.map(b3)) << c->describe_error();

    const Rect r1 = centered(out_w, out_h, 200, 100);
    const Rect r2 = {r1.x + 32, r1.y + 32, 200, 100};
    const Rect r3 = {r1.x + 64, r1.y + 64, 200, 100};
    const Image img = wait_for_color_at(*c, blue, r3);
    // Each new window is raised, so the last is whole and the earlier ones
    // peek out above and to the left of it; their bounding boxes still
    // span their full rectangles.
    EXPECT_EQ(img.bounding_box(blue), std::optional<Rect>(r3)) << keep_image(img, "screen");
    EXPECT_TRUE(img.all(r3, blue)) << img.mismatch(r3, blue);
    EXPECT_EQ(img.bounding_box(green), std::optional<Rect>(r2)) << keep_image(img, "screen");
    EXPECT_EQ(img.bounding_box(red), std::optional<Rect>(r1)) << keep_image(img, "screen");
    EXPECT_TRUE(img.all({r1.x, r1.y, 200, 32}, red)) << img.mismatch({r1.x, r1.y, 200, 32}, red);
    EXPECT_TRUE(img.all({r2.x, r2.y, 200, 32}, green)) << img.mismatch({r2.x, r2.y, 200, 32}, green);
}

TEST_F(Placement, CascadeWrapsInsideTheOutput) {
    // Twenty windows cascade past the output's corner: those that would
    // leave it start again at the top, so every one is on screen and keeps
    // getting frame callbacks.
    auto c = connect();
    std::vector<std::unique_ptr<ShmBuffer>> buffers;
    std::vector<std::unique_ptr<Toplevel>> windows;
    for (int i = 0; i < 20; ++i) {
        buffers.push_back(std::make_unique<ShmBuffer>(c->shm(), 200, 150));
        buffers.back()->fill(red);
        windows.push_back(std::make_unique<Toplevel>(*c));
        ASSERT_TRUE(windows.back()->map(*buffers.back())) << "window " << i;
    }
    std::vector<std::unique_ptr<FrameCallback>> frames;
    for (auto &window : windows) {
        frames.push_back(std::make_unique<FrameCallback>(window->surface()));
        window->commit();
    }
    ASSERT_TRUE(c->dispatch_until([&] {
        return std::all_of(frames.begin(), frames.end(), [](const auto &f) { return f->done(); });
    })) << "every window is on the output and gets its frame";
}

TEST_F(Placement, CascadeAppliesAcrossClients) {
    auto first = connect();
    auto second = connect();
    ShmBuffer b1(first->shm(), 120, 80), b2(second->shm(), 120, 80);
    b1.fill(red);
    b2.fill(green);
    Toplevel w1(*first), w2(*second);
    ASSERT_TRUE(w1.map(b1)) << first->describe_error();
    ASSERT_TRUE(w2.map(b2)) << second->describe_error();

    const Rect r1 = centered(out_w, out_h, 120, 80);
    const Rect r2 = {r1.x + 32, r1.y + 32, 120, 80};
    const Image img = wait_for_color_at(*second, green, r2);
    EXPECT_EQ(img.bounding_box(green), std::optional<Rect>(r2)) << keep_image(img, "screen");
    EXPECT_EQ(img.bounding_box(red), std::optional<Rect>(r1)) << keep_image(img, "screen");
}

TEST_F(Placement, DifferentSizesDoNotCascade) {
    auto c = connect();
    ShmBuffer big(c->shm(), 200, 100), small(c->shm(), 100, 50);
    big.fill(red);
    small.fill(green);
    Toplevel w1(*c), w2(*c);
    ASSERT_TRUE(w1.map(big)) << c->describe_error();
    ASSERT_TRUE(w2.map(small)) << c->describe_error();

    // Centred positions differ, so nothing "already sits there".
    const Rect r1 = centered(out_w, out_h, 200, 100);
    const Rect r2 = centered(out_w, out_h, 100, 50);
    const Image img = wait_for_color_at(*c, green, r2);
    EXPECT_EQ(img.bounding_box(green), std::optional<Rect>(r2)) << keep_image(img, "screen");
    EXPECT_EQ(img.bounding_box(red), std::optional<Rect>(r1)) << keep_image(img, "screen");
    EXPECT_EQ(img.count(r1, red), static_cast<size_t>(200 * 100 - 100 * 50));
}

TEST_F(Placement, WindowGeometryIsWhatGetsCentered) {
    // A client with a 10 px invisible margin (a CSD shadow) declares the
    // inner 100x60 as its window: that is the rectangle sluice centres.
    auto c = connect();
    ShmBuffer buffer(c->shm(), 120, 80);
    buffer.fill(0x00000000);
    buffer.fill_rect({10, 10, 100, 60}, blue);
    Toplevel window(*c);
    ASSERT_TRUE(window.wait_for_configure()) << c->describe_error();
    window.set_window_geometry({10, 10, 100, 60});
    window.commit_buffer(buffer);
    ASSERT_TRUE(c->roundtrip()) << c->describe_error();

    const Rect geometry_on_screen = centered(out_w, out_h, 100, 60);
    const Image img = wait_for_color_at(*c, blue, geometry_on_screen);
    EXPECT_EQ(img.bounding_box(blue), std::optional<Rect>(geometry_on_screen)) << keep_image(img, "screen");
}

TEST_F(Placement, DestroyedWindowLeavesBackground) {
    auto observer = connect();
    {
        auto c = connect();
        ShmBuffer buffer(c->shm(), 200, 100);
        buffer.fill(red);
        Toplevel window(*c);
        ASSERT_TRUE(window.map(buffer)) << c->describe_error();
        const Image shown = wait_for_color_at(*observer, red, centered(out_w, out_h, 200, 100));
        ASSERT_EQ(shown.bounding_box(red), std::optional<Rect>(centered(out_w, out_h, 200, 100)))
            << keep_image(shown, "before");
        // Toplevel and buffer go out of scope here: an orderly close.
        ASSERT_TRUE(c->roundtrip());
    }
    const auto after = capture_until(
        *observer, observer->output().proxy.get(),
        [](const Image &img) { return img.all(img.bounds(), background_argb); }, default_timeout);
    EXPECT_TRUE(after.matched) << after.last.mismatch(after.last.bounds(), background_argb) << "; "
                               << keep_image(after.last, "after");
}

TEST_F(Placement, CrashedClientLeavesNoSurfaceBehind) {
    auto observer = connect();
    auto c = connect();
    ShmBuffer buffer(c->shm(), 200, 100);
    buffer.fill(red);
    auto window = std::make_unique<Toplevel>(*c);
    ASSERT_TRUE(window->map(buffer)) << c->describe_error();
    const Image shown = wait_for_color_at(*observer, red, centered(out_w, out_h, 200, 100));
    ASSERT_EQ(shown.bounding_box(red), std::optional<Rect>(centered(out_w, out_h, 200, 100)))
        << keep_image(shown, "before");

    // The socket closes with the surface still mapped, nothing destroyed:
    // sluice has to clean up on its own.
    c->sever();
    const auto after = capture_until(
        *observer, observer->output().proxy.get(),
        [](const Image &img) { return img.all(img.bounds(), background_argb); }, default_timeout);
    EXPECT_TRUE(after.matched) << after.last.mismatch(after.last.bounds(), background_argb) << "; "
                               << keep_image(after.last, "after");
    // The survivor's own connection is unharmed.
    EXPECT_TRUE(observer->roundtrip()) << observer->describe_error();
}

class TwoOutputs : public SluiceTest {
protected:
    ServerOptions server_options() const override {
        ServerOptions o;
        o.outputs = 2;
        return o;
    }
};

TEST_F(TwoOutputs, AreLaidOutLeftToRightAndWindowsGoOnTheFirst) {
    auto c = connect();
    ASSERT_EQ(c->outputs().size(), 2u);
    // Global order need not be creation order; sort by position.
    const Output *left = &c->output(0), *right = &c->output(1);
    ASSERT_TRUE(left->logical && right->logical) << "no xdg-output layout";
    if (left->logical->x > right->logical->x)
        std::swap(left, right);
    EXPECT_EQ(left->logical, std::optional<Rect>(Rect{0, 0, out_w, out_h}));
    EXPECT_EQ(right->logical, std::optional<Rect>(Rect{out_w, 0, out_w, out_h}));
    for (const Output *o : {left, right}) {
        EXPECT_EQ(o->width, out_w);
        EXPECT_EQ(o->height, out_h);
        EXPECT_EQ(o->refresh_mhz, 60000);
    }

    ShmBuffer buffer(c->shm(), 200, 100);
    buffer.fill(red);
    Toplevel window(*c);
    ASSERT_TRUE(window.map(buffer)) << c->describe_error();
    const auto on_left = capture_until(
        *c, left->proxy.get(), [](const Image &img) { return img.bounding_box(red).has_value(); }, default_timeout);
    EXPECT_EQ(on_left.last.bounding_box(red), std::optional<Rect>(centered(out_w, out_h, 200, 100)))
        << keep_image(on_left.last, "left");
    const Image on_right = capture_output(*c, right->proxy.get());
    EXPECT_TRUE(on_right.all(on_right.bounds(), background_argb))
        << on_right.mismatch(on_right.bounds(), background_argb) << "; " << keep_image(on_right, "right");
}

} // namespace
} // namespace sluice::test
