// The control socket alone, on a bare event loop with a handler of the
// test's own: the socket file's lifetime and who may use it, and replies
// that come later through their Reply, in request order, cancelled when the
// peer leaves.
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <wayland-server-core.h>

#include "compositor/control/control_server.hpp"
#include "compositor/control/wire.hpp"

namespace sluice::control {
namespace {

namespace fs = std::filesystem;

// A request the test answers by hand: it keeps the Reply where the test
// can call it, and says when it is dropped.
struct HeldReplies {
    std::vector<Reply> replies;
    int dropped = 0;
};

class HeldPending : public Pending {
public:
    HeldPending(HeldReplies &held, Reply reply) : held_(held) { held_.replies.push_back(std::move(reply)); }
    ~HeldPending() override { ++held_.dropped; }

private:
    HeldReplies &held_;
};

// The uid of `nobody`: a user other than the test's.
constexpr uid_t other_uid = 65534;

// What a client of another uid got from the socket.
struct ForeignPeer {
    enum class Outcome { closed, cannot_connect, cannot_become_other_uid, read_failed, lost };
    Outcome outcome = Outcome::lost;
    std::string received; // until the connection closed
    int connect_errno = 0;
};

sockaddr_un address_of(const std::string &path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    memcpy(address.sun_path, path.c_str(), path.size() + 1);
    return address;
}

class ControlSocketTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/sluice-control-socket-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr) << strerror(errno);
        dir_ = pattern;
        path_ = (dir_ / "test.control").string();
        loop_ = wl_event_loop_create();
        ASSERT_NE(loop_, nullptr);
    }
    void TearDown() override {
        server_.reset();
        wl_event_loop_destroy(loop_);
        fs::remove_all(dir_);
    }

    // "wait" waits for the test; "echo WORD" answers {"ok":true,"echo":WORD}.
    RequestHandler handler() {
        return [this](const std::vector<std::string> &words, Reply reply) -> Outcome {
            if (words[0] == "wait") {
                return std::make_unique<HeldPending>(held_, std::move(reply));
            }
            JsonObject o;
            o.add("echo", words.size() > 1 ? words[1] : "");
            return ok_reply(o);
        };
    }

    void pump() {
        for (int i = 0; i < 20; ++i) {
            wl_event_loop_dispatch(loop_, 0);
        }
    }

    int connect_client() {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un address = address_of(path_);
        EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address)), 0) << strerror(errno);
        pump();
        return fd;
    }

    static void send_text(int fd, const std::string &text) {
        ASSERT_EQ(send(fd, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
    }

    // What the server wrote so far, serving it in between.
    std::string read_available(int fd) {
        pump();
        std::string in;
        for (;;) {
            pollfd pfd{fd, POLLIN, 0};
            if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLIN)) {
                return in;
            }
            char buffer[4096];
            ssize_t n = read(fd, buffer, sizeof(buffer));
            if (n <= 0) {
                return in;
            }
            in.append(buffer, static_cast<size_t>(n));
        }
    }

    // A child process that becomes `other_uid`, connects, sends `request`
    // and reads until the server closes the connection; the loop is served
    // meanwhile. Needs root (to change uid).
    ForeignPeer connect_as_other_uid(const std::string &request) {
        int report[2];
        EXPECT_EQ(pipe2(report, O_CLOEXEC), 0) << strerror(errno);
        const pid_t child = fork();
        if (child == 0) {
            close(report[0]);
            _exit(run_foreign_peer(report[1], request));
        }
        close(report[1]);
        ForeignPeer peer;
        // Until the child is done; a deadline only bounds a hang.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        std::string got;
        while (std::chrono::steady_clock::now() < deadline) {
            wl_event_loop_dispatch(loop_, 10);
            pollfd pfd{report[0], POLLIN, 0};
            if (poll(&pfd, 1, 0) <= 0) {
                continue;
            }
            char buffer[4096];
            const ssize_t n = read(report[0], buffer, sizeof(buffer));
            if (n <= 0) {
                break;
            }
            got.append(buffer, static_cast<size_t>(n));
        }
        close(report[0]);
        int status = 0;
        if (std::chrono::steady_clock::now() >= deadline) {
            kill(child, SIGKILL);
        }
        waitpid(child, &status, 0);
        if (!WIFEXITED(status)) {
            return peer;
        }
        peer.outcome = static_cast<ForeignPeer::Outcome>(WEXITSTATUS(status));
        if (peer.outcome == ForeignPeer::Outcome::cannot_connect) {
            peer.connect_errno = std::stoi(got);
        } else {
            peer.received = got;
        }
        return peer;
    }

    // The child's side: no gtest in it (the test has no other threads, so
    // the rest is safe after fork).
    int run_foreign_peer(int report, const std::string &request) const {
        const gid_t other_gid = other_uid;
        if (setgroups(0, nullptr) != 0 || setgid(other_gid) != 0 || setuid(other_uid) != 0) {
            return static_cast<int>(ForeignPeer::Outcome::cannot_become_other_uid);
        }
        const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const sockaddr_un address = address_of(path_);
        if (connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof(address)) != 0) {
            const std::string number = std::to_string(errno);
            (void)!write(report, number.data(), number.size());
            return static_cast<int>(ForeignPeer::Outcome::cannot_connect);
        }
        (void)send(fd, request.data(), request.size(), MSG_NOSIGNAL);
        for (;;) {
            char buffer[4096];
            const ssize_t n = read(fd, buffer, sizeof(buffer));
            // A server that closes with our request unread resets the
            // connection: closed all the same.
            if (n == 0 || (n < 0 && errno == ECONNRESET)) {
                return static_cast<int>(ForeignPeer::Outcome::closed);
            }
            if (n < 0) {
                return static_cast<int>(ForeignPeer::Outcome::read_failed);
            }
            (void)!write(report, buffer, static_cast<size_t>(n));
        }
    }

    fs::path dir_;
    std::string path_;
    wl_event_loop *loop_ = nullptr;
    HeldReplies held_;
    std::unique_ptr<ControlServer> server_;
};

