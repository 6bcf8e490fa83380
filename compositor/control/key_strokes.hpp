// Keys for `key` and `type`: keysym names and UTF-8 text turned into evdev
// key presses with the keymap of the virtual keyboard, the modifiers a
// level needs held around them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wlroots/wlr.hpp"

namespace sluice::control {

class VirtualInput;

struct Stroke {
    uint32_t keycode = 0;                // evdev
    std::vector<uint32_t> modifier_keys; // evdev, held around it
};

// The key (and the modifiers for its level) that makes `sym`.
[[nodiscard]] std::optional<Stroke> stroke_for(xkb_keymap *keymap, xkb_keysym_t sym, std::string &error);
// "ctrl+shift+Tab": modifiers by their usual names, then one keysym name.
[[nodiscard]] std::optional<Stroke> parse_combo(xkb_keymap *keymap, const std::string &combo, std::string &error);
// Modifiers down, the key down and up, modifiers up in reverse.
void send_stroke(VirtualInput &input, const Stroke &stroke);
[[nodiscard]] std::optional<std::vector<uint32_t>> utf8_codepoints(const std::string &text);

} // namespace sluice::control
