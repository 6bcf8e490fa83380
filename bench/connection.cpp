#include "connection.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "clock.hpp"

namespace bench {

namespace {

const wl_output_listener output_listener = {
    .geometry = [](void *, wl_output *, int32_t, int32_t, int32_t, int32_t, int32_t, const char *, const char *,
                   int32_t) {},
    .mode =
        [](void *data, wl_output *, uint32_t flags, int32_t width, int32_t height, int32_t refresh) {
            if ((flags & WL_OUTPUT_MODE_CURRENT) != 0) {
                *static_cast<OutputMode *>(data) = {width, height, refresh};
            }
        },
    .done = [](void *, wl_output *) {},
    .scale = [](void *, wl_output *, int32_t) {},
};

const xdg_wm_base_listener wm_base_listener = {
    .ping = [](void *, xdg_wm_base *base, uint32_t serial) { xdg_wm_base_pong(base, serial); },
};

const wp_presentation_listener presentation_listener = {
    .clock_id = [](void *data, wp_presentation *,
                   uint32_t clock) { *static_cast<clockid_t *>(data) = clockid_t(clock); },
};

const zwp_linux_dmabuf_v1_listener dmabuf_listener = {
    .format = [](void *, zwp_linux_dmabuf_v1 *, uint32_t) {},
    .modifier =
        [](void *data, zwp_linux_dmabuf_v1 *, uint32_t format, uint32_t hi, uint32_t lo) {
            auto *formats = static_cast<std::vector<std::pair<uint32_t, uint64_t>> *>(data);
            formats->emplace_back(format, (uint64_t(hi) << 32) | lo);
        },
};

template <typename T>
T *bind(wl_registry *registry, uint32_t name, const wl_interface *interface, uint32_t offered, uint32_t wanted) {
    return static_cast<T *>(wl_registry_bind(registry, name, interface, std::min(offered, wanted)));
}

} // namespace

std::unique_ptr<Connection> Connection::open(const std::string &socket, std::string &error) {
    wl_display *display = wl_display_connect(socket.empty() ? nullptr : socket.c_str());
    if (display == nullptr) {
        error = "cannot connect to the Wayland socket '" +
                (socket.empty() ? std::string(getenv("WAYLAND_DISPLAY") ? getenv("WAYLAND_DISPLAY") : "wayland-0")
                                : socket) +
                "': " + strerror(errno);
        return nullptr;
    }
    std::unique_ptr<Connection> connection(new Connection(display));
    if (!connection->init(error)) {
        return nullptr;
    }
    return connection;
}

std::unique_ptr<Connection> Connection::adopt(int fd, std::string &error) {
    wl_display *display = wl_display_connect_to_fd(fd);
    if (display == nullptr) {
        error = std::string("wl_display_connect_to_fd: ") + strerror(errno);
        return nullptr;
    }
    std::unique_ptr<Connection> connection(new Connection(display));
    if (!connection->init(error)) {
        return nullptr;
    }
    return connection;
}

Connection::~Connection() {
    // Proxies before the display: their destructors send requests on it.
    explicit_sync_.reset();
    dmabuf_.reset();
    output_.reset();
    presentation_.reset();
    wm_base_.reset();
    shm_.reset();
    compositor_.reset();
    registry_.reset();
    wl_display_disconnect(display_);
}

void Connection::on_global(void *data, wl_registry *registry, uint32_t name, const char *interface, uint32_t version) {
    auto *self = static_cast<Connection *>(data);
    std::string iface = interface;
    self->global_names_.push_back(iface);
    if (iface == wl_compositor_interface.name && !self->compositor_) {
        self->compositor_.reset(bind<wl_compositor>(registry, name, &wl_compositor_interface, version, 4));
    } else if (iface == wl_shm_interface.name && !self->shm_) {
        self->shm_.reset(bind<wl_shm>(registry, name, &wl_shm_interface, version, 1));
    } else if (iface == xdg_wm_base_interface.name && !self->wm_base_) {
        self->wm_base_.reset(bind<xdg_wm_base>(registry, name, &xdg_wm_base_interface, version, 1));
        xdg_wm_base_add_listener(self->wm_base_.get(), &wm_base_listener, self);
    } else if (iface == wp_presentation_interface.name && !self->presentation_) {
        self->presentation_.reset(bind<wp_presentation>(registry, name, &wp_presentation_interface, version, 1));
        wp_presentation_add_listener(self->presentation_.get(), &presentation_listener, &self->clock_);
    } else if (iface == wl_output_interface.name && !self->output_) {
        // The first output is the one every workload's windows land on: the
        // drivers start each compositor with exactly one.
        self->output_.reset(bind<wl_output>(registry, name, &wl_output_interface, version, 1));
        wl_output_add_listener(self->output_.get(), &output_listener, &self->mode_);
    } else if (iface == zwp_linux_dmabuf_v1_interface.name && !self->dmabuf_ && version >= 3) {
        // Version 3 announces format+modifier pairs as events; version 4
        // moves them into feedback objects, which this client does not need.
        self->dmabuf_.reset(bind<zwp_linux_dmabuf_v1>(registry, name, &zwp_linux_dmabuf_v1_interface, version, 3));
        zwp_linux_dmabuf_v1_add_listener(self->dmabuf_.get(), &dmabuf_listener, &self->dmabuf_formats_);
    } else if (iface == zwp_linux_explicit_synchronization_v1_interface.name && !self->explicit_sync_) {
        self->explicit_sync_.reset(bind<zwp_linux_explicit_synchronization_v1>(
            registry, name, &zwp_linux_explicit_synchronization_v1_interface, version, 2));
    }
}

void Connection::on_global_remove(void *, wl_registry *, uint32_t) {}

bool Connection::init(std::string &error) {
    static const wl_registry_listener registry_listener = {on_global, on_global_remove};
    registry_.reset(wl_display_get_registry(display_));
    wl_registry_add_listener(registry_.get(), &registry_listener, this);
    // Two roundtrips: the first delivers the globals, the second the events
    // sent on binding (clock id, output mode, dma-buf modifiers).
    if (!roundtrip() || !roundtrip()) {
        error = "the compositor closed the connection during setup: " + this->error();
        return false;
    }
    std::string missing;
    if (!compositor_) {
        missing += " wl_compositor";
    }
    if (!shm_) {
        missing += " wl_shm";
    }
    if (!wm_base_) {
        missing += " xdg_wm_base";
    }
    if (!missing.empty()) {
        error = "the compositor does not offer:" + missing;
        return false;
    }
    return true;
}

bool Connection::has_global(const std::string &interface) const {
    return std::find(global_names_.begin(), global_names_.end(), interface) != global_names_.end();
}

int64_t Connection::now() const { return now_ns(clock_); }

std::vector<uint64_t> Connection::dmabuf_modifiers(uint32_t format) const {
    std::vector<uint64_t> out;
    for (auto [f, modifier] : dmabuf_formats_) {
        if (f == format) {
            out.push_back(modifier);
        }
    }
    return out;
}

bool Connection::roundtrip() { return wl_display_roundtrip(display_) >= 0; }

std::string Connection::error() const {
    int code = wl_display_get_error(display_);
    if (code == 0) {
        return "";
    }
    const wl_interface *interface = nullptr;
    uint32_t id = 0;
    uint32_t protocol_code = wl_display_get_protocol_error(display_, &interface, &id);
    if (code == EPROTO && interface != nullptr) {
        return std::string("protocol error ") + std::to_string(protocol_code) + " on " + interface->name + "@" +
               std::to_string(id);
    }
    return strerror(code);
}

bool Connection::pump(int timeout_ms) {
    Connection *self = this;
    return pump(std::span<Connection *const>(&self, 1), timeout_ms);
}

bool Connection::pump(std::span<Connection *const> connections, int timeout_ms) {
    // libwayland's multi-threaded read protocol used from one thread over
    // many displays: prepare all, poll once, then read or cancel each, so
    // that N clients cost one poll per wake-up instead of N.
    std::vector<pollfd> fds(connections.size());
    std::vector<bool> prepared(connections.size(), false);
    bool ok = true;
    for (size_t n = 0; n < connections.size(); ++n) {
        wl_display *display = connections[n]->display_;
        fds[n] = {-1, POLLIN, 0};
        if (wl_display_get_error(display) != 0) {
            ok = false;
            continue;
        }
        bool alive = true;
        while (wl_display_prepare_read(display) != 0) {
            if (wl_display_dispatch_pending(display) < 0) {
                alive = false;
                break;
            }
        }
        if (!alive) {
            ok = false;
            continue;
        }
        prepared[n] = true;
        // Requests wait in libwayland's buffer until flushed; a full socket
        // (EAGAIN) is retried on the next pump.
        if (wl_display_flush(display) < 0 && errno != EAGAIN) {
            ok = false;
        }
        fds[n].fd = wl_display_get_fd(display);
    }
    int ready = poll(fds.data(), fds.size(), timeout_ms);
    for (size_t n = 0; n < connections.size(); ++n) {
        if (!prepared[n]) {
            continue;
        }
        wl_display *display = connections[n]->display_;
        if (ready > 0 && (fds[n].revents & (POLLIN | POLLERR | POLLHUP)) != 0) {
            if (wl_display_read_events(display) < 0) {
                ok = false;
            }
        } else {
            wl_display_cancel_read(display);
        }
        if (wl_display_dispatch_pending(display) < 0) {
            ok = false;
        }
    }
    return ok;
}

} // namespace bench
