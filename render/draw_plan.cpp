#include "render/draw_plan.hpp"

#include <array>
#include <cmath>
#include <limits>

namespace sluice::render {

namespace {

// wlroots builds its matrices in single precision from pixel coordinates of
// a few thousand at most; anything closer than this to an integer (or to
// zero) is taken to be it.
constexpr double kEpsilon = 1e-3;

bool near(double value, double target) { return std::fabs(value - target) < kEpsilon; }
bool near_integer(double value) { return near(value, std::round(value)); }

// Row-major 3x3, doubles.
using Matrix = std::array<double, 9>;

Matrix multiply(const Matrix &a, const Matrix &b) {
    Matrix r{};
    for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 3; ++j) {
            r[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
        }
    }
    return r;
}

struct Point {
    double x, y;
};

Point apply(const Matrix &m, double x, double y) { return {m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]}; }

// The pixels whose centres lie in [lo, hi): the first is ceil(lo - 0.5),
// the last ceil(hi - 0.5) - 1 (GL's rasterisation rule along one axis).
// Edges within kEpsilon of an integer are snapped to it first, so that a
// quad from integer coordinates covers exactly its integer box.
int32_t first_pixel(double edge) {
    if (near_integer(edge)) {
        edge = std::round(edge);
    }
    return static_cast<int32_t>(std::ceil(edge - 0.5));
}

// Keeps doubles from a hostile matrix inside int32_t before converting.
double clamp_coordinate(double v) {
    constexpr double kLimit = 1 << 28;
    return std::isnan(v) ? 0.0 : std::clamp(v, -kLimit, kLimit);
}

// Where the unit-square-to-target affine map `to_target` sends the
// rectangle [x0, x0+w] x [y0, y0+h]: the covered pixels' bounding box.
PixelBox covered_pixels(const Matrix &to_target, double x0, double y0, double w, double h) {
    const Point corners[4] = {apply(to_target, x0, y0), apply(to_target, x0 + w, y0), apply(to_target, x0, y0 + h),
                              apply(to_target, x0 + w, y0 + h)};
    double min_x = corners[0].x, max_x = corners[0].x, min_y = corners[0].y, max_y = corners[0].y;
    for (const Point &p : corners) {
        min_x = std::min(min_x, p.x);
        max_x = std::max(max_x, p.x);
        min_y = std::min(min_y, p.y);
        max_y = std::max(max_y, p.y);
    }
    return {first_pixel(clamp_coordinate(min_x)), first_pixel(clamp_coordinate(min_y)),
            first_pixel(clamp_coordinate(max_x)), first_pixel(clamp_coordinate(max_y))};
}

bool is_affine(const Matrix &m) { return near(m[6], 0) && near(m[7], 0) && near(m[8], 1); }

// Edges along the pixel grid: no rotation but by quarter turns.
bool is_axis_aligned(const Matrix &m) { return (near(m[1], 0) && near(m[3], 0)) || (near(m[0], 0) && near(m[4], 0)); }

// Each texel is one pixel (any quarter turn or flip), and texel centres
// land on pixel centres.
bool is_pixel_exact(const Matrix &m) {
    const bool unit = (near(std::fabs(m[0]), 1) && near(std::fabs(m[4]), 1) && near(m[1], 0) && near(m[3], 0)) ||
                      (near(std::fabs(m[1]), 1) && near(std::fabs(m[3]), 1) && near(m[0], 0) && near(m[4], 0));
    return unit && near_integer(m[2]) && near_integer(m[5]);
}

bool invert_affine(const Matrix &m, pixman_f_transform &out) {
    const double det = m[0] * m[4] - m[1] * m[3];
    if (!std::isfinite(det) || std::fabs(det) < 1e-12) {
        return false;
    }
    const double a = m[4] / det, b = -m[1] / det, d = -m[3] / det, e = m[0] / det;
    out.m[0][0] = a;
    out.m[0][1] = b;
    out.m[0][2] = -(a * m[2] + b * m[5]);
    out.m[1][0] = d;
    out.m[1][1] = e;
    out.m[1][2] = -(d * m[2] + e * m[5]);
    out.m[2][0] = 0;
    out.m[2][1] = 0;
    out.m[2][2] = 1;
    return true;
}

