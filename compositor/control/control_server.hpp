// The control socket: a unix stream socket served from the event loop.
// Every fd is non-blocking and watched by the loop; a request that has to
// wait (wait-window, clock step) is answered from a timer once its answer
// is there, and the connection's later requests wait behind it so replies
// keep the order of requests. Nothing here ever blocks the compositor.
#pragma once

#include <chrono>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "compositor/control/commands.hpp"
#include "sync/unique_fd.hpp"

struct wl_event_source;

namespace sluice {
class Server;
}

namespace sluice::control {

class ClientRegistry;
class VirtualInput;

class ControlServer {
public:
    // Binds and listens on `path` (replacing a stale socket file, refusing
    // a live one). Null, logged, on failure.
    static std::unique_ptr<ControlServer> create(Server &server, ClientRegistry &clients, VirtualInput &input,
                                                 const std::string &path);
    ~ControlServer();

    ControlServer(const ControlServer &) = delete;
    ControlServer &operator=(const ControlServer &) = delete;

    const std::string &path() const { return path_; }

private:
    struct Connection {
        sync::UniqueFd fd;
        wl_event_source *source = nullptr;
        std::string in;  // bytes read, not yet a whole line
        std::string out; // reply bytes not yet written
        std::optional<Deferred> waiting;
        std::chrono::steady_clock::time_point deadline;
        bool read_closed = false; // the peer sent EOF: close once answered
    };

    ControlServer(Server &server, ClientRegistry &clients, VirtualInput &input, std::string path,
                  sync::UniqueFd listener);
    static int on_listener(int fd, uint32_t mask, void *data);
    static int on_connection(int fd, uint32_t mask, void *data);
    static int on_timer(void *data);
    void accept_all();
    // Reads, answers and writes what it can; false when the connection is
    // finished (the caller then closes it).
    bool service(Connection &connection, uint32_t mask);
    void process_lines(Connection &connection);
    void reply(Connection &connection, const std::string &json);
    bool flush(Connection &connection);
    void close_connection(Connection *connection);
    void poll_waiting();
    void arm_timer();

    Server &server_;
    Commands commands_;
    std::string path_;
    sync::UniqueFd listener_;
    wl_event_source *listener_source_ = nullptr;
    wl_event_source *timer_ = nullptr;
    bool timer_armed_ = false;
    std::list<std::unique_ptr<Connection>> connections_;
};

} // namespace sluice::control
