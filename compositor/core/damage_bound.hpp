// A bound on the damage a surface gathers between two commits. wlroots
// 0.15 unites every wl_surface.damage and damage_buffer rectangle into a
// pixman region, and a union costs as much as the region has rectangles:
// a client sending 10^5 rectangles that never touch (measured: 16 s of
// sluice's time, every other client frozen meanwhile) makes that quadratic.
// Damage is a hint that may always be larger than what changed, so once a
// surface's pending damage has max_rects rectangles it is folded into its
// bounding box before wlroots adds the next one.
#pragma once

#include "wlroots/wlr.hpp"

namespace sluice {

class DamageBound {
public:
    // Far more than any real client sends in one commit (a text editor's
    // damage is a few lines), and a union over this many rectangles is
    // still cheap.
    static constexpr int max_rects = 256;

    explicit DamageBound(wl_display *display);
    ~DamageBound();

    DamageBound(const DamageBound &) = delete;
    DamageBound &operator=(const DamageBound &) = delete;

private:
    static void on_protocol_message(void *data, wl_protocol_logger_type type,
                                    const wl_protocol_logger_message *message);

    wl_protocol_logger *logger_ = nullptr;
};

} // namespace sluice
