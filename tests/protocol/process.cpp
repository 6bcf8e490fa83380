#include "process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unique_fd.hpp"

extern char **environ;

namespace sluice::test {

namespace {

using Clock = std::chrono::steady_clock;

UniqueFd open_for_child(const std::filesystem::path &path, int flags) {
    const std::string target = path.empty() ? "/dev/null" : path.string();
    UniqueFd fd(::open(target.c_str(), flags | O_CLOEXEC, 0644));
    if (!fd)
        throw std::runtime_error("cannot open " + target + ": " + std::strerror(errno));
    return fd;
}

std::vector<std::string> child_environment(const std::map<std::string, std::optional<std::string>> &changes) {
    std::vector<std::string> env;
    for (char **e = environ; e && *e; ++e) {
        const std::string entry(*e);
        const std::string key = entry.substr(0, entry.find('='));
        if (!changes.contains(key))
            env.push_back(entry);
    }
    for (const auto &[key, value] : changes) {
        if (value)
            env.push_back(key + "=" + *value);
    }
    return env;
}

} // namespace

ChildProcess::ChildProcess(const ProcessSpec &spec) {
    if (spec.argv.empty())
        throw std::invalid_argument("ChildProcess: empty argv");

    // Everything the child needs is built before fork(): between fork and
    // exec only async-signal-safe calls are allowed.
    std::vector<std::string> env_strings = child_environment(spec.env);
    std::vector<char *> argv, envp;
    for (const std::string &a : spec.argv)
        argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    for (const std::string &e : env_strings)
        envp.push_back(const_cast<char *>(e.c_str()));
    envp.push_back(nullptr);

    UniqueFd in = open_for_child({}, O_RDONLY);
    // O_APPEND so that stdout and stderr may share one file without
    // overwriting each other.
    UniqueFd out = open_for_child(spec.stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND);
    UniqueFd err = open_for_child(spec.stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND);

    // exec failure is reported through this pipe; a successful exec closes
    // it (O_CLOEXEC), which the parent sees as EOF.
    int exec_pipe[2];
    if (pipe2(exec_pipe, O_CLOEXEC) < 0)
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    UniqueFd exec_read(exec_pipe[0]), exec_write(exec_pipe[1]);

    const pid_t pid = fork();
    if (pid < 0)
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, nullptr);
        // dup2 leaves the new descriptor without FD_CLOEXEC.
        dup2(in.get(), STDIN_FILENO);
        dup2(out.get(), STDOUT_FILENO);
        dup2(err.get(), STDERR_FILENO);
        for (int fd : spec.keep_fds)
            fcntl(fd, F_SETFD, 0);
        execvpe(argv[0], argv.data(), envp.data());
        const int e = errno;
        (void)!write(exec_write.get(), &e, sizeof(e));
        _exit(127);
    }
    pid_ = pid;
    exec_write.reset();
    int exec_errno = 0;
    ssize_t n;
    do {
        n = read(exec_read.get(), &exec_errno, sizeof(exec_errno));
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof(exec_errno))) {
        reap(true);
        throw std::runtime_error("cannot execute " + spec.argv[0] + ": " + std::strerror(exec_errno));
    }
}

ChildProcess::ChildProcess(ChildProcess &&other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(other.status_) {}

ChildProcess::~ChildProcess() {
    if (pid_ > 0 && !status_) {
        ::kill(pid_, SIGKILL);
        reap(true);
    }
}

bool ChildProcess::reap(bool block) {
    if (status_)
        return true;
    int st = 0;
    pid_t r;
    do {
        r = waitpid(pid_, &st, block ? 0 : WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == pid_) {
        status_ = st;
        return true;
    }
    return false;
}

bool ChildProcess::running() { return pid_ > 0 && !reap(false); }

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
    if (pid_ <= 0 || reap(false))
        return status_;
    const auto deadline = Clock::now() + timeout;
    // A pidfd becomes readable when the child exits, so the wait needs no
    // polling; kernels older than 5.3 fall back to a short-interval check.
    UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid_, 0)));
    while (!reap(false)) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            return std::nullopt;
        if (pidfd) {
            pollfd pfd = {.fd = pidfd.get(), .events = POLLIN, .revents = 0};
            poll(&pfd, 1, static_cast<int>(left.count()));
        } else {
            std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds{5}));
        }
    }
    return status_;
}

void ChildProcess::signal(int sig) {
    if (pid_ > 0 && !status_)
        ::kill(pid_, sig);
}

int ChildProcess::stop(int sig, std::chrono::milliseconds timeout, bool *timed_out) {
    if (timed_out)
        *timed_out = false;
    signal(sig);
    if (const auto st = wait(timeout))
        return *st;
    if (timed_out)
        *timed_out = true;
    ::kill(pid_, SIGKILL);
    reap(true);
    return *status_;
}

std::string describe_status(int status) {
    std::ostringstream text;
    if (WIFEXITED(status)) {
        text << "exited with " << WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        text << "killed by signal " << WTERMSIG(status) << " (" << strsignal(WTERMSIG(status)) << ")";
        if (WCOREDUMP(status))
            text << ", core dumped";
    } else {
        text << "wait status " << status;
    }
    return text.str();
}

bool exited_cleanly(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

std::string read_text_file(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::optional<std::filesystem::path> find_in_path(const std::string &name) {
    const char *path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
        if (access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return std::nullopt;
}

TempDir::TempDir(const std::string &prefix) {
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
    if (!mkdtemp(pattern.data()))
        throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

} // namespace sluice::test
