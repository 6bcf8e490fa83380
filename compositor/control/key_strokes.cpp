#include "compositor/control/key_strokes.hpp"

#include <algorithm>
#include <map>

#include "compositor/control/virtual_input.hpp"

namespace sluice::control {

namespace {

// Where in the keymap a keysym lives: the lowest key and level that make
// it, and the modifier keys that select that level.
std::optional<uint32_t> keycode_for(xkb_keymap *keymap, xkb_keysym_t wanted, xkb_mod_mask_t *mask) {
    xkb_keycode_t min = xkb_keymap_min_keycode(keymap);
    xkb_keycode_t max = xkb_keymap_max_keycode(keymap);
    for (xkb_level_index_t level = 0; level < 4; ++level) {
        for (xkb_keycode_t code = min; code <= max; ++code) {
            if (level >= xkb_keymap_num_levels_for_key(keymap, code, 0)) {
                continue;
            }
            const xkb_keysym_t *syms = nullptr;
            int n = xkb_keymap_key_get_syms_by_level(keymap, code, 0, level, &syms);
            if (n != 1 || syms[0] != wanted) {
                continue;
            }
            xkb_mod_mask_t masks[8];
            size_t count = xkb_keymap_key_get_mods_for_level(keymap, code, 0, level, masks, 8);
            if (count == 0 && level > 0) {
                continue;
            }
            xkb_mod_mask_t best = count > 0 ? masks[0] : 0;
            // Prefer a mask without Lock: Caps Lock toggles, it is not held.
            xkb_mod_index_t lock = xkb_keymap_mod_get_index(keymap, XKB_MOD_NAME_CAPS);
            for (size_t i = 0; i < count; ++i) {
                if (lock == XKB_MOD_INVALID || !(masks[i] & (1u << lock))) {
                    best = masks[i];
                    break;
                }
            }
            if (mask != nullptr) {
                *mask = best;
            }
            return code - 8; // xkb counts from X11's 8, evdev from 0
        }
    }
    return std::nullopt;
}

std::optional<xkb_keysym_t> keysym_named(const std::string &name) {
    xkb_keysym_t sym = xkb_keysym_from_name(name.c_str(), XKB_KEYSYM_NO_FLAGS);
    if (sym == XKB_KEY_NoSymbol) {
        sym = xkb_keysym_from_name(name.c_str(), XKB_KEYSYM_CASE_INSENSITIVE);
    }
    if (sym == XKB_KEY_NoSymbol) {
        return std::nullopt;
    }
    return sym;
}

} // namespace

std::optional<Stroke> stroke_for(xkb_keymap *keymap, xkb_keysym_t sym, std::string &error) {
    xkb_mod_mask_t mask = 0;
    auto code = keycode_for(keymap, sym, &mask);
    if (!code) {
        char name[64];
        xkb_keysym_get_name(sym, name, sizeof(name));
        error = std::string("the keymap has no key for ") + name;
        return std::nullopt;
    }
    Stroke stroke;
    stroke.keycode = *code;
    static const std::map<std::string, xkb_keysym_t> modifier_keysyms = {
        {XKB_MOD_NAME_SHIFT, XKB_KEY_Shift_L}, {XKB_MOD_NAME_CTRL, XKB_KEY_Control_L},
        {XKB_MOD_NAME_ALT, XKB_KEY_Alt_L},     {XKB_MOD_NAME_LOGO, XKB_KEY_Super_L},
        {"Mod5", XKB_KEY_ISO_Level3_Shift},    {"Mod3", XKB_KEY_ISO_Level5_Shift},
    };
    for (xkb_mod_index_t i = 0; i < xkb_keymap_num_mods(keymap); ++i) {
        if (!(mask & (1u << i))) {
            continue;
        }
        const char *name = xkb_keymap_mod_get_name(keymap, i);
        auto it = name != nullptr ? modifier_keysyms.find(name) : modifier_keysyms.end();
        std::optional<uint32_t> mod_code;
        if (it != modifier_keysyms.end()) {
            mod_code = keycode_for(keymap, it->second, nullptr);
        }
        if (!mod_code) {
            error = std::string("the keymap needs modifier ") + (name != nullptr ? name : "?") +
                    " for this key and has no key for it";
            return std::nullopt;
        }
        stroke.modifier_keys.push_back(*mod_code);
    }
    return stroke;
}

std::optional<Stroke> parse_combo(xkb_keymap *keymap, const std::string &combo, std::string &error) {
    static const std::map<std::string, xkb_keysym_t> modifiers = {
        {"ctrl", XKB_KEY_Control_L},         {"control", XKB_KEY_Control_L},
        {"shift", XKB_KEY_Shift_L},          {"alt", XKB_KEY_Alt_L},
        {"super", XKB_KEY_Super_L},          {"logo", XKB_KEY_Super_L},
        {"altgr", XKB_KEY_ISO_Level3_Shift},
    };
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
        size_t plus = combo.find('+', start);
        // A '+' at the end is the key itself ("ctrl++" or "+").
        if (plus == std::string::npos || plus + 1 == combo.size()) {
            parts.push_back(combo.substr(start));
            break;
        }
        parts.push_back(combo.substr(start, plus - start));
        start = plus + 1;
    }
    std::vector<uint32_t> held;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
        std::string lower = parts[i];
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return tolower(c); });
        auto it = modifiers.find(lower);
        if (it == modifiers.end()) {
            error = "unknown modifier '" + parts[i] + "' in '" + combo + "' (ctrl, shift, alt, super, altgr)";
            return std::nullopt;
        }
        auto code = keycode_for(keymap, it->second, nullptr);
        if (!code) {
            error = "the keymap has no key for modifier " + parts[i];
            return std::nullopt;
        }
        held.push_back(*code);
    }
    const std::string &name = parts.back() == "+" ? std::string("plus") : parts.back();
    auto sym = keysym_named(name);
    if (!sym) {
        error = "unknown key name '" + parts.back() + "' (an XKB keysym name such as Return, a, F1, ctrl+c)";
        return std::nullopt;
    }
    auto stroke = stroke_for(keymap, *sym, error);
    if (!stroke) {
        return std::nullopt;
    }
    held.insert(held.end(), stroke->modifier_keys.begin(), stroke->modifier_keys.end());
    stroke->modifier_keys = held;
    return stroke;
}

