#include "compositor/core/region_bound.hpp"

namespace sluice {

namespace {

void fold_if_full(pixman_region32_t *region, int max_rects) {
    if (pixman_region32_n_rects(region) < max_rects) {
        return;
    }
    pixman_box32_t extents = *pixman_region32_extents(region);
    pixman_region32_reset(region, &extents);
}

} // namespace

RegionBound::RegionBound(wl_display *display) {
    // A protocol logger runs just before libwayland dispatches each
    // request: the one moment to look at a region before wlroots adds to
    // it.
    logger_ = wl_display_add_protocol_logger(display, &RegionBound::on_protocol_message, this);
}

RegionBound::~RegionBound() {
    if (logger_ != nullptr) {
        wl_protocol_logger_destroy(logger_);
    }
}

void RegionBound::on_protocol_message(void *, wl_protocol_logger_type type, const wl_protocol_logger_message *message) {
    // This runs for every message of every client: a few comparisons on
    // the common path.
    static const wl_message *const damage = &wl_surface_interface.methods[WL_SURFACE_DAMAGE];
    static const wl_message *const damage_buffer = &wl_surface_interface.methods[WL_SURFACE_DAMAGE_BUFFER];
    static const wl_message *const add = &wl_region_interface.methods[WL_REGION_ADD];
    static const wl_message *const subtract = &wl_region_interface.methods[WL_REGION_SUBTRACT];
    if (type != WL_PROTOCOL_LOGGER_REQUEST) {
        return;
    }
    const wl_message *request = message->message;
    if (request == damage || request == damage_buffer) {
        wlr_surface *surface = wlr_surface_from_resource(message->resource);
        fold_if_full(request == damage ? &surface->pending.surface_damage : &surface->pending.buffer_damage,
                     max_damage_rects);
    } else if (request == add || request == subtract) {
        fold_if_full(wlr_region_from_resource(message->resource), max_region_rects);
    }
}

} // namespace sluice
