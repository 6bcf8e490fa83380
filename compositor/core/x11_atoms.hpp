// wlroots 0.15's x11 backend looks up the atoms it needs (WM_PROTOCOLS,
// WM_DELETE_WINDOW, _NET_WM_NAME, UTF8_STRING) with only_if_exists set. On
// an X server where no client has used them yet (Xvfb, a bare Xorg without a
// window manager) they come back as None: the output window then gets no
// WM_DELETE_WINDOW protocol (closing it does nothing), no title, and the
// server answers with BadAtom errors. Creating them first avoids all that.
#pragma once

struct xcb_connection_t;

namespace sluice {

class X11BackendAtoms {
public:
    // Interns the atoms on the X server named by $DISPLAY. A server without
    // other clients (Xvfb without -noreset) resets when its last client
    // leaves, forgetting the atoms, so this keeps its connection until it is
    // destroyed: destroy it only after the backend has connected.
    X11BackendAtoms();
    ~X11BackendAtoms();

    X11BackendAtoms(const X11BackendAtoms &) = delete;
    X11BackendAtoms &operator=(const X11BackendAtoms &) = delete;

private:
    xcb_connection_t *connection_ = nullptr;
};

} // namespace sluice
