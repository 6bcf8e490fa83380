// The xdg-shell state a client makes double-buffered (acked configure,
// window geometry, toplevel size and flags): wlroots 0.15 keeps one copy of
// it and applies whatever is there when a commit is finally applied. For a
// commit the gate held, that would be the state of a later ack, so the gate
// captures this state when the commit is made and puts it back just before
// the commit is applied.
#pragma once

#include <optional>

#include "wlroots/wlr.hpp"

namespace sluice {

struct XdgPendingState {
    // Empty when the surface has no xdg role.
    static std::optional<XdgPendingState> capture(wlr_surface *surface);
    // Writes the state back; does nothing if the surface's role changed.
    void restore(wlr_surface *surface) const;

    wlr_xdg_surface_role role = WLR_XDG_SURFACE_ROLE_NONE;
    wlr_xdg_surface_state surface_state{};
    wlr_xdg_toplevel_state toplevel_state{};
};

} // namespace sluice