Matrix to_matrix(const float m[9]) {
    Matrix r{};
    for (int i = 0; i < 9; ++i) {
        r[i] = m[i];
    }
    return r;
}

bool finite(const Matrix &m) {
    for (double v : m) {
        if (!std::isfinite(v)) {
            return false;
        }
    }
    return true;
}

} // namespace

DrawPlan plan_texture_draw(const SourceRect &src, const float matrix[9], int32_t texture_width,
                           int32_t texture_height) {
    DrawPlan plan;
    if (!(src.width > 0) || !(src.height > 0) || texture_width <= 0 || texture_height <= 0) {
        return plan;
    }
    // Texels -> unit square -> target pixels.
    const Matrix texel_to_unit = {
        1 / src.width, 0, -src.x / src.width, 0, 1 / src.height, -src.y / src.height, 0, 0, 1};
    const Matrix to_target = multiply(to_matrix(matrix), texel_to_unit);
    if (!finite(to_target) || !is_affine(to_target)) {
        // wlroots 0.15 never makes a projective matrix for a texture.
        return plan;
    }

    // The texels read: the source rectangle rounded out, inside the texture.
    const PixelBox whole{0, 0, texture_width, texture_height};
    plan.source = PixelBox{static_cast<int32_t>(std::floor(clamp_coordinate(src.x + kEpsilon))),
                           static_cast<int32_t>(std::floor(clamp_coordinate(src.y + kEpsilon))),
                           static_cast<int32_t>(std::ceil(clamp_coordinate(src.x + src.width - kEpsilon))),
                           static_cast<int32_t>(std::ceil(clamp_coordinate(src.y + src.height - kEpsilon)))}
                      .intersect(whole);
    if (plan.source.empty()) {
        return plan;
    }

    const bool whole_texels =
        near_integer(src.x) && near_integer(src.y) && near_integer(src.width) && near_integer(src.height);
    if (whole_texels && near(to_target[0], 1) && near(to_target[4], 1) && near(to_target[1], 0) &&
        near(to_target[3], 0) && near_integer(to_target[2]) && near_integer(to_target[5])) {
        plan.kind = DrawPlan::Kind::Copy;
        plan.dx = -static_cast<int32_t>(std::lround(clamp_coordinate(to_target[2])));
        plan.dy = -static_cast<int32_t>(std::lround(clamp_coordinate(to_target[5])));
        // The source box is already clamped to the texture: a source past
        // the buffer's edge shows only what exists.
        plan.target = {plan.source.x1 - plan.dx, plan.source.y1 - plan.dy, plan.source.x2 - plan.dx,
                       plan.source.y2 - plan.dy};
        return plan;
    }

    if (!invert_affine(to_target, plan.to_source)) {
        return plan;
    }
    plan.kind = DrawPlan::Kind::Affine;
    plan.axis_aligned = is_axis_aligned(to_target);
    plan.filtered = !is_pixel_exact(to_target);
    // Only what the (clamped) source covers: a crop past the buffer's edge
    // leaves the rest of its destination undrawn, not smeared.
    const double x1 = std::max(src.x, 0.0), y1 = std::max(src.y, 0.0);
    const double x2 = std::min(src.x + src.width, static_cast<double>(texture_width));
    const double y2 = std::min(src.y + src.height, static_cast<double>(texture_height));
    plan.target = covered_pixels(to_target, x1, y1, x2 - x1, y2 - y1);
    if (plan.target.empty()) {
        plan.kind = DrawPlan::Kind::Nothing;
    }
    return plan;
}

DrawPlan plan_quad_draw(const float matrix[9]) {
    DrawPlan plan;
    const Matrix to_target = to_matrix(matrix);
    if (!finite(to_target) || !is_affine(to_target)) {
        return plan;
    }
    plan.target = covered_pixels(to_target, 0, 0, 1, 1);
    plan.source = {0, 0, 1, 1};
    if (plan.target.empty() || !invert_affine(to_target, plan.to_source)) {
        return plan;
    }
    plan.axis_aligned = is_axis_aligned(to_target);
    plan.kind = plan.axis_aligned ? DrawPlan::Kind::Copy : DrawPlan::Kind::Affine;
    return plan;
}

} // namespace sluice::render
