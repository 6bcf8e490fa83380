// Carries out a DrawPlan with pixman on a target image, clipped to a box
// (the renderer's scissor within the target): the only pixels pixman
// touches are those of the clipped box, and nothing is allocated for an
// opaque draw without a crop or scale.
#pragma once

#include "render/draw_plan.hpp"

namespace sluice::render {

struct TextureSource {
    pixman_image_t *image; // the whole texture, no transform set on it
    bool opaque;           // its format has no alpha channel
};

// Draws `texture` as `plan` says, with `alpha` (0..1) applied. Opaque
// textures at full alpha replace what is under them (PIXMAN_OP_SRC) where
// the plan covers whole pixels; everything else blends (OVER). False when
// pixman refuses (a transform out of its fixed-point range, no memory).
bool draw_texture(pixman_image_t *target, const PixelBox &clip, const TextureSource &texture, const DrawPlan &plan,
                  float alpha);

// Fills `box` within `clip` with a premultiplied RGBA colour, replacing
// what is there (wlr_renderer_clear).
void fill_box(pixman_image_t *target, const PixelBox &clip, const PixelBox &box, const float color[4]);

// A solid quad planned by plan_quad_draw, blended over the target
// (wlr_render_quad_with_matrix; an opaque colour just replaces).
bool draw_quad(pixman_image_t *target, const PixelBox &clip, const DrawPlan &plan, const float color[4]);

} // namespace sluice::render
