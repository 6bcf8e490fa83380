#include "compositor/core/clients.hpp"

#include <fstream>

#include "common/log.hpp"

namespace sluice {

namespace {

std::string describe(const Clients::Client &client) {
    return (client.command.empty() ? std::string("?") : client.command) + " (pid " + std::to_string(client.pid) +
           ", uid " + std::to_string(client.uid) + ")";
}

} // namespace

Clients::Clients(wl_display *display) {
    created_.connect_with(&wl_display_add_client_created_listener, display,
                          [this](void *data) { on_created(static_cast<wl_client *>(data)); });
}

void Clients::on_created(wl_client *client) {
    auto &entry = clients_.emplace_back(std::make_unique<Client>());
    entry->client = client;
    entry->id = next_id_++;
    gid_t gid = 0;
    wl_client_get_credentials(client, &entry->pid, &entry->uid, &gid);
    std::ifstream comm("/proc/" + std::to_string(entry->pid) + "/comm");
    std::getline(comm, entry->command);
    LOG_INFO(client, "connected: %s", describe(*entry).c_str());

    Client *raw = entry.get();
    raw->destroy.connect_with(&wl_client_add_destroy_listener, client, [this, raw](void *) {
        LOG_INFO(client, "left: %s", describe(*raw).c_str());
        clients_.remove_if([raw](const std::unique_ptr<Client> &c) { return c.get() == raw; });
        if (clients_.empty() && on_empty_) {
            on_empty_();
        }
    });
}

const Clients::Client *Clients::find(wl_client *client) const {
    for (const auto &entry : clients_) {
        if (entry->client == client) {
            return entry.get();
        }
    }
    return nullptr;
}

const Clients::Client *Clients::find(uint64_t id) const {
    for (const auto &entry : clients_) {
        if (entry->id == id) {
            return entry.get();
        }
    }
    return nullptr;
}

uint64_t Clients::id_of(wl_client *client) const {
    const Client *entry = find(client);
    return entry != nullptr ? entry->id : 0;
}

} // namespace sluice
