// A client that never reads its socket while what sluice sends it piles
// up: a frame callback with every commit and a screencopy frame asked for
// each time (each answered at once with its buffer events, and its copy
// at the next output frame). Once the socket is full libwayland-server
// cannot queue the next event and drops the client, logging it; the
// bystander keeps its frames throughout, and nothing of the offender's is
// kept.
#include <iostream>
#include <memory>
#include <vector>

#include "hostile_fixture.hpp"

namespace sluice::test {
namespace {

constexpr int rounds = 100000;

class UnreadSocket : public HostileClientTest {
protected:
    void pile_up() {
        const size_t drops = drops_logged();
        auto bad = connect();
        ASSERT_NE(bad->screencopy(), nullptr) << "sluice offers no wlr-screencopy";
        ShmBuffer buffer(bad->shm(), 64, 64);
        buffer.fill(offender_color);
        Toplevel window(*bad);
        ASSERT_TRUE(window.map(buffer)) << bad->describe_error();
        wl_output *output = bad->output().proxy.get();
        // Proxies are dropped locally at once: the events still come.
        const auto result = flood(
            *bad, rounds,
            [&] {
                wl_callback_destroy(wl_surface_frame(window.surface()));
                wl_surface_damage(window.surface(), 0, 0, 64, 64);
                wl_surface_commit(window.surface());
                zwlr_screencopy_frame_v1_destroy(
                    zwlr_screencopy_manager_v1_capture_output(bad->screencopy(), 0, output));
            },
            32);
        std::cout << "[ measured ] " << result.sent << " rounds sent in " << result.took.count()
                  << " ms before the connection " << (result.error ? "broke" : "held") << "\n";
        // Meanwhile the bystander is served.
        expect_bystander_unharmed(false);
        expect_dropped(*bad, drops);
    }
};

TEST_F(UnreadSocket, FrameCallbacksAndScreencopyFramesPileUpUntilTheClientIsDropped) {
    expect_nothing_kept([&] { ASSERT_NO_FATAL_FAILURE(pile_up()); });
}

} // namespace
} // namespace sluice::test
