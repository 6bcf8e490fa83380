// Clients: numbered in connection order, found by id and by wl_client, and
// the hook when the last one leaves.
#include <fstream>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <wayland-server-core.h>

#include "compositor/core/clients.hpp"

namespace {

using sluice::Clients;

class ClientsTest : public ::testing::Test {
protected:
    ClientsTest() : display_(wl_display_create()) {}
    ~ClientsTest() override {
        wl_display_destroy_clients(display_);
        wl_display_destroy(display_);
    }

    // A client of this very process over a socketpair: its credentials
    // are ours.
    wl_client *connect() {
        int fds[2];
        EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        peers_.push_back(fds[1]);
        return wl_client_create(display_, fds[0]);
    }

    wl_display *display_;
    std::vector<int> peers_;

public:
    void TearDown() override {
        for (int fd : peers_) {
            close(fd);
        }
    }
};

TEST_F(ClientsTest, NumbersClientsInTheOrderTheyCame) {
    Clients clients(display_);
    wl_client *first = connect();
    wl_client *second = connect();
    ASSERT_EQ(clients.connected(), 2u);
    EXPECT_EQ(clients.id_of(first), 1u);
    EXPECT_EQ(clients.id_of(second), 2u);
    ASSERT_NE(clients.find(uint64_t{2}), nullptr);
    EXPECT_EQ(clients.find(uint64_t{2})->client, second);
    ASSERT_NE(clients.find(first), nullptr);
    EXPECT_EQ(clients.find(first)->pid, getpid());
    EXPECT_EQ(clients.find(first)->uid, getuid());
    std::string command;
    std::ifstream("/proc/self/comm") >> command;
    EXPECT_EQ(clients.find(first)->command, command);
    EXPECT_EQ(clients.all().front()->client, first);

    wl_client_destroy(first);
    EXPECT_EQ(clients.find(uint64_t{1}), nullptr);
    // Numbers are not reused.
    wl_client *third = connect();
    EXPECT_EQ(clients.id_of(third), 3u);
}

TEST_F(ClientsTest, KnowsNothingOfClientsFromBeforeIt) {
    wl_client *early = connect();
    Clients clients(display_);
    EXPECT_EQ(clients.id_of(early), 0u);
    EXPECT_EQ(clients.find(early), nullptr);
}

TEST_F(ClientsTest, HearsWhenTheLastClientLeaves) {
    Clients clients(display_);
    int empty = 0;
    clients.set_on_empty([&] { ++empty; });
    wl_client *first = connect();
    wl_client *second = connect();
    wl_client_destroy(first);
    EXPECT_EQ(empty, 0);
    wl_client_destroy(second);
    EXPECT_EQ(empty, 1);

    clients.set_on_empty(nullptr);
    wl_client_destroy(connect());
    EXPECT_EQ(empty, 1) << "a removed hook still ran";
}

} // namespace
