// A client of wlr-export-dmabuf-unstable-v1 (zwlr_export_dmabuf_manager_v1):
// asks for an output's next frame as a dma-buf and reads its pixels from a
// CPU mapping. The project vendors no XML for this protocol, so its two
// interfaces are described here by hand, as wlroots 0.15 serves them
// (capture_output "nio"; frame "uuuuuuuuuu", object "uhuuuu", ready "uuu",
// cancel "u").
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "client.hpp"
#include "image.hpp"

namespace sluice::test {

struct ExportedFrame {
    uint32_t width = 0, height = 0;
    uint32_t format = 0; // DRM fourcc
    uint64_t modifier = 0;
    uint32_t flags = 0; // zwlr_export_dmabuf_frame_v1.flags (1: transient)
    uint32_t num_objects = 0;
    uint32_t stride = 0, offset = 0, size = 0;
    Image pixels;
};

// Binds the manager on `client` (throws when sluice lacks it), captures
// `output`'s next frame (no cursor) and reads it as soon as it is ready,
// as a screen recorder would. `after_request` runs once the capture is
// asked for, before waiting: what it commits is what the frame shows.
// Throws with the reason (cancel, timeout, an unreadable dma-buf) when no
// picture comes back.
ExportedFrame export_output_frame(Client &client, wl_output *output,
                                  std::chrono::milliseconds timeout = default_timeout,
                                  const std::function<void()> &after_request = {});

} // namespace sluice::test
