#include "compositor/core/ready_fd.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <unistd.h>

#include "common/log.hpp"

namespace sluice {

bool ReadyFd::announce(std::string_view socket) {
    if (!fd_.valid()) {
        return true;
    }
    const std::string line = std::string(socket) + "\n";
    size_t done = 0;
    while (done < line.size()) {
        ssize_t n = write(fd_.get(), line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            LOG_ERROR(core, "--ready-fd %d: cannot write the socket name: %s", fd_.get(),
                      n < 0 ? strerror(errno) : "nothing written");
            fd_.reset();
            return false;
        }
        done += static_cast<size_t>(n);
    }
    fd_.reset();
    return true;
}

} // namespace sluice
