// Virtual input devices made through /dev/uinput, seen by the kernel as a
// real keyboard and mouse, so that they reach sluice the way hardware does:
// evdev -> libinput (devices opened through libseat) -> wlroots -> seat.
//
// The guest has no udev daemon. libinput only takes devices that udev has
// "initialized" and tagged (ID_INPUT, ID_INPUT_KEYBOARD, ID_INPUT_MOUSE);
// libudev reads those from its database in /run/udev/data/c<major>:<minor>.
// Each device therefore writes the entry udevd would have written, and
// removes it again. Without udevd there is no hotplug either (libinput
// hears of new devices only from udevd's netlink broadcasts): devices must
// exist before sluice starts, and sluice sees them at libinput's start.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>

#include "unique_fd.hpp"

namespace sluice::test {

// One uinput device with its fake udev database entry.
class UinputDevice {
public:
    UinputDevice(const UinputDevice &) = delete;
    UinputDevice &operator=(const UinputDevice &) = delete;

    // The event node the kernel made (/dev/input/eventN).
    [[nodiscard]] const std::filesystem::path &devnode() const { return devnode_; }
    [[nodiscard]] const std::string &name() const { return name_; }

protected:
    UinputDevice() = default;
    // Creates the device from an fd already told its capabilities, finds
    // its event node and writes the udev entry with `udev_properties`
    // ("ID_INPUT_KEYBOARD=1"...). Throws std::runtime_error on failure.
    void create(UniqueFd fd, const std::string &name, std::initializer_list<const char *> udev_properties);
    ~UinputDevice();

    // One event, then (when `sync`) a SYN_REPORT closing the frame.
    void emit(uint16_t type, uint16_t code, int32_t value);
    void sync();
    // One key or button going down or up, in a frame of its own.
    void key_frame(uint16_t code, bool down);

private:
    UniqueFd fd_;
    std::string name_;
    std::filesystem::path devnode_;
    std::filesystem::path udev_entry_;
};

// A keyboard with every key up to KEY_MAX of the classic range (KEY_ESC ..
// KEY_MICMUTE); keys named by evdev code (KEY_A, ...).
class UinputKeyboard : public UinputDevice {
public:
    explicit UinputKeyboard(const std::string &name = "sluice-test keyboard");
    ~UinputKeyboard();

    void press(uint16_t key);
    void release(uint16_t key);
    // Press and release `key` with `modifiers` held around it.
    void tap(uint16_t key, std::initializer_list<uint16_t> modifiers = {});
};

// A mouse that reports absolute positions (like QEMU's USB tablet), with
// left, right and middle buttons. Its axes span exactly `width` x `height`
// so that a position is an output-layout pixel: libinput scales an axis of
// 0..N-1 to [0, 1) in steps of 1/N, and wlroots multiplies by the layout
// size N, so pixel p lands on p (no pointer acceleration either).
class UinputPointer : public UinputDevice {
public:
    UinputPointer(int32_t width, int32_t height, const std::string &name = "sluice-test pointer");
    ~UinputPointer();

    void move_to(int32_t x, int32_t y);
    void press(uint16_t button);
    void release(uint16_t button);
    void click(uint16_t button);

    [[nodiscard]] int32_t width() const { return width_; }
    [[nodiscard]] int32_t height() const { return height_; }

private:
    int32_t width_;
    int32_t height_;
};

// Whether this process can make uinput devices (the node exists and opens).
bool uinput_available(std::string *why);

} // namespace sluice::test
