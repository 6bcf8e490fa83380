// The Wayland clients connected now, in the order they came: who each is
// (pid, uid, command), a number to name it by, a log line as each connects
// and leaves, and the moment the last one leaves (--exit-when-empty).
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <sys/types.h>

#include "common/listener.hpp"

namespace sluice {

class Clients {
public:
    struct Client {
        wl_client *client = nullptr;
        uint64_t id = 0; // from 1, in connection order, never reused
        pid_t pid = 0;
        uid_t uid = 0;
        std::string command; // /proc/<pid>/comm, empty if unknown
        Listener destroy;
    };

    explicit Clients(wl_display *display);
    ~Clients() = default;

    Clients(const Clients &) = delete;
    Clients &operator=(const Clients &) = delete;

    // Runs when the last client leaves, once at least one came; an empty
    // function removes it (at shutdown, clients leaving are no reason).
    void set_on_empty(std::function<void()> on_empty) { on_empty_ = std::move(on_empty); }

    const std::list<std::unique_ptr<Client>> &all() const { return clients_; }
    size_t connected() const { return clients_.size(); }
    // Null for a client that connected before this existed.
    const Client *find(wl_client *client) const;
    const Client *find(uint64_t id) const;
    // 0 for a client that connected before this existed.
    uint64_t id_of(wl_client *client) const;

private:
    void on_created(wl_client *client);

    std::function<void()> on_empty_;
    uint64_t next_id_ = 1;
    Listener created_;
    std::list<std::unique_ptr<Client>> clients_;
};

} // namespace sluice
