#include "compositor/control/client_directory.hpp"

#include "compositor/core/clients.hpp"

namespace sluice::control {

ClientDirectory::ClientDirectory(Clients &clients, std::function<void()> on_last_left) : clients_(clients) {
    clients_.set_on_empty(std::move(on_last_left));
}

ClientDirectory::~ClientDirectory() { clients_.set_on_empty(nullptr); }

std::vector<ClientDirectory::Client> ClientDirectory::list() const {
    std::vector<Client> list;
    for (const auto &entry : clients_.all()) {
        list.push_back(Client{entry->client, entry->id, entry->pid, entry->command});
    }
    return list;
}

uint64_t ClientDirectory::id_of(wl_client *client) const { return clients_.id_of(client); }

} // namespace sluice::control
