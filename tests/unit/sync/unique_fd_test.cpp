#include <gtest/gtest.h>

#include <cerrno>
#include <type_traits>

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

TEST_F(UniqueFdTest, BorrowedFdNamesTheOwnersFd) {
    UniqueFd fd = make_eventfd();
    BorrowedFd borrowed = fd;
    EXPECT_EQ(borrowed.get(), fd.get());
    EXPECT_TRUE(borrowed.valid());
    EXPECT_FALSE(BorrowedFd{}.valid());
}

} // namespace
} // namespace sluice::sync
