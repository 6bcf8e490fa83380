// --ready-fd: the whole line, then end of file, and the fd closed once.
#include <fcntl.h>
#include <sys/wait.h>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

#include "compositor/core/ready_fd.hpp"

namespace {

using sluice::ReadyFd;
using sluice::sync::UniqueFd;

std::string read_to_eof(int fd) {
    std::string text;
    char buffer[256];
    ssize_t n = 0;
    while ((n = read(fd, buffer, sizeof(buffer))) > 0) {
        text.append(buffer, static_cast<size_t>(n));
    }
    return text;
}

TEST(ReadyFd, WritesTheSocketNameAndANewlineThenCloses) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    UniqueFd read_end(fds[0]);
    ReadyFd ready{UniqueFd(fds[1])};
    EXPECT_TRUE(ready.announce("wayland-7"));
    // End of file only comes once the write end is closed.
    EXPECT_EQ(read_to_eof(read_end.get()), "wayland-7\n");
}

TEST(ReadyFd, AnnouncesOnlyOnce) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    UniqueFd read_end(fds[0]);
    // The number the fd had: a second announce must not write to it, nor
    // close it again (by then it may be someone else's).
    ReadyFd ready{UniqueFd(fds[1])};
    EXPECT_TRUE(ready.announce("first"));
    int reused[2];
    ASSERT_EQ(pipe2(reused, O_CLOEXEC), 0); // likely takes the freed number
    UniqueFd reused_read(reused[0]);
    UniqueFd reused_write(reused[1]);
    EXPECT_TRUE(ready.announce("second"));
    EXPECT_EQ(read_to_eof(read_end.get()), "first\n");
    EXPECT_NE(fcntl(reused_write.get(), F_GETFD), -1) << "the reused fd was closed";
    reused_write.reset();
    EXPECT_EQ(read_to_eof(reused_read.get()), "");
}

TEST(ReadyFd, LongLinesArriveWhole) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    UniqueFd read_end(fds[0]);
    // Bigger than the pipe: the line must arrive whole while the reader
    // drains, however many writes that takes.
    ASSERT_GT(fcntl(fds[1], F_SETPIPE_SZ, 4096), 0);
    const std::string name(20000, 'w');
    std::string got;
    pid_t reader = fork();
    ASSERT_GE(reader, 0);
    if (reader == 0) {
        close(fds[1]);
        std::string text = read_to_eof(read_end.get());
        _exit(text == name + "\n" ? 0 : 1);
    }
    read_end.reset();
    ReadyFd ready{UniqueFd(fds[1])};
    EXPECT_TRUE(ready.announce(name));
    int status = 0;
    ASSERT_EQ(waitpid(reader, &status, 0), reader);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the reader did not get the whole line";
}

} // namespace
