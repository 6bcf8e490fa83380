#include "client.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include <poll.h>
#include <sys/socket.h>

namespace sluice::test {

std::ostream &operator<<(std::ostream &os, const ProtocolError &e) {
    return os << e.interface << "@" << e.object_id << " error " << e.code;
}

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds remaining(Clock::time_point deadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    return std::max(left, std::chrono::milliseconds{0});
}

void shm_format(void *data, wl_shm *, uint32_t format) {
    static_cast<std::vector<uint32_t> *>(data)->push_back(format);
}
const wl_shm_listener shm_listener = {.format = shm_format};

void wm_base_ping(void *, xdg_wm_base *wm_base, uint32_t serial) {
    // Answer pings so that a compositor that checks liveness never treats
    // a test client as unresponsive.
    xdg_wm_base_pong(wm_base, serial);
}
const xdg_wm_base_listener wm_base_listener = {.ping = wm_base_ping};

void presentation_clock_id(void *data, wp_presentation *, uint32_t clk_id) {
    *static_cast<clockid_t *>(data) = static_cast<clockid_t>(clk_id);
}
const wp_presentation_listener presentation_listener = {.clock_id = presentation_clock_id};

void output_geometry(void *, wl_output *, int32_t, int32_t, int32_t, int32_t, int32_t, const char *, const char *,
                     int32_t) {}
void output_mode(void *data, wl_output *, uint32_t flags, int32_t width, int32_t height, int32_t refresh) {
    if (!(flags & WL_OUTPUT_MODE_CURRENT))
        return;
    auto *o = static_cast<Output *>(data);
    o->width = width;
    o->height = height;
    o->refresh_mhz = refresh;
}
void output_done(void *data, wl_output *) { static_cast<Output *>(data)->done = true; }
void output_scale(void *data, wl_output *, int32_t factor) { static_cast<Output *>(data)->scale = factor; }
void output_name(void *data, wl_output *, const char *name) { static_cast<Output *>(data)->name = name; }
void output_description(void *, wl_output *, const char *) {}
const wl_output_listener output_listener = {
    .geometry = output_geometry,
    .mode = output_mode,
    .done = output_done,
    .scale = output_scale,
    .name = output_name,
    .description = output_description,
};

void xdg_output_logical_position(void *data, zxdg_output_v1 *, int32_t x, int32_t y) {
    auto *o = static_cast<Output *>(data);
    Rect r = o->logical.value_or(Rect{});
    r.x = x;
    r.y = y;
    o->logical = r;
}
void xdg_output_logical_size(void *data, zxdg_output_v1 *, int32_t width, int32_t height) {
    auto *o = static_cast<Output *>(data);
    Rect r = o->logical.value_or(Rect{});
    r.width = width;
    r.height = height;
    o->logical = r;
}
void xdg_output_done(void *, zxdg_output_v1 *) {}
void xdg_output_name(void *, zxdg_output_v1 *, const char *) {}
void xdg_output_description(void *, zxdg_output_v1 *, const char *) {}
const zxdg_output_v1_listener xdg_output_listener = {
    .logical_position = xdg_output_logical_position,
    .logical_size = xdg_output_logical_size,
    .done = xdg_output_done,
    .name = xdg_output_name,
    .description = xdg_output_description,
};

void sync_done(void *data, wl_callback *, uint32_t) { *static_cast<bool *>(data) = true; }
const wl_callback_listener sync_listener = {.done = sync_done};

} // namespace

void Client::handle_global(void *data, wl_registry *, uint32_t name, const char *interface, uint32_t version) {
    auto *self = static_cast<Client *>(data);
    self->globals_.push_back({name, interface, version});
    // Outputs are bound as they appear so that hot-plugged ones show up too.
    if (self->globals_.back().interface == wl_output_interface.name)
        self->bind_output(self->globals_.back());
}

