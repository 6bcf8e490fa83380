// One wlr_output: its mode, its place in the layout, its background, and
// its frame clock driving the scene.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "common/listener.hpp"
#include "compositor/output/frame_clock.hpp"
#include "compositor/output/mode.hpp"
#include "compositor/output/frame_renderer.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {

class CommitGate;
class DmabufFeedback;
class Presentation;

// What every output draws with and reports to.
struct OutputContext {
    wlr_renderer *renderer;
    wlr_allocator *allocator;
    wlr_scene *scene;
    wlr_output_layout *layout;
    // While it is paused (another VT shows) no frame is drawn; null: none.
    wlr_session *session;
    Presentation &presentation;
    const render::RenderFences *render_fences; // null: pixman
    sync::DmaBufFences &dmabuf_fences;
    // For outputs without modes of their own (headless, nested).
    std::optional<Mode> mode;
    // Told when the output's scan-out candidate changes; null: no linux-dmabuf.
    DmabufFeedback *dmabuf_feedback = nullptr;
    // Told when a frame was latched (fifo barriers, target times); null: no gate.
    CommitGate *gate = nullptr;
    // Headless frames on sluice's vblank clock (false: wlroots' timer).
    bool own_clock = true;
};

class Output {
public:
    // `on_destroy` runs when wlroots destroys the output; it may destroy
    // this object.
    Output(wlr_output *output, const OutputContext &context, std::function<void(Output *)> on_destroy);
    ~Output();

    Output(const Output &) = delete;
    Output &operator=(const Output &) = delete;

    wlr_output *wlr() const { return output_; }
    // The output's rectangle in layout coordinates.
    wlr_box layout_box() const;
    // Under a fullscreen window the background is black, not sluice's
    // colour, wherever the window leaves the output uncovered.
    void set_background_visible(bool visible);
    // The colour under the scene, which uncovered pixels show (for
    // screenshots drawn off screen).
    const float *clear_color() const;

    // The frame clock, for test harnesses (sluicectl clock): while paused
    // no frame is drawn and no frame callback is sent; step_clock() lets
    // exactly `frames` more through. frames() counts the frames that went
    // through, paused or not.
    void pause_clock(bool paused);
    void step_clock(uint32_t frames);
    bool clock_paused() const { return clock_paused_; }
    uint64_t frames() const { return frames_; }

private:
    bool enable();
    void start_own_clock();
    void on_frame();
    void on_present(const wlr_output_event_present &reported);
    // When content applied now would be presented at the earliest.
    uint64_t next_present_ns() const;

    wlr_output *output_;
    OutputContext context_;
    std::function<void(Output *)> on_destroy_;
    bool background_visible_ = true;
    FrameRenderer frame_renderer_;
    uint64_t presented_count_ = 0;
    uint64_t last_present_ns_ = 0;
    bool clock_paused_ = false;
    uint32_t clock_steps_ = 0;
    uint64_t frames_ = 0;
    // Where the backend's frame timing is not to be trusted (headless):
    // frames follow this instead, and presentation reports its vblanks.
    std::optional<FrameClock> clock_;

    Listener frame_;
    Listener present_;
    Listener mode_;
    Listener destroy_;
};

} // namespace sluice
