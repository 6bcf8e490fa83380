// A client that floods sluice with 10^5 requests and never reads a reply.
// Requests that are answered fill the socket the client does not read, and
// libwayland-server 1.21 then throws the client out (it cannot queue the
// next event: wl_closure_send fails, the client is marked and destroyed,
// with no protocol error; its wl_log line reaches sluice's log, as does
// the departure). Requests that are not answered are simply handled. Either
// way the bystander is served meanwhile: libwayland reads each client 4 KiB
// at a time, so the loop goes round between the offender's chunks.
#include <chrono>
#include <iostream>

#include "hostile_fixture.hpp"

namespace sluice::test {
namespace {

constexpr int flood_requests = 100000;

class Flood : public HostileClientTest {
protected:
    void sync_flood() {
        const size_t departures = departures_logged();
        const size_t drops = drops_logged();
        auto bad = connect();
        wl_display *display = bad->display();
        // Each sync is answered by wl_callback.done and
        // wl_display.delete_id, 24 bytes: 2.4 MB for the flood, far beyond
        // what a socket buffers. The proxy goes at once, locally; the
        // replies still come.
        const auto result = flood(*bad, flood_requests, [&] { wl_callback_destroy(wl_display_sync(display)); });
        std::cout << "[ measured ] " << result.sent << " syncs sent in " << result.took.count()
                  << " ms before the connection " << (result.error ? "broke" : "held") << "\n";
        EXPECT_LT(result.sent, flood_requests) << "sluice read every request of a client it should have dropped";
        ASSERT_NO_FATAL_FAILURE(expect_dropped(*bad, drops));
        EXPECT_TRUE(wait_for_departures(departures + 1)) << "sluice logs the offender's departure";
    }

    void damage_flood(Client &bad, Toplevel &window) {
        // Damage asks for no reply. Rectangles that never touch one
        // another are the worst case for the pixman region they are
        // gathered in.
        int i = 0;
        const auto result = flood(bad, flood_requests, [&] {
            wl_surface_damage(window.surface(), (i % 300) * 2, (i / 300) * 2, 1, 1);
            ++i;
        });
        ASSERT_EQ(result.error, 0) << "a flood of damage broke the connection";
        EXPECT_EQ(result.sent, flood_requests);
        // While sluice works through the flood, the bystander keeps its
        // frames (the offender's window covers part of it).
        expect_bystander_unharmed(false);
        const auto start = std::chrono::steady_clock::now();
        wl_surface_commit(window.surface());
        ASSERT_TRUE(bad.roundtrip(std::chrono::seconds{120})) << bad.describe_error();
        const auto handled = std::chrono::steady_clock::now() - start;
        std::cout << "[ measured ] " << flood_requests << " damage requests sent in " << result.took.count()
                  << " ms; the commit after them was handled "
                  << std::chrono::duration_cast<std::chrono::milliseconds>(handled).count() << " ms later\n";
    }
};

TEST_F(Flood, SyncsNeverReadGetTheClientDisconnected) {
    expect_nothing_kept([&] { ASSERT_NO_FATAL_FAILURE(sync_flood()); });
}

TEST_F(Flood, DamageIsHandledWhileTheBystanderKeepsItsFrames) {
    expect_nothing_kept([&] {
        auto bad = connect();
        ShmBuffer buffer(bad->shm(), 64, 64);
        buffer.fill(offender_color);
        Toplevel window(*bad);
        ASSERT_TRUE(window.map(buffer)) << bad->describe_error();
        ASSERT_NO_FATAL_FAILURE(damage_flood(*bad, window));
    });
}

TEST_F(Flood, RegionIsHandledWhileTheBystanderKeepsItsFrames) {
    expect_nothing_kept([&] {
        // The same disjoint rectangles as the damage, into one wl_region.
        auto bad = connect();
        Proxy<wl_region> region(wl_compositor_create_region(bad->compositor()));
        int i = 0;
        const auto result = flood(*bad, flood_requests, [&] {
            wl_region_add(region.get(), (i % 300) * 2, (i / 300) * 2, 1, 1);
            ++i;
        });
        ASSERT_EQ(result.error, 0) << "a flood of wl_region.add broke the connection";
        expect_bystander_unharmed(true);
        ASSERT_TRUE(bad->roundtrip(std::chrono::seconds{120})) << bad->describe_error();
        std::cout << "[ measured ] " << flood_requests << " wl_region.add sent in " << result.took.count() << " ms\n";
    });
}

} // namespace
} // namespace sluice::test
