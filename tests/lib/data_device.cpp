#include "data_device.hpp"

#include <algorithm>
#include <cerrno>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "unique_fd.hpp"

namespace sluice::test {

namespace {

// Writes the payload for `mime` into the fd a `send` event brought, without
// blocking: the reader lives in this same process and only reads once the
// test dispatches it, so a payload larger than the pipe would hang the test.
void write_payload(SourceLog &log, const std::map<std::string, std::string> &payloads, const char *mime,
                   int32_t raw_fd) {
    UniqueFd fd(raw_fd);
    log.sends.emplace_back(mime);
    auto payload = payloads.find(mime);
    if (payload == payloads.end()) {
        return; // Closing the fd unread is the answer to an unknown type.
    }
    const int flags = fcntl(fd.get(), F_GETFL);
    fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK);
    const std::string &data = payload->second;
    size_t written = 0;
    while (written < data.size()) {
        const ssize_t n = write(fd.get(), data.data() + written, data.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            ++log.write_failures;
            return;
        }
        written += static_cast<size_t>(n);
    }
}

bool contains(const std::vector<std::string> &list, const std::string &item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

// Reads `read_end` to EOF while every client keeps dispatching.
std::optional<std::string> read_to_eof(UniqueFd read_end, Client &receiver, std::initializer_list<Client *> others,
                                       std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    receiver.flush();
    std::string data;
    for (;;) {
        char chunk[4096];
        const ssize_t n = read(read_end.get(), chunk, sizeof chunk);
        if (n > 0) {
            data.append(chunk, static_cast<size_t>(n));
            continue;
        }
        if (n == 0) {
            return data;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN || std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        receiver.dispatch_once(std::chrono::milliseconds{0});
        for (Client *other : others) {
            other->dispatch_once(std::chrono::milliseconds{0});
        }
        pollfd pfd{.fd = read_end.get(), .events = POLLIN, .revents = 0};
        poll(&pfd, 1, 10);
    }
}

// A pipe whose read end does not block; the write end is handed away.
bool make_pipe(UniqueFd &read_end, UniqueFd &write_end) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        return false;
    }
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
    return fcntl(read_end.get(), F_SETFL, O_NONBLOCK) == 0;
}

} // namespace

// --- DataSource ----------------------------------------------------------------

const wl_data_source_listener DataSource::listener = {
    .target =
        [](void *data, wl_data_source *, const char *mime) {
            auto *self = static_cast<DataSource *>(data);
            self->log_.targets.push_back(mime != nullptr ? std::optional<std::string>(mime) : std::nullopt);
            self->log_.events.emplace_back("target");
        },
    .send =
        [](void *data, wl_data_source *, const char *mime, int32_t fd) {
            auto *self = static_cast<DataSource *>(data);
            write_payload(self->log_, self->payloads_, mime, fd);
        },
    .cancelled =
        [](void *data, wl_data_source *) {
            auto *self = static_cast<DataSource *>(data);
            self->log_.cancelled = true;
            self->log_.events.emplace_back("cancelled");
        },
    .dnd_drop_performed =
        [](void *data, wl_data_source *) {
            auto *self = static_cast<DataSource *>(data);
            self->log_.drop_performed = true;
            self->log_.events.emplace_back("dnd_drop_performed");
        },
    .dnd_finished =
        [](void *data, wl_data_source *) {
            auto *self = static_cast<DataSource *>(data);
            self->log_.finished = true;
            self->log_.events.emplace_back("dnd_finished");
        },
    .action =
        [](void *data, wl_data_source *, uint32_t action) {
            auto *self = static_cast<DataSource *>(data);
            self->log_.action = action;
            self->log_.events.emplace_back("action");
        },
};

