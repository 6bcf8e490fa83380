// The command line, parsed into a value with no side effects so that it can
// be tested alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compositor/output/mode.hpp"

namespace sluice {

enum class BackendChoice { automatic, headless, wayland, x11, drm };
enum class RendererChoice { automatic, gles2, pixman };

struct Options {
    BackendChoice backend = BackendChoice::automatic;
    RendererChoice renderer = RendererChoice::automatic;
    std::string socket;       // empty: libwayland picks wayland-N
    int outputs = 1;          // headless and nested
    std::optional<Mode> mode; // headless and nested; unset: backend default
    std::string startup;      // run through /bin/sh -c
    bool exit_with_startup = false;
    bool xwayland = false;
    // Offer the virtual keyboard and pointer protocols: any client that
    // binds them types and clicks into every window, so only on request.
    bool allow_input_injection = false;
    std::string sync_device;         // empty: automatic; "none": no syncobj protocol
    bool own_frame_clock = true;     // headless frames on sluice's clock, not wlroots' timer
    bool frame_pacing = true;        // offer fifo-v1 and commit-timing-v1
    int ready_fd = -1;               // as given; main() takes it into a ReadyFd
    int log_level = 2;               // every category's: 0 silent, 1 error, 2 info, 3 debug
    std::string log_levels = "info"; // as given: "info,sync=debug" (common/log.hpp)
    // Test harness (compositor/control/). --test-server: headless, pixman,
    // control socket and input injection on.
    bool test_server = false;
    std::optional<std::string> control_socket; // unset: none; empty: <wayland socket>.control
    bool exit_when_empty = false;
    // Not a command-line option: embedders that hand out client connections
    // themselves (the wlcs module) open no Wayland socket.
    bool wayland_socket = true;
    // Not options: the file descriptor limit sluice started with (it raises
    // its own to the hard limit; children get this one back). 0: unknown.
    unsigned long inherited_fd_limit = 0;
    bool show_help = false;
    bool show_version = false;
};

struct ParseResult {
    std::optional<Options> options; // empty on error
    std::string error;              // one line, no trailing newline
};

[[nodiscard]] ParseResult parse_options(const std::vector<std::string> &args);
[[nodiscard]] std::optional<Mode> parse_mode(const std::string &text);
[[nodiscard]] const char *usage_text();
[[nodiscard]] const char *to_string(BackendChoice backend);
[[nodiscard]] const char *to_string(RendererChoice renderer);

} // namespace sluice
