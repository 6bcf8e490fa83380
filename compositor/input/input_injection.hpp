// The virtual keyboard and pointer protocols: clients (test harnesses,
// remote desktops, on-screen keyboards) make input devices that join the
// seat like real ones. Whoever binds them can type and click into every
// window, so the Server makes this only when asked (--allow-input-injection).
#pragma once

#include "common/listener.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {

class Seat;

class InputInjection {
public:
    // Creates both globals on `display`; their devices go to `seat`, which
    // must outlive this.
    InputInjection(wl_display *display, Seat &seat);

    InputInjection(const InputInjection &) = delete;
    InputInjection &operator=(const InputInjection &) = delete;

    // The protocols offered, for the startup log.
    static constexpr const char *globals = "zwp_virtual_keyboard_manager_v1, zwlr_virtual_pointer_manager_v1";

private:
    Seat &seat_;
    // The display destroys these.
    wlr_virtual_keyboard_manager_v1 *keyboards_;
    wlr_virtual_pointer_manager_v1 *pointers_;
    Listener new_keyboard_;
    Listener new_pointer_;
};

} // namespace sluice
