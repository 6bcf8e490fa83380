// Says when the windows may have changed in a way wait-window waits for: a
// window mapped, got its title or app id, or took the keyboard focus.
// compositor/shell announces none of that to control, so this listens where
// those changes come from: every client request (a commit maps a window,
// set_title names it), through a protocol logger on the display; every
// applied commit of every surface, for the commits the commit gate holds
// and releases later with no request in sight; and the seat's keyboard
// focus. It may say so when nothing relevant changed; never the reverse,
// with one exception: an X11 window renamed through X properties alone is
// seen at Xwayland's next request.
#pragma once

#include <functional>
#include <memory>
#include <unordered_map>

#include "common/listener.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {
class Server;
}

namespace sluice::control {

class ClientDirectory;

class WindowChanges {
public:
    WindowChanges(Server &server, const ClientDirectory &clients, std::function<void()> changed);
    ~WindowChanges();

    WindowChanges(const WindowChanges &) = delete;
    WindowChanges &operator=(const WindowChanges &) = delete;

private:
    struct Watched {
        Listener commit;
        Listener destroy;
    };

    static void on_protocol_message(void *data, wl_protocol_logger_type type,
                                    const wl_protocol_logger_message *message);
    void watch(wlr_surface *surface);

    std::function<void()> changed_;
    wl_protocol_logger *logger_ = nullptr;
    Listener focus_;
    std::unordered_map<wlr_surface *, std::unique_ptr<Watched>> surfaces_;
};

} // namespace sluice::control
