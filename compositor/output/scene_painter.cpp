#include "compositor/output/scene_painter.hpp"

#include <cmath>

namespace sluice {

namespace {

// wlroots 0.15's scene rounding, so boxes land on the same pixels.
int scale_length(int length, int offset, float scale) {
    return static_cast<int>(std::lround((offset + length) * scale) - std::lround(offset * scale));
}

wlr_box scale_box(wlr_box box, float scale) {
    return {static_cast<int>(std::lround(box.x * scale)), static_cast<int>(std::lround(box.y * scale)),
            scale_length(box.width, box.x, scale), scale_length(box.height, box.y, scale)};
}

bool node_size(wlr_scene_node *node, int *width, int *height) {
    switch (node->type) {
    case WLR_SCENE_NODE_SURFACE: {
        wlr_surface *surface = wlr_scene_surface_from_node(node)->surface;
        *width = surface->current.width;
        *height = surface->current.height;
        return true;
    }
    case WLR_SCENE_NODE_RECT: {
        auto *rect = reinterpret_cast<wlr_scene_rect *>(node);
        *width = rect->width;
        *height = rect->height;
        return true;
    }
    case WLR_SCENE_NODE_BUFFER: {
        auto *buffer = reinterpret_cast<wlr_scene_buffer *>(node);
        if (buffer->dst_width > 0 && buffer->dst_height > 0) {
            *width = buffer->dst_width;
            *height = buffer->dst_height;
        } else if ((buffer->transform & WL_OUTPUT_TRANSFORM_90) != 0) {
            *width = buffer->buffer->height;
            *height = buffer->buffer->width;
        } else {
            *width = buffer->buffer->width;
            *height = buffer->buffer->height;
        }
        return true;
    }
    case WLR_SCENE_NODE_ROOT:
    case WLR_SCENE_NODE_TREE: break;
    }
    return false;
}

// As wlroots' scissor_output: damage boxes are in the transformed space,
// the renderer's scissor in the buffer's.
void scissor_output(wlr_output *output, const pixman_box32_t &rect) {
    wlr_box box = {rect.x1, rect.y1, rect.x2 - rect.x1, rect.y2 - rect.y1};
    int width = 0, height = 0;
    wlr_output_transformed_resolution(output, &width, &height);
    wlr_box_transform(&box, &box, wlr_output_transform_invert(output->transform), width, height);
    wlr_renderer_scissor(output->renderer, &box);
}

// A scene buffer's texture, made the way wlroots 0.15's scene makes it
// (its helper is private): the client buffer's own texture, or one kept on
// the node, which wlroots frees with the node.
wlr_texture *scene_buffer_texture(wlr_scene_buffer *scene_buffer, wlr_renderer *renderer) {
    if (wlr_client_buffer *client_buffer = wlr_client_buffer_get(scene_buffer->buffer)) {
        return client_buffer->texture;
    }
    if (scene_buffer->texture == nullptr) {
        scene_buffer->texture = wlr_texture_from_buffer(renderer, scene_buffer->buffer);
    }
    return scene_buffer->texture;
}

} // namespace

ScenePainter::ScenePainter() {
    pixman_region32_init(&covered_);
    pixman_region32_init(&scratch_);
}

ScenePainter::~ScenePainter() {
    for (pixman_region32_t &region : visible_) {
        pixman_region32_fini(&region);
    }
    pixman_region32_fini(&covered_);
    pixman_region32_fini(&scratch_);
}

void ScenePainter::collect(wlr_scene_node *node, int lx, int ly, float scale, const wlr_box &bounds) {
    if (!node->state.enabled) {
        return;
    }
    lx += node->state.x;
    ly += node->state.y;
    wlr_box box{lx, ly, 0, 0};
    if (node_size(node, &box.width, &box.height)) {
        box = scale_box(box, scale);
        wlr_box on_output{};
        if (wlr_box_intersection(&on_output, &box, &bounds)) {
            nodes_.push_back({node, box});
        }
    }
    wlr_scene_node *child = nullptr;
    wl_list_for_each(child, &node->state.children, state.link) { collect(child, lx, ly, scale, bounds); }
}

void ScenePainter::opaque_region(const Node &node, float scale, pixman_region32_t *out) const {
    pixman_region32_clear(out);
    // Scaled outputs round each box on its own; an opaque region scaled
    // separately could claim a pixel row the node does not paint.
    if (scale != 1.0f) {
        return;
    }
    switch (node.node->type) {
    case WLR_SCENE_NODE_SURFACE: {
        wlr_surface *surface = wlr_scene_surface_from_node(node.node)->surface;
        if (wlr_surface_get_texture(surface) == nullptr) {
            return; // not drawn at all
        }
        // wlroots makes it the whole surface for a texture without alpha,
        // and the client's opaque region otherwise.
        pixman_region32_copy(out, &surface->opaque_region);
        pixman_region32_translate(out, node.box.x, node.box.y);
        break;
    }
    case WLR_SCENE_NODE_RECT:
        if (reinterpret_cast<wlr_scene_rect *>(node.node)->color[3] >= 1.0f) {
            pixman_region32_union_rect(out, out, node.box.x, node.box.y, static_cast<unsigned>(node.box.width),
                                       static_cast<unsigned>(node.box.height));
        }
        break;
    default: break; // scene buffers: drawn, never assumed opaque
    }
}

void ScenePainter::paint(wlr_scene *scene, wlr_output *output, int lx, int ly, const pixman_region32_t &damage,
                         const float clear_color[4]) {
    wlr_renderer *renderer = output->renderer;
    if (!output->enabled || !pixman_region32_not_empty(&damage)) {
        return;
    }
    wlr_box bounds{0, 0, 0, 0};
    wlr_output_transformed_resolution(output, &bounds.width, &bounds.height);
    node_presentation_ = scene->presentation;
    nodes_.clear();
    collect(&scene->node, -lx, -ly, output->scale, bounds);
    while (visible_.size() < nodes_.size()) {
        visible_.emplace_back();
        pixman_region32_init(&visible_.back());
    }

    // Top to bottom: what each node still shows under the damage.
    pixman_region32_clear(&covered_);
    for (size_t i = nodes_.size(); i-- > 0;) {
        const Node &node = nodes_[i];
        pixman_region32_t &visible = visible_[i];
        pixman_region32_intersect_rect(&visible, &damage, node.box.x, node.box.y, static_cast<unsigned>(node.box.width),
                                       static_cast<unsigned>(node.box.height));
        pixman_region32_subtract(&visible, &visible, &covered_);
        if (!pixman_region32_not_empty(&visible)) {
            continue;
        }
        opaque_region(node, output->scale, &scratch_);
        pixman_region32_union(&covered_, &covered_, &scratch_);
    }

    // The background only where no opaque node lies.
    pixman_region32_subtract(&scratch_, &damage, &covered_);
    int count = 0;
    const pixman_box32_t *rects = pixman_region32_rectangles(&scratch_, &count);
    for (int i = 0; i < count; ++i) {
        scissor_output(output, rects[i]);
        wlr_renderer_clear(renderer, clear_color);
    }

    for (size_t i = 0; i < nodes_.size(); ++i) {
        if (pixman_region32_not_empty(&visible_[i])) {
            draw(nodes_[i], output, visible_[i]);
        }
    }
    wlr_renderer_scissor(renderer, nullptr);
}

void ScenePainter::draw(const Node &node, wlr_output *output, const pixman_region32_t &region) {
    wlr_renderer *renderer = output->renderer;
    float matrix[9];
    wlr_texture *texture = nullptr;
    wlr_fbox src_box{};
    switch (node.node->type) {
    case WLR_SCENE_NODE_SURFACE: {
        wlr_scene_surface *scene_surface = wlr_scene_surface_from_node(node.node);
        wlr_surface *surface = scene_surface->surface;
        texture = wlr_surface_get_texture(surface);
        if (texture == nullptr) {
            return;
        }
        wlr_matrix_project_box(matrix, &node.box, wlr_output_transform_invert(surface->current.transform), 0,
                               output->transform_matrix);
        wlr_surface_get_buffer_source_box(surface, &src_box);
        if (scene_surface->surface != nullptr && node_presentation_ != nullptr &&
            scene_surface->primary_output == output) {
            wlr_presentation_surface_sampled_on_output(node_presentation_, surface, output);
        }
        break;
    }
    case WLR_SCENE_NODE_RECT: {
        auto *rect = reinterpret_cast<wlr_scene_rect *>(node.node);
        int count = 0;
        const pixman_box32_t *rects = pixman_region32_rectangles(&region, &count);
        for (int i = 0; i < count; ++i) {
            scissor_output(output, rects[i]);
            wlr_render_rect(renderer, &node.box, rect->color, output->transform_matrix);
        }
        return;
    }
    case WLR_SCENE_NODE_BUFFER: {
        auto *scene_buffer = reinterpret_cast<wlr_scene_buffer *>(node.node);
        texture = scene_buffer_texture(scene_buffer, renderer);
        if (texture == nullptr) {
            return;
        }
        wlr_matrix_project_box(matrix, &node.box, wlr_output_transform_invert(scene_buffer->transform), 0,
                               output->transform_matrix);
        src_box = scene_buffer->src_box;
        break;
    }
    default: return;
    }
    if (wlr_fbox_empty(&src_box)) {
        // As wlroots' scene: an unset source box is the destination's size.
        src_box = {0, 0, static_cast<double>(node.box.width), static_cast<double>(node.box.height)};
    }
    int count = 0;
    const pixman_box32_t *rects = pixman_region32_rectangles(&region, &count);
    for (int i = 0; i < count; ++i) {
        scissor_output(output, rects[i]);
        wlr_render_subtexture_with_matrix(renderer, texture, &src_box, matrix, 1.0f);
    }
}

} // namespace sluice
