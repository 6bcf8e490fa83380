#include "compositor/output/output.hpp"

#include <algorithm>
#include <vector>

#include "compositor/gate/commit_gate.hpp"
#include "common/log.hpp"
#include "common/monotonic_time.hpp"
#include "compositor/output/presentation.hpp"

namespace sluice {

namespace {
// Opaque RGB 0x26,0x2a,0x33: tests and users alike can tell "nothing here"
// from black content.
constexpr float background_color[4] = {0x26 / 255.0f, 0x2a / 255.0f, 0x33 / 255.0f, 1.0f};
constexpr float black[4] = {0.0f, 0.0f, 0.0f, 1.0f};
} // namespace

Output::Output(wlr_output *output, const OutputContext &context, std::function<void(Output *)> on_destroy)
    : output_(output), context_(context), on_destroy_(std::move(on_destroy)),
      frame_renderer_(context.render_fences, context.dmabuf_fences, context.dmabuf_feedback) {
    destroy_.connect(&output_->events.destroy, [this](void *) { on_destroy_(this); });
    frame_.connect(&output_->events.frame, [this](void *) { on_frame(); });
    present_.connect(&output_->events.present,
                     [this](void *data) { on_present(*static_cast<const wlr_output_event_present *>(data)); });

    if (!wlr_output_init_render(output_, context_.allocator, context_.renderer)) {
        LOG_ERROR(output, "%s: cannot render to this output", output_->name);
        return;
    }
    if (!enable()) {
        return;
    }
    start_own_clock();
    // Left to right in the order outputs appear; the scene follows the layout.
    wlr_output_layout_add_auto(context_.layout, output_);

    wlr_box box = layout_box();
    LOG_INFO(output, "%s enabled: %dx%d @ %.3f Hz at %d,%d (%s %s)", output_->name, output_->width, output_->height,
             output_->refresh / 1000.0, box.x, box.y, output_->make, output_->model);
    // Nested backends apply a mode when the parent's window has taken it,
    // after the commit above; say what the output really became.
    mode_.connect(&output_->events.mode, [this](void *) {
        LOG_INFO(output, "%s mode now %dx%d @ %.3f Hz", output_->name, output_->width, output_->height,
                 output_->refresh / 1000.0);
        if (clock_) {
            clock_->set_refresh(output_->refresh);
        }
    });
}

Output::~Output() {
    context_.presentation.output_removed(output_);
    if (context_.gate != nullptr) {
        context_.gate->output_removed(output_);
    }
    wlr_output_layout_remove(context_.layout, output_);
}

bool Output::enable() {
    const auto &mode = context_.mode;
    wlr_output_enable(output_, true);
    if (wlr_output_mode *preferred = wlr_output_preferred_mode(output_)) {
        wlr_output_set_mode(output_, preferred);
    } else if (mode) {
        // Headless and nested outputs have no modes of their own.
        wlr_output_set_custom_mode(output_, mode->width, mode->height, mode->refresh_mhz);
    }
    if (!wlr_output_commit(output_)) {
        LOG_ERROR(output, "%s: the first modeset failed; output left disabled", output_->name);
        return false;
    }
    return true;
}

void Output::start_own_clock() {
    if (!context_.own_clock || !wlr_output_is_headless(output_) || output_->refresh <= 0) {
        return;
    }
    // wlroots' own headless timer keeps firing; its frame events are
    // ignored (on_frame), so it only costs a wake-up.
    clock_.emplace(wl_display_get_event_loop(output_->display), output_->refresh,
                   [this](const Vblank &) { wlr_output_send_frame(output_); });
    if (!clock_->running()) {
        clock_.reset();
        LOG_ERROR(output, "%s: frames keep wlroots' millisecond timing", output_->name);
    }
}

wlr_box Output::layout_box() const {
    wlr_box *box = wlr_output_layout_get_box(context_.layout, output_);
    return box != nullptr ? *box : wlr_box{};
}

void Output::set_background_visible(bool visible) {
    if (visible == background_visible_) {
        return;
    }
    background_visible_ = visible;
    // Nothing in the scene changed, only the colour under it.
    if (wlr_scene_output *scene_output = wlr_scene_get_scene_output(context_.scene, output_)) {
        wlr_output_damage_add_whole(scene_output->damage);
    }
}

const float *Output::clear_color() const { return background_visible_ ? background_color : black; }

void Output::pause_clock(bool paused) {
    clock_paused_ = paused;
    clock_steps_ = 0;
    if (!paused) {
        // Frames resume; backends that only send frame events after a
        // commit need one asked for.
        wlr_output_schedule_frame(output_);
    }
}

void Output::step_clock(uint32_t frames) {
    clock_steps_ += frames;
    if (frames > 0) {
        wlr_output_schedule_frame(output_);
    }
}

void Output::on_frame() {
    // With a clock of sluice's own, only its ticks make frames: not
    // wlroots' timer, not the idle frames wlr_output_schedule_frame asks for.
    if (clock_ && !clock_->ticking()) {
        return;
    }
    wlr_scene_output *scene_output = wlr_scene_get_scene_output(context_.scene, output_);
    if (scene_output == nullptr) {
        return;
    }
    // While the session is paused (another VT shows) nothing reaches the
    // display: no frame, so no frame callbacks either, or an animating
    // client would redraw in a busy loop. Frames resume with the session.
    if (context_.session != nullptr && !context_.session->active) {
        return;
    }
    if (clock_paused_) {
        if (clock_steps_ == 0) {
            return;
        }
        --clock_steps_;
    }
    ++frames_;
    // What this frame will show, for presentation feedback; gathered before
    // the commit because the headless backend reports presentation inside it.
    std::vector<wlr_surface *> surfaces;
    wlr_scene_output_for_each_surface(
        scene_output,
        [](wlr_surface *surface, int, int, void *data) {
            static_cast<std::vector<wlr_surface *> *>(data)->push_back(surface);
        },
        &surfaces);
    uint32_t seq = output_->commit_seq + 1;
    context_.presentation.frame_starting(output_, seq, surfaces);

    frame_renderer_.commit(scene_output, background_visible_ ? background_color : black,
                           [this, seq](wlr_surface *surface) {
                               // The frame is the client's buffer as it is.
                               context_.presentation.frame_zero_copy(output_, seq, surface);
                           });
    LOG_DEBUG(output, "%s: frame %lu, commit %u: %s", output_->name, static_cast<unsigned long>(frames_), seq,
              output_->commit_seq == seq ? "committed" : "nothing to commit");

    // After the commit: what is applied from here on is the next frame's,
    // so fifo barriers set for this one clear now.
    if (context_.gate != nullptr) {
        context_.gate->frame_latched(output_, surfaces, next_present_ns());
    }

    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    wlr_scene_output_send_frame_done(scene_output, &now);
}

uint64_t Output::next_present_ns() const {
    if (clock_) {
        return clock_->next_vblank_ns();
    }
    // Without a clock of its own, a lower bound: a frame drawn from now on
    // is presented no earlier than now, nor before the vblank after the
    // last one reported. Low is safe: commit-timing content is then shown a
    // frame late at worst, never early.
    uint64_t now_ns = monotonic_now_ns();
    uint64_t period = output_->refresh > 0 ? 1000000000000ull / static_cast<uint64_t>(output_->refresh) : 0;
    return std::max(now_ns, last_present_ns_ + period);
}

void Output::on_present(const wlr_output_event_present &reported) {
    // A copy: later listeners of the signal must see what the backend said.
    wlr_output_event_present event = reported;
    timespec when{};
    if (wlr_output_is_x11(output_)) {
        // wlroots 0.15's x11 backend tags each Present request with the
        // commit sequence from before the commit, one less than the one the
        // commit gets (every other backend reports the new one). Left alone,
        // each feedback would wait a frame for the next commit, and an idle
        // output would never present a client's last commit.
        ++event.commit_seq;
    }
    LOG_DEBUG(output, "%s: commit %u %s (sequence %lu)", output_->name, event.commit_seq,
              event.presented ? "presented" : "discarded", static_cast<unsigned long>(event.seq));
    // Backends that have no hardware counter (headless) leave the sequence
    // and the refresh period at zero; clients measuring pacing need both,
    // so fill them in from what sluice knows: a count of presented frames
    // and the mode's period.
    if (!event.presented) {
        context_.presentation.frame_presented(event);
        return;
    }
    ++presented_count_;
    if (clock_) {
        // The frame was taken at the clock's vblank: that is its time, its
        // sequence and its period, whenever the loop got to drawing it.
        const Vblank &vblank = clock_->current();
        when = to_timespec(vblank.time_ns);
        event.when = &when;
        event.seq = vblank.seq;
        event.refresh = static_cast<int>(clock_->period_ns());
        event.flags |= WLR_OUTPUT_PRESENT_VSYNC;
    }
    if (event.seq == 0) {
        event.seq = presented_count_;
    }
    if (event.refresh == 0 && output_->refresh > 0) {
        event.refresh = static_cast<int>(1000000000000LL / output_->refresh);
    }
    if (event.when != nullptr) {
        last_present_ns_ = to_ns(*event.when);
    }
    context_.presentation.frame_presented(event);
}

} // namespace sluice
