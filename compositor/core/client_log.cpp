#include "compositor/core/client_log.hpp"

#include <fstream>

#include "common/log.hpp"

namespace sluice {

namespace {

std::string describe(wl_client *client) {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    wl_client_get_credentials(client, &pid, &uid, &gid);
    std::string command;
    std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
    std::getline(comm, command);
    return (command.empty() ? std::string("?") : command) + " (pid " + std::to_string(pid) + ", uid " +
           std::to_string(uid) + ")";
}

} // namespace

ClientLog::ClientLog(wl_display *display) {
    created_.connect_with(&wl_display_add_client_created_listener, display,
                          [this](void *data) { on_client_created(static_cast<wl_client *>(data)); });
}

void ClientLog::on_client_created(wl_client *client) {
    auto &entry = clients_.emplace_back(std::make_unique<Client>());
    entry->name = describe(client);
    LOG_INFO(client, "connected: %s", entry->name.c_str());

    Client *raw = entry.get();
    raw->destroy.connect_with(&wl_client_add_destroy_listener, client, [this, raw](void *) {
        LOG_INFO(client, "left: %s", raw->name.c_str());
        clients_.remove_if([raw](const std::unique_ptr<Client> &c) { return c.get() == raw; });
    });
}

} // namespace sluice
