#include "compositor/control/control_server.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <utility>

#include <wayland-server-core.h>

#include "common/log.hpp"
#include "compositor/control/wire.hpp"

namespace sluice::control {

namespace {

// A request line longer than this is a client gone wrong.
constexpr size_t max_line = 1 << 20;

bool fill_address(const std::string &path, sockaddr_un &address) {
    address = {};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof(address.sun_path)) {
        return false;
    }
    memcpy(address.sun_path, path.c_str(), path.size() + 1);
    return true;
}

// The control socket drives the whole session (input, screenshots, quit),
// so only sluice's owner may reach it. Its mode keeps others out, but a
// user who can write the directory could replace the file with a socket of
// their own: the directory must be the owner's (or root's, like /tmp), and
// writable by nobody else unless it is sticky. Empty when it is fine.
std::string directory_problem(const std::string &path) {
    const auto slash = path.rfind('/');
    const std::string directory = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    struct stat st {};
    if (stat(directory.c_str(), &st) != 0) {
        return "cannot stat its directory " + directory + ": " + strerror(errno);
    }
    if (!S_ISDIR(st.st_mode)) {
        return directory + " is not a directory";
    }
    if (st.st_uid != geteuid() && st.st_uid != 0) {
        return "its directory " + directory + " belongs to uid " + std::to_string(st.st_uid) +
               ", who could replace the socket";
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0) {
        return "its directory " + directory +
               " is writable by other users and not sticky, so they could "
               "replace the socket";
    }
    return {};
}

// A socket file that nobody listens on is left over from a sluice that
// died; one that answers belongs to a live sluice and must not be taken.
bool socket_in_use(const sockaddr_un &address) {
    sync::UniqueFd probe(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!probe) {
        return false;
    }
    return connect(probe.get(), reinterpret_cast<const sockaddr *>(&address), sizeof(address)) == 0;
}

} // namespace

ControlServer::SocketFile::~SocketFile() {
    if (!path_.empty()) {
        unlink(path_.c_str());
    }
}

ControlServer::SocketFile::SocketFile(SocketFile &&other) noexcept : path_(std::exchange(other.path_, {})) {}

ControlServer::Connection::~Connection() {
    if (source != nullptr) {
        wl_event_source_remove(source);
    }
    if (resume != nullptr) {
        wl_event_source_remove(resume);
    }
}

std::unique_ptr<ControlServer> ControlServer::create(wl_event_loop *loop, const std::string &path,
                                                     RequestHandler handler) {
    sockaddr_un address{};
    if (!fill_address(path, address)) {
        LOG_ERROR(control, "control socket path too long: %s", path.c_str());
        return nullptr;
    }
    if (auto problem = directory_problem(path); !problem.empty()) {
        LOG_ERROR(control, "refusing the control socket %s: %s", path.c_str(), problem.c_str());
        return nullptr;
    }
    struct stat existing {};
    if (lstat(path.c_str(), &existing) == 0) {
        // Only a dead sluice's socket is replaced, never someone's file.
        if (!S_ISSOCK(existing.st_mode)) {
            LOG_ERROR(control, "refusing the control socket %s: something that is not a socket is there", path.c_str());
            return nullptr;
        }
        if (socket_in_use(address)) {
            LOG_ERROR(control, "control socket %s is in use by another process", path.c_str());
            return nullptr;
        }
        unlink(path.c_str());
    }
    sync::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd || bind(fd.get(), reinterpret_cast<const sockaddr *>(&address), sizeof(address)) != 0) {
        LOG_ERROR(control, "cannot bind the control socket %s: %s", path.c_str(), strerror(errno));
        return nullptr;
    }
    // From here on the file is ours: every return below removes it.
    SocketFile socket_file(path);
    // Before listen(): until then a connect() is refused whatever the mode,
    // so nobody gets in through the umask's mode in between.
    if (chmod(path.c_str(), S_IRUSR | S_IWUSR) != 0) {
        LOG_ERROR(control, "cannot make the control socket %s its owner's only: %s", path.c_str(), strerror(errno));
        return nullptr;
    }
    if (listen(fd.get(), 16) != 0) {
        LOG_ERROR(control, "cannot listen on the control socket %s: %s", path.c_str(), strerror(errno));
        return nullptr;
    }
    std::unique_ptr<ControlServer> control(
        new ControlServer(loop, std::move(socket_file), std::move(fd), std::move(handler)));
    if (control->listener_source_ == nullptr) {
        LOG_ERROR(control, "cannot watch the control socket on the event loop: %s", strerror(errno));
        return nullptr;
    }
    LOG_INFO(control, "control socket: %s", path.c_str());
    return control;
}

