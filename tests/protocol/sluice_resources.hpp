// What sluice holds, read from /proc/<pid> between roundtrips of a healthy
// client: its open fds and its resident memory. How a test tells that a
// client which left (or was thrown out) left nothing behind.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <sys/types.h>

#include "client.hpp"

namespace sluice::test {

struct ResourceSnapshot {
    std::map<int, std::string> fds; // fd number -> readlink target
    uint64_t rss_kib = 0;
};

class SluiceResources {
public:
    // `via` is roundtripped before each reading, so that sluice has handled
    // everything sent to it before.
    SluiceResources(pid_t pid, Client &via) : pid_(pid), via_(via) {}

    // The fds once they stop changing (sluice opens some lazily), and the
    // RSS at that moment.
    [[nodiscard]] ResourceSnapshot stable();
    // Waits until no fd is open that `baseline` lacks (a disconnected
    // client's fds close as sluice gets round to it); returns the last
    // reading.
    [[nodiscard]] ResourceSnapshot back_to(const ResourceSnapshot &baseline);
    [[nodiscard]] ResourceSnapshot now();

    // Whether `now` holds an fd, or an fd number pointing elsewhere, that
    // `baseline` has not.
    [[nodiscard]] static bool has_extra(const ResourceSnapshot &baseline, const ResourceSnapshot &now);

private:
    pid_t pid_;
    Client &via_;
};

} // namespace sluice::test
