// One output frame from the scene, as wlroots' wlr_scene_output_commit does
// it, with what sluice needs on top:
//  - the background is the clear colour of the damaged area, not a scene
//    rectangle (with wlr_renderer 0.15's pixman a rectangle costs a full
//    output image allocated and filled every frame), and only where no
//    opaque surface covers it; surfaces hidden under opaque ones are not
//    drawn (ScenePainter);
//  - direct scan-out is a proposal checked with a test commit, and when it
//    is refused the reason is kept and logged;
//  - a composited frame reaches the output only once it is drawn: its
//    render-done fence goes into the buffer's reservation object, or, where
//    the renderer has no sync_files (llvmpipe), the commit waits for the
//    renderer to finish (render/render_fence.hpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "render/render_fence.hpp"
#include "compositor/output/scene_painter.hpp"
#include "sync/dmabuf_fence.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {

struct FrameResult {
    bool committed = false;   // a new frame went to the output
    bool scanned_out = false; // ... as a client buffer on the primary plane
    // Why the frame was not scanned out (empty when it was, or when there
    // was no candidate to begin with).
    std::string no_scanout_reason;
};

class FrameRenderer {
public:
    // `fences` is null where frames are drawn before the renderer returns
    // (pixman); `dmabuf_fences` puts native render-done fences into buffers.
    FrameRenderer(const render::RenderFences *fences, sync::DmaBufFences &dmabuf_fences);

    // Called with the surface whose buffer is about to be scanned out, after
    // the test commit accepted it and before the real one: some backends
    // (headless) report presentation from inside the commit.
    using BeforeScanout = std::function<void(wlr_surface *)>;

    // Renders (or scans out) the scene output's next frame and commits it
    // if anything changed.
    FrameResult commit(wlr_scene_output *scene_output, const float clear_color[4],
                       const BeforeScanout &before_scanout);

private:
    // The one surface that exactly covers the output, if any; else the
    // reason there is none.
    wlr_surface *scanout_candidate(std::string &reason);
    bool try_scanout(wlr_surface *surface, std::string &reason, const BeforeScanout &before_scanout);
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
    bool was_scanned_out_ = false;
    std::string last_reason_;

    const render::RenderFences *fences_;
    sync::DmaBufFences &dmabuf_fences_;
    // Logged once: what went wrong with a fence, the frame committed anyway.
    bool fence_error_logged_ = false;
};

} // namespace sluice