DataSource::DataSource(wl_data_device_manager *manager, std::map<std::string, std::string> payloads,
                       uint32_t dnd_actions)
    : payloads_(std::move(payloads)), source_(wl_data_device_manager_create_data_source(manager)) {
    wl_data_source_add_listener(source_.get(), &listener, this);
    for (const auto &[mime, data] : payloads_) {
        wl_data_source_offer(source_.get(), mime.c_str());
    }
    if (dnd_actions != 0) {
        wl_data_source_set_actions(source_.get(), dnd_actions);
    }
}

// --- DataDevice ------------------------------------------------------------------

bool DataOffer::offers(const std::string &mime) const { return contains(mime_types, mime); }

const wl_data_offer_listener DataDevice::offer_listener = {
    .offer = [](void *data, wl_data_offer *,
                const char *mime) { static_cast<DataOffer *>(data)->mime_types.emplace_back(mime); },
    .source_actions = [](void *data, wl_data_offer *,
                         uint32_t actions) { static_cast<DataOffer *>(data)->source_actions = actions; },
    .action = [](void *data, wl_data_offer *, uint32_t action) { static_cast<DataOffer *>(data)->action = action; },
};

const wl_data_device_listener DataDevice::device_listener = {
    .data_offer =
        [](void *data, wl_data_device *, wl_data_offer *proxy) {
            auto *self = static_cast<DataDevice *>(data);
            auto &offer = self->offers_.emplace_back(std::make_unique<DataOffer>());
            offer->proxy.reset(proxy);
            wl_data_offer_add_listener(proxy, &offer_listener, offer.get());
        },
    .enter =
        [](void *data, wl_data_device *, uint32_t serial, wl_surface *surface, wl_fixed_t, wl_fixed_t,
           wl_data_offer *proxy) {
            auto *self = static_cast<DataDevice *>(data);
            self->drag_offer_ = self->find(proxy);
            self->drag_surface_ = surface;
            self->enter_serial_ = serial;
            self->dropped_ = false;
            ++self->enters_;
        },
    .leave =
        [](void *data, wl_data_device *) {
            auto *self = static_cast<DataDevice *>(data);
            if (!self->dropped_) {
                self->drag_offer_ = nullptr;
            }
            self->drag_surface_ = nullptr;
            ++self->leaves_;
        },
    .motion = [](void *data, wl_data_device *, uint32_t, wl_fixed_t,
                 wl_fixed_t) { ++static_cast<DataDevice *>(data)->motions_; },
    .drop =
        [](void *data, wl_data_device *) {
            auto *self = static_cast<DataDevice *>(data);
            self->dropped_ = true;
            ++self->drops_;
        },
    .selection =
        [](void *data, wl_data_device *, wl_data_offer *proxy) {
            auto *self = static_cast<DataDevice *>(data);
            self->selection_ = self->find(proxy);
            ++self->selection_events_;
        },
};

DataDevice::DataDevice(wl_data_device_manager *manager, wl_seat *seat)
    : device_(wl_data_device_manager_get_data_device(manager, seat)) {
    wl_data_device_add_listener(device_.get(), &device_listener, this);
}

DataDevice::~DataDevice() = default;

DataOffer *DataDevice::find(wl_data_offer *proxy) const {
    for (const auto &offer : offers_) {
        if (offer->proxy.get() == proxy) {
            return offer.get();
        }
    }
    return nullptr;
}

void DataDevice::set_selection(wl_data_source *source, uint32_t serial) {
    wl_data_device_set_selection(device_.get(), source, serial);
}

void DataDevice::start_drag(wl_data_source *source, wl_surface *origin, wl_surface *icon, uint32_t serial) {
    wl_data_device_start_drag(device_.get(), source, origin, icon, serial);
}

// --- primary selection -------------------------------------------------------------

