#include "sync/unique_fd.hpp"

#include <cerrno>

#include <fcntl.h>
#include <linux/kcmp.h>
#include <sys/syscall.h>

namespace sluice::sync {

Result<UniqueFd> duplicate_fd(BorrowedFd fd) {
    const int copy = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0);
    if (copy < 0)
        return errno_error("fcntl(F_DUPFD_CLOEXEC)", errno);
    return UniqueFd{copy};
}

Result<bool> same_open_file(BorrowedFd a, BorrowedFd b) {
    const pid_t self = ::getpid();
    // 0: the same file; 1 or 2: an order between two different ones.
    const long order = ::syscall(SYS_kcmp, self, self, KCMP_FILE, a.get(), b.get());
    if (order < 0)
        return errno_error("kcmp(KCMP_FILE)", errno);
    return order == 0;
}

} // namespace sluice::sync
