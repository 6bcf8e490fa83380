// One client makes 10^4 surfaces, each with a buffer committed (so that
// wlroots imports it: a client buffer and a texture per surface), then
// leaves without destroying any. Everything goes with it: sluice's fds
// and RSS end where a warm-up round of the same left them, and the
// bystander keeps its frames meanwhile.
#include <iostream>
#include <vector>

#include "hostile_fixture.hpp"

namespace sluice::test {
namespace {

constexpr int surface_count = 10000;
constexpr int32_t side = 4;
// The second round ends a few hundred KiB above the first (measured: +136
// and +224 KiB, of 24 MiB), the heap of 10^4 surfaces settling a little
// differently each time. A leak would be far more: each surface holds a
// wlr_surface, its resources, a client buffer and a texture, over 1 KiB
// together, so one surface's worth lost per surface is over 10 MiB.
constexpr uint64_t surfaces_rss_slack_kib = 1024;

class ManySurfaces : public HostileClientTest {
protected:
    void make_and_abandon() {
        auto bad = connect();
        // One pool for every buffer: the fd goes once, the buffers are
        // many.
        ShmBuffer pool_owner(bad->shm(), side, side);
        pool_owner.fill(offender_color);
        std::vector<Proxy<wl_surface>> surfaces;
        surfaces.reserve(surface_count);
        const auto result = flood(
            *bad, surface_count,
            [&] {
                surfaces.emplace_back(wl_compositor_create_surface(bad->compositor()));
                wl_surface_attach(surfaces.back().get(), pool_owner.get(), 0, 0);
                wl_surface_damage(surfaces.back().get(), 0, 0, side, side);
                wl_surface_commit(surfaces.back().get());
            },
            32);
        ASSERT_EQ(result.error, 0) << bad->describe_error();
        ASSERT_TRUE(bad->roundtrip(std::chrono::seconds{60})) << bad->describe_error();
        std::cout << "[ measured ] " << surface_count << " surfaces made and committed in " << result.took.count()
                  << " ms\n";
        EXPECT_EQ(bad->error(), 0) << "10^4 surfaces are no error: " << bad->describe_error();
        expect_bystander_unharmed(true);
        // Gone without a word: the proxies are dropped after the socket.
        bad->sever();
        surfaces.clear();
    }
};

TEST_F(ManySurfaces, AllFreedWhenTheClientLeaves) {
    expect_nothing_kept([&] { ASSERT_NO_FATAL_FAILURE(make_and_abandon()); }, surfaces_rss_slack_kib);
}

} // namespace
} // namespace sluice::test
