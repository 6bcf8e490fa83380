// What sluice offers test harnesses, held by the Server: the clients as
// control numbers them (and --exit-when-empty), virtual input devices, and
// the control socket sluicectl talks to (--test-server, --control-socket).
#pragma once

#include <memory>
#include <string>

namespace sluice {
class Server;
}

namespace sluice::control {

class ClientDirectory;
class Commands;
class ControlServer;
class VirtualInput;

class Control {
public:
    // Made before the Wayland socket opens, so every client is seen.
    explicit Control(Server &server);
    ~Control();

    Control(const Control &) = delete;
    Control &operator=(const Control &) = delete;

    // Opens the control socket if the options ask for one; called once the
    // backend runs. `wayland_socket` is the Wayland socket's name (may be
    // empty when sluice opened none). False (logged) if it cannot be opened.
    bool start(const std::string &wayland_socket);

    VirtualInput &input() { return *input_; }

private:
    Server &server_;
    std::unique_ptr<ClientDirectory> clients_;
    std::unique_ptr<VirtualInput> input_;
    std::unique_ptr<Commands> commands_;
    // Last, so it goes first: its waiting requests use the commands' parts.
    std::unique_ptr<ControlServer> socket_;
};

} // namespace sluice::control
