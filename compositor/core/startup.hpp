// The --startup command: a child process started once sluice serves, whose
// exit can end sluice (--exit-with-startup).
#pragma once

#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

#include <wayland-server-core.h>

namespace sluice {

class Startup {
public:
    // SIGCHLD comes through `loop`. The command runs in sluice's
    // environment with `environment` ("NAME=value": WAYLAND_DISPLAY, DISPLAY)
    // set on top, and gets back the fd limit sluice started with
    // (`inherited_fd_limit`, 0: unknown). `on_exit`, if set, hears the
    // command's exit status (--exit-with-startup).
    Startup(wl_event_loop *loop, std::string command, std::vector<std::string> environment,
            unsigned long inherited_fd_limit, std::function<void(int status)> on_exit);
    ~Startup();

    Startup(const Startup &) = delete;
    Startup &operator=(const Startup &) = delete;

    // Forks and execs through /bin/sh -c; false (logged) if it could not.
    bool spawn();

private:
    static int on_sigchld(int signal, void *data);
    void reap();

    std::string command_;
    std::vector<std::string> environment_;
    unsigned long inherited_fd_limit_;
    std::function<void(int)> on_exit_;
    pid_t pid_ = -1;
    wl_event_source *sigchld_ = nullptr;
};

} // namespace sluice
