// A sluice process for one test: private XDG_RUNTIME_DIR, stderr captured to
// a file, started and waited for through --ready-fd, stopped with SIGTERM.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client.hpp"
#include "process.hpp"

namespace sluice::test {

// Path of the sluice binary under test, from $SLUICE_BIN (set by meson).
// Throws std::runtime_error when unset.
std::filesystem::path sluice_binary();

struct ServerOptions {
    std::string backend = "headless";
    std::string renderer = "pixman";
    int outputs = 1;
    // Empty: no --mode (a DRM output takes its connector's preferred mode).
    std::string mode = "640x480@60";
    // --allow-input-injection: what VirtualKeyboard and VirtualPointer
    // (tests/lib/input.hpp) bind is offered only then.
    bool input_injection = false;
    std::vector<std::string> extra_args;
    // Extra environment (e.g. WAYLAND_DISPLAY for a nested sluice).
    std::map<std::string, std::optional<std::string>> env;
    // Share an existing runtime directory instead of making a private one.
    std::optional<std::filesystem::path> runtime_dir;
    // Default: sluice-test-<pid>-<n>.
    std::optional<std::string> socket;
    std::chrono::milliseconds ready_timeout{15000};
};

class SluiceServer {
public:
    // Starts sluice and waits until it reports ready. Throws
    // std::runtime_error with the log attached if it does not.
    explicit SluiceServer(ServerOptions options = {});
    // Stops it (SIGTERM) if the test did not.
    ~SluiceServer();

    SluiceServer(const SluiceServer &) = delete;
    SluiceServer &operator=(const SluiceServer &) = delete;

    [[nodiscard]] const std::string &socket_name() const { return socket_; }
    [[nodiscard]] const std::filesystem::path &runtime_dir() const { return runtime_dir_; }
    [[nodiscard]] std::filesystem::path socket_path() const { return runtime_dir_ / socket_; }
    [[nodiscard]] const std::filesystem::path &log_path() const { return log_path_; }
    [[nodiscard]] std::string log() const { return read_text_file(log_path_); }
    [[nodiscard]] const std::vector<std::string> &argv() const { return argv_; }
    [[nodiscard]] bool running() { return process_ && process_->running(); }
    [[nodiscard]] pid_t pid() const { return process_ ? process_->pid() : -1; }

    // SIGTERM and wait; returns the wait status (the kill needed after the
    // timeout shows as SIGKILL and sets *timed_out). Idempotent.
    int stop(std::chrono::milliseconds timeout = std::chrono::milliseconds{10000}, bool *timed_out = nullptr);

    // A new client connection. Throws like Client's constructor.
    [[nodiscard]] std::unique_ptr<Client> connect() const;

    // Environment for a client of this server.
    [[nodiscard]] std::map<std::string, std::optional<std::string>> client_env() const;
    // Starts an external client (WAYLAND_DISPLAY and XDG_RUNTIME_DIR set,
    // DISPLAY unset) with stdout+stderr going to `log`.
    [[nodiscard]] ChildProcess spawn_client(const std::vector<std::string> &argv, const std::filesystem::path &log,
                                            std::map<std::string, std::optional<std::string>> extra_env = {}) const;

private:
    std::unique_ptr<TempDir> own_runtime_dir_;
    std::unique_ptr<TempDir> log_dir_;
    std::filesystem::path runtime_dir_;
    std::filesystem::path log_path_;
    std::string socket_;
    std::vector<std::string> argv_;
    std::optional<ChildProcess> process_;
    std::optional<int> stop_status_;
    bool stop_timed_out_ = false;
};

} // namespace sluice::test