void Client::handle_global_remove(void *data, wl_registry *, uint32_t name) {
    auto *self = static_cast<Client *>(data);
    std::erase_if(self->globals_, [name](const Global &g) { return g.name == name; });
    std::erase_if(self->outputs_, [name](const std::unique_ptr<Output> &o) { return o->global_name == name; });
}

void Client::bind_output(const Global &global) {
    auto output = std::make_unique<Output>();
    output->global_name = global.name;
    const uint32_t version = std::min<uint32_t>(global.version, 4);
    output->proxy.reset(
        static_cast<wl_output *>(wl_registry_bind(registry_.get(), global.name, &wl_output_interface, version)));
    wl_output_add_listener(output->proxy.get(), &output_listener, output.get());
    if (xdg_output_manager_)
        watch_layout(*output);
    outputs_.push_back(std::move(output));
}

void Client::watch_layout(Output &output) {
    output.xdg_output.reset(zxdg_output_manager_v1_get_xdg_output(xdg_output_manager_.get(), output.proxy.get()));
    zxdg_output_v1_add_listener(output.xdg_output.get(), &xdg_output_listener, &output);
}

Client::Client(const std::string &socket_name, std::chrono::milliseconds timeout) : socket_name_(socket_name) {
    // Function-local so that it may name the private static handlers.
    static const wl_registry_listener registry_listener = {
        .global = &Client::handle_global,
        .global_remove = &Client::handle_global_remove,
    };

    display_.reset(wl_display_connect(socket_name.c_str()));
    if (!display_)
        throw std::runtime_error("cannot connect to Wayland socket '" + socket_name + "': " + std::strerror(errno));
    registry_.reset(wl_display_get_registry(display()));
    wl_registry_add_listener(registry_.get(), &registry_listener, this);
    if (!roundtrip(timeout))
        throw std::runtime_error("registry roundtrip failed: " + describe_error());

    compositor_ = bind<wl_compositor>(&wl_compositor_interface, 4);
    shm_ = bind<wl_shm>(&wl_shm_interface, 1);
    wl_shm_add_listener(shm_.get(), &shm_listener, &shm_formats_);
    wm_base_ = bind<xdg_wm_base>(&xdg_wm_base_interface, static_cast<uint32_t>(xdg_wm_base_interface.version));
    xdg_wm_base_add_listener(wm_base_.get(), &wm_base_listener, nullptr);
    if (find_global(wl_subcompositor_interface.name))
        subcompositor_ = bind<wl_subcompositor>(&wl_subcompositor_interface, 1);
    if (find_global(wp_presentation_interface.name)) {
        presentation_ = bind<wp_presentation>(&wp_presentation_interface, 1);
        wp_presentation_add_listener(presentation_.get(), &presentation_listener, &presentation_clock_);
    }
    if (find_global(wp_viewporter_interface.name))
        viewporter_ = bind<wp_viewporter>(&wp_viewporter_interface, 1);
    if (find_global(zwlr_screencopy_manager_v1_interface.name))
        screencopy_ = bind<zwlr_screencopy_manager_v1>(&zwlr_screencopy_manager_v1_interface, 3);
    if (find_global(zxdg_output_manager_v1_interface.name)) {
        xdg_output_manager_ = bind<zxdg_output_manager_v1>(&zxdg_output_manager_v1_interface, 3);
        for (auto &output : outputs_)
            watch_layout(*output);
    }

    // The second roundtrip delivers what binding triggered: shm formats,
    // output modes and `done`, output layout, the presentation clock.
    if (!roundtrip(timeout))
        throw std::runtime_error("globals roundtrip failed: " + describe_error());
}

Client::~Client() = default;

const Global *Client::find_global(std::string_view interface, size_t nth) const {
    for (const Global &g : globals_) {
        if (g.interface == interface && nth-- == 0)
            return &g;
    }
    return nullptr;
}

void *Client::bind_raw(const wl_interface *interface, uint32_t max_version, size_t nth) {
    const Global *g = find_global(interface->name, nth);
    if (!g)
        throw std::runtime_error(std::string("compositor has no global ") + interface->name + " #" +
                                 std::to_string(nth));
    return wl_registry_bind(registry_.get(), g->name, interface, std::min(g->version, max_version));
}

