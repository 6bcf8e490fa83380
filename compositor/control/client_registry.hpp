// The Wayland clients connected now, numbered in the order they came, for
// `sluicectl clients` and the ids of surfaces and windows; and the moment
// the last one leaves, for --exit-when-empty.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <sys/types.h>

#include "common/listener.hpp"

namespace sluice::control {

class ClientRegistry {
public:
    struct Entry {
        wl_client *client = nullptr;
        uint64_t id = 0;
        pid_t pid = 0;
        std::string command; // /proc/<pid>/comm
        Listener destroy;
    };

    // `on_empty` runs when the last client leaves, once at least one came.
    ClientRegistry(wl_display *display, std::function<void()> on_empty);
    ~ClientRegistry() = default;

    ClientRegistry(const ClientRegistry &) = delete;
    ClientRegistry &operator=(const ClientRegistry &) = delete;

    const std::list<std::unique_ptr<Entry>> &clients() const { return clients_; }
    // 0 for a client that connected before the registry existed.
    uint64_t id_of(wl_client *client) const;
    const Entry *find(uint64_t id) const;

private:
    void on_created(wl_client *client);

    std::function<void()> on_empty_;
    uint64_t next_id_ = 1;
    Listener created_;
    std::list<std::unique_ptr<Entry>> clients_;
};

} // namespace sluice::control
