#include "compositor/gate/xdg_pending_state.hpp"

namespace sluice {

namespace {

wlr_xdg_surface *xdg_surface_of(wlr_surface *surface) {
    // role_data is cleared when the xdg_surface object is destroyed, which
    // may happen while commits are held.
    return wlr_surface_is_xdg_surface(surface) ? wlr_xdg_surface_from_wlr_surface(surface) : nullptr;
}

} // namespace

std::optional<XdgPendingState> XdgPendingState::capture(wlr_surface *surface) {
    wlr_xdg_surface *xdg = xdg_surface_of(surface);
    if (xdg == nullptr || xdg->role == WLR_XDG_SURFACE_ROLE_NONE) {
        return std::nullopt;
    }
    XdgPendingState state;
    state.role = xdg->role;
    state.surface_state = xdg->pending;
    if (xdg->role == WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
        state.toplevel_state = xdg->toplevel->pending;
    }
    return state;
}

void XdgPendingState::restore(wlr_surface *surface) const {
    wlr_xdg_surface *xdg = xdg_surface_of(surface);
    if (xdg == nullptr || xdg->role != role) {
        return;
    }
    xdg->pending = surface_state;
    if (role == WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
        xdg->toplevel->pending = toplevel_state;
    }
}

} // namespace sluice
