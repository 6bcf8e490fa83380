// Input devices that exist only in software, for sluicectl and the wlcs
// module: a pointer, a touch screen and a keyboard on the headless backend.
// Their events are emitted as a driver would emit them, so they travel the
// same paths as a real device's: wlr_cursor, the Seat's handlers, bindings,
// focus-on-click, xkb state.
#pragma once

#include <cstdint>
#include <string>

#include "common/listener.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {
class Server;
}

namespace sluice::control {

class VirtualInput {
public:
    explicit VirtualInput(Server &server);
    ~VirtualInput() = default;

    VirtualInput(const VirtualInput &) = delete;
    VirtualInput &operator=(const VirtualInput &) = delete;

    // Devices need a headless backend: sluice's own, or one added to a
    // multi backend (nested and DRM sessions). False, with the reason, when
    // there is neither.
    [[nodiscard]] bool available(std::string *why);
    // Plugs all three in now (they appear on first use otherwise), so that
    // clients see a seat with pointer, keyboard and touch from the start.
    void create_all();

    // Layout coordinates.
    void pointer_warp(double lx, double ly);
    void pointer_move(double dx, double dy);
    void pointer_button(uint32_t button, bool pressed);
    // Vertical (or horizontal) scrolling by `steps` wheel clicks.
    void pointer_scroll(bool horizontal, double steps);
    void touch_down(int32_t id, double lx, double ly);
    void touch_motion(int32_t id, double lx, double ly);
    void touch_up(int32_t id);
    // An evdev key code (KEY_A...), as a keyboard driver reports it.
    void key(uint32_t keycode, bool pressed);
    // The virtual keyboard, with its keymap (for keysym lookups); null when
    // devices are unavailable.
    wlr_keyboard *keyboard();

private:
    wlr_input_device *device(wlr_input_device_type type);
    void to_absolute(double lx, double ly, double &x, double &y) const;

    Server &server_;
    wlr_backend *headless_ = nullptr;
    // Owned by the backend. They are never destroyed one by one (the
    // headless backend of wlroots 0.15 keeps them in a list that
    // wlr_input_device_destroy does not unlink): they live until the
    // backend goes, and the destroy listeners notice that.
    wlr_input_device *pointer_ = nullptr;
    wlr_input_device *touch_ = nullptr;
    wlr_input_device *keyboard_ = nullptr;
    Listener pointer_destroy_;
    Listener touch_destroy_;
    Listener keyboard_destroy_;
};

// Milliseconds of CLOCK_MONOTONIC, the input event timestamp base.
[[nodiscard]] uint32_t now_msec();

} // namespace sluice::control
