// Popups placed by their positioner, and pushed back onto the output per
// their constraint_adjustment: both what the client is told
// (xdg_popup.configure) and where the pixels land.
//
// The parent is a 200x200 toplevel, centred at (220,140) on the 640x480
// output; in its coordinates the output spans x -220..420, y -140..340.
#include <chrono>
#include <memory>
#include <ostream>
#include <string>

#include "fixture.hpp"
#include "screen.hpp"

namespace sluice::test {
namespace {

constexpr uint32_t parent_color = 0xffb0b0b0;
constexpr uint32_t popup_color = 0xffe03070;

struct PopupCase {
    const char *name;
    PositionerRules rules;
    Rect expected; // relative to the parent, as xdg_popup.configure reports
};

std::ostream &operator<<(std::ostream &os, const PopupCase &c) { return os << c.name; }

// One client and the parent of its popups: a plain 200x200 toplevel, unless
// a fixture maps another.
class PopupTest : public SluiceTest {
protected:
    void SetUp() override {
        SluiceTest::SetUp();
        if (HasFatalFailure())
            return;
        c = connect();
        map_parent();
    }

    virtual void map_parent() {
        parent_buffer = std::make_unique<ShmBuffer>(c->shm(), 200, 200);
        parent_buffer->fill(parent_color);
        parent = std::make_unique<Toplevel>(*c);
        ASSERT_TRUE(parent->map(*parent_buffer)) << c->describe_error();
    }

    void TearDown() override {
        parent.reset();
        parent_buffer.reset();
        c.reset();
        SluiceTest::TearDown();
    }

