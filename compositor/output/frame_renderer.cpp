#include "compositor/output/frame_renderer.hpp"

#include <chrono>
#include <vector>

#include "common/log.hpp"

namespace sluice {

namespace {
// A software rasterizer finishes a frame in milliseconds; past this the
// frame goes out as it is, and the log says so.
constexpr std::chrono::seconds render_wait_limit{2};
} // namespace

FrameRenderer::FrameRenderer(const render::RenderFences *fences, sync::DmaBufFences &dmabuf_fences)
    : fences_(fences), dmabuf_fences_(dmabuf_fences) {}

wlr_surface *FrameRenderer::scanout_candidate(std::string &reason) {
    wlr_output *output = scene_output_->output;
    std::vector<VisibleSurface> &visible = visible_;
    visible.clear();
    wlr_scene_output_for_each_surface(
        scene_output_,
        [](wlr_surface *surface, int sx, int sy, void *data) {
            static_cast<std::vector<VisibleSurface> *>(data)->push_back({surface, sx, sy});
        },
        &visible);
    if (visible.empty()) {
        return nullptr; // nothing to propose
    }
    if (visible.size() > 1) {
        reason = std::to_string(visible.size()) + " surfaces are visible";
        return nullptr;
    }
    const VisibleSurface &only = visible.front();
    wlr_surface *surface = only.surface;
    int width = 0, height = 0;
    wlr_output_effective_resolution(output, &width, &height);
    if (only.x != 0 || only.y != 0 || surface->current.width != width || surface->current.height != height) {
        reason = "the surface does not cover the output exactly";
        return nullptr;
    }
    if (surface->buffer == nullptr) {
        reason = "the surface has no buffer";
        return nullptr;
    }
    if (surface->current.viewport.has_src || surface->current.transform != output->transform ||
        surface->buffer->base.width != output->width || surface->buffer->base.height != output->height) {
        reason = "the buffer would need scaling, cropping or rotating";
        return nullptr;
    }
    return surface;
}

bool FrameRenderer::try_scanout(wlr_surface *surface, std::string &reason, const BeforeScanout &before_scanout) {
    wlr_output *output = scene_output_->output;
    wlr_output_attach_buffer(output, &surface->buffer->base);
    if (!wlr_output_test(output)) {
        wlr_output_rollback(output);
        reason = output->attach_render_locks > 0
                     ? "a screen capture needs a composited frame"
                     : "the primary plane refused the buffer (test commit failed)";
        return false;
    }
    before_scanout(surface);
    if (!wlr_output_commit(output)) {
        reason = "the commit failed";
        return false;
    }
    return true;
}

bool FrameRenderer::render(const float clear_color[4]) {
    wlr_output *output = scene_output_->output;
    wlr_renderer *renderer = output->renderer;
    bool needs_frame = false;
    pixman_region32_t damage;
    pixman_region32_init(&damage);
    if (!wlr_output_damage_attach_render(scene_output_->damage, &needs_frame, &damage)) {
        pixman_region32_fini(&damage);
        return false;
    }
    if (!needs_frame) {
        pixman_region32_fini(&damage);
        wlr_output_rollback(output);
        return false;
    }

    wlr_renderer_begin(renderer, output->width, output->height);
    painter_.paint(scene_output_->scene, output, scene_output_->x, scene_output_->y, damage, clear_color);
    wlr_output_render_software_cursors(output, &damage);
    wlr_renderer_end(renderer);
    pixman_region32_fini(&damage);

    int width = 0, height = 0;
    wlr_output_transformed_resolution(output, &width, &height);
    pixman_region32_t frame_damage;
    pixman_region32_init(&frame_damage);
    wlr_region_transform(&frame_damage, &scene_output_->damage->current,
                         wlr_output_transform_invert(output->transform), width, height);
    wlr_output_set_damage(output, &frame_damage);
    pixman_region32_fini(&frame_damage);
    return commit_drawn();
}

bool FrameRenderer::commit_drawn() {
    wlr_output *output = scene_output_->output;
    if (fences_ != nullptr) {
        auto settled = fences_->settle_frame(output->back_buffer, dmabuf_fences_, render_wait_limit);
        if (!settled.ok() && !fence_error_logged_) {
            LOG_ERROR(render, "%s: a frame went out without its render-done fence (%s); frames may reach the "
                                "output before they are drawn",
                      output->name, settled.error().message.c_str());
            fence_error_logged_ = true;
        }
    }
    return wlr_output_commit(output);
}

FrameResult FrameRenderer::commit(wlr_scene_output *scene_output, const float clear_color[4],
                                  const BeforeScanout &before_scanout) {
    scene_output_ = scene_output;
    FrameResult result;
    wlr_surface *candidate = scanout_candidate(result.no_scanout_reason);
    if (candidate != nullptr && try_scanout(candidate, result.no_scanout_reason, before_scanout)) {
        result.committed = result.scanned_out = true;
    }
    if (result.scanned_out != was_scanned_out_) {
        LOG_INFO(render, "%s: direct scan-out %s", scene_output_->output->name,
                  result.scanned_out ? "on" : "off");
        if (!result.scanned_out) {
            // The composited frame must redraw what the plane showed.
            wlr_output_damage_add_whole(scene_output_->damage);
        }
        was_scanned_out_ = result.scanned_out;
    }
    if (result.no_scanout_reason != last_reason_) {
        if (!result.no_scanout_reason.empty()) {
            LOG_INFO(render, "%s: not scanned out: %s", scene_output_->output->name,
                      result.no_scanout_reason.c_str());
        }
        last_reason_ = result.no_scanout_reason;
    }
    if (!result.scanned_out) {
        result.committed = render(clear_color);
    }
    return result;
}

} // namespace sluice
