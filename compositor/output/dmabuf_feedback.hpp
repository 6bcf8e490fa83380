// linux-dmabuf v4 feedback per surface. A surface that a KMS output's
// primary plane could show as it is gets a scanout tranche (that plane's
// formats, on the KMS device) ahead of the render tranche, so the client
// can allocate buffers KMS scans out as they are: a window that is
// fullscreen there, and the output's scan-out candidate when it is on the
// plane or only its buffer keeps it off (not a dma-buf, a format the plane
// lacks: offer_scanout_tranche). Every other surface gets the default
// feedback (render tranche only). Feedback is sent only when what a
// surface should get changes, never per frame.
#pragma once

#include <sys/types.h>

#include <string>
#include <unordered_set>

#include "common/listener.hpp"
#include "compositor/output/scanout_proposal.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {

class DmabufFeedback {
public:
    // `dmabuf` is the linux-dmabuf global; `renderer` what imports buffers.
    DmabufFeedback(wlr_linux_dmabuf_v1 *dmabuf, wlr_renderer *renderer);
    ~DmabufFeedback();

    DmabufFeedback(const DmabufFeedback &) = delete;
    DmabufFeedback &operator=(const DmabufFeedback &) = delete;

    // `surface` is now fullscreen on `output` (null: no longer fullscreen);
    // `title` names it in the log.
    void fullscreen_changed(wlr_surface *surface, wlr_output *output, const std::string &title);

    // `surface` is `output`'s scan-out candidate this frame, kept off the
    // primary plane for `reasons` (none: it is on it). Called when the
    // candidate or its reasons change.
    void scanout_proposed(wlr_surface *surface, wlr_output *output, ScanoutReasons reasons);
    // `surface` is no longer `output`'s candidate.
    void scanout_withdrawn(wlr_surface *surface, wlr_output *output);

private:
    class SurfaceState;

    // Sends what `state` asks for, if that is not what was sent last.
    void settle(SurfaceState &state);
    void forget(SurfaceState *state);

    wlr_linux_dmabuf_v1 *dmabuf_;
    wlr_renderer *renderer_;
    dev_t main_device_ = 0;
    bool have_main_device_ = false;
    // Every surface state this object keeps, ended with it.
    std::unordered_set<SurfaceState *> states_;
    Listener dmabuf_destroy_;
};

} // namespace sluice
