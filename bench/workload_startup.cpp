// startup: launch a compositor, time its socket accepting, its first
// answer, and the first presented frame of a client.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <thread>

#include "clock.hpp"
#include "unique_fd.hpp"
#include "workloads.hpp"

extern char **environ;

namespace bench {

namespace {

// The launched compositor and whatever it launched in turn (it runs in its
// own process group): terminated when the workload ends, however it ends.
class Child {
public:
    Child() = default;
    ~Child() { stop(3000); }
    Child(const Child &) = delete;
    Child &operator=(const Child &) = delete;

    bool spawn(const std::vector<std::string> &command, int output_fd, std::string &error) {
        posix_spawn_file_actions_t actions;
        posix_spawnattr_t attr;
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attr);
        posix_spawn_file_actions_adddup2(&actions, output_fd, STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&actions, output_fd, STDERR_FILENO);
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&attr, 0);
        std::vector<char *> argv;
        for (const auto &arg : command) {
            argv.push_back(const_cast<char *>(arg.c_str()));
        }
        argv.push_back(nullptr);
        int rc = posix_spawnp(&pid_, argv[0], &actions, &attr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
        if (rc != 0) {
            error = "cannot start '" + command.front() + "': " + strerror(rc);
            pid_ = 0;
            return false;
        }
        return true;
    }

    // True once it has exited; status as from waitpid.
    bool exited() {
        if (pid_ == 0) {
            return true;
        }
        if (waitpid(pid_, &status_, WNOHANG) == pid_) {
            pid_ = 0;
            done_ = true;
            return true;
        }
        return false;
    }

    // SIGTERM to the group, SIGKILL after timeout_ms; returns the ms the
    // compositor took to exit after SIGTERM (-1 when it had to be killed).
    double stop(int timeout_ms) {
        if (pid_ == 0) {
            return 0;
        }
        pid_t group = pid_;
        int64_t start = now_ns();
        kill(-group, SIGTERM);
        while (now_ns() - start < ms_to_ns(timeout_ms)) {
            if (exited()) {
                // Anything the compositor started (weston's desktop-shell
                // client) goes with it.
                kill(-group, SIGKILL);
                return ns_to_ms(now_ns() - start);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        kill(-group, SIGKILL);
        waitpid(pid_, &status_, 0);
        pid_ = 0;
        done_ = true;
        return -1;
    }

    pid_t pid() const { return pid_; }
    std::string describe_exit() const {
        if (!done_) {
            return "running";
        }
        if (WIFEXITED(status_)) {
            return "exit " + std::to_string(WEXITSTATUS(status_));
        }
        if (WIFSIGNALED(status_)) {
            return std::string("signal ") + strsignal(WTERMSIG(status_));
        }
        return "unknown";
    }

private:
    pid_t pid_ = 0;
    int status_ = 0;
    bool done_ = false;
};

std::set<std::string> wayland_sockets(const std::string &dir) {
    std::set<std::string> names;
    DIR *d = opendir(dir.c_str());
    if (d == nullptr) {
        return names;
    }
    while (dirent *entry = readdir(d)) {
        std::string name = entry->d_name;
        if (name.rfind("wayland-", 0) == 0 && name.find(".lock") == std::string::npos) {
            names.insert(name);
        }
    }
    closedir(d);
    return names;
}

UniqueFd try_connect(const std::string &path) {
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path) {
        return UniqueFd();
    }
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd || connect(fd.get(), reinterpret_cast<sockaddr *>(&addr), sizeof addr) < 0) {
        return UniqueFd();
    }
    return fd;
}

} // namespace

