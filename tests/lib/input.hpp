// Input for tests: a virtual keyboard and pointer that drive the seat the
// way real devices would, and a seat observer that records what a client
// receives (focus, keys, buttons).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <xkbcommon/xkbcommon.h>

#include "client.hpp"
#include "proxy.hpp"

#include "virtual-keyboard-unstable-v1-client-protocol.h"
#include "wlr-virtual-pointer-unstable-v1-client-protocol.h"

namespace sluice::test {

// Binds the client's seat; used by the devices and the observer.
Proxy<wl_seat> bind_seat(Client &client);

// A keyboard with the US layout, keys named by evdev code (KEY_A, ...).
class VirtualKeyboard {
public:
    explicit VirtualKeyboard(Client &client);
    ~VirtualKeyboard();

    VirtualKeyboard(const VirtualKeyboard &) = delete;
    VirtualKeyboard &operator=(const VirtualKeyboard &) = delete;

    void press(uint32_t key);
    void release(uint32_t key);
    // Press and release, with `modifiers` (evdev codes) held around it.
    void tap(uint32_t key, std::initializer_list<uint32_t> modifiers = {});

private:
    void key(uint32_t key, uint32_t state);

    Client &client_;
    Proxy<wl_seat> seat_;
    zwp_virtual_keyboard_manager_v1 *manager_ = nullptr;
    zwp_virtual_keyboard_v1 *keyboard_ = nullptr;
    // The modifier state a real keyboard's xkb state would have: virtual
    // keyboards must send it themselves (wlroots does not derive it).
    xkb_context *context_ = nullptr;
    xkb_keymap *keymap_ = nullptr;
    xkb_state *state_ = nullptr;
    uint32_t time_ = 0;
};

// A pointer positioned in output-layout pixels (absolute motion over the
// given layout size).
class VirtualPointer {
public:
    VirtualPointer(Client &client, uint32_t layout_width, uint32_t layout_height);
    ~VirtualPointer();

    VirtualPointer(const VirtualPointer &) = delete;
    VirtualPointer &operator=(const VirtualPointer &) = delete;

    void move_to(uint32_t x, uint32_t y);
    void press(uint32_t button);
    void release(uint32_t button);
    void click(uint32_t button);

private:
    Client &client_;
    Proxy<wl_seat> seat_;
    zwlr_virtual_pointer_manager_v1 *manager_ = nullptr;
    zwlr_virtual_pointer_v1 *pointer_ = nullptr;
    uint32_t width_;
    uint32_t height_;
    uint32_t time_ = 0;
};

// What one client's wl_seat tells it.
class SeatObserver {
public:
    explicit SeatObserver(Client &client);
    ~SeatObserver();

    SeatObserver(const SeatObserver &) = delete;
    SeatObserver &operator=(const SeatObserver &) = delete;

    // Waits until the seat has a keyboard / pointer and binds it.
    bool wait_for_keyboard(std::chrono::milliseconds timeout = default_timeout);
    bool wait_for_pointer(std::chrono::milliseconds timeout = default_timeout);

    [[nodiscard]] wl_seat *seat() const { return seat_.get(); }
    [[nodiscard]] wl_surface *keyboard_focus() const { return keyboard_focus_; }
    [[nodiscard]] wl_surface *pointer_focus() const { return pointer_focus_; }
    // Serials of the last wl_keyboard.enter and wl_pointer.button press (0
    // before any): what a client shows to be granted a selection or a drag.
    [[nodiscard]] uint32_t keyboard_enter_serial() const { return keyboard_enter_serial_; }
    [[nodiscard]] uint32_t press_serial() const { return press_serial_; }
    // Surface-local position of the last wl_pointer.enter or motion.
    [[nodiscard]] double pointer_x() const { return pointer_x_; }
    [[nodiscard]] double pointer_y() const { return pointer_y_; }
    // Keys pressed while focused, as evdev codes.
    [[nodiscard]] const std::vector<uint32_t> &keys_pressed() const { return keys_; }
    [[nodiscard]] const std::vector<uint32_t> &buttons_pressed() const { return buttons_; }
    [[nodiscard]] uint32_t keyboard_enters() const { return keyboard_enters_; }

private:
    static const wl_seat_listener seat_listener;
    static const wl_keyboard_listener keyboard_listener;
    static const wl_pointer_listener pointer_listener;

    Client &client_;
    Proxy<wl_seat> seat_;
    uint32_t capabilities_ = 0;
    wl_keyboard *keyboard_ = nullptr;
    wl_pointer *pointer_ = nullptr;
    wl_surface *keyboard_focus_ = nullptr;
    wl_surface *pointer_focus_ = nullptr;
    double pointer_x_ = -1;
    double pointer_y_ = -1;
    std::vector<uint32_t> keys_;
    std::vector<uint32_t> buttons_;
    uint32_t keyboard_enters_ = 0;
    uint32_t keyboard_enter_serial_ = 0;
    uint32_t press_serial_ = 0;
};

} // namespace sluice::test
