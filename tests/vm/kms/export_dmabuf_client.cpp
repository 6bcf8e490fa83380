#include "export_dmabuf_client.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <linux/dma-buf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <wayland-client.h>

#include "kms_state.hpp"
#include "unique_fd.hpp"

namespace sluice::test {

namespace {

// --- the protocol, described by hand ----------------------------------------

extern const wl_interface export_frame_interface;

const wl_interface *no_types[10] = {};
const wl_interface *capture_output_types[] = {&export_frame_interface, nullptr, &wl_output_interface};

const wl_message manager_requests[] = {
    {"capture_output", "nio", capture_output_types},
    {"destroy", "", no_types},
};
const wl_interface export_manager_interface = {
    "zwlr_export_dmabuf_manager_v1", 1, 2, manager_requests, 0, nullptr,
};

const wl_message frame_requests[] = {
    {"destroy", "", no_types},
};
const wl_message frame_events[] = {
    {"frame", "uuuuuuuuuu", no_types},
    {"object", "uhuuuu", no_types},
    {"ready", "uuu", no_types},
    {"cancel", "u", no_types},
};
const wl_interface export_frame_interface = {
    "zwlr_export_dmabuf_frame_v1", 1, 1, frame_requests, 4, frame_events,
};

constexpr uint32_t capture_output_opcode = 0;
constexpr uint32_t destroy_opcode = 1;       // manager
constexpr uint32_t frame_destroy_opcode = 0; // frame

struct Capture {
    ExportedFrame frame;
    UniqueFd object;
    bool ready = false;
    std::optional<uint32_t> cancel;
};

// Event handlers, in the order of frame_events.
struct FrameListener {
    void (*frame)(void *, wl_proxy *, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t,
                  uint32_t, uint32_t);
    void (*object)(void *, wl_proxy *, uint32_t, int32_t, uint32_t, uint32_t, uint32_t, uint32_t);
    void (*ready)(void *, wl_proxy *, uint32_t, uint32_t, uint32_t);
    void (*cancel)(void *, wl_proxy *, uint32_t);
};

const FrameListener frame_listener = {
    .frame =
        [](void *data, wl_proxy *, uint32_t width, uint32_t height, uint32_t, uint32_t, uint32_t, uint32_t flags,
           uint32_t format, uint32_t mod_high, uint32_t mod_low, uint32_t num_objects) {
            auto *c = static_cast<Capture *>(data);
            c->frame.width = width;
            c->frame.height = height;
            c->frame.flags = flags;
            c->frame.format = format;
            c->frame.modifier = (static_cast<uint64_t>(mod_high) << 32) | mod_low;
            c->frame.num_objects = num_objects;
        },
    .object =
        [](void *data, wl_proxy *, uint32_t index, int32_t fd, uint32_t size, uint32_t offset, uint32_t stride,
           uint32_t) {
            auto *c = static_cast<Capture *>(data);
            UniqueFd owned(fd);
            if (index != 0)
                return; // single-plane formats only
            c->object = std::move(owned);
            c->frame.size = size;
            c->frame.offset = offset;
            c->frame.stride = stride;
        },
    .ready = [](void *data, wl_proxy *, uint32_t, uint32_t, uint32_t) { static_cast<Capture *>(data)->ready = true; },
    .cancel = [](void *data, wl_proxy *, uint32_t reason) { static_cast<Capture *>(data)->cancel = reason; },
};

Image read_dmabuf(int fd, const ExportedFrame &frame) {
    const size_t length = static_cast<size_t>(frame.offset) + static_cast<size_t>(frame.stride) * frame.height;
    void *map = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        throw std::runtime_error(std::string("mmap of the exported dma-buf: ") + std::strerror(errno));
    dma_buf_sync sync{.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ};
    (void)::ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
    Image image;
    try {
        image = Image::from_shm(static_cast<const uint8_t *>(map) + frame.offset, static_cast<int32_t>(frame.width),
                                static_cast<int32_t>(frame.height), static_cast<int32_t>(frame.stride),
                                kms::wl_shm_format(frame.format), false);
    } catch (...) {
        ::munmap(map, length);
        throw;
    }
    sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
    (void)::ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
    ::munmap(map, length);
    return image;
}

} // namespace

ExportedFrame export_output_frame(Client &client, wl_output *output, std::chrono::milliseconds timeout,
                                  const std::function<void()> &after_request) {
    const Global *global = client.find_global(export_manager_interface.name);
    if (global == nullptr)
        throw std::runtime_error("sluice offers no zwlr_export_dmabuf_manager_v1");
    auto *manager = static_cast<wl_proxy *>(client.bind_raw(&export_manager_interface, 1));
    Capture capture;
    wl_proxy *frame = wl_proxy_marshal_flags(manager, capture_output_opcode, &export_frame_interface, 1, 0, nullptr,
                                             0 /* overlay_cursor */, output);
    wl_proxy_add_listener(frame, reinterpret_cast<void (**)(void)>(const_cast<FrameListener *>(&frame_listener)),
                          &capture);
    if (after_request)
        after_request();
    client.flush();
    const bool resolved = client.dispatch_until([&] { return capture.ready || capture.cancel; }, timeout);
    wl_proxy_marshal_flags(frame, frame_destroy_opcode, nullptr, 1, WL_MARSHAL_FLAG_DESTROY);
    wl_proxy_marshal_flags(manager, destroy_opcode, nullptr, 1, WL_MARSHAL_FLAG_DESTROY);
    client.flush();
    if (!resolved)
        throw std::runtime_error("no ready or cancel for the exported frame: " + client.describe_error());
    if (capture.cancel)
        throw std::runtime_error("the exported frame was cancelled (reason " + std::to_string(*capture.cancel) + ")");
    if (!capture.object)
        throw std::runtime_error("the exported frame came without a dma-buf");
    capture.frame.pixels = read_dmabuf(capture.object.get(), capture.frame);
    return capture.frame;
}

} // namespace sluice::test
