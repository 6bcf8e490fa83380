// wp_viewporter, served by sluice instead of wlr_viewporter_create: wlroots
// 0.15.1 checks out_of_buffer against the *pending* state after the commit
// has moved its buffer away (so the error never fires), checks bad_size on
// the pending state too, and never raises viewport_exists. The state it sets
// is wlroots' own (wlr_surface_state.viewport), so the scene, the renderer
// and wlr_surface_get_buffer_source_box see the viewport exactly as before.
#pragma once

#include "wlroots/wlr.hpp"

namespace sluice {

class Viewporter {
public:
    explicit Viewporter(wl_display *display);
    ~Viewporter();

    Viewporter(const Viewporter &) = delete;
    Viewporter &operator=(const Viewporter &) = delete;

private:
    static void bind(wl_client *client, void *data, uint32_t version, uint32_t id);

    wl_global *global_;
};

} // namespace sluice