int run_startup(const Options &options, Json &record) {
    std::string runtime_dir = options.runtime_dir;
    if (runtime_dir.empty() && getenv("XDG_RUNTIME_DIR") != nullptr) {
        runtime_dir = getenv("XDG_RUNTIME_DIR");
    }
    if (runtime_dir.empty()) {
        record.set("error", "no --runtime-dir and no XDG_RUNTIME_DIR");
        return 1;
    }
    const bool auto_socket = options.socket.empty() || options.socket == "auto";
    const std::set<std::string> before = auto_socket ? wayland_sockets(runtime_dir) : std::set<std::string>{};
    std::string command_text;
    for (const auto &arg : options.command) {
        command_text += (command_text.empty() ? "" : " ") + arg;
    }
    record.set("command", command_text);

    const std::string log_path = options.log_path.empty() ? "/dev/null" : options.log_path;
    UniqueFd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!log) {
        record.set("error", "cannot open " + log_path + ": " + strerror(errno));
        return 1;
    }

    Child child;
    std::string error;
    const int64_t t0 = now_ns();
    if (!child.spawn(options.command, log.get(), error)) {
        record.set("error", error);
        return 1;
    }
    const int64_t deadline = t0 + ms_to_ns(options.timeout_s * 1000);

    // Socket accepting: connect() succeeds, the compositor has listen()ed.
    UniqueFd fd;
    std::string socket_name;
    while (!fd) {
        if (child.exited()) {
            record.set("error", "the compositor exited before its socket accepted (" + child.describe_exit() +
                                    "; see " + log_path + ")");
            return 1;
        }
        if (now_ns() > deadline) {
            record.set("error", "no socket accepted within the timeout");
            return 1;
        }
        if (auto_socket) {
            for (const auto &name : wayland_sockets(runtime_dir)) {
                if (before.count(name) == 0 && (fd = try_connect(runtime_dir + "/" + name))) {
                    socket_name = name;
                    break;
                }
            }
        } else {
            std::string path = options.socket[0] == '/' ? options.socket : runtime_dir + "/" + options.socket;
            if ((fd = try_connect(path))) {
                socket_name = options.socket;
            }
        }
        if (!fd) {
            // 0.5 ms polling: fine enough for start-ups that take 100s of ms,
            // cheap enough not to steal the compositor's CPU.
            std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
    }
    const int64_t t_socket = now_ns();
    record.set("socket", socket_name);

    // Serving: the registry arrived, two roundtrips answered.
    auto connection = Connection::adopt(fd.release(), error);
    if (!connection) {
        record.set("error", error);
        return 1;
    }
    const int64_t t_globals = now_ns();
    record.set("output", output_json(*connection));
    record.set("globals", globals_json(*connection));

    Window::Config config;
    config.width = options.width.value_or(256);
    config.height = options.height.value_or(256);
    config.animate = false;
    auto window = std::make_unique<Window>(*connection, config);
    Connection *connections[] = {connection.get()};
    Window *windows[] = {window.get()};
    auto first_shown = [&] {
        if (window->log().empty()) {
            return false;
        }
        const CommitRecord &r = window->log().front();
        if (r.frame_done_ns < 0) {
            return false;
        }
        // Some compositors offer wp_presentation and never answer it (sway
        // 1.7 on the headless backend): after 500 ms more, the frame
        // callback is all the answer there will be.
        return r.feedback != CommitRecord::Feedback::pending || connection->now() - r.frame_done_ns > 500'000'000;
    };
    bool ok = pump_until(connections, windows, connection->now() + (deadline - now_ns()), first_shown, {}, error);
    if (!ok || !first_shown()) {
        record.set("error", ok ? "the first frame was not shown within the timeout" : error);
        return 1;
    }
    // The presentation clock may not be CLOCK_MONOTONIC; move its
    // timestamp onto that clock through the offset between the two now.
    const int64_t offset = now_ns() - connection->now();
    const CommitRecord first = window->log().front();
    int64_t t_first = first.frame_done_ns + offset;
    const char *source = "frame-callback";
    if (first.feedback == CommitRecord::Feedback::presented) {
        t_first = first.presented_ns + offset;
        source = "presentation";
    }

    record.set("socket_ms", ns_to_ms(t_socket - t0));
    record.set("globals_ms", ns_to_ms(t_globals - t0));
    record.set("first_frame_ms", ns_to_ms(t_first - t0));
    record.set("first_frame_source", source);
    record.set("first_commit_to_frame_ms", ns_to_ms(t_first - (first.commit_ns + offset)));

    // Shut down: the client first, like a session ending, then the server.
    window.reset();
    connection.reset();
    double shutdown_ms = child.stop(5000);
    record.set("shutdown_ms", shutdown_ms >= 0 ? Json(shutdown_ms) : Json());
    record.set("exit", child.describe_exit());
    return 0;
}

} // namespace bench