Output &Client::output(size_t index) const {
    if (index >= outputs_.size())
        throw std::out_of_range("client sees " + std::to_string(outputs_.size()) + " outputs, wanted #" +
                                std::to_string(index));
    return *outputs_[index];
}

bool Client::flush() {
    // EAGAIN only means the socket buffer is full; the next poll waits for
    // room. EPIPE is left for the read side, which still has to collect the
    // error event the compositor sent before it hung up.
    if (wl_display_flush(display()) < 0 && errno != EAGAIN && errno != EPIPE)
        return false;
    return error() == 0;
}

bool Client::dispatch_once(std::chrono::milliseconds timeout) {
    wl_display *d = display();
    if (wl_display_get_error(d))
        return false;
    const int already = wl_display_dispatch_pending(d);
    if (already != 0)
        return already > 0;

    // prepare_read fails while events are queued; dispatch those instead.
    if (wl_display_prepare_read(d) != 0)
        return wl_display_dispatch_pending(d) >= 0;

    const auto deadline = Clock::now() + timeout;
    bool want_write = wl_display_flush(d) < 0 && errno == EAGAIN;
    for (;;) {
        pollfd pfd = {.fd = wl_display_get_fd(d),
                      .events = static_cast<short>(POLLIN | (want_write ? POLLOUT : 0)),
                      .revents = 0};
        const int n = poll(&pfd, 1, static_cast<int>(remaining(deadline).count()));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            wl_display_cancel_read(d);
            return false;
        }
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
            break;
        // Only writable: push the rest of the requests and keep waiting.
        want_write = wl_display_flush(d) < 0 && errno == EAGAIN;
    }
    if (wl_display_read_events(d) < 0)
        return false;
    return wl_display_dispatch_pending(d) >= 0;
}

bool Client::dispatch_until(const std::function<bool()> &done, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (done())
            return true;
        if (error() != 0)
            return false;
        const auto left = remaining(deadline);
        if (left.count() == 0)
            return false;
        dispatch_once(left);
    }
}

bool Client::roundtrip(std::chrono::milliseconds timeout) {
    bool done = false;
    Proxy<wl_callback> callback(wl_display_sync(display()));
    wl_callback_add_listener(callback.get(), &sync_listener, &done);
    return dispatch_until([&done] { return done; }, timeout);
}

bool Client::wait_for_error(std::chrono::milliseconds timeout) {
    return dispatch_until([this] { return error() != 0; }, timeout);
}

int Client::error() const { return wl_display_get_error(display()); }

std::optional<ProtocolError> Client::protocol_error() const {
    if (error() != EPROTO)
        return std::nullopt;
    const wl_interface *interface = nullptr;
    uint32_t id = 0;
    const uint32_t code = wl_display_get_protocol_error(display(), &interface, &id);
    // libwayland reports no interface when the object was already destroyed
    // on the client side.
    return ProtocolError{interface ? interface->name : "(destroyed object)", id, code};
}

std::string Client::describe_error() const {
    if (const auto perr = protocol_error()) {
        std::ostringstream text;
        text << "protocol error: " << *perr;
        return text.str();
    }
    if (const int err = error())
        return std::string("connection error: ") + std::strerror(err);
    return "connection healthy";
}

void Client::destroy_wm_base() {
    // Send the destructor request but keep the proxy: if the compositor
    // answers with a protocol error, libwayland can only name the interface
    // of an object that still exists on this side.
    auto *proxy = reinterpret_cast<wl_proxy *>(wm_base_.get());
    wl_proxy_marshal_flags(proxy, XDG_WM_BASE_DESTROY, nullptr, wl_proxy_get_version(proxy), 0);
    flush();
}

void Client::sever() { ::shutdown(wl_display_get_fd(display()), SHUT_RDWR); }

} // namespace sluice::test
