// Logs each client as it connects and leaves, with its pid and command, so
// a user reading the log can tell who was there.
#pragma once

#include <list>
#include <memory>
#include <string>

#include "common/listener.hpp"

namespace sluice {

class ClientLog {
public:
    explicit ClientLog(wl_display *display);
    ~ClientLog() = default;

    ClientLog(const ClientLog &) = delete;
    ClientLog &operator=(const ClientLog &) = delete;

    size_t connected() const { return clients_.size(); }

private:
    struct Client {
        std::string name;
        Listener destroy;
    };

    void on_client_created(wl_client *client);

    Listener created_;
    std::list<std::unique_ptr<Client>> clients_;
};

} // namespace sluice
