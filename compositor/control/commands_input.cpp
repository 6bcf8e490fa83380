// key, type, motion, click, button, scroll, tap, touch-*: input through
// the virtual devices, so it takes a real device's paths.
#include <map>

#include "compositor/control/command_handlers.hpp"
#include "compositor/control/key_strokes.hpp"
#include "compositor/control/virtual_input.hpp"
#include "compositor/control/window_facts.hpp"
#include "compositor/control/wire.hpp"
#include "compositor/core/server.hpp"
#include "compositor/input/seat.hpp"
#include "compositor/shell/view.hpp"

namespace sluice::control::commands {

namespace {

// An id no touch-down of the caller is likely to hold.
constexpr int32_t tap_id = 1000;
constexpr long max_touch_id = 999;

// The error reply when there are no virtual devices, else nullopt.
std::optional<std::string> refuse_without_devices(VirtualInput &input) {
    std::string why;
    if (input.available(&why)) {
        return std::nullopt;
    }
    return error_reply(why);
}

// The virtual keyboard with its keymap; null with the reason otherwise.
wlr_keyboard *keyboard_with_keymap(VirtualInput &input, std::string &error) {
    std::string why;
    wlr_keyboard *keyboard = input.available(&why) ? input.keyboard() : nullptr;
    if (keyboard == nullptr || keyboard->keymap == nullptr) {
        error = why.empty() ? "the virtual keyboard has no keymap" : why;
        return nullptr;
    }
    return keyboard;
}

void send_strokes(VirtualInput &input, const std::vector<Stroke> &strokes) {
    for (const Stroke &stroke : strokes) {
        send_stroke(input, stroke);
    }
}

struct Point {
    double x = 0, y = 0;
};

std::string point_reply(const Point &point) {
    JsonObject o;
    o.add("x", point.x).add("y", point.y);
    return ok_reply(o);
}

// [WINDOW] [X Y]: absolute layout coordinates, or relative to a window's
// top-left corner, or (a window alone) the window's centre. With neither,
// `fallback` (e.g. where the pointer is). Consumes what it used from `args`.
std::optional<Point> parse_point(CommandContext &context, Args &args, std::optional<Point> fallback,
                                 std::string &error) {
    std::optional<Selector> selector;
    if (!args.empty() && looks_like_selector(args.front())) {
        selector = parse_selector(args.front());
        if (!selector) {
            error = bad_selector(args.front());
            return std::nullopt;
        }
        args.erase(args.begin());
    }
    std::optional<Point> offset;
    if (args.size() >= 2) {
        Point p;
        if (parse_number(args[0], p.x) && parse_number(args[1], p.y)) {
            offset = p;
            args.erase(args.begin(), args.begin() + 2);
        }
    }
    if (selector) {
        View *view = find_view(context.server, context.clients, *selector);
        if (view == nullptr) {
            error = "no mapped window with " + selector->describe();
            return std::nullopt;
        }
        wlr_box geometry = view->geometry();
        if (offset) {
            return Point{view->x() + offset->x, view->y() + offset->y};
        }
        return Point{view->x() + geometry.width / 2.0, view->y() + geometry.height / 2.0};
    }
    if (offset) {
        return offset;
    }
    if (fallback) {
        return fallback;
    }
    error = "expected coordinates X Y (or a window: " + std::string(selector_help) + ")";
    return std::nullopt;
}

// A point and nothing after it; the usage reply when more follows.
std::optional<Point> parse_whole_point(CommandContext &context, Args args, const char *usage, std::string &error) {
    auto point = parse_point(context, args, std::nullopt, error);
    if (point && !args.empty()) {
        error = usage;
        return std::nullopt;
    }
    return point;
}

// touch-down and touch-move: ID [WINDOW] [X Y], sent with `send`.
std::string touch_at(CommandContext &context, const Args &args, const char *usage,
                     void (VirtualInput::*send)(int32_t, double, double)) {
    if (auto refused = refuse_without_devices(context.input)) {
        return *refused;
    }
    long id = 0;
    if (args.empty() || !parse_count(args[0], 0, max_touch_id, id)) {
        return error_reply(std::string(usage) + " (ID 0 to 999)");
    }
    std::string error;
    auto point = parse_whole_point(context, Args(args.begin() + 1, args.end()), usage, error);
    if (!point) {
        return error_reply(error);
    }
    (context.input.*send)(static_cast<int32_t>(id), point->x, point->y);
    return ok_reply();
}

std::optional<uint32_t> parse_button(const std::string &word) {
    static const std::map<std::string, uint32_t> names = {
        {"left", BTN_LEFT}, {"right", BTN_RIGHT}, {"middle", BTN_MIDDLE}, {"side", BTN_SIDE}, {"extra", BTN_EXTRA},
    };
    auto it = names.find(word);
    if (it != names.end()) {
        return it->second;
    }
    long code = 0;
    if (parse_count(word, BTN_MISC, KEY_MAX, code)) {
        return static_cast<uint32_t>(code);
    }
    return std::nullopt;
}

} // namespace

std::string key(CommandContext &context, const Args &args) {
    if (args.empty()) {
        return error_reply("usage: key COMBO... (e.g. key Return, key ctrl+c)");
    }
    std::string error;
    wlr_keyboard *keyboard = keyboard_with_keymap(context.input, error);
    if (keyboard == nullptr) {
        return error_reply(error);
    }
    // Check every combo before sending any, so a typo sends nothing.
    std::vector<Stroke> strokes;
    for (const std::string &combo : args) {
        auto stroke = parse_combo(keyboard->keymap, combo, error);
        if (!stroke) {
            return error_reply(error);
        }
        strokes.push_back(*stroke);
    }
    send_strokes(context.input, strokes);
    return ok_reply();
}

std::string type(CommandContext &context, const Args &args) {
    if (args.size() != 1) {
        return error_reply("usage: type TEXT (one word; quote it)");
    }
    std::string error;
    wlr_keyboard *keyboard = keyboard_with_keymap(context.input, error);
    if (keyboard == nullptr) {
        return error_reply(error);
    }
    auto codepoints = utf8_codepoints(args[0]);
    if (!codepoints) {
        return error_reply("the text is not valid UTF-8");
    }
    std::vector<Stroke> strokes;
    for (uint32_t cp : *codepoints) {
        xkb_keysym_t sym = cp == '\n' ? XKB_KEY_Return : cp == '\t' ? XKB_KEY_Tab : xkb_utf32_to_keysym(cp);
        auto stroke = sym != XKB_KEY_NoSymbol ? stroke_for(keyboard->keymap, sym, error) : std::nullopt;
        if (!stroke) {
            return error_reply("cannot type U+" + std::to_string(cp) + ": " +
                               (error.empty() ? "no keysym for it" : error));
        }
        strokes.push_back(*stroke);
    }
    send_strokes(context.input, strokes);
    return ok_reply();
}

std::string motion(CommandContext &context, const Args &args) {
    if (auto refused = refuse_without_devices(context.input)) {
        return *refused;
    }
    std::string error;
    auto point = parse_whole_point(context, args, "usage: motion [WINDOW] [X Y]", error);
    if (!point) {
        return error_reply(error);
    }
    context.input.pointer_warp(point->x, point->y);
    return point_reply(*point);
}

std::string click(CommandContext &context, const Args &args_in) {
    if (auto refused = refuse_without_devices(context.input)) {
        return *refused;
    }
    Args args = args_in;
    std::string error;
    wlr_cursor *cursor = context.server.seat().cursor();
    auto point = parse_point(context, args, Point{cursor->x, cursor->y}, error);
    if (!point) {
        return error_reply(error);
    }
    uint32_t button = BTN_LEFT;
    if (!args.empty()) {
        auto parsed = parse_button(args[0]);
        if (!parsed || args.size() > 1) {
            return error_reply("usage: click [WINDOW] [X Y] [left|right|middle|CODE]");
        }
        button = *parsed;
    }
    context.input.pointer_warp(point->x, point->y);
    context.input.pointer_button(button, true);
    context.input.pointer_button(button, false);
    return point_reply(*point);
}

std::string button(CommandContext &context, const Args &args) {
    if (auto refused = refuse_without_devices(context.input)) {
        return *refused;
    }
    std::optional<uint32_t> code = args.size() == 2 ? parse_button(args[0]) : std::nullopt;
    if (!code || (args[1] != "press" && args[1] != "release")) {
        return error_reply("usage: button left|right|middle|CODE press|release");
    }
    context.input.pointer_button(*code, args[1] == "press");
    return ok_reply();
}

std::string scroll(CommandContext &context, const Args &args) {
    if (auto refused = refuse_without_devices(context.input)) {
        return *refused;
    }
    double steps = 0;
    if (args.empty() || args.size() > 2 || !parse_number(args[0], steps) ||
        (args.size() == 2 && args[1] != "horizontal" && args[1] != "vertical")) {
        return error_reply("usage: scroll STEPS [horizontal|vertical]");
    }
    context.input.pointer_scroll(args.size() == 2 && args[1] == "horizontal", steps);
    return ok_reply();
}

std::string tap(CommandContext &context, const Args &args) {
    if (auto refused = refuse_without_devices(context.input)) {
        return *refused;
    }
    std::string error;
    auto point = parse_whole_point(context, args, "usage: tap [WINDOW] [X Y]", error);
    if (!point) {
        return error_reply(error);
    }
    context.input.touch_down(tap_id, point->x, point->y);
    context.input.touch_up(tap_id);
    return point_reply(*point);
}

std::string touch_down(CommandContext &context, const Args &args) {
    return touch_at(context, args, "usage: touch-down ID [WINDOW] [X Y]", &VirtualInput::touch_down);
}

std::string touch_move(CommandContext &context, const Args &args) {
    return touch_at(context, args, "usage: touch-move ID [WINDOW] [X Y]", &VirtualInput::touch_motion);
}

std::string touch_up(CommandContext &context, const Args &args) {
    if (auto refused = refuse_without_devices(context.input)) {
        return *refused;
    }
    long id = 0;
    if (args.size() != 1 || !parse_count(args[0], 0, max_touch_id, id)) {
        return error_reply("usage: touch-up ID (ID 0 to 999)");
    }
    context.input.touch_up(static_cast<int32_t>(id));
    return ok_reply();
}

} // namespace sluice::control::commands