TEST_F(ControlSocketTest, TheSocketFileLivesAsLongAsTheServer) {
    server_ = ControlServer::create(loop_, path_, handler());
    ASSERT_NE(server_, nullptr);
    EXPECT_TRUE(fs::exists(path_));
    // A second server refuses a socket that answers.
    EXPECT_EQ(ControlServer::create(loop_, path_, handler()), nullptr);
    EXPECT_TRUE(fs::exists(path_)) << "the refused server took the live one's socket";
    server_.reset();
    EXPECT_FALSE(fs::exists(path_));
}

TEST_F(ControlSocketTest, TheSocketIsItsOwnersOnly) {
    server_ = ControlServer::create(loop_, path_, handler());
    ASSERT_NE(server_, nullptr);
    struct stat st {};
    ASSERT_EQ(lstat(path_.c_str(), &st), 0) << strerror(errno);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0600u) << "the control socket's mode lets others in";
    EXPECT_EQ(st.st_uid, geteuid());
}

TEST_F(ControlSocketTest, ADirectoryOthersCanWriteIsRefused) {
    // Another user could put a socket of their own in its place.
    ASSERT_EQ(chmod(dir_.c_str(), 0777), 0) << strerror(errno);
    EXPECT_EQ(ControlServer::create(loop_, path_, handler()), nullptr);
    EXPECT_FALSE(fs::exists(path_)) << "a refused start made its socket file";
    // Sticky, like /tmp: others cannot remove or rename what is ours.
    ASSERT_EQ(chmod(dir_.c_str(), 01777), 0) << strerror(errno);
    server_ = ControlServer::create(loop_, path_, handler());
    EXPECT_NE(server_, nullptr) << "a sticky shared directory such as /tmp must do";
}

TEST_F(ControlSocketTest, AFileThatIsNoSocketIsNotReplaced) {
    {
        std::ofstream file(path_);
        file << "someone's notes\n";
    }
    EXPECT_EQ(ControlServer::create(loop_, path_, handler()), nullptr);
    std::ifstream file(path_);
    std::string text;
    std::getline(file, text);
    EXPECT_EQ(text, "someone's notes") << "the control socket replaced a file that was no socket";
}

// A server whose directory everyone may enter, so that only the socket's
// mode and the peer check stand between it and a client of another uid.
class ControlSocketOtherUidTest : public ControlSocketTest {
protected:
    void SetUp() override {
        ControlSocketTest::SetUp();
        if (HasFatalFailure()) {
            return;
        }
        if (geteuid() != 0) {
            GTEST_SKIP() << "needs root, to run a client as uid " << other_uid;
        }
        server_ = ControlServer::create(loop_, path_, handler());
        ASSERT_NE(server_, nullptr);
        ASSERT_EQ(chmod(dir_.c_str(), 0755), 0) << strerror(errno);
    }
};

