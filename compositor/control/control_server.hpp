// The control socket: a unix stream socket served from the event loop.
// Every fd is non-blocking and watched by the loop. A request that has to
// wait (wait-window, clock step) is answered when its Pending calls back,
// and the connection's later requests wait behind it so that replies keep
// the order of requests. Nothing here ever blocks the compositor, and
// nothing here knows the commands: they are the RequestHandler's.
#pragma once

#include <list>
#include <memory>
#include <optional>
#include <string>

#include "compositor/control/reply.hpp"
#include "sync/unique_fd.hpp"

struct wl_event_loop;
struct wl_event_source;

namespace sluice::control {

class ControlServer {
public:
    // Binds and listens on `path` (replacing a stale socket file, refusing
    // a live one or anything that is no socket), mode 0600, in a directory
    // no other user can write. Null, logged, on failure; the socket file is
    // removed on every way out once it was made. Connections from another
    // uid than sluice's are refused with one error line and closed.
    static std::unique_ptr<ControlServer> create(wl_event_loop *loop, const std::string &path, RequestHandler handler);
    ~ControlServer();

    ControlServer(const ControlServer &) = delete;
    ControlServer &operator=(const ControlServer &) = delete;

    const std::string &path() const { return socket_file_.path(); }

private:
    // The socket file bind() made: ours to remove, whichever way we go.
    class SocketFile {
    public:
        SocketFile() = default;
        explicit SocketFile(std::string path) : path_(std::move(path)) {}
        ~SocketFile();
        SocketFile(SocketFile &&other) noexcept;
        SocketFile &operator=(SocketFile &&) = delete;
        SocketFile(const SocketFile &) = delete;
        SocketFile &operator=(const SocketFile &) = delete;
        const std::string &path() const { return path_; }

    private:
        std::string path_;
    };

    struct Connection {
        ControlServer *server = nullptr;
        sync::UniqueFd fd;
        wl_event_source *source = nullptr;
        std::string in;  // bytes read, not yet a whole line
        std::string out; // reply bytes not yet written
        // The request being waited for; later ones wait in `in`.
        std::unique_ptr<Pending> waiting;
        // Its reply, once given; written (and `waiting` dropped) from an
        // idle callback, since the Pending may be giving it from its own.
        std::optional<std::string> answer;
        wl_event_source *resume = nullptr;
        bool read_closed = false; // the peer sent EOF: close once answered

        ~Connection();
    };

    ControlServer(wl_event_loop *loop, SocketFile socket_file, sync::UniqueFd listener, RequestHandler handler);
    static int on_listener(int fd, uint32_t mask, void *data);
    static int on_connection(int fd, uint32_t mask, void *data);
    static void on_resume(void *data);
    void accept_all();
    // False (logged, answered with a refusal) for a peer of another uid.
    static bool from_owner(const sync::UniqueFd &fd);
    // Reads, answers and writes what it can; false when the connection is
    // finished (the caller then closes it).
    bool service(Connection &connection, uint32_t mask);
    void process_lines(Connection &connection);
    Reply reply_for(Connection &connection);
    void resume(Connection &connection);
    void reply(Connection &connection, const std::string &json);
    bool flush(Connection &connection);
    static bool done(const Connection &connection);
    void close_connection(Connection *connection);

    wl_event_loop *loop_;
    RequestHandler handler_;
    SocketFile socket_file_;
    sync::UniqueFd listener_;
    wl_event_source *listener_source_ = nullptr;
    std::list<std::unique_ptr<Connection>> connections_;
};

} // namespace sluice::control
