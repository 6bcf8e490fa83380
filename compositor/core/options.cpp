#include "compositor/core/options.hpp"

#include "common/log.hpp"

#include <charconv>
#include <cstring>
#include <map>

namespace sluice {

namespace {

bool parse_int(const std::string &text, int &out, int min, int max) {
    int value = 0;
    const char *end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || value < min || value > max) {
        return false;
    }
    out = value;
    return true;
}

template <typename T>
bool parse_choice(const std::string &text, const std::map<std::string, T> &choices, T &out) {
    auto it = choices.find(text);
    if (it == choices.end()) {
        return false;
    }
    out = it->second;
    return true;
}

const std::map<std::string, BackendChoice> backend_names = {
    {"auto", BackendChoice::automatic}, {"headless", BackendChoice::headless}, {"wayland", BackendChoice::wayland},
    {"x11", BackendChoice::x11},        {"drm", BackendChoice::drm},
};
const std::map<std::string, bool> on_off_names = {{"on", true}, {"off", false}};
const std::map<std::string, bool> frame_clock_names = {{"sluice", true}, {"backend", false}};
const std::map<std::string, RendererChoice> renderer_names = {
    {"auto", RendererChoice::automatic},
    {"gles2", RendererChoice::gles2},
    {"pixman", RendererChoice::pixman},
};
const std::map<std::string, int> log_level_names = {
    {"silent", 0},
    {"error", 1},
    {"info", 2},
    {"debug", 3},
};

} // namespace

std::optional<Mode> parse_mode(const std::string &text) {
    // WxH or WxH@Hz, Hz may have a fraction (59.94).
    Mode mode;
    auto x = text.find('x');
    if (x == std::string::npos) {
        return std::nullopt;
    }
    auto at = text.find('@', x);
    std::string width = text.substr(0, x);
    std::string height = text.substr(x + 1, at == std::string::npos ? std::string::npos : at - x - 1);
    if (!parse_int(width, mode.width, 1, 16384) || !parse_int(height, mode.height, 1, 16384)) {
        return std::nullopt;
    }
    if (at != std::string::npos) {
        std::string hz = text.substr(at + 1);
        double value = 0;
        const char *end = hz.data() + hz.size();
        auto [ptr, ec] = std::from_chars(hz.data(), end, value);
        if (hz.empty() || ec != std::errc() || ptr != end || value < 1.0 || value > 1000.0) {
            return std::nullopt;
        }
        mode.refresh_mhz = static_cast<int>(value * 1000.0 + 0.5);
    }
    return mode;
}