TEST_F(ControlSocketOtherUidTest, AnotherUserCannotConnect) {
    const ForeignPeer peer = connect_as_other_uid("echo secret\n");
    ASSERT_EQ(peer.outcome, ForeignPeer::Outcome::cannot_connect) << "got: " << peer.received;
    EXPECT_EQ(peer.connect_errno, EACCES) << strerror(peer.connect_errno);
}

TEST_F(ControlSocketOtherUidTest, APeerOfAnotherUidIsRefusedAndTheOwnerIsServed) {
    // Past the mode (as if someone widened it), the peer's uid still counts.
    ASSERT_EQ(chmod(path_.c_str(), 0666), 0) << strerror(errno);
    const int owner = connect_client();
    const ForeignPeer peer = connect_as_other_uid("echo secret\n");
    ASSERT_EQ(peer.outcome, ForeignPeer::Outcome::closed)
        << "the other uid's connection was not closed (outcome " << static_cast<int>(peer.outcome) << ")";
    EXPECT_EQ(peer.received,
              error_reply("refused: this control socket serves only uid " + std::to_string(geteuid())) + "\n")
        << "a refused peer gets the refusal and nothing else";
    send_text(owner, "echo mine\n");
    EXPECT_EQ(read_available(owner), "{\"ok\":true,\"echo\":\"mine\"}\n") << "the owner is still served";
    close(owner);
}

TEST_F(ControlSocketTest, TheSocketFileGoesWhenTheLoopCannotWatchIt) {
    // Room for exactly one more fd: the socket gets it, and the event loop
    // cannot duplicate it to watch it.
    int lowest_free = dup(0);
    ASSERT_GE(lowest_free, 0);
    close(lowest_free);
    rlimit saved{};
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
    rlimit tight = saved;
    tight.rlim_cur = static_cast<rlim_t>(lowest_free) + 1;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);
    auto server = ControlServer::create(loop_, path_, handler());
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);

    EXPECT_EQ(server, nullptr) << "the event loop watched the socket after all: the test provoked nothing";
    EXPECT_FALSE(fs::exists(path_)) << "a failed start left its socket file behind";
}

TEST_F(ControlSocketTest, AWaitingRequestHoldsTheLaterOnesUntilItsReplyComes) {
    server_ = ControlServer::create(loop_, path_, handler());
    ASSERT_NE(server_, nullptr);
    int fd = connect_client();
    send_text(fd, "wait\necho after\n");
    EXPECT_EQ(read_available(fd), "") << "a reply came before the waiting request was answered";
    ASSERT_EQ(held_.replies.size(), 1u);

    // Another connection is served meanwhile.
    int other = connect_client();
    send_text(other, "echo other\n");
    EXPECT_EQ(read_available(other), "{\"ok\":true,\"echo\":\"other\"}\n");

    held_.replies[0](ok_reply(JsonObject().add("waited", true)));
    // A second answer to the same request is ignored.
    held_.replies[0](error_reply("twice"));
    EXPECT_EQ(read_available(fd), "{\"ok\":true,\"waited\":true}\n{\"ok\":true,\"echo\":\"after\"}\n");
    EXPECT_EQ(held_.dropped, 1) << "the answered wait was not let go";
    close(other);
    close(fd);
}

TEST_F(ControlSocketTest, AWaitEndsWithItsConnection) {
    server_ = ControlServer::create(loop_, path_, handler());
    ASSERT_NE(server_, nullptr);
    int fd = connect_client();
    send_text(fd, "wait\n");
    pump();
    ASSERT_EQ(held_.replies.size(), 1u);
    EXPECT_EQ(held_.dropped, 0);
    close(fd);
    pump();
    EXPECT_EQ(held_.dropped, 1) << "the wait outlived its connection";
}

TEST_F(ControlSocketTest, ARequestAnsweredAtOnceThroughItsReplyIsAnswered) {
    // A Pending may answer from its constructor, inside the handler.
    server_ = ControlServer::create(loop_, path_, [](const std::vector<std::string> &, Reply reply) -> Outcome {
        struct Immediate : Pending {
            explicit Immediate(Reply reply) { reply(ok_reply(JsonObject().add("now", true))); }
        };
        return std::make_unique<Immediate>(std::move(reply));
    });
    ASSERT_NE(server_, nullptr);
    int fd = connect_client();
    send_text(fd, "anything\nanything\n");
    EXPECT_EQ(read_available(fd), "{\"ok\":true,\"now\":true}\n{\"ok\":true,\"now\":true}\n");
    close(fd);
}

} // namespace
} // namespace sluice::control
