#pragma once

// Every fd in sluice has exactly one owner. UniqueFd is that owner;
// BorrowedFd names an fd someone else owns (a dma-buf plane that wlroots
// holds, the read end of a caller's eventfd) for the length of one call.

#include <utility>

#include <unistd.h>

#include "sync/result.hpp"

namespace sluice::sync {

class UniqueFd;

// A non-owning fd. Never closes anything; valid only while the owner is.
class BorrowedFd {
public:
    constexpr BorrowedFd() noexcept = default;
    constexpr explicit BorrowedFd(int fd) noexcept : fd_(fd) {}
    // Implicit so that an owner can be passed wherever a borrow is expected.
    BorrowedFd(const UniqueFd &owner) noexcept;

    [[nodiscard]] constexpr int get() const noexcept { return fd_; }
    [[nodiscard]] constexpr bool valid() const noexcept { return fd_ >= 0; }

private:
    int fd_ = -1;
};

class UniqueFd {
public:
    constexpr UniqueFd() noexcept = default;
    // Takes ownership: the fd is closed when this object is destroyed.
    constexpr explicit UniqueFd(int fd) noexcept : fd_(fd) {}

    UniqueFd(const UniqueFd &) = delete;
    UniqueFd &operator=(const UniqueFd &) = delete;

    UniqueFd(UniqueFd &&other) noexcept : fd_(other.release()) {}
    UniqueFd &operator=(UniqueFd &&other) noexcept {
        if (this != &other)
            reset(other.release());
        return *this;
    }

    ~UniqueFd() { reset(); }

    [[nodiscard]] int get() const noexcept { return fd_; }
    [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
    explicit operator bool() const noexcept { return valid(); }
    [[nodiscard]] BorrowedFd borrow() const noexcept { return BorrowedFd{fd_}; }

    // Gives up ownership without closing; the caller now owns the fd.
    [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

    // Closes the current fd (if any) and owns `fd` instead.
    void reset(int fd = -1) noexcept {
        const int old = std::exchange(fd_, fd);
        // close() is not retried on EINTR: on Linux the fd is gone either way,
        // and a retry could close an fd another thread just opened.
        if (old >= 0 && old != fd)
            ::close(old);
    }

private:
    int fd_ = -1;
};

inline BorrowedFd::BorrowedFd(const UniqueFd &owner) noexcept : fd_(owner.get()) {}

// A new close-on-exec fd for the same open file.
[[nodiscard]] Result<UniqueFd> duplicate_fd(BorrowedFd fd);

// Whether `a` and `b` stand for one open file: one fd dup()ed, or sent
// over a unix socket (SCM_RIGHTS passes the file itself). Not whether they
// share an inode: files of anon inodes (eventfds, sync_files, syncobjs)
// all share one. kcmp(KCMP_FILE); an error without CONFIG_KCMP.
[[nodiscard]] Result<bool> same_open_file(BorrowedFd a, BorrowedFd b);

} // namespace sluice::sync