    std::unique_ptr<Client> c;
    std::unique_ptr<ShmBuffer> parent_buffer;
    std::unique_ptr<Toplevel> parent;
    const Rect parent_rect = centered(out_w, out_h, 200, 200);
};

class Popups : public PopupTest, public ::testing::WithParamInterface<PopupCase> {};

TEST_P(Popups, PlacedPerPositioner) {
    const PopupCase &tc = GetParam();
    ASSERT_EQ(parent_rect, (Rect{220, 140, 200, 200}));

    Popup popup(*c, parent->xdg(), tc.rules);
    ASSERT_TRUE(popup.wait_for_configure()) << c->describe_error();
    EXPECT_EQ(popup.geometry(), tc.expected) << "xdg_popup.configure";
    EXPECT_FALSE(popup.dismissed());

    // Draw at the size sluice configured (a resize adjustment may change it).
    const Rect g = popup.geometry();
    ASSERT_GT(g.width, 0);
    ASSERT_GT(g.height, 0);
    ShmBuffer popup_buffer(c->shm(), g.width, g.height);
    popup_buffer.fill(popup_color);
    popup.commit_buffer(popup_buffer);
    ASSERT_TRUE(c->roundtrip()) << c->describe_error();

    const Rect on_screen =
        Rect{parent_rect.x + tc.expected.x, parent_rect.y + tc.expected.y, tc.expected.width, tc.expected.height}
            .intersect({0, 0, out_w, out_h});
    const auto shot = capture_until(
        *c, c->output().proxy.get(),
        [&](const Image &img) { return img.bounding_box(popup_color) == std::optional<Rect>(on_screen); },
        default_timeout);
    EXPECT_EQ(shot.last.bounding_box(popup_color), std::optional<Rect>(on_screen))
        << "popup pixels; " << keep_image(shot.last, "screen");
    EXPECT_TRUE(shot.last.all(on_screen, popup_color)) << shot.last.mismatch(on_screen, popup_color);
    // The parent stays visible around it.
    EXPECT_EQ(shot.last.count(parent_rect, parent_color),
              static_cast<size_t>(200 * 200) - static_cast<size_t>(parent_rect.intersect(on_screen).width) *
                                                   static_cast<size_t>(parent_rect.intersect(on_screen).height))
        << keep_image(shot.last, "screen");
}

PositionerRules rules(int32_t w, int32_t h, Rect anchor_rect, uint32_t anchor, uint32_t gravity,
                      uint32_t adjustment = XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_NONE, int32_t dx = 0, int32_t dy = 0) {
    PositionerRules r;
    r.width = w;
    r.height = h;
    r.anchor_rect = anchor_rect;
    r.anchor = anchor;
    r.gravity = gravity;
    r.constraint_adjustment = adjustment;
    r.offset_x = dx;
    r.offset_y = dy;
    return r;
}

// Unconstrained placements: the anchor point on the anchor rectangle, the
// direction the popup grows from it, and the offset.
INSTANTIATE_TEST_SUITE_P(
    Unconstrained, Popups,
    ::testing::Values(
        // Anchor (60,50), popup grows down-right, then offset (5,7).
        PopupCase{"BottomRightWithOffset",
                  rules(50, 40, {20, 30, 40, 20}, XDG_POSITIONER_ANCHOR_BOTTOM_RIGHT,
                        XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT, 0, 5, 7),
                  {65, 57, 50, 40}},
        // Anchor (20,30), popup grows up-left.
        PopupCase{"TopLeft",
                  rules(50, 40, {20, 30, 40, 20}, XDG_POSITIONER_ANCHOR_TOP_LEFT, XDG_POSITIONER_GRAVITY_TOP_LEFT),
                  {-30, -10, 50, 40}},
        // Anchor at the rectangle's centre (40,40), popup centred on it.
        PopupCase{"CenteredOnCenter",
                  rules(50, 40, {20, 30, 40, 20}, XDG_POSITIONER_ANCHOR_NONE, XDG_POSITIONER_GRAVITY_NONE),
                  {15, 20, 50, 40}},
        // Anchor (200,15) on the parent's right edge, popup to the right,
        // vertically centred on it.
        PopupCase{"RightOfParent",
                  rules(60, 40, {190, 10, 10, 10}, XDG_POSITIONER_ANCHOR_RIGHT, XDG_POSITIONER_GRAVITY_RIGHT),
                  {200, -5, 60, 40}},
        // Overflows the output on the right (420+300 > 640) but allows no
        // adjustment, so it stays where the rules put it.
        PopupCase{
            "OverflowWithoutAdjustmentStays",
            rules(300, 40, {190, 10, 10, 10}, XDG_POSITIONER_ANCHOR_TOP_RIGHT, XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT),
            {200, 10, 300, 40}}),
    [](const ::testing::TestParamInfo<PopupCase> &info) { return std::string(info.param.name); });

// Placements that would leave the output and must be adjusted.
INSTANTIATE_TEST_SUITE_P(
    Constrained, Popups,
    ::testing::Values(
        // x 200..500 overflows the right edge (420) by 80: slid left by 80.
        PopupCase{"SlideX",
                  rules(300, 40, {190, 10, 10, 10}, XDG_POSITIONER_ANCHOR_TOP_RIGHT,
                        XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT, XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_SLIDE_X),
                  {120, 10, 300, 40}},
        // y 200..400 overflows the bottom (340) by 60: slid up by 60.
        PopupCase{"SlideY",
                  rules(60, 200, {10, 190, 10, 10}, XDG_POSITIONER_ANCHOR_BOTTOM, XDG_POSITIONER_GRAVITY_BOTTOM,
                        XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_SLIDE_Y),
                  {-15, 140, 60, 200}},
        // Right of the anchor overflows; flipped to the left of the anchor
        // rectangle (anchor x 190, growing left) it fits.
        PopupCase{"FlipX",
                  rules(250, 40, {190, 10, 10, 10}, XDG_POSITIONER_ANCHOR_RIGHT, XDG_POSITIONER_GRAVITY_RIGHT,
                        XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_FLIP_X),
                  {-60, -5, 250, 40}},
        // Below the anchor overflows; flipped above it (anchor y 190,
        // growing up) it fits.
        PopupCase{"FlipY",
                  rules(60, 200, {10, 190, 10, 10}, XDG_POSITIONER_ANCHOR_BOTTOM, XDG_POSITIONER_GRAVITY_BOTTOM,
                        XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_FLIP_Y),
                  {-15, -10, 60, 200}},
        // 500 wide: flipping to x -310 would overflow the left edge (-220),
        // so the flip is abandoned and the popup slides left by 280.
        PopupCase{"FlipFailsThenSlides",
                  rules(500, 40, {190, 10, 10, 10}, XDG_POSITIONER_ANCHOR_RIGHT, XDG_POSITIONER_GRAVITY_RIGHT,
                        XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_FLIP_X | XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_SLIDE_X),
                  {-80, -5, 500, 40}}),
    [](const ::testing::TestParamInfo<PopupCase> &info) { return std::string(info.param.name); });

// The parent draws a 10 px invisible margin (a client-side shadow) and
// declares the inner 200x200 as its window geometry.
class PopupOfDecoratedParent : public PopupTest {
protected:
    void map_parent() override {
        parent_buffer = std::make_unique<ShmBuffer>(c->shm(), 220, 220);
        parent_buffer->fill(0x00000000);
        parent_buffer->fill_rect({10, 10, 200, 200}, parent_color);
        parent = std::make_unique<Toplevel>(*c);
        ASSERT_TRUE(parent->wait_for_configure()) << c->describe_error();
        parent->set_window_geometry({10, 10, 200, 200});
        parent->commit_buffer(*parent_buffer);
        ASSERT_TRUE(c->roundtrip()) << c->describe_error();
    }

