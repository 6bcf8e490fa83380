#include "screencopy.hpp"

#include <memory>
#include <optional>
#include <stdexcept>

#include "shm.hpp"

namespace sluice::test {

namespace {

using Clock = std::chrono::steady_clock;

// State of one zwlr_screencopy_frame_v1 as its events come in.
struct FrameState {
    bool have_shm_format = false;
    uint32_t format = 0;
    uint32_t width = 0, height = 0, stride = 0;
    bool buffer_done = false; // v3: every buffer type has been announced
    bool y_invert = false;
    bool ready = false;
    bool failed = false;
};

void on_buffer(void *data, zwlr_screencopy_frame_v1 *, uint32_t format, uint32_t width, uint32_t height,
               uint32_t stride) {
    auto *s = static_cast<FrameState *>(data);
    s->have_shm_format = true;
    s->format = format;
    s->width = width;
    s->height = height;
    s->stride = stride;
}
void on_flags(void *data, zwlr_screencopy_frame_v1 *, uint32_t flags) {
    static_cast<FrameState *>(data)->y_invert = flags & ZWLR_SCREENCOPY_FRAME_V1_FLAGS_Y_INVERT;
}
void on_ready(void *data, zwlr_screencopy_frame_v1 *, uint32_t, uint32_t, uint32_t) {
    static_cast<FrameState *>(data)->ready = true;
}
void on_failed(void *data, zwlr_screencopy_frame_v1 *) { static_cast<FrameState *>(data)->failed = true; }
void on_damage(void *, zwlr_screencopy_frame_v1 *, uint32_t, uint32_t, uint32_t, uint32_t) {}
void on_linux_dmabuf(void *, zwlr_screencopy_frame_v1 *, uint32_t, uint32_t, uint32_t) {}
void on_buffer_done(void *data, zwlr_screencopy_frame_v1 *) { static_cast<FrameState *>(data)->buffer_done = true; }

const zwlr_screencopy_frame_v1_listener frame_listener = {
    .buffer = on_buffer,
    .flags = on_flags,
    .ready = on_ready,
    .failed = on_failed,
    .damage = on_damage,
    .linux_dmabuf = on_linux_dmabuf,
    .buffer_done = on_buffer_done,
};

std::chrono::milliseconds left_until(Clock::time_point deadline) {
    return std::max(std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()),
                    std::chrono::milliseconds{0});
}

} // namespace

Image capture_output(Client &client, wl_output *output, std::chrono::milliseconds timeout) {
    if (!client.screencopy())
        throw std::runtime_error("compositor has no zwlr_screencopy_manager_v1");
    const auto deadline = Clock::now() + timeout;

    FrameState state;
    Proxy<zwlr_screencopy_frame_v1> frame(zwlr_screencopy_manager_v1_capture_output(client.screencopy(), 0, output));
    zwlr_screencopy_frame_v1_add_listener(frame.get(), &frame_listener, &state);

    // Before v3 the buffer event is all there is; from v3 on, buffer_done
    // says that every buffer type has been offered.
    const bool v3 = zwlr_screencopy_frame_v1_get_version(frame.get()) >= 3;
    const bool offered = client.dispatch_until(
        [&] { return state.failed || (v3 ? state.buffer_done : state.have_shm_format); }, left_until(deadline));
    if (!offered)
        throw std::runtime_error("screencopy: no buffer parameters (" + client.describe_error() + ")");
    if (state.failed)
        throw std::runtime_error("screencopy: compositor sent failed before copy");
    if (!state.have_shm_format)
        throw std::runtime_error("screencopy: compositor offered no shm buffer");

    ShmBuffer buffer(client.shm(), static_cast<int32_t>(state.width), static_cast<int32_t>(state.height), state.format,
                     static_cast<int32_t>(state.stride));
    zwlr_screencopy_frame_v1_copy(frame.get(), buffer.get());
    const bool finished = client.dispatch_until([&] { return state.ready || state.failed; }, left_until(deadline));
    if (!finished)
        throw std::runtime_error("screencopy: no ready/failed within the timeout (" + client.describe_error() + ")");
    if (state.failed)
        throw std::runtime_error("screencopy: compositor sent failed");
    return Image::from_shm(buffer.data(), buffer.width(), buffer.height(), buffer.stride(), buffer.format(),
                           state.y_invert);
}

CaptureUntil capture_until(Client &client, wl_output *output, const std::function<bool(const Image &)> &done,
                           std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    CaptureUntil result;
    // Each capture waits for a real output frame, so this loop is paced by
    // the compositor, not by spinning.
    do {
        // The last attempt still gets a whole capture's worth of time, so
        // that running out mid-capture reads as "did not match", not as a
        // broken capture.
        result.last = capture_output(client, output, std::max(left_until(deadline), std::chrono::milliseconds{1000}));
        if (done(result.last)) {
            result.matched = true;
            break;
        }
    } while (Clock::now() < deadline);
    return result;
}

} // namespace sluice::test
