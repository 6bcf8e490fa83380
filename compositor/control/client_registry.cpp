#include "compositor/control/client_registry.hpp"

#include <fstream>

namespace sluice::control {

ClientRegistry::ClientRegistry(wl_display *display, std::function<void()> on_empty)
    : on_empty_(std::move(on_empty)) {
    created_.connect_with(&wl_display_add_client_created_listener, display,
                          [this](void *data) { on_created(static_cast<wl_client *>(data)); });
}

void ClientRegistry::on_created(wl_client *client) {
    auto &entry = clients_.emplace_back(std::make_unique<Entry>());
    entry->client = client;
    entry->id = next_id_++;
    uid_t uid = 0;
    gid_t gid = 0;
    wl_client_get_credentials(client, &entry->pid, &uid, &gid);
    std::ifstream comm("/proc/" + std::to_string(entry->pid) + "/comm");
    std::getline(comm, entry->command);

    Entry *raw = entry.get();
    raw->destroy.connect_with(&wl_client_add_destroy_listener, client, [this, raw](void *) {
        clients_.remove_if([raw](const std::unique_ptr<Entry> &e) { return e.get() == raw; });
        if (clients_.empty() && on_empty_) {
            on_empty_();
        }
    });
}

uint64_t ClientRegistry::id_of(wl_client *client) const {
    for (const auto &entry : clients_) {
        if (entry->client == client) {
            return entry->id;
        }
    }
    return 0;
}

const ClientRegistry::Entry *ClientRegistry::find(uint64_t id) const {
    for (const auto &entry : clients_) {
        if (entry->id == id) {
            return entry.get();
        }
    }
    return nullptr;
}

} // namespace sluice::control