const zwp_primary_selection_source_v1_listener PrimarySource::listener = {
    .send =
        [](void *data, zwp_primary_selection_source_v1 *, const char *mime, int32_t fd) {
            auto *self = static_cast<PrimarySource *>(data);
            write_payload(self->log_, self->payloads_, mime, fd);
        },
    .cancelled =
        [](void *data, zwp_primary_selection_source_v1 *) {
            auto *self = static_cast<PrimarySource *>(data);
            self->log_.cancelled = true;
            self->log_.events.emplace_back("cancelled");
        },
};

PrimarySource::PrimarySource(zwp_primary_selection_device_manager_v1 *manager,
                             std::map<std::string, std::string> payloads)
    : payloads_(std::move(payloads)), source_(zwp_primary_selection_device_manager_v1_create_source(manager)) {
    zwp_primary_selection_source_v1_add_listener(source_.get(), &listener, this);
    for (const auto &[mime, data] : payloads_) {
        zwp_primary_selection_source_v1_offer(source_.get(), mime.c_str());
    }
}

bool PrimaryOffer::offers(const std::string &mime) const { return contains(mime_types, mime); }

const zwp_primary_selection_offer_v1_listener PrimaryDevice::offer_listener = {
    .offer = [](void *data, zwp_primary_selection_offer_v1 *,
                const char *mime) { static_cast<PrimaryOffer *>(data)->mime_types.emplace_back(mime); },
};

const zwp_primary_selection_device_v1_listener PrimaryDevice::device_listener = {
    .data_offer =
        [](void *data, zwp_primary_selection_device_v1 *, zwp_primary_selection_offer_v1 *proxy) {
            auto *self = static_cast<PrimaryDevice *>(data);
            auto &offer = self->offers_.emplace_back(std::make_unique<PrimaryOffer>());
            offer->proxy.reset(proxy);
            zwp_primary_selection_offer_v1_add_listener(proxy, &offer_listener, offer.get());
        },
    .selection =
        [](void *data, zwp_primary_selection_device_v1 *, zwp_primary_selection_offer_v1 *proxy) {
            auto *self = static_cast<PrimaryDevice *>(data);
            self->selection_ = nullptr;
            for (const auto &offer : self->offers_) {
                if (offer->proxy.get() == proxy) {
                    self->selection_ = offer.get();
                }
            }
            ++self->selection_events_;
        },
};

PrimaryDevice::PrimaryDevice(zwp_primary_selection_device_manager_v1 *manager, wl_seat *seat)
    : device_(zwp_primary_selection_device_manager_v1_get_device(manager, seat)) {
    zwp_primary_selection_device_v1_add_listener(device_.get(), &device_listener, this);
}

PrimaryDevice::~PrimaryDevice() = default;

void PrimaryDevice::set_selection(zwp_primary_selection_source_v1 *source, uint32_t serial) {
    zwp_primary_selection_device_v1_set_selection(device_.get(), source, serial);
}

// --- reading -------------------------------------------------------------------------

std::optional<std::string> receive(Client &receiver, wl_data_offer *offer, const std::string &mime,
                                   std::initializer_list<Client *> others, std::chrono::milliseconds timeout) {
    UniqueFd read_end, write_end;
    if (!make_pipe(read_end, write_end)) {
        return std::nullopt;
    }
    wl_data_offer_receive(offer, mime.c_str(), write_end.get());
    // libwayland duplicated the fd into its queue; ours must close so that
    // EOF comes when the source closes its copy.
    write_end.reset();
    return read_to_eof(std::move(read_end), receiver, others, timeout);
}

std::optional<std::string> receive(Client &receiver, zwp_primary_selection_offer_v1 *offer, const std::string &mime,
                                   std::initializer_list<Client *> others, std::chrono::milliseconds timeout) {
    UniqueFd read_end, write_end;
    if (!make_pipe(read_end, write_end)) {
        return std::nullopt;
    }
    zwp_primary_selection_offer_v1_receive(offer, mime.c_str(), write_end.get());
    write_end.reset();
    return read_to_eof(std::move(read_end), receiver, others, timeout);
}

} // namespace sluice::test