    // Expects the popup's pixels to cover exactly `expected`; returns the
    // last capture.
    Image expect_popup_at(const Rect &expected) {
        const auto shot = capture_until(
            *c, c->output().proxy.get(),
            [&](const Image &img) { return img.bounding_box(popup_color) == std::optional<Rect>(expected); },
            default_timeout);
        EXPECT_EQ(shot.last.bounding_box(popup_color), std::optional<Rect>(expected))
            << keep_image(shot.last, "screen");
        return shot.last;
    }
};

TEST_F(PopupOfDecoratedParent, IsPlacedRelativeToWindowGeometry) {
    // Popup positions are relative to the window geometry, not to the
    // buffer's corner.
    Popup popup(*c, parent->xdg(),
                rules(50, 40, {20, 30, 40, 20}, XDG_POSITIONER_ANCHOR_BOTTOM_RIGHT, XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT,
                      0, 5, 7));
    ShmBuffer popup_buffer(c->shm(), 50, 40);
    popup_buffer.fill(popup_color);
    ASSERT_TRUE(popup.map(popup_buffer)) << c->describe_error();
    EXPECT_EQ(popup.geometry(), (Rect{65, 57, 50, 40}));

    const Rect expected = {parent_rect.x + 65, parent_rect.y + 57, 50, 40};
    const Image shot = expect_popup_at(expected);
    EXPECT_EQ(shot.bounding_box(parent_color), std::optional<Rect>(parent_rect)) << keep_image(shot, "screen");
}

TEST_F(PopupOfDecoratedParent, IsSlidToTheOutputEdgeNotTheMargin) {
    // A popup sliding against the right output edge must end flush with
    // the edge, whatever margin the parent's buffer has.
    Popup popup(*c, parent->xdg(),
                rules(300, 40, {190, 10, 10, 10}, XDG_POSITIONER_ANCHOR_TOP_RIGHT, XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT,
                      XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_SLIDE_X));
    ShmBuffer popup_buffer(c->shm(), 300, 40);
    popup_buffer.fill(popup_color);
    ASSERT_TRUE(popup.map(popup_buffer)) << c->describe_error();
    EXPECT_EQ(popup.geometry(), (Rect{120, 10, 300, 40}));

    expect_popup_at({out_w - 300, parent_rect.y + 10, 300, 40});
}

class PopupLifetime : public PopupTest {};

TEST_F(PopupLifetime, DestroyedPopupLeavesParentWhole) {
    {
        Popup popup(
            *c, parent->xdg(),
            rules(50, 40, {20, 30, 40, 20}, XDG_POSITIONER_ANCHOR_BOTTOM_RIGHT, XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT));
        ShmBuffer popup_buffer(c->shm(), 50, 40);
        popup_buffer.fill(popup_color);
        ASSERT_TRUE(popup.map(popup_buffer)) << c->describe_error();
        const auto shown = capture_until(
            *c, c->output().proxy.get(), [](const Image &img) { return img.bounding_box(popup_color).has_value(); },
            default_timeout);
        ASSERT_TRUE(shown.matched) << "popup never appeared; " << keep_image(shown.last, "with-popup");
    }
    const auto after = capture_until(
        *c, c->output().proxy.get(), [&](const Image &img) { return img.all(parent_rect, parent_color); },
        default_timeout);
    EXPECT_TRUE(after.matched) << after.last.mismatch(parent_rect, parent_color) << "; "
                               << keep_image(after.last, "after");
    EXPECT_FALSE(after.last.bounding_box(popup_color).has_value());
}

} // namespace
} // namespace sluice::test
