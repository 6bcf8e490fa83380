#include "compositor/core/x11_atoms.hpp"

#include <array>
#include <cstdlib>
#include <cstring>

#include <xcb/xcb.h>

namespace sluice {

X11BackendAtoms::X11BackendAtoms() : connection_(xcb_connect(nullptr, nullptr)) {
    if (xcb_connection_has_error(connection_) != 0) {
        // The backend's own connection fails the same way and says so.
        return;
    }
    constexpr std::array names = {"WM_PROTOCOLS", "WM_DELETE_WINDOW", "_NET_WM_NAME", "UTF8_STRING"};
    std::array<xcb_intern_atom_cookie_t, names.size()> cookies{};
    for (size_t i = 0; i < names.size(); ++i) {
        cookies[i] = xcb_intern_atom(connection_, 0, static_cast<uint16_t>(strlen(names[i])), names[i]);
    }
    for (auto cookie : cookies) {
        free(xcb_intern_atom_reply(connection_, cookie, nullptr));
    }
}

X11BackendAtoms::~X11BackendAtoms() { xcb_disconnect(connection_); }

} // namespace sluice
