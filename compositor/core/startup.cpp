#include "compositor/core/startup.hpp"

#include <csignal>
#include <string_view>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.hpp"

namespace sluice {

Startup::Startup(wl_event_loop *loop, std::string command, std::vector<std::string> environment,
                 unsigned long inherited_fd_limit, std::function<void(int)> on_exit)
    : command_(std::move(command)), environment_(std::move(environment)), inherited_fd_limit_(inherited_fd_limit),
      on_exit_(std::move(on_exit)) {
    sigchld_ = wl_event_loop_add_signal(loop, SIGCHLD, &Startup::on_sigchld, this);
}

Startup::~Startup() {
    if (sigchld_ != nullptr) {
        wl_event_source_remove(sigchld_);
    }
    if (pid_ > 0) {
        // The command was started for this session; it does not outlive it.
        // It leads its own process group (setsid), so the group goes too.
        kill(-pid_, SIGTERM);
        for (int i = 0; i < 100 && waitpid(pid_, nullptr, WNOHANG) == 0; ++i) {
            usleep(10000);
        }
        if (waitpid(pid_, nullptr, WNOHANG) == 0) {
            kill(-pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
}

bool Startup::spawn() {
    // Built before fork: between fork and exec only async-signal-safe calls
    // are allowed (other threads may hold malloc's lock), so the child
    // cannot setenv.
    std::vector<std::string> environment = environment_;
    for (char **entry = environ; *entry != nullptr; ++entry) {
        std::string_view variable(*entry);
        std::string_view name = variable.substr(0, variable.find('='));
        bool replaced = false;
        for (const std::string &own : environment_) {
            replaced = replaced ||
                       (own.size() > name.size() && own.compare(0, name.size(), name) == 0 && own[name.size()] == '=');
        }
        if (!replaced) {
            environment.emplace_back(variable);
        }
    }
    std::vector<char *> envp;
    for (std::string &variable : environment) {
        envp.push_back(variable.data());
    }
    envp.push_back(nullptr);
    const char *argv[] = {"/bin/sh", "-c", command_.c_str(), nullptr};

    pid_t pid = fork();
    if (pid < 0) {
        LOG_ERROR(core, "cannot start '%s': fork failed", command_.c_str());
        return false;
    }
    if (pid == 0) {
        // The event loop blocks the signals it reads through signalfd; the
        // child must start with them delivered normally.
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_UNBLOCK, &all, nullptr);
        setsid();
        // The limit sluice raised for itself is not the command's to inherit.
        if (unsigned long limit = inherited_fd_limit_; limit != 0) {
            rlimit original{};
            getrlimit(RLIMIT_NOFILE, &original);
            original.rlim_cur = limit;
            setrlimit(RLIMIT_NOFILE, &original);
        }
        execve("/bin/sh", const_cast<char *const *>(argv), envp.data());
        _exit(127);
    }
    pid_ = pid;
    LOG_INFO(core, "started '%s' (pid %d)", command_.c_str(), pid_);
    return true;
}

int Startup::on_sigchld(int, void *data) {
    static_cast<Startup *>(data)->reap();
    return 0;
}

void Startup::reap() {
    // SIGCHLD also arrives for Xwayland and others; reap only ours here.
    if (pid_ <= 0) {
        return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) {
        return;
    }
    pid_ = -1;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    LOG_INFO(core, "startup command '%s' exited with status %d", command_.c_str(), code);
    if (on_exit_) {
        on_exit_(code);
    }
}

} // namespace sluice
