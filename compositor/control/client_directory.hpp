// The clients as control sees them: numbered in the order they came (the
// CLIENT of sluicectl's CLIENT.OBJECT ids), with pid and command, and the
// moment the last one leaves (--exit-when-empty). A view of the server's one
// client tracker (compositor/core/clients.hpp); every part of control asks
// this, never the tracker itself.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

struct wl_client;

namespace sluice {
class Clients;
}

namespace sluice::control {

class ClientDirectory {
public:
    struct Client {
        wl_client *handle = nullptr;
        uint64_t id = 0;
        pid_t pid = 0;
        std::string command; // /proc/<pid>/comm
    };

    // `on_last_left` runs when the last client leaves, once at least one
    // came; it is the tracker's one such hook while this lives.
    ClientDirectory(Clients &clients, std::function<void()> on_last_left);
    ~ClientDirectory();

    ClientDirectory(const ClientDirectory &) = delete;
    ClientDirectory &operator=(const ClientDirectory &) = delete;

    // In order of connection.
    [[nodiscard]] std::vector<Client> list() const;
    // 0 for a client that connected before control existed.
    [[nodiscard]] uint64_t id_of(wl_client *client) const;

private:
    Clients &clients_;
};

} // namespace sluice::control