ControlServer::ControlServer(wl_event_loop *loop, SocketFile socket_file, sync::UniqueFd listener,
                             RequestHandler handler)
    : loop_(loop), handler_(std::move(handler)), socket_file_(std::move(socket_file)), listener_(std::move(listener)) {
    listener_source_ =
        wl_event_loop_add_fd(loop_, listener_.get(), WL_EVENT_READABLE, &ControlServer::on_listener, this);
}

ControlServer::~ControlServer() {
    // Pending waits go first: they may hold listeners on what the handler
    // works with.
    connections_.clear();
    if (listener_source_ != nullptr) {
        wl_event_source_remove(listener_source_);
    }
}

int ControlServer::on_listener(int, uint32_t, void *data) {
    static_cast<ControlServer *>(data)->accept_all();
    return 0;
}

void ControlServer::accept_all() {
    for (;;) {
        sync::UniqueFd fd(accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                LOG_ERROR(control, "accept on the control socket: %s", strerror(errno));
            }
            return;
        }
        if (!from_owner(fd)) {
            continue;
        }
        auto connection = std::make_unique<Connection>();
        connection->server = this;
        connection->fd = std::move(fd);
        connection->source = wl_event_loop_add_fd(loop_, connection->fd.get(), WL_EVENT_READABLE,
                                                  &ControlServer::on_connection, connection.get());
        if (connection->source == nullptr) {
            LOG_ERROR(control, "cannot watch a control connection");
            continue;
        }
        connections_.push_back(std::move(connection));
    }
}

bool ControlServer::from_owner(const sync::UniqueFd &fd) {
    // The mode keeps other users out; this holds where the mode does not
    // (someone widened it): the kernel's record of who connected, which no
    // peer can forge.
    ucred peer{};
    socklen_t size = sizeof(peer);
    if (getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0) {
        LOG_ERROR(control, "refused a control connection: cannot tell who it is from (SO_PEERCRED: %s)",
                  strerror(errno));
        return false;
    }
    const uid_t owner = geteuid();
    if (peer.uid == owner) {
        return true;
    }
    LOG_ERROR(control, "refused a control connection from uid %u (pid %d): the control socket serves only uid %u",
              static_cast<unsigned>(peer.uid), static_cast<int>(peer.pid), static_cast<unsigned>(owner));
    // One line saying why, if the socket takes it now; nothing is read.
    const std::string refusal =
        error_reply("refused: this control socket serves only uid " + std::to_string(owner)) + "\n";
    (void)send(fd.get(), refusal.data(), refusal.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    return false;
}

int ControlServer::on_connection(int, uint32_t mask, void *data) {
    auto *connection = static_cast<Connection *>(data);
    ControlServer *self = connection->server;
    if (!self->service(*connection, mask)) {
        self->close_connection(connection);
    }
    return 0;
}

bool ControlServer::service(Connection &connection, uint32_t mask) {
    if (mask & WL_EVENT_READABLE) {
        char buffer[4096];
        for (;;) {
            ssize_t n = read(connection.fd.get(), buffer, sizeof(buffer));
            if (n > 0) {
                connection.in.append(buffer, static_cast<size_t>(n));
                if (connection.in.size() > max_line && connection.in.find('\n') == std::string::npos) {
                    reply(connection, error_reply("request line too long"));
                    flush(connection);
                    return false;
                }
                continue;
            }
            if (n == 0) {
                connection.read_closed = true;
            } else if (errno == EINTR) {
                continue;
            } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
                return false;
            }
            break;
        }
        process_lines(connection);
    }
    if (!flush(connection)) {
        return false;
    }
    // Hung up both ways: nobody is left to read answers. (Requests that
    // came with the hang-up were still carried out above.)
    if (mask & (WL_EVENT_HANGUP | WL_EVENT_ERROR)) {
        return false;
    }
    return !done(connection);
}

