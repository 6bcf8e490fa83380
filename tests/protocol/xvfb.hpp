// An Xvfb server for one test, and what a test needs to look at it: the
// top-level windows on its root and the root's pixels. Xvfb picks a free
// display number itself (-displayfd), so tests may run in parallel.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "image.hpp"
#include "process.hpp"

struct xcb_connection_t;

namespace sluice::test {

// Where Xvfb lives, if installed (Debian package xvfb).
std::optional<std::filesystem::path> find_xvfb();

struct XWindow {
    uint32_t id = 0;
    Rect geometry; // relative to the root
    bool viewable = false;
};

class Xvfb {
public:
    // Starts Xvfb with one screen of `width`x`height`x24 and connects to it.
    // Throws std::runtime_error with the server's log when it does not come up.
    Xvfb(const std::filesystem::path &binary, int32_t width, int32_t height, const std::filesystem::path &log,
         std::chrono::milliseconds timeout = std::chrono::milliseconds{15000});
    ~Xvfb();

    Xvfb(const Xvfb &) = delete;
    Xvfb &operator=(const Xvfb &) = delete;

    // ":N", for DISPLAY.
    [[nodiscard]] const std::string &display() const { return display_; }

    // The root window's direct children, bottom to top.
    [[nodiscard]] std::vector<XWindow> windows();
    // What the X server shows, as ARGB8888.
    [[nodiscard]] Image capture_root();
    // What a window manager's close button does: WM_DELETE_WINDOW.
    void close_window(uint32_t id);

private:
    uint32_t atom(const char *name);

    std::optional<ChildProcess> process_;
    xcb_connection_t *connection_ = nullptr;
    std::string display_;
};

} // namespace sluice::test