void send_stroke(VirtualInput &input, const Stroke &stroke) {
    for (uint32_t mod : stroke.modifier_keys) {
        input.key(mod, true);
    }
    input.key(stroke.keycode, true);
    input.key(stroke.keycode, false);
    for (auto it = stroke.modifier_keys.rbegin(); it != stroke.modifier_keys.rend(); ++it) {
        input.key(*it, false);
    }
}

std::optional<std::vector<uint32_t>> utf8_codepoints(const std::string &text) {
    std::vector<uint32_t> out;
    size_t i = 0;
    while (i < text.size()) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        size_t extra = 0;
        uint32_t cp = 0;
        if (c < 0x80) {
            cp = c;
        } else if ((c & 0xe0) == 0xc0) {
            extra = 1;
            cp = c & 0x1fu;
        } else if ((c & 0xf0) == 0xe0) {
            extra = 2;
            cp = c & 0x0fu;
        } else if ((c & 0xf8) == 0xf0) {
            extra = 3;
            cp = c & 0x07u;
        } else {
            return std::nullopt;
        }
        if (i + extra >= text.size() && extra > 0) {
            return std::nullopt;
        }
        for (size_t k = 1; k <= extra; ++k) {
            unsigned char cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xc0) != 0x80) {
                return std::nullopt;
            }
            cp = (cp << 6) | (cc & 0x3fu);
        }
        out.push_back(cp);
        i += extra + 1;
    }
    return out;
}

} // namespace sluice::control
