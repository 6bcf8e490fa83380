// Paints the damaged part of a wlr_scene onto an output, in place of
// wlr_scene_render_output, which draws every node under the damage
// bottom to top: with stacked opaque windows most of those pixels are
// painted over again before the frame is shown. Here the nodes are walked
// top to bottom first, each node keeps only the damage that no opaque node
// above it covers, the background is cleared only where nothing opaque
// lies, and then each node is drawn (bottom to top, so translucent ones
// still blend over what is below) within what is left of it.
//
// The drawing itself is what wlroots 0.15's scene does (same boxes, same
// matrices, same source boxes, same scissor per damage rectangle), so any
// renderer gives the same picture.
#pragma once

#include <vector>

#include "wlroots/wlr.hpp"

namespace sluice {

class ScenePainter {
public:
    ScenePainter();
    ~ScenePainter();

    ScenePainter(const ScenePainter &) = delete;
    ScenePainter &operator=(const ScenePainter &) = delete;

    // Between wlr_renderer_begin and end on `output`'s renderer. `damage`
    // is in the output's transformed, scaled space (what
    // wlr_output_damage_attach_render gives); the scene is seen from layout
    // position (lx, ly).
    void paint(wlr_scene *scene, wlr_output *output, int lx, int ly, const pixman_region32_t &damage,
               const float clear_color[4]);

private:
    struct Node {
        wlr_scene_node *node;
        wlr_box box; // on the output, scaled
    };

    void collect(wlr_scene_node *node, int lx, int ly, float scale, const wlr_box &bounds);
    // What of `node` hides whatever is below it, on the output.
    void opaque_region(const Node &node, float scale, pixman_region32_t *out) const;
    void draw(const Node &node, wlr_output *output, const pixman_region32_t &region);

    // Kept between frames so that a frame allocates nothing once they have
    // grown to the scene's size.
    std::vector<Node> nodes_;
    // The scene's wlr_presentation, if it has one (as wlroots' scene
    // reports sampled surfaces to it); sluice serves its own.
    wlr_presentation *node_presentation_ = nullptr;
    std::vector<pixman_region32_t> visible_;
    pixman_region32_t covered_;
    pixman_region32_t scratch_;
};

} // namespace sluice
