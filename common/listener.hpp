// A wl_listener that cannot be forgotten: connected in one call,
// disconnected in its destructor, never copied or moved (libwayland links
// the wl_listener itself into the signal's list, so its address must not
// change while connected).
#pragma once

#include <functional>
#include <utility>

#include <wayland-server-core.h>

namespace sluice {

class Listener {
public:
    using Callback = std::function<void(void *data)>;

    Listener() { wl_list_init(&hook_.listener.link); }
    ~Listener() { disconnect(); }

    Listener(const Listener &) = delete;
    Listener &operator=(const Listener &) = delete;
    Listener(Listener &&) = delete;
    Listener &operator=(Listener &&) = delete;

    void connect(wl_signal *signal, Callback callback) {
        disconnect();
        callback_ = std::move(callback);
        hook_.listener.notify = &Listener::dispatch;
        hook_.owner = this;
        wl_signal_add(signal, &hook_.listener);
    }

    // For the libwayland objects that expose no wl_signal, only an
    // add-listener function (wl_client, wl_display's client_created).
    template <typename Owner>
    void connect_with(void (*add)(Owner *, wl_listener *), Owner *owner, Callback callback) {
        disconnect();
        callback_ = std::move(callback);
        hook_.listener.notify = &Listener::dispatch;
        hook_.owner = this;
        add(owner, &hook_.listener);
    }

    void disconnect() {
        // wl_list_remove on an initialised, unlinked node is harmless;
        // re-initialising keeps a second disconnect harmless too.
        wl_list_remove(&hook_.listener.link);
        wl_list_init(&hook_.listener.link);
    }

    [[nodiscard]] bool connected() const { return !wl_list_empty(&hook_.listener.link); }

private:
    struct Hook {
        wl_listener listener{};
        Listener *owner = nullptr;
    };

    static void dispatch(wl_listener *listener, void *data) {
        // Hook is standard-layout with the wl_listener first.
        auto *hook = reinterpret_cast<Hook *>(listener);
        // Copy: the callback may destroy this Listener (e.g. a destroy signal).
        Callback callback = hook->owner->callback_;
        callback(data);
    }

    Hook hook_;
    Callback callback_;
};

} // namespace sluice
