// Clipboard, primary selection and drag-and-drop from a client's side:
// sources that hand out fixed payloads, devices that record what the
// compositor offers, and reading an offer through a pipe without blocking
// forever. The serials these requests need come from SeatObserver.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client.hpp"
#include "proxy.hpp"

#include "primary-selection-unstable-v1-client-protocol.h"

namespace sluice::test {

#define SLUICE_TEST_DATA_PROXY_DELETER(type, destroy_fn)  \
    template <>                                           \
    struct ProxyDeleter<type> {                           \
        void operator()(type *p) const { destroy_fn(p); } \
    }

// wl_data_device_manager has no destructor request: it is only forgotten.
SLUICE_TEST_DATA_PROXY_DELETER(wl_data_device_manager, wl_data_device_manager_destroy);
SLUICE_TEST_DATA_PROXY_DELETER(wl_data_source, wl_data_source_destroy);
SLUICE_TEST_DATA_PROXY_DELETER(wl_data_offer, wl_data_offer_destroy);
SLUICE_TEST_DATA_PROXY_DELETER(zwp_primary_selection_device_manager_v1,
                               zwp_primary_selection_device_manager_v1_destroy);
SLUICE_TEST_DATA_PROXY_DELETER(zwp_primary_selection_device_v1, zwp_primary_selection_device_v1_destroy);
SLUICE_TEST_DATA_PROXY_DELETER(zwp_primary_selection_source_v1, zwp_primary_selection_source_v1_destroy);
SLUICE_TEST_DATA_PROXY_DELETER(zwp_primary_selection_offer_v1, zwp_primary_selection_offer_v1_destroy);

#undef SLUICE_TEST_DATA_PROXY_DELETER

// wl_data_device.release exists from version 2 on.
template <>
struct ProxyDeleter<wl_data_device> {
    void operator()(wl_data_device *p) const {
        if (wl_data_device_get_version(p) >= WL_DATA_DEVICE_RELEASE_SINCE_VERSION) {
            wl_data_device_release(p);
        } else {
            wl_data_device_destroy(p);
        }
    }
};

inline constexpr const char *text_mime = "text/plain;charset=utf-8";

// What a source has been told, for wl_data_source and the primary one
// alike (the primary source only ever gets `send` and `cancelled`).
struct SourceLog {
    std::vector<std::string> sends; // mime types, in order
    uint32_t write_failures = 0;    // payloads that did not fit the pipe
    bool cancelled = false;
    // Drag and drop only.
    std::vector<std::optional<std::string>> targets; // wl_data_source.target
    std::optional<uint32_t> action;                  // last wl_data_source.action
    bool drop_performed = false;
    bool finished = false;
    // Every event but `send`, in order: "target", "action", "cancelled",
    // "dnd_drop_performed", "dnd_finished".
    std::vector<std::string> events;
};

// A wl_data_source offering one payload per mime type. Each `send` gets the
// payload written (without blocking) and the fd closed.
class DataSource {
public:
    // `dnd_actions` (wl_data_device_manager.dnd_action bits) are set when
    // non-zero; a drag source needs them, a selection source must not.
    DataSource(wl_data_device_manager *manager, std::map<std::string, std::string> payloads, uint32_t dnd_actions = 0);

    DataSource(const DataSource &) = delete;
    DataSource &operator=(const DataSource &) = delete;

    [[nodiscard]] wl_data_source *get() const { return source_.get(); }
    [[nodiscard]] const SourceLog &log() const { return log_; }
    // Sends wl_data_source.destroy now.
    void destroy() { source_.reset(); }

private:
    static const wl_data_source_listener listener;

    std::map<std::string, std::string> payloads_;
    SourceLog log_;
    Proxy<wl_data_source> source_;
};

// One wl_data_offer as the receiving client sees it.
struct DataOffer {
    Proxy<wl_data_offer> proxy;
    std::vector<std::string> mime_types;
    uint32_t source_actions = 0;
    std::optional<uint32_t> action; // last wl_data_offer.action
    [[nodiscard]] bool offers(const std::string &mime) const;
};

// A wl_data_device that records selections and drags. Every offer it was
// given stays alive (and pointers to it valid) until the device goes away,
// so a test may hold on to one across later events.
class DataDevice {
public:
    DataDevice(wl_data_device_manager *manager, wl_seat *seat);
    ~DataDevice();

    DataDevice(const DataDevice &) = delete;
    DataDevice &operator=(const DataDevice &) = delete;

    [[nodiscard]] wl_data_device *get() const { return device_.get(); }

