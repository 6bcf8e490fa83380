#include "sluice_server.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace sluice::test {

namespace {

using Clock = std::chrono::steady_clock;

std::string next_socket_name() {
    // Socket names only have to be unique within one runtime directory,
    // which is private anyway; the pid and counter make logs and leftover
    // sockets traceable to the test process that made them.
    static std::atomic<unsigned> counter{0};
    return "sluice-test-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

// Reads until EOF, a newline, or the deadline.
std::optional<std::string> read_ready_line(int fd, Clock::time_point deadline) {
    std::string got;
    for (;;) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            return std::nullopt;
        pollfd pfd = {.fd = fd, .events = POLLIN, .revents = 0};
        const int n = poll(&pfd, 1, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return std::nullopt;
        char chunk[256];
        const ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return got; // EOF: sluice closed it (or died)
        got.append(chunk, static_cast<size_t>(r));
        if (got.find('\n') != std::string::npos)
            return got;
    }
}

} // namespace

std::filesystem::path sluice_binary() {
    const char *bin = std::getenv("SLUICE_BIN");
    if (!bin || !*bin)
        throw std::runtime_error("SLUICE_BIN is not set (run the tests through meson test)");
    return bin;
}

SluiceServer::SluiceServer(ServerOptions options) {
    if (options.runtime_dir) {
        runtime_dir_ = *options.runtime_dir;
    } else {
        own_runtime_dir_ = std::make_unique<TempDir>("sluice-runtime");
        runtime_dir_ = own_runtime_dir_->path();
    }
    log_dir_ = std::make_unique<TempDir>("sluice-log");
    log_path_ = log_dir_->path() / "sluice.log";
    socket_ = options.socket.value_or(next_socket_name());

    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0)
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    UniqueFd ready_read(ready[0]), ready_write(ready[1]);

    argv_ = {sluice_binary().string(),
             "--backend",
             options.backend,
             "--renderer",
             options.renderer,
             "--socket",
             socket_,
             "--outputs",
             std::to_string(options.outputs),
             "--ready-fd",
             std::to_string(ready_write.get())};
    if (!options.mode.empty())
        argv_.insert(argv_.end(), {"--mode", options.mode});
    if (options.input_injection)
        argv_.push_back("--allow-input-injection");
    argv_.insert(argv_.end(), options.extra_args.begin(), options.extra_args.end());

    ProcessSpec spec;
    spec.argv = argv_;
    // Nothing from the developer's own session may leak in: no display to
    // nest into by accident, no runtime directory shared with other tests.
    spec.env = {{"XDG_RUNTIME_DIR", runtime_dir_.string()},
                {"WAYLAND_DISPLAY", std::nullopt},
                {"WAYLAND_SOCKET", std::nullopt},
                {"DISPLAY", std::nullopt}};
    for (const auto &[key, value] : options.env)
        spec.env[key] = value;
    spec.stdout_path = log_path_;
    spec.stderr_path = log_path_;
    spec.keep_fds = {ready_write.get()};
    process_.emplace(spec);
    // Only sluice may hold the write end now, so its exit reads as EOF.
    ready_write.reset();

    const auto line = read_ready_line(ready_read.get(), Clock::now() + options.ready_timeout);
    std::string problem;
    if (!line)
        problem = "sluice did not report ready within " + std::to_string(options.ready_timeout.count()) + " ms";
    else if (*line != socket_ + "\n")
        problem = "sluice wrote '" + *line + "' to --ready-fd, expected '" + socket_ + "\\n'";
    else if (!std::filesystem::exists(socket_path()))
        problem = "sluice reported ready but " + socket_path().string() + " does not exist";
    if (!problem.empty()) {
        const int status = stop(std::chrono::milliseconds{3000});
        throw std::runtime_error(problem + "; sluice " + describe_status(status) + "\n---- sluice log ----\n" + log() +
                                 "---- end of log ----");
    }
}

SluiceServer::~SluiceServer() {
    if (process_)
        stop();
}

int SluiceServer::stop(std::chrono::milliseconds timeout, bool *timed_out) {
    if (!stop_status_)
        stop_status_ = process_->stop(SIGTERM, timeout, &stop_timed_out_);
    if (timed_out)
        *timed_out = stop_timed_out_;
    return *stop_status_;
}

std::unique_ptr<Client> SluiceServer::connect() const {
    // An absolute path, so the test process's own XDG_RUNTIME_DIR does not
    // matter.
    return std::make_unique<Client>(socket_path().string());
}

std::map<std::string, std::optional<std::string>> SluiceServer::client_env() const {
    return {{"WAYLAND_DISPLAY", socket_},
            {"XDG_RUNTIME_DIR", runtime_dir_.string()},
            {"WAYLAND_SOCKET", std::nullopt},
            {"DISPLAY", std::nullopt}};
}

ChildProcess SluiceServer::spawn_client(const std::vector<std::string> &argv, const std::filesystem::path &log,
                                        std::map<std::string, std::optional<std::string>> extra_env) const {
    ProcessSpec spec;
    spec.argv = argv;
    spec.env = client_env();
    for (auto &[key, value] : extra_env)
        spec.env[key] = std::move(value);
    spec.stdout_path = log;
    spec.stderr_path = log;
    return ChildProcess(spec);
}

} // namespace sluice::test
