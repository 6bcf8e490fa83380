// wp_tearing_control_v1: a client's hint that a surface's content may be
// presented with tearing (async) or not (vsync, the default). Recorded per
// surface as each commit reaches the gate, for sluicectl and for a KMS
// output that can flip asynchronously; nothing honours it yet.
#pragma once

#include <wayland-server-core.h>

#include "protocols/surface_extension.hpp"

namespace sluice::protocols {

enum class PresentationHint { vsync, async };

class TearingControlManagerV1 {
public:
    explicit TearingControlManagerV1(wl_display *display);
    ~TearingControlManagerV1();

    TearingControlManagerV1(const TearingControlManagerV1 &) = delete;
    TearingControlManagerV1 &operator=(const TearingControlManagerV1 &) = delete;

    // The surface is committing: its pending hint becomes its hint.
    void take_commit(wl_resource *surface);
    // The hint of the surface's last commit (vsync without an object).
    [[nodiscard]] PresentationHint hint(wl_resource *surface) const;

private:
    static void bind(wl_client *client, void *data, uint32_t version, uint32_t id);
    static void handle_get_tearing_control(wl_client *client, wl_resource *resource, uint32_t id, wl_resource *surface);

    wl_global *global_;
    SurfaceExtensions surfaces_;
    ManagerResources resources_;
};

[[nodiscard]] const char *to_string(PresentationHint hint);

} // namespace sluice::protocols
