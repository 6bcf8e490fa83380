#include "sync/unique_fd.hpp"

#include <cerrno>

#include <fcntl.h>

namespace sluice::sync {

Result<UniqueFd> duplicate_fd(BorrowedFd fd) {
    const int copy = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0);
    if (copy < 0)
        return errno_error("fcntl(F_DUPFD_CLOEXEC)", errno);
    return UniqueFd{copy};
}

} // namespace sluice::sync