    // The current selection offer; null before any and after a clear.
    [[nodiscard]] DataOffer *selection() const { return selection_; }
    [[nodiscard]] uint32_t selection_events() const { return selection_events_; }

    // The offer of the drag over this client since the last enter, kept
    // after the drop (the data still has to be read), dropped on leave
    // otherwise.
    [[nodiscard]] DataOffer *drag_offer() const { return drag_offer_; }
    [[nodiscard]] wl_surface *drag_surface() const { return drag_surface_; }
    [[nodiscard]] uint32_t enter_serial() const { return enter_serial_; }
    [[nodiscard]] uint32_t enters() const { return enters_; }
    [[nodiscard]] uint32_t leaves() const { return leaves_; }
    [[nodiscard]] uint32_t motions() const { return motions_; }
    [[nodiscard]] uint32_t drops() const { return drops_; }

    void set_selection(wl_data_source *source, uint32_t serial);
    void start_drag(wl_data_source *source, wl_surface *origin, wl_surface *icon, uint32_t serial);

private:
    static const wl_data_device_listener device_listener;
    static const wl_data_offer_listener offer_listener;

    DataOffer *find(wl_data_offer *proxy) const;

    Proxy<wl_data_device> device_;
    // Declared after the device so that the offers are destroyed first.
    std::vector<std::unique_ptr<DataOffer>> offers_;
    DataOffer *selection_ = nullptr;
    DataOffer *drag_offer_ = nullptr;
    wl_surface *drag_surface_ = nullptr;
    bool dropped_ = false;
    uint32_t selection_events_ = 0;
    uint32_t enter_serial_ = 0;
    uint32_t enters_ = 0;
    uint32_t leaves_ = 0;
    uint32_t motions_ = 0;
    uint32_t drops_ = 0;
};

// zwp_primary_selection_source_v1 with fixed payloads, like DataSource.
class PrimarySource {
public:
    PrimarySource(zwp_primary_selection_device_manager_v1 *manager, std::map<std::string, std::string> payloads);

    PrimarySource(const PrimarySource &) = delete;
    PrimarySource &operator=(const PrimarySource &) = delete;

    [[nodiscard]] zwp_primary_selection_source_v1 *get() const { return source_.get(); }
    [[nodiscard]] const SourceLog &log() const { return log_; }
    void destroy() { source_.reset(); }

private:
    static const zwp_primary_selection_source_v1_listener listener;

    std::map<std::string, std::string> payloads_;
    SourceLog log_;
    Proxy<zwp_primary_selection_source_v1> source_;
};

struct PrimaryOffer {
    Proxy<zwp_primary_selection_offer_v1> proxy;
    std::vector<std::string> mime_types;
    [[nodiscard]] bool offers(const std::string &mime) const;
};

// zwp_primary_selection_device_v1, keeping its offers like DataDevice.
class PrimaryDevice {
public:
    PrimaryDevice(zwp_primary_selection_device_manager_v1 *manager, wl_seat *seat);
    ~PrimaryDevice();

    PrimaryDevice(const PrimaryDevice &) = delete;
    PrimaryDevice &operator=(const PrimaryDevice &) = delete;

    [[nodiscard]] PrimaryOffer *selection() const { return selection_; }
    [[nodiscard]] uint32_t selection_events() const { return selection_events_; }

    void set_selection(zwp_primary_selection_source_v1 *source, uint32_t serial);

private:
    static const zwp_primary_selection_device_v1_listener device_listener;
    static const zwp_primary_selection_offer_v1_listener offer_listener;

    Proxy<zwp_primary_selection_device_v1> device_;
    // Declared after the device so that the offers are destroyed first.
    std::vector<std::unique_ptr<PrimaryOffer>> offers_;
    PrimaryOffer *selection_ = nullptr;
    uint32_t selection_events_ = 0;
};

// Reads an offer: sends `receive` from `receiver` with the write end of a
// fresh pipe and reads the other end to EOF, dispatching `receiver` and
// `others` meanwhile (the source's client has to answer `send` within this
// very process). nullopt when no EOF came within `timeout`.
std::optional<std::string> receive(Client &receiver, wl_data_offer *offer, const std::string &mime,
                                   std::initializer_list<Client *> others,
                                   std::chrono::milliseconds timeout = default_timeout);
std::optional<std::string> receive(Client &receiver, zwp_primary_selection_offer_v1 *offer, const std::string &mime,
                                   std::initializer_list<Client *> others,
                                   std::chrono::milliseconds timeout = default_timeout);

} // namespace sluice::test
