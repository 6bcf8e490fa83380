#include "compositor/core/damage_bound.hpp"

namespace sluice {

namespace {

void fold_if_full(pixman_region32_t *region) {
    if (pixman_region32_n_rects(region) < DamageBound::max_rects) {
        return;
    }
    pixman_box32_t extents = *pixman_region32_extents(region);
    pixman_region32_reset(region, &extents);
}

} // namespace

DamageBound::DamageBound(wl_display *display) {
    // A protocol logger runs just before libwayland dispatches each
    // request: the one moment to look at the pending damage before wlroots
    // adds to it.
    logger_ = wl_display_add_protocol_logger(display, &DamageBound::on_protocol_message, this);
}

DamageBound::~DamageBound() {
    if (logger_ != nullptr) {
        wl_protocol_logger_destroy(logger_);
    }
}

void DamageBound::on_protocol_message(void *, wl_protocol_logger_type type,
                                      const wl_protocol_logger_message *message) {
    // This runs for every message of every client: two comparisons on the
    // common path.
    static const wl_message *const damage = &wl_surface_interface.methods[WL_SURFACE_DAMAGE];
    static const wl_message *const damage_buffer = &wl_surface_interface.methods[WL_SURFACE_DAMAGE_BUFFER];
    if (type != WL_PROTOCOL_LOGGER_REQUEST || (message->message != damage && message->message != damage_buffer)) {
        return;
    }
    wlr_surface *surface = wlr_surface_from_resource(message->resource);
    fold_if_full(message->message == damage ? &surface->pending.surface_damage : &surface->pending.buffer_damage);
}

} // namespace sluice
