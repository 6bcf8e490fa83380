// Looking at the compositor process from outside: which process is on the
// other end of a Wayland connection, and which files it holds open — how a
// test tells that a disconnected client left nothing behind.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "client.hpp"

namespace sluice::test {

// The pid of the compositor `client` talks to (SO_PEERCRED on its socket).
// Throws when the kernel will not say.
pid_t peer_pid(const Client &client);

// fd number -> what it points at (readlink of /proc/PID/fd/N). Throws when
// the directory cannot be read.
std::map<int, std::string> open_fds(pid_t pid);

// "+12 -> anon_inode:sync_file, -7 -> /dev/dri/renderD128": what `after` has
// that `before` has not (+) and the other way round (-).
std::string describe_fd_change(const std::map<int, std::string> &before, const std::map<int, std::string> &after);

// VmRSS of `pid` in KiB (from /proc/PID/status). Throws when it cannot be
// read.
uint64_t rss_kib(pid_t pid);

// How many of `pid`'s mappings (/proc/PID/maps) name `path_part`, e.g.
// "memfd:sluice-pool" for the pools a client made from such memfds.
size_t count_mappings(pid_t pid, std::string_view path_part);

// The soft RLIMIT_NOFILE of `pid` (from /proc/PID/limits); 0 if unknown
// or unlimited.
uint64_t soft_fd_limit(pid_t pid);

// Where `pid`'s main thread is right now, for failure messages about a
// compositor that stopped: "blocked in ioctl(fd 24 -> /dmabuf:,
// DMA_BUF_IOCTL_SYNC) [wchan: ...]" or "running" and the like.
std::string describe_main_thread(pid_t pid);

} // namespace sluice::test
