// What an output shows, read back through wlr-screencopy into an Image.
#pragma once

#include <chrono>
#include <functional>

#include "client.hpp"
#include "image.hpp"

namespace sluice::test {

// Captures the next frame of `output` into shared memory. Honours the
// format the compositor asks for and its y_invert flag. Throws
// std::runtime_error (with the reason: no screencopy global, `failed`,
// timeout, protocol error) when no picture comes back.
Image capture_output(Client &client, wl_output *output, std::chrono::milliseconds timeout = default_timeout);

struct CaptureUntil {
    bool matched = false;
    Image last; // the last picture taken, matching or not
};

// Captures repeatedly until `done(image)` holds or `timeout` runs out. For
// content that another process draws at a moment the test cannot know.
CaptureUntil capture_until(Client &client, wl_output *output, const std::function<bool(const Image &)> &done,
                           std::chrono::milliseconds timeout = default_timeout);

} // namespace sluice::test