void ControlServer::process_lines(Connection &connection) {
    while (!connection.waiting) {
        size_t newline = connection.in.find('\n');
        if (newline == std::string::npos) {
            if (connection.read_closed && !connection.in.empty()) {
                // The last request may lack its newline.
                newline = connection.in.size();
                connection.in += '\n';
            } else {
                return;
            }
        }
        std::string line = connection.in.substr(0, newline);
        connection.in.erase(0, newline + 1);
        std::string error;
        auto words = split_words(line, &error);
        if (!words) {
            reply(connection, error_reply("malformed request: " + error));
            continue;
        }
        if (words->empty()) {
            continue;
        }
        LOG_DEBUG(control, "request: %s", line.c_str());
        Outcome outcome = handler_(*words, reply_for(connection));
        if (auto *text = std::get_if<std::string>(&outcome)) {
            reply(connection, *text);
            continue;
        }
        connection.waiting = std::move(std::get<std::unique_ptr<Pending>>(outcome));
        if (!connection.waiting) {
            reply(connection, error_reply("internal error: the command neither answered nor waits"));
        }
    }
}

Reply ControlServer::reply_for(Connection &connection) {
    Connection *target = &connection;
    return [target](std::string json) {
        if (target->answer) {
            return; // one request, one reply
        }
        target->answer = std::move(json);
        target->resume = wl_event_loop_add_idle(target->server->loop_, &ControlServer::on_resume, target);
        if (target->resume == nullptr) {
            LOG_ERROR(control, "cannot schedule a control reply; the connection is stuck");
        }
    };
}

void ControlServer::on_resume(void *data) {
    auto *connection = static_cast<Connection *>(data);
    connection->resume = nullptr;
    connection->server->resume(*connection);
}

void ControlServer::resume(Connection &connection) {
    connection.waiting.reset();
    std::string json = std::move(*connection.answer);
    connection.answer.reset();
    reply(connection, json);
    process_lines(connection);
    if (!flush(connection) || done(connection)) {
        close_connection(&connection);
    }
}

void ControlServer::reply(Connection &connection, const std::string &json) {
    connection.out += json;
    connection.out += '\n';
}

bool ControlServer::flush(Connection &connection) {
    while (!connection.out.empty()) {
        // MSG_NOSIGNAL: a peer that went away is an EPIPE here, not a
        // SIGPIPE that would end sluice.
        ssize_t n = send(connection.fd.get(), connection.out.data(), connection.out.size(), MSG_NOSIGNAL);
        if (n > 0) {
            connection.out.erase(0, static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break; // the rest goes when the socket has room
        }
        return false;
    }
    // Level-triggered: a socket at EOF always reads as readable, and one
    // with room as writable; watch only for what can still happen.
    uint32_t mask = (connection.read_closed ? 0 : WL_EVENT_READABLE) | (connection.out.empty() ? 0 : WL_EVENT_WRITABLE);
    wl_event_source_fd_update(connection.source, mask);
    return true;
}

bool ControlServer::done(const Connection &connection) {
    // After EOF: finished once every request is answered and written.
    return connection.read_closed && !connection.waiting && connection.out.empty();
}

void ControlServer::close_connection(Connection *connection) {
    connections_.remove_if([connection](const std::unique_ptr<Connection> &c) { return c.get() == connection; });
}

} // namespace sluice::control