const char *usage_text() {
    return "Usage: sluice [options]\n"
           "\n"
           "A Wayland compositor that never shows a buffer before its fences signal.\n"
           "\n"
           "  -b, --backend auto|headless|wayland|x11|drm\n"
           "                          where outputs come from (default auto: nested when\n"
           "                          WAYLAND_DISPLAY or DISPLAY is set, else DRM; the\n"
           "                          WLR_BACKENDS variable still overrides auto)\n"
           "  -r, --renderer auto|gles2|pixman\n"
           "                          how surfaces are composited (default auto; WLR_RENDERER\n"
           "                          still overrides auto)\n"
           "  -s, --socket NAME       Wayland socket name in $XDG_RUNTIME_DIR (default: the\n"
           "                          first free wayland-N)\n"
           "  -o, --outputs N         outputs to create, headless and nested (default 1)\n"
           "  -m, --mode WxH[@Hz]     output size and refresh, headless and nested\n"
           "                          (default 1280x720@60)\n"
           "      --startup CMD       run CMD with /bin/sh -c once serving, with\n"
           "                          WAYLAND_DISPLAY set\n"
           "      --exit-with-startup exit when the startup command exits, with its status\n"
           "      --xwayland          start Xwayland for X11 clients\n"
           "      --allow-input-injection\n"
           "                          offer the virtual keyboard and pointer protocols, with\n"
           "                          which any client can type and click into every window\n"
           "                          (default: not offered)\n"
           "      --sync-device PATH|none\n"
           "                          DRM node to import client syncobj timelines on\n"
           "                          (default: the renderer's, else the first in /dev/dri with\n"
           "                          timeline syncobjs; none: do not offer linux-drm-syncobj-v1)\n"
           "      --frame-clock sluice|backend\n"
           "                          who times headless outputs' frames: sluice's nanosecond\n"
           "                          vblank clock (default) or wlroots' millisecond timer\n"
           "      --frame-pacing on|off\n"
           "                          offer wp_fifo_v1 and wp_commit_timing_v1 (default on)\n"
           "      --ready-fd FD       write the socket name and a newline to FD and close it\n"
           "                          once clients can connect\n"
           "      --test-server       for client test suites: headless backend, pixman\n"
           "                          renderer (unless given), control socket and input\n"
           "                          injection on\n"
           "      --control-socket[=PATH]\n"
           "                          serve sluicectl on PATH (default: the Wayland\n"
           "                          socket's path plus .control)\n"
           "      --exit-when-empty   exit with code 0 when the last client leaves\n"
           "                          (once one has connected)\n"
           "  -l, --log-level LEVEL[,CATEGORY=LEVEL...]\n"
           "                          silent, error, info (default) or debug, for every\n"
           "                          category or one: core client control input output\n"
           "                          protocol render sync view wlroots (e.g. info,sync=debug)\n"
           "  -h, --help              show this help and exit\n"
           "  -v, --version           show the version and exit\n"
           "\n"
           "Key bindings (Alt = Mod1): Alt+Tab cycle focus, Alt+F4 close window,\n"
           "Alt+Escape quit, Alt+left-drag move, Alt+right-drag resize.\n";
}

const char *to_string(BackendChoice backend) {
    for (const auto &[name, value] : backend_names) {
        if (value == backend) {
            return name.c_str();
        }
    }
    return "?";
}

const char *to_string(RendererChoice renderer) {
    for (const auto &[name, value] : renderer_names) {
        if (value == renderer) {
            return name.c_str();
        }
    }
    return "?";
}

