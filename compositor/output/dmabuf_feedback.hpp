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

#include <unordered_set>

#include "common/listener.hpp"
#include "compositor/output/scanout_proposal.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {

class View;

class DmabufFeedback {
public:
    // `dmabuf` is the linux-dmabuf global; `renderer` what imports buffers.
    DmabufFeedback(wlr_linux_dmabuf_v1 *dmabuf, wlr_renderer *renderer);
    ~DmabufFeedback();

    DmabufFeedback(const DmabufFeedback &) = delete;
    DmabufFeedback &operator=(const DmabufFeedback &) = delete;

    // The feedback of the linux-dmabuf global on `display`, if there is one.
    // The server makes it and the outputs' frame renderers report to it;
    // they share nothing else the server hands down today, so the display
    // is where they meet (a destroy listener of our own, found by its
    // notify function). Once the server hands it to each output, this goes.
    static DmabufFeedback *of(wl_display *display);

    // Sets the view's feedback from its state now (fullscreen or not).
    void update(View &view);

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
    static void on_display_destroy(wl_listener *listener, void *data);

    wlr_linux_dmabuf_v1 *dmabuf_;
    wlr_renderer *renderer_;
    dev_t main_device_ = 0;
    bool have_main_device_ = false;
    // Every surface state this object keeps, ended with it.
    std::unordered_set<SurfaceState *> states_;

    struct DisplayHook {
        wl_listener listener{};
        DmabufFeedback *self = nullptr;
    };
    DisplayHook display_hook_;
    Listener dmabuf_destroy_;
};

} // namespace sluice
