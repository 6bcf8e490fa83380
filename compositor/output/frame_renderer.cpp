#include "compositor/output/frame_renderer.hpp"

#include <chrono>
#include <vector>

#include "common/log.hpp"
#include "compositor/output/dmabuf_feedback.hpp"

namespace sluice {

namespace {
// A software rasterizer finishes a frame in milliseconds; past this the
// frame goes out as it is, and the log says so.
constexpr std::chrono::seconds render_wait_limit{2};
} // namespace

FrameRenderer::FrameRenderer(const render::RenderFences *fences, sync::DmaBufFences &dmabuf_fences,
                             DmabufFeedback *feedback)
    : fences_(fences), dmabuf_fences_(dmabuf_fences), feedback_(feedback) {}

FrameRenderer::~FrameRenderer() { withdraw_candidate(); }

ScanoutProposal FrameRenderer::propose() {
    wlr_output *output = scene_output_->output;
    visible_.clear();
    wlr_scene_output_for_each_surface(
        scene_output_,
        [](wlr_surface *surface, int sx, int sy, void *data) {
            static_cast<std::vector<VisibleSurface> *>(data)->push_back({surface, sx, sy});
        },
        &visible_);
    facts_.clear();
    for (const VisibleSurface &visible : visible_) {
        const wlr_surface_state &state = visible.surface->current;
        wlr_client_buffer *buffer = visible.surface->buffer;
        facts_.push_back({
            .x = visible.x,
            .y = visible.y,
            .width = state.width,
            .height = state.height,
            .has_buffer = buffer != nullptr,
            .buffer_width = buffer != nullptr ? buffer->base.width : 0,
            .buffer_height = buffer != nullptr ? buffer->base.height : 0,
            .transform = state.transform,
            .cropped = state.viewport.has_src,
        });
    }
    ScanoutOutput facts{
        .mode_width = output->width,
        .mode_height = output->height,
        .transform = output->transform,
        .capture_locks = output->attach_render_locks,
    };
    wlr_output_effective_resolution(output, &facts.width, &facts.height);
    // As wlroots' output_basic_test tells a software cursor.
    wlr_output_cursor *cursor;
    wl_list_for_each(cursor, &output->cursors, link) {
        if (cursor->enabled && cursor->visible && cursor != output->hardware_cursor) {
            facts.software_cursor = true;
        }
    }
    return propose_scanout(facts_, facts);
}

ScanoutBuffer FrameRenderer::describe_buffer(wlr_buffer *buffer) const {
    ScanoutBuffer facts;
    wlr_dmabuf_attributes attributes{};
    facts.dmabuf = wlr_buffer_get_dmabuf(buffer, &attributes);
    if (facts.dmabuf) {
        // What the backend imports against: the primary plane's formats.
        const wlr_drm_format_set *formats =
            wlr_output_get_primary_formats(scene_output_->output, WLR_BUFFER_CAP_DMABUF);
        if (formats != nullptr) {
            facts.plane_lists_format = wlr_drm_format_set_has(formats, attributes.format, attributes.modifier);
        }
    }
    return facts;
}

ScanoutReasons FrameRenderer::try_scanout(wlr_surface *surface, const BeforeScanout &before_scanout) {
    wlr_output *output = scene_output_->output;
    wlr_output_attach_buffer(output, &surface->buffer->base);
    if (!wlr_output_test(output)) {
        wlr_output_rollback(output);
        return refusal_reasons(describe_buffer(&surface->buffer->base));
    }
    before_scanout(surface);
    if (!wlr_output_commit(output)) {
        return ScanoutReason::commit_failed;
    }
    return {};
}

void FrameRenderer::report_candidate(wlr_surface *candidate, ScanoutReasons reasons) {
    if (candidate == reported_candidate_ && (candidate == nullptr || reasons == reported_reasons_)) {
        return;
    }
    if (candidate != reported_candidate_) {
        withdraw_candidate();
        if (candidate != nullptr) {
            reported_candidate_ = candidate;
            reported_candidate_destroy_.connect(&candidate->events.destroy, [this](void *) {
                // Its feedback state goes with it: nothing to withdraw.
                reported_candidate_destroy_.disconnect();
                reported_candidate_ = nullptr;
            });
        }
    }
    reported_reasons_ = reasons;
    if (candidate != nullptr) {
        if (feedback_ != nullptr) {
            feedback_->scanout_proposed(candidate, reported_output_, reasons);
        }
    }
}

void FrameRenderer::withdraw_candidate() {
    if (reported_candidate_ == nullptr) {
        return;
    }
    if (feedback_ != nullptr) {
        feedback_->scanout_withdrawn(reported_candidate_, reported_output_);
    }
    reported_candidate_destroy_.disconnect();
    reported_candidate_ = nullptr;
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
    wlr_region_transform(&frame_damage, &scene_output_->damage->current, wlr_output_transform_invert(output->transform),
                         width, height);
    wlr_output_set_damage(output, &frame_damage);
    pixman_region32_fini(&frame_damage);
    return commit_drawn();
}

bool FrameRenderer::commit_drawn() {
    wlr_output *output = scene_output_->output;
    if (fences_ != nullptr) {
        auto settled = fences_->settle_frame(output->back_buffer, dmabuf_fences_, render_wait_limit);
        if (!settled.ok() && !fence_error_logged_) {
            LOG_ERROR(render,
                      "%s: a frame went out without its render-done fence (%s); frames may reach the "
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
    ScanoutProposal proposal = propose();
    result.visible = proposal.visible;
    result.candidate = proposal.candidate ? visible_[*proposal.candidate].surface : nullptr;
    result.no_scanout = proposal.reasons;
    if (proposal.ready()) {
        result.no_scanout = try_scanout(result.candidate, before_scanout);
        result.committed = result.scanned_out = result.no_scanout.empty();
    }
    if (result.scanned_out != was_scanned_out_) {
        LOG_INFO(render, "%s: direct scan-out %s", scene_output_->output->name, result.scanned_out ? "on" : "off");
        if (!result.scanned_out) {
            // The composited frame must redraw what the plane showed.
            wlr_output_damage_add_whole(scene_output_->damage);
        }
        was_scanned_out_ = result.scanned_out;
    }
    // Nothing visible is nothing to propose: not worth a log line.
    ScanoutReasons logged = result.no_scanout == ScanoutReason::none_visible ? ScanoutReasons{} : result.no_scanout;
    size_t logged_visible = logged.has(ScanoutReason::several_visible) ? result.visible : 0;
    if (logged != logged_reasons_ || logged_visible != logged_visible_) {
        if (!logged.empty()) {
            LOG_INFO(render, "%s: not scanned out: %s", scene_output_->output->name,
                     describe(logged, result.visible).c_str());
        }
        logged_reasons_ = logged;
        logged_visible_ = logged_visible;
    }
    reported_output_ = scene_output_->output;
    report_candidate(result.candidate, result.no_scanout);
    if (!result.scanned_out) {
        result.committed = render(clear_color);
    }
    return result;
}

} // namespace sluice
