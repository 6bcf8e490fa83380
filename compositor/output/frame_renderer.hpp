// One output frame from the scene, as wlroots' wlr_scene_output_commit does
// it, with what sluice needs on top:
//  - the background is the clear colour of the damaged area, not a scene
//    rectangle (with wlr_renderer 0.15's pixman a rectangle costs a full
//    output image allocated and filled every frame), and only where no
//    opaque surface covers it; surfaces hidden under opaque ones are not
//    drawn (ScenePainter);
//  - direct scan-out is a proposal (scanout_proposal.hpp) checked with a
//    test commit; the reasons it was not made are kept as bits, logged when
//    they change, and given to the dma-buf feedback when the candidate or
//    its reasons change;
//  - a composited frame reaches the output only once it is drawn: its
//    render-done fence goes into the buffer's reservation object, or, where
//    the renderer has no sync_files (llvmpipe), the commit waits for the
//    renderer to finish (render/render_fence.hpp).
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "common/listener.hpp"
#include "compositor/output/scanout_proposal.hpp"
#include "compositor/output/scene_painter.hpp"
#include "render/render_fence.hpp"
#include "sync/dmabuf_fence.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {

class DmabufFeedback;

struct FrameResult {
    bool committed = false;   // a new frame went to the output
    bool scanned_out = false; // ... as a client buffer on the primary plane
    // The surface proposed for the primary plane: the only one visible.
    wlr_surface *candidate = nullptr;
    // Why the frame was not scanned out (empty when it was);
    // describe(no_scanout, visible) says it in words.
    ScanoutReasons no_scanout;
    size_t visible = 0;
};

class FrameRenderer {
public:
    // `fences` is null where frames are drawn before the renderer returns
    // (pixman); `dmabuf_fences` puts native render-done fences into buffers.
    FrameRenderer(const render::RenderFences *fences, sync::DmaBufFences &dmabuf_fences, DmabufFeedback *feedback);
    // Takes the output's candidate back from the dma-buf feedback.
    ~FrameRenderer();

    FrameRenderer(const FrameRenderer &) = delete;
    FrameRenderer &operator=(const FrameRenderer &) = delete;

    // Called with the surface whose buffer is about to be scanned out, after
    // the test commit accepted it and before the real one: some backends
    // (headless) report presentation from inside the commit.
    using BeforeScanout = std::function<void(wlr_surface *)>;

    // Renders (or scans out) the scene output's next frame and commits it
    // if anything changed.
    FrameResult commit(wlr_scene_output *scene_output, const float clear_color[4], const BeforeScanout &before_scanout);

private:
    // The scene's visible surfaces and the output, as facts for
    // propose_scanout.
    ScanoutProposal propose();
    // Reasons the candidate did not go on the plane (empty: it did).
    ScanoutReasons try_scanout(wlr_surface *surface, const BeforeScanout &before_scanout);
    ScanoutBuffer describe_buffer(wlr_buffer *buffer) const;
    // Tells the output's dma-buf feedback, if there is one, when the
    // candidate or its reasons changed since the last frame.
    void report_candidate(wlr_surface *candidate, ScanoutReasons reasons);
    void withdraw_candidate();
    bool render(const float clear_color[4]);
    // Commits the drawn frame once the output's consumers cannot see it
    // unfinished.
    bool commit_drawn();

    struct VisibleSurface {
        wlr_surface *surface;
        int x, y;
    };

    wlr_scene_output *scene_output_ = nullptr;
    ScenePainter painter_;
    // Reused every frame (no allocation once it has grown).
    std::vector<VisibleSurface> visible_;
    std::vector<ScanoutSurface> facts_;
    bool was_scanned_out_ = false;
    // What was logged last; several_visible's text also counts surfaces.
    ScanoutReasons logged_reasons_;
    size_t logged_visible_ = 0;

    // What the dma-buf feedback was last told: this output's candidate
    // (cleared if the surface goes) and its reasons. The output is kept
    // apart from scene_output_, which the scene may free first when the
    // output goes.
    wlr_output *reported_output_ = nullptr;
    wlr_surface *reported_candidate_ = nullptr;
    ScanoutReasons reported_reasons_;
    Listener reported_candidate_destroy_;

    const render::RenderFences *fences_;
    sync::DmaBufFences &dmabuf_fences_;
    // Hears of this output's scan-out candidate; null: no linux-dmabuf.
    DmabufFeedback *feedback_;
    // Logged once: what went wrong with a fence, the frame committed anyway.
    bool fence_error_logged_ = false;
};

} // namespace sluice
