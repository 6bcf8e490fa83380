// Input devices as the seat holds them. Each watches its own destroy so an
// unplugged device leaves nothing dangling.
#pragma once

#include "common/listener.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {

class Seat;

class Keyboard {
public:
    // A virtual keyboard brings its client's keymap; a real one gets the
    // keymap from XKB_DEFAULT_*.
    enum class Keymap { from_environment, from_client };
    Keyboard(Seat &seat, wlr_input_device *device, Keymap keymap);
    ~Keyboard() = default;

    Keyboard(const Keyboard &) = delete;
    Keyboard &operator=(const Keyboard &) = delete;

    wlr_input_device *device() const { return device_; }

private:
    void set_default_keymap();
    void on_key(wlr_event_keyboard_key *event);

    Seat &seat_;
    wlr_input_device *device_;
    Listener modifiers_;
    Listener key_;
    Listener destroy_;
};

// Pointers, touch screens and other devices the cursor drives.
class InputDevice {
public:
    InputDevice(Seat &seat, wlr_input_device *device);
    ~InputDevice();

    InputDevice(const InputDevice &) = delete;
    InputDevice &operator=(const InputDevice &) = delete;

    wlr_input_device *device() const { return device_; }

private:
    Seat &seat_;
    wlr_input_device *device_;
    Listener destroy_;
};

} // namespace sluice
