// plan_texture_draw / plan_quad_draw: which kind of draw a source box and a
// wlroots matrix need, where it lands and what it reads. The matrices are
// made the way wlr_scene makes them (wlr_matrix_project_box).
#include <gtest/gtest.h>

#include <cmath>

#include "render/draw_plan.hpp"
#include "wlroots/wlr.hpp"

namespace sluice::render::test {
namespace {

constexpr float kIdentity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};

struct Matrix {
    float m[9];
};

Matrix project(int x, int y, int width, int height, wl_output_transform transform = WL_OUTPUT_TRANSFORM_NORMAL) {
    Matrix result{};
    const wlr_box box{x, y, width, height};
    wlr_matrix_project_box(result.m, &box, transform, 0, kIdentity);
    return result;
}

// Where the plan sends the centre of target pixel (x, y), in texels.
std::pair<double, double> to_source(const DrawPlan &plan, double x, double y) {
    const auto &m = plan.to_source.m;
    return {m[0][0] * (x + 0.5) + m[0][1] * (y + 0.5) + m[0][2], m[1][0] * (x + 0.5) + m[1][1] * (y + 0.5) + m[1][2]};
}

// The plan sends the centre of target pixel (x, y) to texel point (sx, sy).
void expect_source(const DrawPlan &plan, double x, double y, double sx, double sy) {
    const auto [actual_x, actual_y] = to_source(plan, x, y);
    EXPECT_NEAR(actual_x, sx, 1e-6) << "pixel " << x << "," << y;
    EXPECT_NEAR(actual_y, sy, 1e-6) << "pixel " << x << "," << y;
}

TEST(DrawPlan, UnscaledTextureAtAnIntegerPlaceIsACopy) {
    const Matrix m = project(10, 20, 8, 6);
    const DrawPlan plan = plan_texture_draw({0, 0, 8, 6}, m.m, 8, 6);
    ASSERT_EQ(plan.kind, DrawPlan::Kind::Copy);
    EXPECT_EQ(plan.target, (PixelBox{10, 20, 18, 26}));
    EXPECT_EQ(plan.source, (PixelBox{0, 0, 8, 6}));
    EXPECT_EQ(plan.dx, -10);
    EXPECT_EQ(plan.dy, -20);
}

TEST(DrawPlan, IntegerCropShownAtItsSizeIsACopyOfTheCrop) {
    // wp_viewport.set_source(4, 2, 3, 3) with no destination: 3x3 at 50,60.
    const Matrix m = project(50, 60, 3, 3);
    const DrawPlan plan = plan_texture_draw({4, 2, 3, 3}, m.m, 8, 8);
    ASSERT_EQ(plan.kind, DrawPlan::Kind::Copy);
    EXPECT_EQ(plan.target, (PixelBox{50, 60, 53, 63}));
    EXPECT_EQ(plan.source, (PixelBox{4, 2, 7, 5}));
    // Target (50, 60) shows texel (4, 2).
    EXPECT_EQ(50 + plan.dx, 4);
    EXPECT_EQ(60 + plan.dy, 2);
}

TEST(DrawPlan, ScaledTextureIsFilteredAndCoversItsDestination) {
    // A 1x1 buffer stretched to 100x100 (wp_viewport.set_destination).
    const Matrix m = project(5, 7, 100, 100);
    const DrawPlan plan = plan_texture_draw({0, 0, 1, 1}, m.m, 1, 1);
    ASSERT_EQ(plan.kind, DrawPlan::Kind::Affine);
    EXPECT_EQ(plan.target, (PixelBox{5, 7, 105, 107}));
    EXPECT_TRUE(plan.axis_aligned);
    EXPECT_TRUE(plan.filtered);
    expect_source(plan, 5, 7, 0.005, 0.005);
    expect_source(plan, 104, 106, 0.995, 0.995);
}

TEST(DrawPlan, FractionalCropReadsTheTexelsItTouches) {
    const Matrix m = project(0, 0, 40, 40);
    const DrawPlan plan = plan_texture_draw({1.5, 0.25, 2, 2}, m.m, 8, 8);
    ASSERT_EQ(plan.kind, DrawPlan::Kind::Affine);
    EXPECT_EQ(plan.source, (PixelBox{1, 0, 4, 3}));
    EXPECT_EQ(plan.target, (PixelBox{0, 0, 40, 40}));
    expect_source(plan, 0, 0, 1.5 + 0.5 / 20, 0.25 + 0.5 / 20);
}

TEST(DrawPlan, FractionalOffsetAtUnitScaleIsFiltered) {
    // Texel centres fall between pixel centres: nearest would pick a side.
    const Matrix m = project(0, 0, 4, 4);
    const DrawPlan plan = plan_texture_draw({0.5, 0, 4, 4}, m.m, 8, 8);
    ASSERT_EQ(plan.kind, DrawPlan::Kind::Affine);
    EXPECT_TRUE(plan.filtered);
}

TEST(DrawPlan, QuarterTurnsAndFlipsAtUnitScaleNeedNoFilter) {
    for (int t = WL_OUTPUT_TRANSFORM_90; t <= WL_OUTPUT_TRANSFORM_FLIPPED_270; ++t) {
        const auto transform = static_cast<wl_output_transform>(t);
        const bool swapped = (t % 2) == 1;
        // A 8x4 texture shown rotated: its destination box is 4x8 then.
        const Matrix m = project(3, 5, swapped ? 4 : 8, swapped ? 8 : 4, transform);
        const DrawPlan plan = plan_texture_draw({0, 0, 8, 4}, m.m, 8, 4);
        ASSERT_EQ(plan.kind, DrawPlan::Kind::Affine) << "transform " << t;
        EXPECT_TRUE(plan.axis_aligned) << "transform " << t;
        EXPECT_FALSE(plan.filtered) << "transform " << t;
        EXPECT_EQ(plan.target, (PixelBox{3, 5, 3 + (swapped ? 4 : 8), 5 + (swapped ? 8 : 4)})) << "transform " << t;
    }
}

TEST(DrawPlan, Transform90SendsTheTopLeftTexelToTheBottomLeft) {
    // wlroots' 90: unit (u, v) -> (v, 1 - u) inside the box.
    const Matrix m = project(0, 0, 4, 8, WL_OUTPUT_TRANSFORM_90);
    const DrawPlan plan = plan_texture_draw({0, 0, 8, 4}, m.m, 8, 4);
    expect_source(plan, 0, 7, 0.5, 0.5); // bottom-left pixel
    expect_source(plan, 0, 0, 7.5, 0.5); // top-left pixel: texel (7, 0)
}

TEST(DrawPlan, ArbitraryRotationIsNotAxisAligned) {
    Matrix m{};
    const wlr_box box{20, 20, 10, 10};
    wlr_matrix_project_box(m.m, &box, WL_OUTPUT_TRANSFORM_NORMAL, static_cast<float>(M_PI / 4), kIdentity);
    const DrawPlan plan = plan_texture_draw({0, 0, 10, 10}, m.m, 10, 10);
    ASSERT_EQ(plan.kind, DrawPlan::Kind::Affine);
    EXPECT_FALSE(plan.axis_aligned);
    // The bounding box of the turned square: sqrt(2) * 10 wide around its centre.
    EXPECT_NEAR(plan.target.width(), 14, 1);
    EXPECT_NEAR(plan.target.height(), 14, 1);
}

TEST(DrawPlan, FractionalDestinationCoversPixelsWhoseCentresItHolds) {
    // 3 texels onto 4.5 pixels starting at x = 0.25: centres 0.5 .. 4.5
    // lie in [0.25, 4.75): pixels 0..4.
    Matrix m = project(0, 0, 1, 1);
    m.m[0] = 4.5f;
    m.m[2] = 0.25f;
    m.m[4] = 3.0f;
    const DrawPlan plan = plan_texture_draw({0, 0, 3, 3}, m.m, 3, 3);
    ASSERT_EQ(plan.kind, DrawPlan::Kind::Affine);
    EXPECT_EQ(plan.target.x1, 0);
    EXPECT_EQ(plan.target.x2, 5);
    EXPECT_EQ(plan.target.y2, 3);
}

TEST(DrawPlan, SourcePastTheTextureIsClampedToIt) {
    // A 2x2 crop at (1, 1) of a 2x2 buffer (wp_viewport out_of_buffer,
    // applied before the error reaches the client): only texel (1, 1).
    const Matrix copy = project(0, 0, 2, 2);
    DrawPlan plan = plan_texture_draw({1, 1, 2, 2}, copy.m, 2, 2);
    ASSERT_EQ(plan.kind, DrawPlan::Kind::Copy);
    EXPECT_EQ(plan.source, (PixelBox{1, 1, 2, 2}));
    EXPECT_EQ(plan.target, (PixelBox{0, 0, 1, 1}));

    const Matrix scaled = project(0, 0, 20, 20);
    plan = plan_texture_draw({1, 1, 2, 2}, scaled.m, 2, 2);
    ASSERT_EQ(plan.kind, DrawPlan::Kind::Affine);
    EXPECT_EQ(plan.source, (PixelBox{1, 1, 2, 2}));
    EXPECT_EQ(plan.target, (PixelBox{0, 0, 10, 10}));

    EXPECT_EQ(plan_texture_draw({5, 5, 1, 1}, scaled.m, 2, 2).kind, DrawPlan::Kind::Nothing);
}

TEST(DrawPlan, DegenerateInputsDrawNothing) {
    const Matrix m = project(0, 0, 10, 10);
    EXPECT_EQ(plan_texture_draw({0, 0, 0, 4}, m.m, 4, 4).kind, DrawPlan::Kind::Nothing);
    EXPECT_EQ(plan_texture_draw({0, 0, 4, -1}, m.m, 4, 4).kind, DrawPlan::Kind::Nothing);
    EXPECT_EQ(plan_texture_draw({0, 0, 4, 4}, m.m, 0, 4).kind, DrawPlan::Kind::Nothing);
    EXPECT_EQ(plan_texture_draw({0, 0, NAN, 4}, m.m, 4, 4).kind, DrawPlan::Kind::Nothing);
    const Matrix flat = project(0, 0, 0, 10);
    EXPECT_EQ(plan_texture_draw({0, 0, 4, 4}, flat.m, 4, 4).kind, DrawPlan::Kind::Nothing);
    Matrix projective = m;
    projective.m[6] = 0.5f;
    EXPECT_EQ(plan_texture_draw({0, 0, 4, 4}, projective.m, 4, 4).kind, DrawPlan::Kind::Nothing);
    Matrix huge = m;
    huge.m[0] = INFINITY;
    EXPECT_EQ(plan_texture_draw({0, 0, 4, 4}, huge.m, 4, 4).kind, DrawPlan::Kind::Nothing);
}

TEST(DrawPlan, AxisAlignedQuadIsARectangleFill) {
    const Matrix m = project(3, 4, 20, 10, WL_OUTPUT_TRANSFORM_90);
    const DrawPlan plan = plan_quad_draw(m.m);
    ASSERT_EQ(plan.kind, DrawPlan::Kind::Copy);
    EXPECT_EQ(plan.target, (PixelBox{3, 4, 23, 14}));
    EXPECT_EQ(plan_quad_draw(project(0, 0, 0, 5).m).kind, DrawPlan::Kind::Nothing);
}

} // namespace
} // namespace sluice::render::test
