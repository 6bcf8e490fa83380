// Child processes for the protocol tests: sluice itself and real clients.
// Every wait has a timeout; a child still running when its owner goes away
// is killed and reaped, never left behind.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace sluice::test {

struct ProcessSpec {
    std::vector<std::string> argv; // argv[0] is the program path
    // Changes to the inherited environment: a value sets, nullopt unsets.
    std::map<std::string, std::optional<std::string>> env;
    std::filesystem::path stdout_path; // empty: /dev/null
    std::filesystem::path stderr_path; // empty: /dev/null
    // Descriptors the child keeps at the same number (all others close on exec).
    std::vector<int> keep_fds;
};

class ChildProcess {
public:
    // Starts the child. Throws std::runtime_error if it cannot be started,
    // including when exec fails (the reason travels back over a pipe).
    explicit ChildProcess(const ProcessSpec &spec);
    // Kills (SIGKILL) and reaps a child that is still running.
    ~ChildProcess();

    ChildProcess(const ChildProcess &) = delete;
    ChildProcess &operator=(const ChildProcess &) = delete;
    ChildProcess(ChildProcess &&other) noexcept;
    ChildProcess &operator=(ChildProcess &&other) = delete;

    [[nodiscard]] pid_t pid() const { return pid_; }
    // True until the child has been reaped; reaps it if it has exited.
    [[nodiscard]] bool running();
    // The raw wait status once the child has exited.
    [[nodiscard]] std::optional<int> status() const { return status_; }
    // Waits for exit; nullopt on timeout (the child keeps running).
    std::optional<int> wait(std::chrono::milliseconds timeout);
    void signal(int sig);
    // Sends `sig`, waits up to `timeout`, then SIGKILLs. Returns the status
    // and sets *timed_out when the kill was needed.
    int stop(int sig, std::chrono::milliseconds timeout, bool *timed_out = nullptr);

private:
    bool reap(bool block);

    pid_t pid_ = -1;
    std::optional<int> status_;
};

// "exited with 0", "killed by signal 11 (Segmentation fault)", ...
std::string describe_status(int status);
bool exited_cleanly(int status); // exited with code 0

std::string read_text_file(const std::filesystem::path &path);
// First executable `name` on $PATH, or nullopt.
std::optional<std::filesystem::path> find_in_path(const std::string &name);

// A private directory (mode 0700 from mkdtemp), removed with its contents.
class TempDir {
public:
    explicit TempDir(const std::string &prefix = "sluice-test");
    ~TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;

    [[nodiscard]] const std::filesystem::path &path() const { return path_; }

private:
    std::filesystem::path path_;
};

} // namespace sluice::test
