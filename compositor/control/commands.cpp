#include "compositor/control/commands.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>

#include "compositor/control/client_registry.hpp"
#include "compositor/gate/commit_gate.hpp"
#include "common/log.hpp"
#include "compositor/output/output.hpp"
#include "compositor/control/png.hpp"
#include "compositor/control/screenshot.hpp"
#include "compositor/input/seat.hpp"
#include "compositor/core/server.hpp"
#include "compositor/shell/view.hpp"
#include "compositor/control/virtual_input.hpp"
#include "compositor/control/wire.hpp"

namespace sluice::control {

namespace {

using namespace std::chrono_literals;

// --- parsing words -------------------------------------------------------

bool parse_number(const std::string &text, double &out) {
    if (text.empty()) {
        return false;
    }
    char *end = nullptr;
    double value = strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !std::isfinite(value)) {
        return false;
    }
    out = value;
    return true;
}

bool parse_count(const std::string &text, long min, long max, long &out) {
    if (text.empty()) {
        return false;
    }
    char *end = nullptr;
    long value = strtol(text.c_str(), &end, 10);
    if (end != text.c_str() + text.size() || value < min || value > max) {
        return false;
    }
    out = value;
    return true;
}

// Which windows a command means: title=T, app-id=A, id=C.S or focused.
struct Selector {
    enum class Kind { title, app_id, id, focused } kind;
    std::string value;

