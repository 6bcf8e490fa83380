// Screenshots for sluicectl: the scene drawn afresh into a buffer of our
// own and read back, so that what is captured is what the scene holds right
// now (also while the frame clock is paused, when the output shows an older
// frame), without the cursor, and without touching the output's swapchain.
#pragma once

#include <optional>
#include <string>

#include "compositor/control/png.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {
class Output;
class Server;
class View;
} // namespace sluice

namespace sluice::control {

// The output's area of the layout, as the output would show it.
[[nodiscard]] std::optional<RgbaImage> capture_output(Server &server, Output &output, std::string &error);
// One window: its surfaces (subsurfaces and popups too) clipped to its
// window geometry, transparent where it draws nothing.
[[nodiscard]] std::optional<RgbaImage> capture_view(Server &server, View &view, std::string &error);

} // namespace sluice::control
