// Where a textured or solid quad lands on the render target, worked out from
// what wlr_renderer hands a renderer: a source rectangle in texels (the
// wlr_fbox, fractional for wp_viewporter sources) and a 3x3 matrix taking
// the unit square to target pixels (wlr_matrix_project_box with the output's
// transform: translation, scale to the destination size, 90/180/270 and
// flips). wlroots 0.15's pixman renderer ignores the box's offset and draws
// through a transform over the whole output for every surface; this decides
// how little work each draw really needs:
//  - Copy: one texel per pixel at an integer offset, no rotation: a plain
//    translated blit (pixman's fastest paths, no transform at all);
//  - Affine: anything else that is affine; a transform from target pixels
//    back to texels, with a filter only where texel centres do not land on
//    pixel centres.
// Pure arithmetic, no pixman images, so every case is tested by itself.
#pragma once

#include <algorithm>
#include <cstdint>

#include <pixman.h>

namespace sluice::render {

// Half-open integer rectangle [x1, x2) x [y1, y2), pixman_box32 style.
struct PixelBox {
    int32_t x1 = 0, y1 = 0, x2 = 0, y2 = 0;

    [[nodiscard]] bool empty() const { return x2 <= x1 || y2 <= y1; }
    [[nodiscard]] int32_t width() const { return x2 - x1; }
    [[nodiscard]] int32_t height() const { return y2 - y1; }
    [[nodiscard]] PixelBox intersect(const PixelBox &o) const {
        return {std::max(x1, o.x1), std::max(y1, o.y1), std::min(x2, o.x2), std::min(y2, o.y2)};
    }
    friend bool operator==(const PixelBox &, const PixelBox &) = default;
};

// A rectangle of the source in texels, possibly fractional.
struct SourceRect {
    double x = 0, y = 0, width = 0, height = 0;
};

struct DrawPlan {
    enum class Kind {
        Nothing, // degenerate: zero size, singular or projective matrix
        Copy,    // target pixel (x, y) shows texel (x + dx, y + dy)
        Affine,  // target pixel centre p shows texel to_source(p)
    };
    Kind kind = Kind::Nothing;
    // Pixels whose centres the quad covers (not clipped to anything yet).
    PixelBox target;
    // The texels the draw may read, whole texels, within the texture: the
    // source rectangle rounded outwards. Filters clamp to it, so a crop
    // never bleeds in what lies outside it (as GL's CLAMP_TO_EDGE on a
    // sub-image would not either).
    PixelBox source;
    int32_t dx = 0, dy = 0;         // Copy
    pixman_f_transform to_source{}; // Affine: target pixels -> texels
    // Affine: the quad's edges run along the pixel grid, so `target` is
    // exactly the covered area and every pixel of it maps inside `source`.
    bool axis_aligned = false;
    // Affine: texel centres do not all land on pixel centres (a scale, or
    // a fractional offset): sample with a bilinear filter.
    bool filtered = false;
};

// `matrix` is row-major like wlroots' (m[0..2] the first row). The texture
// is `texture_width` x `texture_height`; the source rectangle is clamped to
// it, so a wp_viewport source past the buffer's edge reads nothing outside.
[[nodiscard]] DrawPlan plan_texture_draw(const SourceRect &source, const float matrix[9], int32_t texture_width,
                                         int32_t texture_height);

// A solid quad (wlr_render_quad_with_matrix): the unit square through
// `matrix`. Copy means "a plain rectangle fill of `target`"; Affine gives
// to_source into the unit square.
[[nodiscard]] DrawPlan plan_quad_draw(const float matrix[9]);

} // namespace sluice::render
