// A bound on the rectangles one client can pile into one region. wlroots
// 0.15 unites every wl_surface.damage / damage_buffer rectangle into the
// surface's pending damage, and every wl_region.add / subtract into the
// region, and each union costs as much as the region has rectangles: a
// client sending 10^5 rectangles that never touch makes that quadratic
// (measured: 16 s of sluice's time for damage, every other client frozen
// meanwhile; as long for a wl_region). So before wlroots adds to a region
// that has reached its bound, the region is folded into its bounding box:
// - damage at 256 rectangles: damage is a hint that may always be larger
//   than what changed, and no real client sends that many in a commit;
// - a wl_region at 1024: it becomes an input or opaque region, where the
//   fold makes the client's own window take input, or hide what is under
//   it, across the box. Shapes with that many rectangles (a per-pixel
//   mask from an X11 client) are rare, and only that window is affected.
#pragma once

#include "wlroots/wlr.hpp"

namespace sluice {

class RegionBound {
public:
    static constexpr int max_damage_rects = 256;
    static constexpr int max_region_rects = 1024;

    explicit RegionBound(wl_display *display);
    ~RegionBound();

    RegionBound(const RegionBound &) = delete;
    RegionBound &operator=(const RegionBound &) = delete;

private:
    static void on_protocol_message(void *data, wl_protocol_logger_type type,
                                    const wl_protocol_logger_message *message);

    wl_protocol_logger *logger_ = nullptr;
};

} // namespace sluice
