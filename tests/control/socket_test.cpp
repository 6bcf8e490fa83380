// The control socket alone, on a bare event loop with a handler of the
// test's own: the socket file's lifetime, and replies that come later
// through their Reply, in request order, cancelled when the peer leaves.
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
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
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        memcpy(address.sun_path, path_.c_str(), path_.size() + 1);
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
