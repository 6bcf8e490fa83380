#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <type_traits>

#include <sys/socket.h>
#include <sys/stat.h>

#include "sync/unique_fd.hpp"
#include "test_support.hpp"

namespace sluice::sync {
namespace {

using test::fd_is_open;
using test::make_eventfd;

static_assert(!std::is_copy_constructible_v<UniqueFd>);
static_assert(!std::is_copy_assignable_v<UniqueFd>);
static_assert(std::is_nothrow_move_constructible_v<UniqueFd>);
static_assert(std::is_nothrow_move_assignable_v<UniqueFd>);

class UniqueFdTest : public test::LeakCheck {};

TEST_F(UniqueFdTest, DefaultOwnsNothing) {
    UniqueFd fd;
    EXPECT_FALSE(fd.valid());
    EXPECT_FALSE(fd);
    EXPECT_EQ(fd.get(), -1);
}

TEST_F(UniqueFdTest, ClosesExactlyOnceWhenDestroyed) {
    int raw;
    {
        UniqueFd fd = make_eventfd();
        raw = fd.get();
        ASSERT_GE(raw, 0);
        EXPECT_TRUE(fd_is_open(raw));
    }
    errno = 0;
    EXPECT_EQ(::fcntl(raw, F_GETFD), -1);
    EXPECT_EQ(errno, EBADF);
}

TEST_F(UniqueFdTest, MoveConstructionTransfersOwnership) {
    UniqueFd a = make_eventfd();
    const int raw = a.get();
    {
        UniqueFd b{std::move(a)};
        EXPECT_EQ(a.get(), -1);
        EXPECT_EQ(b.get(), raw);
        EXPECT_TRUE(fd_is_open(raw));
    }
    EXPECT_FALSE(fd_is_open(raw));
}

TEST_F(UniqueFdTest, MoveAssignmentClosesWhatWasOwned) {
    UniqueFd a = make_eventfd();
    UniqueFd b = make_eventfd();
    const int raw_a = a.get();
    const int raw_b = b.get();
    b = std::move(a);
    EXPECT_FALSE(fd_is_open(raw_b));
    EXPECT_TRUE(fd_is_open(raw_a));
    EXPECT_EQ(b.get(), raw_a);
    EXPECT_FALSE(a.valid());
}

TEST_F(UniqueFdTest, SelfMoveAssignmentKeepsTheFd) {
    UniqueFd a = make_eventfd();
    const int raw = a.get();
    UniqueFd &alias = a;
    a = std::move(alias);
    EXPECT_EQ(a.get(), raw);
    EXPECT_TRUE(fd_is_open(raw));
}

TEST_F(UniqueFdTest, ReleaseGivesUpOwnershipWithoutClosing) {
    int raw;
    {
        UniqueFd fd = make_eventfd();
        raw = fd.release();
        EXPECT_FALSE(fd.valid());
    }
    EXPECT_TRUE(fd_is_open(raw));
    ::close(raw);
}

TEST_F(UniqueFdTest, ResetClosesTheOldFd) {
    UniqueFd fd = make_eventfd();
    const int first = fd.get();
    UniqueFd other = make_eventfd();
    const int second = other.release();
    fd.reset(second);
    EXPECT_FALSE(fd_is_open(first));
    EXPECT_EQ(fd.get(), second);
    fd.reset();
    EXPECT_FALSE(fd_is_open(second));
}

TEST_F(UniqueFdTest, ResetToTheSameFdDoesNotClose) {
    UniqueFd fd = make_eventfd();
    const int raw = fd.get();
    fd.reset(raw);
    EXPECT_TRUE(fd_is_open(raw));
}

TEST_F(UniqueFdTest, DuplicateOpensTheSameFileCloseOnExec) {
    UniqueFd fd = make_eventfd();
    auto copy = duplicate_fd(fd);
    ASSERT_TRUE(copy) << copy.error().message;
    EXPECT_NE(copy->get(), fd.get());
    struct stat a {
    }, b{};
    ASSERT_EQ(::fstat(fd.get(), &a), 0);
    ASSERT_EQ(::fstat(copy->get(), &b), 0);
    EXPECT_EQ(a.st_ino, b.st_ino);
    EXPECT_TRUE(::fcntl(copy->get(), F_GETFD) & FD_CLOEXEC);
}

TEST_F(UniqueFdTest, DuplicatingAClosedFdIsAnError) {
    int raw;
    {
        UniqueFd fd = make_eventfd();
        raw = fd.get();
    }
    auto copy = duplicate_fd(BorrowedFd{raw});
    ASSERT_FALSE(copy);
    EXPECT_EQ(copy.error().errno_value, EBADF);
    EXPECT_EQ(copy.error().message, "fcntl(F_DUPFD_CLOEXEC): Bad file descriptor");
}

// Sends `fd` to itself over a unix socket pair, as a Wayland client's fd
// arrives: the received fd is a new number for the sent file.
UniqueFd pass_through_socket(BorrowedFd fd) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        return {};
    UniqueFd sender(pair[0]), receiver(pair[1]);
    char byte = 0;
    iovec io{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof(control);
    cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    const int raw = fd.get();
    memcpy(CMSG_DATA(header), &raw, sizeof(int));
    if (::sendmsg(sender.get(), &message, 0) != 1)
        return {};
    if (::recvmsg(receiver.get(), &message, MSG_CMSG_CLOEXEC) != 1)
        return {};
    header = CMSG_FIRSTHDR(&message);
    if (header == nullptr || header->cmsg_type != SCM_RIGHTS)
        return {};
    int received = -1;
    memcpy(&received, CMSG_DATA(header), sizeof(int));
    return UniqueFd{received};
}

TEST_F(UniqueFdTest, ADuplicateIsTheSameOpenFile) {
    UniqueFd fd = make_eventfd();
    auto copy = duplicate_fd(fd);
    ASSERT_TRUE(copy) << copy.error().message;
    auto same = same_open_file(fd, *copy);
    ASSERT_TRUE(same) << same.error().message;
    EXPECT_TRUE(*same);
}

TEST_F(UniqueFdTest, AnFdSentOverASocketIsTheSameOpenFile) {
    UniqueFd fd = make_eventfd();
    UniqueFd received = pass_through_socket(fd);
    ASSERT_TRUE(received);
    ASSERT_NE(received.get(), fd.get());
    auto same = same_open_file(fd, received);
    ASSERT_TRUE(same) << same.error().message;
    EXPECT_TRUE(*same);
}

TEST_F(UniqueFdTest, FilesOfOneAnonInodeAreNotTheSameOpenFile) {
    // Two eventfds share the anon inode, as two exports of one syncobj do:
    // the inode tells nothing, the open file does.
    UniqueFd a = make_eventfd();
    UniqueFd b = make_eventfd();
    struct stat sa {
    }, sb{};
    ASSERT_EQ(::fstat(a.get(), &sa), 0);
    ASSERT_EQ(::fstat(b.get(), &sb), 0);
    EXPECT_EQ(sa.st_ino, sb.st_ino) << "eventfds no longer share one inode; the example is moot";
    auto same = same_open_file(a, b);
    ASSERT_TRUE(same) << same.error().message;
    EXPECT_FALSE(*same);
}

TEST_F(UniqueFdTest, ComparingAClosedFdIsAnError) {
    UniqueFd fd = make_eventfd();
    int raw;
    {
        UniqueFd closed = make_eventfd();
        raw = closed.get();
    }
    auto same = same_open_file(fd, BorrowedFd{raw});
    ASSERT_FALSE(same);
    EXPECT_EQ(same.error().errno_value, EBADF);
}

TEST_F(UniqueFdTest, BorrowedFdNamesTheOwnersFd) {
    UniqueFd fd = make_eventfd();
    BorrowedFd borrowed = fd;
    EXPECT_EQ(borrowed.get(), fd.get());
    EXPECT_TRUE(borrowed.valid());
    EXPECT_FALSE(BorrowedFd{}.valid());
}

} // namespace
} // namespace sluice::sync
