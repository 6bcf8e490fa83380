// The --startup command: a child process started once sluice serves, whose
// exit can end sluice (--exit-with-startup).
#pragma once

#include <string>
#include <sys/types.h>

#include <wayland-server-core.h>

namespace sluice {

class Server;

class Startup {
public:
    Startup(Server &server, std::string command, bool exit_with_it);
    ~Startup();

    Startup(const Startup &) = delete;
    Startup &operator=(const Startup &) = delete;

    // Forks and execs through /bin/sh -c; false (logged) if it could not.
    bool spawn();

private:
    static int on_sigchld(int signal, void *data);
    void reap();

    Server &server_;
    std::string command_;
    bool exit_with_it_;
    pid_t pid_ = -1;
    wl_event_source *sigchld_ = nullptr;
};

} // namespace sluice
