#include "render/pixman_draw.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace sluice::render {

namespace {

uint16_t channel(float value) {
    if (!(value > 0.0f)) {
        return 0;
    }
    return static_cast<uint16_t>(std::lround(std::min(value, 1.0f) * 0xffff));
}

pixman_color_t to_pixman(const float color[4]) {
    return {channel(color[0]), channel(color[1]), channel(color[2]), channel(color[3])};
}

// Owns one pixman image reference.
class ImageRef {
public:
    explicit ImageRef(pixman_image_t *image) : image_(image) {}
    ~ImageRef() {
        if (image_ != nullptr) {
            pixman_image_unref(image_);
        }
    }
    ImageRef(const ImageRef &) = delete;
    ImageRef &operator=(const ImageRef &) = delete;
    pixman_image_t *get() const { return image_; }

private:
    pixman_image_t *image_;
};

// A second image header over the texels of `box` only, sharing the
// texture's memory: its edges are where a PAD repeat clamps, so bilinear
// filtering at a crop's border repeats the border texel instead of mixing
// in its neighbour outside the crop.
pixman_image_t *source_view(pixman_image_t *texture, const PixelBox &box) {
    const pixman_format_code_t format = pixman_image_get_format(texture);
    const int stride = pixman_image_get_stride(texture);
    auto *bytes = reinterpret_cast<uint8_t *>(pixman_image_get_data(texture));
    bytes += static_cast<ptrdiff_t>(box.y1) * stride + static_cast<ptrdiff_t>(box.x1) * PIXMAN_FORMAT_BPP(format) / 8;
    return pixman_image_create_bits_no_clear(format, box.width(), box.height(), reinterpret_cast<uint32_t *>(bytes),
                                             stride);
}

// The solid mask that applies a global alpha, or null at full alpha (an
// opaque mask only costs pixman a multiply per pixel).
pixman_image_t *alpha_mask(float alpha) {
    if (alpha >= 1.0f) {
        return nullptr;
    }
    const pixman_color_t color = {0, 0, 0, channel(alpha)};
    return pixman_image_create_solid_fill(&color);
}

} // namespace

bool draw_texture(pixman_image_t *target, const PixelBox &clip, const TextureSource &texture, const DrawPlan &plan,
                  float alpha) {
    if (plan.kind == DrawPlan::Kind::Nothing || !(alpha > 0.0f)) {
        return true;
    }
    const PixelBox area = plan.target.intersect(clip);
    if (area.empty()) {
        return true;
    }
    ImageRef mask(alpha_mask(alpha));

    if (plan.kind == DrawPlan::Kind::Copy) {
        // A blit: pixman picks its plain copy or blend loops, no transform,
        // no filter, no per-pixel coordinate arithmetic.
        const pixman_op_t op = texture.opaque && mask.get() == nullptr ? PIXMAN_OP_SRC : PIXMAN_OP_OVER;
        pixman_image_composite32(op, texture.image, mask.get(), target, area.x1 + plan.dx, area.y1 + plan.dy, 0, 0,
                                 area.x1, area.y1, area.width(), area.height());
        return true;
    }

    ImageRef view(source_view(texture.image, plan.source));
    if (view.get() == nullptr) {
        return false;
    }
    // The view's texel (0, 0) is the texture's (source.x1, source.y1).
    pixman_f_transform to_view = plan.to_source;
    for (int column = 0; column < 3; ++column) {
        to_view.m[0][column] -= plan.source.x1 * to_view.m[2][column];
        to_view.m[1][column] -= plan.source.y1 * to_view.m[2][column];
    }
    pixman_transform transform;
    if (!pixman_transform_from_pixman_f_transform(&transform, &to_view) ||
        !pixman_image_set_transform(view.get(), &transform)) {
        return false;
    }
    pixman_image_set_filter(view.get(), plan.filtered ? PIXMAN_FILTER_BILINEAR : PIXMAN_FILTER_NEAREST, nullptr, 0);
    // Axis-aligned: every pixel of the area is inside the quad, so clamping
    // at the view's edge is right. Rotated by another angle, the corners of
    // the bounding box lie outside the quad and must stay untouched.
    pixman_image_set_repeat(view.get(), plan.axis_aligned ? PIXMAN_REPEAT_PAD : PIXMAN_REPEAT_NONE);
    const pixman_op_t op =
        texture.opaque && mask.get() == nullptr && plan.axis_aligned ? PIXMAN_OP_SRC : PIXMAN_OP_OVER;
    // Source and destination coordinates are the same: the transform takes
    // target pixels to texels by itself.
    pixman_image_composite32(op, view.get(), mask.get(), target, area.x1, area.y1, 0, 0, area.x1, area.y1, area.width(),
                             area.height());
    return true;
}

void fill_box(pixman_image_t *target, const PixelBox &clip, const PixelBox &box, const float color[4]) {
    const PixelBox area = box.intersect(clip);
    if (area.empty()) {
        return;
    }
    const pixman_color_t fill = to_pixman(color);
    const pixman_box32_t rect = {area.x1, area.y1, area.x2, area.y2};
    pixman_image_fill_boxes(PIXMAN_OP_SRC, target, &fill, 1, &rect);
}

bool draw_quad(pixman_image_t *target, const PixelBox &clip, const DrawPlan &plan, const float color[4]) {
    if (plan.kind == DrawPlan::Kind::Nothing) {
        return true;
    }
    const PixelBox area = plan.target.intersect(clip);
    if (area.empty()) {
        return true;
    }
    const pixman_color_t fill = to_pixman(color);
    const pixman_op_t op = fill.alpha == 0xffff ? PIXMAN_OP_SRC : PIXMAN_OP_OVER;
    if (plan.kind == DrawPlan::Kind::Copy) {
        const pixman_box32_t rect = {area.x1, area.y1, area.x2, area.y2};
        pixman_image_fill_boxes(op, target, &fill, 1, &rect);
        return true;
    }
    // Rotated by an angle that is no quarter turn: a one-pixel image of the
    // colour, sampled through the transform without repeat, covers exactly
    // the quad (the unit square is that pixel).
    ImageRef solid(pixman_image_create_bits(PIXMAN_a8r8g8b8, 1, 1, nullptr, 0));
    ImageRef paint(pixman_image_create_solid_fill(&fill));
    if (solid.get() == nullptr || paint.get() == nullptr) {
        return false;
    }
    pixman_image_composite32(PIXMAN_OP_SRC, paint.get(), nullptr, solid.get(), 0, 0, 0, 0, 0, 0, 1, 1);
    pixman_transform transform;
    if (!pixman_transform_from_pixman_f_transform(&transform, &plan.to_source) ||
        !pixman_image_set_transform(solid.get(), &transform)) {
        return false;
    }
    pixman_image_set_filter(solid.get(), PIXMAN_FILTER_NEAREST, nullptr, 0);
    pixman_image_composite32(PIXMAN_OP_OVER, solid.get(), nullptr, target, area.x1, area.y1, 0, 0, area.x1, area.y1,
                             area.width(), area.height());
    return true;
}

} // namespace sluice::render