ParseResult parse_options(const std::vector<std::string> &args) {
    Options options;
    auto fail = [](std::string message) { return ParseResult{std::nullopt, std::move(message)}; };

    for (size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        std::string value;
        bool has_inline_value = false;
        if (arg.rfind("--", 0) == 0) {
            auto eq = arg.find('=');
            if (eq != std::string::npos) {
                value = arg.substr(eq + 1);
                arg = arg.substr(0, eq);
                has_inline_value = true;
            }
        }
        auto take_value = [&](std::string &out) -> bool {
            if (has_inline_value) {
                out = value;
                return true;
            }
            if (i + 1 >= args.size()) {
                return false;
            }
            out = args[++i];
            return true;
        };
        auto is = [&](const char *shortname, const char *longname) {
            return (shortname != nullptr && arg == shortname) || arg == longname;
        };
        auto bad_value = [&](const std::string &what) {
            return fail("sluice: invalid value '" + value + "' for " + arg + " (" + what + ")");
        };
        auto takes_value = [&](const char *s, const char *l) -> int {
            // 0: not this option; 1: value read; -1: value missing
            if (!is(s, l)) {
                return 0;
            }
            return take_value(value) ? 1 : -1;
        };

        int r = 0;
        if (is("-h", "--help")) {
            options.show_help = true;
        } else if (is("-v", "--version")) {
            options.show_version = true;
        } else if (is(nullptr, "--exit-with-startup")) {
            options.exit_with_startup = true;
        } else if (is(nullptr, "--xwayland")) {
            options.xwayland = true;
        } else if (is(nullptr, "--allow-input-injection")) {
            options.allow_input_injection = true;
        } else if (is(nullptr, "--test-server")) {
            options.test_server = true;
        } else if (is(nullptr, "--exit-when-empty")) {
            options.exit_when_empty = true;
        } else if (is(nullptr, "--control-socket")) {
            // The path is optional, so it can only be given inline.
            options.control_socket = std::string();
            if (has_inline_value) {
                if (value.empty())
                    return bad_value("expected a socket path");
                options.control_socket = value;
                r = 1;
            }
        } else if ((r = takes_value("-b", "--backend")) != 0) {
            if (r < 0)
                return fail("sluice: " + arg + " needs a value");
            if (!parse_choice(value, backend_names, options.backend))
                return bad_value("expected auto, headless, wayland, x11 or drm");
        } else if ((r = takes_value("-r", "--renderer")) != 0) {
            if (r < 0)
                return fail("sluice: " + arg + " needs a value");
            if (!parse_choice(value, renderer_names, options.renderer))
                return bad_value("expected auto, gles2 or pixman");
        } else if ((r = takes_value("-s", "--socket")) != 0) {
            if (r < 0)
                return fail("sluice: " + arg + " needs a value");
            if (value.empty() || value.find('/') != std::string::npos)
                return bad_value("expected a name without '/'");
            options.socket = value;
        } else if ((r = takes_value("-o", "--outputs")) != 0) {
            if (r < 0)
                return fail("sluice: " + arg + " needs a value");
            if (!parse_int(value, options.outputs, 1, 16))
                return bad_value("expected a number from 1 to 16");
        } else if ((r = takes_value("-m", "--mode")) != 0) {
            if (r < 0)
                return fail("sluice: " + arg + " needs a value");
            options.mode = parse_mode(value);
            if (!options.mode)
                return bad_value("expected WxH or WxH@Hz, e.g. 1280x720@60");
        } else if ((r = takes_value(nullptr, "--startup")) != 0) {
            if (r < 0)
                return fail("sluice: " + arg + " needs a value");
            if (value.empty())
                return bad_value("expected a command");
            options.startup = value;
        } else if ((r = takes_value(nullptr, "--sync-device")) != 0) {
            if (r < 0)
                return fail("sluice: " + arg + " needs a value");
            if (value != "none" && value.rfind("/", 0) != 0)
                return bad_value("expected a device path such as /dev/dri/renderD128, or none");
            options.sync_device = value;
        } else if ((r = takes_value(nullptr, "--frame-clock")) != 0) {
            if (r < 0)
                return fail("sluice: " + arg + " needs a value");
            if (!parse_choice(value, frame_clock_names, options.own_frame_clock))
                return bad_value("expected sluice or backend");
        } else if ((r = takes_value(nullptr, "--frame-pacing")) != 0) {
            if (r < 0)
                return fail("sluice: " + arg + " needs a value");
            if (!parse_choice(value, on_off_names, options.frame_pacing))
                return bad_value("expected on or off");
        } else if ((r = takes_value(nullptr, "--ready-fd")) != 0) {
            if (r < 0)
                return fail("sluice: " + arg + " needs a value");
            if (!parse_int(value, options.ready_fd, 0, 1 << 20))
                return bad_value("expected a file descriptor number");
        } else if ((r = takes_value("-l", "--log-level")) != 0) {
            if (r < 0)
                return fail("sluice: " + arg + " needs a value");
            if (auto error = log::check_spec(value))
                return bad_value(*error);
            options.log_levels = value;
            // The level for every category is the spec's first item.
            parse_choice(value.substr(0, value.find(',')), log_level_names, options.log_level);
        } else {
            return fail("sluice: unknown option '" + args[i] + "' (try --help)");
        }
        if (has_inline_value && r == 0 && !arg.empty()) {
            return fail("sluice: option " + arg + " takes no value");
        }
    }
    if (options.exit_with_startup && options.startup.empty()) {
        return fail("sluice: --exit-with-startup needs --startup CMD");
    }
    if (options.test_server) {
        if (options.backend == BackendChoice::automatic) {
            options.backend = BackendChoice::headless;
        } else if (options.backend != BackendChoice::headless) {
            return fail("sluice: --test-server runs on the headless backend (drop --backend)");
        }
        if (options.renderer == RendererChoice::automatic) {
            options.renderer = RendererChoice::pixman;
        }
        if (!options.control_socket) {
            options.control_socket = std::string();
        }
        // Test suites drive windows through virtual devices.
        options.allow_input_injection = true;
    }
    return ParseResult{options, {}};
}

} // namespace sluice