    std::string describe() const {
        switch (kind) {
        case Kind::title: return "title '" + value + "'";
        case Kind::app_id: return "app id '" + value + "'";
        case Kind::id: return "id " + value;
        case Kind::focused: return "keyboard focus";
        }
        return "?";
    }
};

bool looks_like_selector(const std::string &word) {
    return word == "focused" || word.rfind("title=", 0) == 0 || word.rfind("app-id=", 0) == 0 ||
           word.rfind("app_id=", 0) == 0 || word.rfind("id=", 0) == 0;
}

std::optional<Selector> parse_selector(const std::string &word) {
    if (word == "focused") {
        return Selector{Selector::Kind::focused, {}};
    }
    auto eq = word.find('=');
    if (eq == std::string::npos) {
        return std::nullopt;
    }
    std::string key = word.substr(0, eq);
    std::string value = word.substr(eq + 1);
    if (key == "title") {
        return Selector{Selector::Kind::title, value};
    }
    if (key == "app-id" || key == "app_id") {
        return Selector{Selector::Kind::app_id, value};
    }
    if (key == "id") {
        return Selector{Selector::Kind::id, value};
    }
    return std::nullopt;
}

constexpr const char *selector_help = "a window is title=TITLE, app-id=APP_ID, id=ID or focused";

// --- what sluice knows about surfaces and windows -----------------------------

struct WindowFacts {
    std::string title;
    std::string app_id;
};

WindowFacts facts_of(const View &view) {
    WindowFacts facts;
    wlr_surface *surface = view.surface();
    if (surface == nullptr) {
        return facts;
    }
    if (wlr_surface_is_xdg_surface(surface)) {
        wlr_xdg_surface *xdg = wlr_xdg_surface_from_wlr_surface(surface);
        if (xdg != nullptr && xdg->role == WLR_XDG_SURFACE_ROLE_TOPLEVEL && xdg->toplevel != nullptr) {
            facts.title = xdg->toplevel->title != nullptr ? xdg->toplevel->title : "";
            facts.app_id = xdg->toplevel->app_id != nullptr ? xdg->toplevel->app_id : "";
        }
    } else if (wlr_surface_is_xwayland_surface(surface)) {
        wlr_xwayland_surface *xsurface = wlr_xwayland_surface_from_wlr_surface(surface);
        if (xsurface != nullptr) {
            facts.title = xsurface->title != nullptr ? xsurface->title : "";
            facts.app_id = xsurface->class_ != nullptr ? xsurface->class_ : "";
        }
    }
    return facts;
}

std::string surface_id(const ClientRegistry &clients, wlr_surface *surface) {
    if (surface == nullptr || surface->resource == nullptr) {
        return "";
    }
    return std::to_string(clients.id_of(wl_resource_get_client(surface->resource))) + "." +
           std::to_string(wl_resource_get_id(surface->resource));
}

pid_t surface_pid(wlr_surface *surface) {
    if (surface == nullptr || surface->resource == nullptr) {
        return 0;
    }
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    wl_client_get_credentials(wl_resource_get_client(surface->resource), &pid, &uid, &gid);
    return pid;
}

wlr_surface *focused_surface(Server &server) { return server.seat().wlr()->keyboard_state.focused_surface; }

std::string window_json(Server &server, const ClientRegistry &clients, const View &view) {
    WindowFacts facts = facts_of(view);
    wlr_box geometry = view.geometry();
    wlr_surface *surface = view.surface();
    if ((geometry.width <= 0 || geometry.height <= 0) && surface != nullptr) {
        geometry.width = surface->current.width;
        geometry.height = surface->current.height;
    }
    JsonObject o;
    o.add("id", surface_id(clients, surface));
    o.add("client", surface != nullptr && surface->resource != nullptr
                        ? clients.id_of(wl_resource_get_client(surface->resource))
                        : uint64_t{0});
    o.add("pid", static_cast<int>(surface_pid(surface)));
    o.add("title", facts.title).add("app_id", facts.app_id);
    o.add("x", view.x()).add("y", view.y()).add("width", geometry.width).add("height", geometry.height);
    o.add("mapped", view.mapped());
    o.add("focused", surface != nullptr && surface == focused_surface(server));
    return o.str();
}

bool matches(Server &server, const ClientRegistry &clients, const View &view, const Selector &selector) {
    switch (selector.kind) {
    case Selector::Kind::title: return facts_of(view).title == selector.value;
    case Selector::Kind::app_id: return facts_of(view).app_id == selector.value;
    case Selector::Kind::id: return surface_id(clients, view.surface()) == selector.value;
    case Selector::Kind::focused: return view.surface() != nullptr && view.surface() == focused_surface(server);
    }
    return false;
}

// The topmost mapped window the selector names.
View *find_view(Server &server, const ClientRegistry &clients, const Selector &selector) {
    for (auto &view : server.views()) {
        if (view->mapped() && matches(server, clients, *view, selector)) {
            return view.get();
        }
    }
    return nullptr;
}

// Every wl_surface of every client, with its client's id.
template <typename F>
void for_each_surface(const ClientRegistry &clients, F &&visit) {
    for (const auto &entry : clients.clients()) {
        std::vector<wlr_surface *> surfaces;
        wl_client_for_each_resource(
            entry->client,
            [](wl_resource *resource, void *data) {
                if (strcmp(wl_resource_get_class(resource), "wl_surface") == 0) {
                    static_cast<std::vector<wlr_surface *> *>(data)->push_back(wlr_surface_from_resource(resource));
                }
                return WL_ITERATOR_CONTINUE;
            },
            &surfaces);
        for (wlr_surface *surface : surfaces) {
            visit(*entry, surface);
        }
    }
}

Output *find_output(Server &server, const std::string &name) {
    for (const auto &output : server.outputs()) {
        if (name.empty() || name == output->wlr()->name) {
            return output.get();
        }
    }
    return nullptr;
}

std::string output_names(Server &server) {
    std::string names;
    for (const auto &output : server.outputs()) {
        names += names.empty() ? "" : ", ";
        names += output->wlr()->name;
    }
    return names.empty() ? "none" : names;
}

// --- coordinates -----------------------------------------------------------

// [SELECTOR] [X Y]: absolute layout coordinates, or relative to a window's
// top-left corner, or (a window alone) the window's centre. With neither,
// `fallback` (e.g. where the pointer is). Consumes what it used from `args`.
struct Point {
    double x = 0, y = 0;
};

std::optional<Point> parse_point(Server &server, const ClientRegistry &clients, std::vector<std::string> &args,
                                 std::optional<Point> fallback, std::string &error) {
    std::optional<Selector> selector;
    if (!args.empty() && looks_like_selector(args.front())) {
        selector = parse_selector(args.front());
        if (!selector) {
            error = std::string("bad window '") + args.front() + "' (" + selector_help + ")";
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
        View *view = find_view(server, clients, *selector);
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

std::optional<uint32_t> parse_button(const std::string &word) {
    static const std::map<std::string, uint32_t> names = {
        {"left", BTN_LEFT}, {"right", BTN_RIGHT}, {"middle", BTN_MIDDLE},
        {"side", BTN_SIDE}, {"extra", BTN_EXTRA},
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

// --- keys -------------------------------------------------------------------

struct Stroke {
    uint32_t keycode = 0;                // evdev
    std::vector<uint32_t> modifier_keys; // evdev, held around it
};

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

// "ctrl+shift+Tab": modifiers by their usual names, then one keysym name.
std::optional<Stroke> parse_combo(xkb_keymap *keymap, const std::string &combo, std::string &error) {
    static const std::map<std::string, xkb_keysym_t> modifiers = {
        {"ctrl", XKB_KEY_Control_L}, {"control", XKB_KEY_Control_L}, {"shift", XKB_KEY_Shift_L},
        {"alt", XKB_KEY_Alt_L},      {"super", XKB_KEY_Super_L},     {"logo", XKB_KEY_Super_L},
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

} // namespace

Outcome Commands::run(const std::vector<std::string> &words) {
    using Handler = Outcome (Commands::*)(const Args &);
    static const std::map<std::string, Handler> handlers = {
        {"help", &Commands::help},
        {"ping", &Commands::ping},
        {"clients", &Commands::list_clients},
        {"surfaces", &Commands::list_surfaces},
        {"windows", &Commands::list_windows},
        {"outputs", &Commands::list_outputs},
        {"screenshot", &Commands::screenshot},
        {"wait-window", &Commands::wait_window},
        {"focus", &Commands::focus},
        {"key", &Commands::key},
        {"type", &Commands::type},
        {"motion", &Commands::motion},
        {"click", &Commands::click},
        {"button", &Commands::button},
        {"scroll", &Commands::scroll},
        {"tap", &Commands::tap},
        {"touch-down", &Commands::touch_down},
        {"touch-move", &Commands::touch_move},
        {"touch-up", &Commands::touch_up},
        {"clock", &Commands::clock},
        {"sync", &Commands::sync},
        {"quit", &Commands::quit},
    };
    if (words.empty()) {
        return error_reply("empty request (try help)");
    }
    auto it = handlers.find(words.front());
    if (it == handlers.end()) {
        return error_reply("unknown command '" + words.front() + "' (try help)");
    }
    Args args(words.begin() + 1, words.end());
    return (this->*(it->second))(args);
}

Outcome Commands::help(const Args &) {
    JsonObject o;
    o.add("commands", command_summary());
    return ok_reply(o);
}

Outcome Commands::ping(const Args &args) {
    if (!args.empty()) {
        return error_reply("ping takes no arguments");
    }
    return ok_reply();
}

Outcome Commands::list_clients(const Args &args) {
    if (!args.empty()) {
        return error_reply("clients takes no arguments");
    }
    std::map<uint64_t, int> surface_counts;
    for_each_surface(clients_, [&](const ClientRegistry::Entry &entry, wlr_surface *) { ++surface_counts[entry.id]; });
    std::vector<std::string> list;
    for (const auto &entry : clients_.clients()) {
        JsonObject o;
        o.add("id", entry->id).add("pid", static_cast<int>(entry->pid)).add("command", entry->command);
        o.add("surfaces", surface_counts[entry->id]);
        list.push_back(o.str());
    }
    JsonObject reply;
    reply.add_raw("clients", json_array(list));
    return ok_reply(reply);
}

Outcome Commands::list_surfaces(const Args &args) {
    if (!args.empty()) {
        return error_reply("surfaces takes no arguments");
    }
    std::vector<std::string> list;
    for_each_surface(clients_, [&](const ClientRegistry::Entry &entry, wlr_surface *surface) {
        JsonObject o;
        o.add("id", surface_id(clients_, surface)).add("client", entry.id).add("pid", static_cast<int>(entry.pid));
        o.add("role", surface->role != nullptr && surface->role->name != nullptr ? surface->role->name : "");
        o.add("width", surface->current.width).add("height", surface->current.height);
        int lx = 0, ly = 0;
        bool visible = server_.surface_position(surface, lx, ly);
        o.add("visible", visible);
        if (visible) {
            o.add("x", lx).add("y", ly);
        }
        o.add("held_commits", static_cast<uint64_t>(server_.gate().held_commits(surface)));
        list.push_back(o.str());
    });
    JsonObject reply;
    reply.add_raw("surfaces", json_array(list));
    return ok_reply(reply);
}

Outcome Commands::list_windows(const Args &args) {
    if (!args.empty()) {
        return error_reply("windows takes no arguments");
    }
    std::vector<std::string> list;
    for (const auto &view : server_.views()) {
        list.push_back(window_json(server_, clients_, *view));
    }
    JsonObject reply;
    reply.add_raw("windows", json_array(list));
    return ok_reply(reply);
}

Outcome Commands::list_outputs(const Args &args) {
    if (!args.empty()) {
        return error_reply("outputs takes no arguments");
    }
    std::vector<std::string> list;
    for (const auto &output : server_.outputs()) {
        wlr_box box = output->layout_box();
        JsonObject o;
        o.add("name", output->wlr()->name).add("x", box.x).add("y", box.y);
        o.add("width", output->wlr()->width).add("height", output->wlr()->height);
        o.add("refresh_mhz", output->wlr()->refresh);
        o.add("paused", output->clock_paused()).add("frames", output->frames());
        list.push_back(o.str());
    }
    JsonObject reply;
    reply.add_raw("outputs", json_array(list));
    return ok_reply(reply);
}

Outcome Commands::screenshot(const Args &args) {
    std::string error;
    std::optional<RgbaImage> image;
    if (args.empty() || (args[0] == "output" && args.size() <= 2)) {
        std::string name = args.size() == 2 ? args[1] : "";
        Output *output = find_output(server_, name);
        if (output == nullptr) {
            return error_reply(name.empty() ? "there is no output"
                                            : "no output named '" + name + "' (outputs: " + output_names(server_) + ")");
        }
        image = capture_output(server_, *output, error);
    } else if (args[0] == "window" && args.size() == 2) {
        auto selector = parse_selector(args[1]);
        if (!selector) {
            return error_reply(std::string("bad window '") + args[1] + "' (" + selector_help + ")");
        }
        View *view = find_view(server_, clients_, *selector);
        if (view == nullptr) {
            return error_reply("no mapped window with " + selector->describe());
        }
        image = capture_view(server_, *view, error);
    } else {
        return error_reply("usage: screenshot [output NAME | window WINDOW]");
    }
    if (!image) {
        return error_reply("screenshot failed: " + error);
    }
    std::vector<uint8_t> png = encode_png(*image);
    if (png.empty()) {
        return error_reply("screenshot failed: cannot compress the image");
    }
    JsonObject o;
    o.add("width", image->width).add("height", image->height).add("png", base64_encode(png));
    return ok_reply(o);
}

Outcome Commands::wait_window(const Args &args) {
    if (args.empty() || args.size() > 2) {
        return error_reply("usage: wait-window WINDOW [TIMEOUT_MS]");
    }
    auto selector = parse_selector(args[0]);
    if (!selector) {
        return error_reply(std::string("bad window '") + args[0] + "' (" + selector_help + ")");
    }
    long timeout = 5000;
    if (args.size() == 2 && !parse_count(args[1], 0, 3600000, timeout)) {
        return error_reply("bad timeout '" + args[1] + "' (milliseconds, 0 to 3600000)");
    }
    Selector wanted = *selector;
    return Deferred{[this, wanted, timeout](bool expired) -> std::optional<std::string> {
                        if (View *view = find_view(server_, clients_, wanted)) {
                            JsonObject o;
                            o.add_raw("window", window_json(server_, clients_, *view));
                            return ok_reply(o);
                        }
                        if (!expired) {
                            return std::nullopt;
                        }
                        JsonObject o;
                        o.add("ok", false)
                            .add("error", "timed out after " + std::to_string(timeout) +
                                              " ms waiting for a window with " + wanted.describe())
                            .add("timeout", true);
                        return o.str();
                    },
                    std::chrono::milliseconds(timeout)};
}

Outcome Commands::focus(const Args &args) {
    if (args.size() != 1) {
        return error_reply("usage: focus WINDOW");
    }
    auto selector = parse_selector(args[0]);
    if (!selector) {
        return error_reply(std::string("bad window '") + args[0] + "' (" + selector_help + ")");
    }
    View *view = find_view(server_, clients_, *selector);
    if (view == nullptr) {
        return error_reply("no mapped window with " + selector->describe());
    }
    server_.focus_view(view);
    return ok_reply();
}

Outcome Commands::key(const Args &args) {
    if (args.empty()) {
        return error_reply("usage: key COMBO... (e.g. key Return, key ctrl+c)");
    }
    std::string why;
    wlr_keyboard *keyboard = input_.available(&why) ? input_.keyboard() : nullptr;
    if (keyboard == nullptr || keyboard->keymap == nullptr) {
        return error_reply(why.empty() ? "the virtual keyboard has no keymap" : why);
    }
    // Check every combo before sending any, so a typo sends nothing.
    std::vector<Stroke> strokes;
    for (const std::string &combo : args) {
        std::string error;
        auto stroke = parse_combo(keyboard->keymap, combo, error);
        if (!stroke) {
            return error_reply(error);
        }
        strokes.push_back(*stroke);
    }
    for (const Stroke &stroke : strokes) {
        send_stroke(input_, stroke);
    }
    return ok_reply();
}

Outcome Commands::type(const Args &args) {
    if (args.size() != 1) {
        return error_reply("usage: type TEXT (one word; quote it)");
    }
    std::string why;
    wlr_keyboard *keyboard = input_.available(&why) ? input_.keyboard() : nullptr;
    if (keyboard == nullptr || keyboard->keymap == nullptr) {
        return error_reply(why.empty() ? "the virtual keyboard has no keymap" : why);
    }
    auto codepoints = utf8_codepoints(args[0]);
    if (!codepoints) {
        return error_reply("the text is not valid UTF-8");
    }
    std::vector<Stroke> strokes;
    for (uint32_t cp : *codepoints) {
        xkb_keysym_t sym = cp == '\n' ? XKB_KEY_Return : cp == '\t' ? XKB_KEY_Tab : xkb_utf32_to_keysym(cp);
        std::string error;
        auto stroke = sym != XKB_KEY_NoSymbol ? stroke_for(keyboard->keymap, sym, error) : std::nullopt;
        if (!stroke) {
            return error_reply("cannot type U+" + std::to_string(cp) + ": " +
                               (error.empty() ? "no keysym for it" : error));
        }
        strokes.push_back(*stroke);
    }
    for (const Stroke &stroke : strokes) {
        send_stroke(input_, stroke);
    }
    return ok_reply();
}

Outcome Commands::motion(const Args &args_in) {
    std::string why;
    if (!input_.available(&why)) {
        return error_reply(why);
    }
    Args args = args_in;
    std::string error;
    auto point = parse_point(server_, clients_, args, std::nullopt, error);
    if (!point) {
        return error_reply(error);
    }
    if (!args.empty()) {
        return error_reply("usage: motion [WINDOW] [X Y]");
    }
    input_.pointer_warp(point->x, point->y);
    JsonObject o;
    o.add("x", point->x).add("y", point->y);
    return ok_reply(o);
}

Outcome Commands::click(const Args &args_in) {
    std::string why;
    if (!input_.available(&why)) {
        return error_reply(why);
    }
    Args args = args_in;
    std::string error;
    wlr_cursor *cursor = server_.seat().cursor();
    auto point = parse_point(server_, clients_, args, Point{cursor->x, cursor->y}, error);
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
    input_.pointer_warp(point->x, point->y);
    input_.pointer_button(button, true);
    input_.pointer_button(button, false);
    JsonObject o;
    o.add("x", point->x).add("y", point->y);
    return ok_reply(o);
}

Outcome Commands::button(const Args &args) {
    std::string why;
    if (!input_.available(&why)) {
        return error_reply(why);
    }
    std::optional<uint32_t> code = args.size() == 2 ? parse_button(args[0]) : std::nullopt;
    if (!code || (args[1] != "press" && args[1] != "release")) {
        return error_reply("usage: button left|right|middle|CODE press|release");
    }
    input_.pointer_button(*code, args[1] == "press");
    return ok_reply();
}

Outcome Commands::scroll(const Args &args) {
    std::string why;
    if (!input_.available(&why)) {
        return error_reply(why);
    }
    double steps = 0;
    if (args.empty() || args.size() > 2 || !parse_number(args[0], steps) ||
        (args.size() == 2 && args[1] != "horizontal" && args[1] != "vertical")) {
        return error_reply("usage: scroll STEPS [horizontal|vertical]");
    }
    input_.pointer_scroll(args.size() == 2 && args[1] == "horizontal", steps);
    return ok_reply();
}

Outcome Commands::tap(const Args &args_in) {
    std::string why;
    if (!input_.available(&why)) {
        return error_reply(why);
    }
    Args args = args_in;
    std::string error;
    auto point = parse_point(server_, clients_, args, std::nullopt, error);
    if (!point) {
        return error_reply(error);
    }
    if (!args.empty()) {
        return error_reply("usage: tap [WINDOW] [X Y]");
    }
    // An id no touch-down of the caller is likely to hold.
    constexpr int32_t tap_id = 1000;
    input_.touch_down(tap_id, point->x, point->y);
    input_.touch_up(tap_id);
    JsonObject o;
    o.add("x", point->x).add("y", point->y);
    return ok_reply(o);
}

Outcome Commands::touch_down(const Args &args_in) {
    std::string why;
    if (!input_.available(&why)) {
        return error_reply(why);
    }
    long id = 0;
    if (args_in.empty() || !parse_count(args_in[0], 0, 999, id)) {
        return error_reply("usage: touch-down ID [WINDOW] [X Y] (ID 0 to 999)");
    }
    Args args(args_in.begin() + 1, args_in.end());
    std::string error;
    auto point = parse_point(server_, clients_, args, std::nullopt, error);
    if (!point || !args.empty()) {
        return error_reply(point ? "usage: touch-down ID [WINDOW] [X Y]" : error);
    }
    input_.touch_down(static_cast<int32_t>(id), point->x, point->y);
    return ok_reply();
}

Outcome Commands::touch_move(const Args &args_in) {
    std::string why;
    if (!input_.available(&why)) {
        return error_reply(why);
    }
    long id = 0;
    if (args_in.empty() || !parse_count(args_in[0], 0, 999, id)) {
        return error_reply("usage: touch-move ID [WINDOW] [X Y] (ID 0 to 999)");
    }
    Args args(args_in.begin() + 1, args_in.end());
    std::string error;
    auto point = parse_point(server_, clients_, args, std::nullopt, error);
    if (!point || !args.empty()) {
        return error_reply(point ? "usage: touch-move ID [WINDOW] [X Y]" : error);
    }
    input_.touch_motion(static_cast<int32_t>(id), point->x, point->y);
    return ok_reply();
}

Outcome Commands::touch_up(const Args &args) {
    std::string why;
    if (!input_.available(&why)) {
        return error_reply(why);
    }
    long id = 0;
    if (args.size() != 1 || !parse_count(args[0], 0, 999, id)) {
        return error_reply("usage: touch-up ID (ID 0 to 999)");
    }
    input_.touch_up(static_cast<int32_t>(id));
    return ok_reply();
}

Outcome Commands::clock(const Args &args) {
    auto state = [this]() {
        std::vector<std::string> list;
        bool all_paused = !server_.outputs().empty();
        for (const auto &output : server_.outputs()) {
            JsonObject o;
            o.add("name", output->wlr()->name).add("paused", output->clock_paused()).add("frames", output->frames());
            list.push_back(o.str());
            all_paused = all_paused && output->clock_paused();
        }
        JsonObject reply;
        reply.add("paused", all_paused).add_raw("outputs", json_array(list));
        return ok_reply(reply);
    };
    if (args.empty()) {
        return state();
    }
    if (server_.outputs().empty()) {
        return error_reply("there is no output, so no frame clock");
    }
    if ((args[0] == "pause" || args[0] == "resume") && args.size() == 1) {
        for (const auto &output : server_.outputs()) {
            output->pause_clock(args[0] == "pause");
        }
        return state();
    }
    if (args[0] != "step" || args.size() > 2) {
        return error_reply("usage: clock [pause|resume|step [N]]");
    }
    long frames = 1;
    if (args.size() == 2 && !parse_count(args[1], 1, 10000, frames)) {
        return error_reply("bad frame count '" + args[1] + "' (1 to 10000)");
    }
    // Each output's target, by its wlr_output: an Output may go away while
    // we wait, and then is simply no longer waited for.
    std::vector<std::pair<wlr_output *, uint64_t>> targets;
    int slowest_mhz = 1000000;
    for (const auto &output : server_.outputs()) {
        if (!output->clock_paused()) {
            return error_reply("the clock runs; pause it first (clock pause)");
        }
    }
    for (const auto &output : server_.outputs()) {
        targets.emplace_back(output->wlr(), output->frames() + static_cast<uint64_t>(frames));
        output->step_clock(static_cast<uint32_t>(frames));
        if (output->wlr()->refresh > 0) {
            slowest_mhz = std::min(slowest_mhz, output->wlr()->refresh);
        }
    }
    // Twice the time the frames take at the slowest refresh, plus slack.
    auto timeout = std::chrono::milliseconds(frames * 2 * 1000000 / slowest_mhz + 5000);
    return Deferred{[this, targets, state](bool expired) -> std::optional<std::string> {
                        bool done = true;
                        for (const auto &[wlr_output, target] : targets) {
                            for (const auto &output : server_.outputs()) {
                                if (output->wlr() == wlr_output && output->frames() < target) {
                                    done = false;
                                }
                            }
                        }
                        if (done) {
                            return state();
                        }
                        if (expired) {
                            return error_reply("the frames did not come in time (is the output alive?)");
                        }
                        return std::nullopt;
                    },
                    timeout};
}

Outcome Commands::sync(const Args &args) {
    if (!args.empty()) {
        return error_reply("sync takes no arguments");
    }
    const GateStats &stats = server_.gate().stats();
    std::vector<std::string> list;
    for_each_surface(clients_, [&](const ClientRegistry::Entry &, wlr_surface *surface) {
        JsonObject o;
        o.add("id", surface_id(clients_, surface))
            .add("held_commits", static_cast<uint64_t>(server_.gate().held_commits(surface)));
        list.push_back(o.str());
    });
    JsonObject reply;
    reply.add("commits", stats.commits).add("held", stats.held).add("released", stats.released);
    reply.add_raw("surfaces", json_array(list));
    return ok_reply(reply);
}

Outcome Commands::quit(const Args &args) {
    long code = 0;
    if (args.size() > 1 || (args.size() == 1 && !parse_count(args[0], 0, 255, code))) {
        return error_reply("usage: quit [CODE] (0 to 255)");
    }
    LOG_INFO(control, "quit requested with exit code %ld", code);
    server_.terminate(static_cast<int>(code));
    return ok_reply();
}

} // namespace sluice::control
