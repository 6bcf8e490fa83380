// linux-dmabuf v4 feedback per surface. A window that is fullscreen on an
// output whose primary plane can take client buffers gets a scanout tranche
// (that plane's formats, on the KMS device) ahead of the render tranche, so
// the client can allocate buffers KMS scans out as they are. Every other
// surface gets the default feedback (render tranche only).
#pragma once

#include <sys/types.h>

#include "wlroots/wlr.hpp"

namespace sluice {

class View;

class DmabufFeedback {
public:
    // `dmabuf` is the linux-dmabuf global; `renderer` what imports buffers.
    DmabufFeedback(wlr_linux_dmabuf_v1 *dmabuf, wlr_renderer *renderer);
    ~DmabufFeedback() = default;

    DmabufFeedback(const DmabufFeedback &) = delete;
    DmabufFeedback &operator=(const DmabufFeedback &) = delete;

    // Sets the view's feedback from its state now (fullscreen or not).
    void update(View &view);

private:
    wlr_linux_dmabuf_v1 *dmabuf_;
    wlr_renderer *renderer_;
    dev_t main_device_ = 0;
    bool have_main_device_ = false;
};

} // namespace sluice
