#include "compositor/control/control.hpp"

#include <cstdlib>

#include "common/log.hpp"
#include "compositor/control/client_directory.hpp"
#include "compositor/control/commands.hpp"
#include "compositor/control/control_server.hpp"
#include "compositor/control/virtual_input.hpp"
#include "compositor/core/server.hpp"

namespace sluice::control {

Control::Control(Server &server) : server_(server) {
    clients_ = std::make_unique<ClientDirectory>(server_.clients(), [this] {
        if (server_.options().exit_when_empty) {
            LOG_INFO(control, "the last client left: exiting (--exit-when-empty)");
            server_.terminate(0);
        }
    });
    input_ = std::make_unique<VirtualInput>(server_);
    commands_ = std::make_unique<Commands>(server_, *clients_, *input_);
}

Control::~Control() = default;

bool Control::start(const std::string &wayland_socket) {
    const auto &wanted = server_.options().control_socket;
    if (!wanted) {
        return true;
    }
    std::string path = *wanted;
    if (path.empty()) {
        const char *runtime_dir = getenv("XDG_RUNTIME_DIR");
        if (runtime_dir == nullptr || wayland_socket.empty()) {
            LOG_ERROR(control, "no place for the control socket: XDG_RUNTIME_DIR is unset or there is no "
                               "Wayland socket (give --control-socket=PATH)");
            return false;
        }
        path = std::string(runtime_dir) + "/" + wayland_socket + ".control";
    }
    socket_ =
        ControlServer::create(server_.event_loop(), path, [this](const std::vector<std::string> &words, Reply reply) {
            return commands_->run(words, std::move(reply));
        });
    if (socket_ == nullptr) {
        return false;
    }
    std::string why;
    if (input_->available(&why)) {
        input_->create_all();
    } else {
        LOG_INFO(control, "sluicectl input commands unavailable: %s", why.c_str());
    }
    return true;
}

} // namespace sluice::control
