#include "compositor/control/client_directory.hpp"

#include "compositor/control/client_registry.hpp"

namespace sluice::control {

ClientDirectory::ClientDirectory(wl_display *display, std::function<void()> on_last_left)
    : registry_(std::make_unique<ClientRegistry>(display, std::move(on_last_left))) {}

ClientDirectory::~ClientDirectory() = default;

std::vector<ClientDirectory::Client> ClientDirectory::list() const {
    std::vector<Client> list;
    for (const auto &entry : registry_->clients()) {
        list.push_back(Client{entry->client, entry->id, entry->pid, entry->command});
    }
    return list;
}

uint64_t ClientDirectory::id_of(wl_client *client) const { return registry_->id_of(client); }

} // namespace sluice::control
