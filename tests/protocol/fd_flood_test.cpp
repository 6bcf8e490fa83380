// fd exhaustion attempts: a client sends 10^4 fds through the one
// fd-carrying request that sluice accepts without a kernel fence on this
// host, wl_shm.create_pool, each with a memfd of its own, and keeps every
// pool. libwayland-server maps each pool and closes its fd at once, so
// sluice never holds more fds for the client than its connection's (two:
// the socket and the duplicate libwayland's event loop polls), however
// many pools it has; and when the client goes, the mappings go. The
// mappings, not RSS, are what a leaked pool would leave: sluice never
// touches an unused pool's pages.
//
// Not here: acquire fences (zwp_linux_surface_synchronization_v1 and
// wp_linux_drm_syncobj_v1) need a real sync_file or syncobj, which only a
// kernel driver makes; an fd that is no fence is invalid_fence and closed
// (explicit_sync_errors_test.cpp), and the VM gate tests flood real ones.
#include <iostream>
#include <string_view>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

#include "hostile_fixture.hpp"
#include "process_probe.hpp"

namespace sluice::test {
namespace {

constexpr int pool_count = 10000;
constexpr int32_t pool_size = 4096;
constexpr std::string_view pool_name = "sluice-hostile-pool";
// A client's connection: the socket, and libwayland's event source's
// duplicate of it (wl_event_loop_add_fd dups the fd it watches).
constexpr size_t fds_per_client = 2;

// Measured: the second round ends at the first's RSS or 128 KiB above it
// (the 10^4 pools' bookkeeping, ~100 bytes each, settling in the heap). A
// leaked pool shows in the mappings above; this only bounds the heap.
constexpr uint64_t pools_rss_slack_kib = 512;

class FdFlood : public HostileClientTest {
protected:
    void pools_of_their_own() {
        auto bad = connect();
        std::vector<Proxy<wl_shm_pool>> pools;
        pools.reserve(pool_count);
        // libwayland-client sends at most 28 fds at a time and fails the
        // display if a request would queue one more: flush well before.
        const auto result = flood(
            *bad, pool_count,
            [&] {
                UniqueFd fd(memfd_create(pool_name.data(), MFD_CLOEXEC));
                if (fd && ftruncate(fd.get(), pool_size) == 0)
                    pools.emplace_back(wl_shm_create_pool(bad->shm(), fd.get(), pool_size));
            },
            16);
        ASSERT_EQ(result.error, 0) << bad->describe_error();
        ASSERT_EQ(pools.size(), static_cast<size_t>(pool_count)) << "cannot make the memfds";
        ASSERT_TRUE(bad->roundtrip(std::chrono::seconds{60})) << bad->describe_error();
        EXPECT_EQ(bad->error(), 0) << bad->describe_error();
        const auto peak = resources().now();
        std::cout << "[ measured ] " << pool_count << " pools sent in " << result.took.count()
                  << " ms; sluice's fds with all of them alive: " << peak.fds.size() << " (baseline "
                  << baseline().fds.size() << ")\n";
        EXPECT_LE(peak.fds.size(), baseline().fds.size() + fds_per_client)
            << "sluice holds fds for live pools: " << describe_fd_change(baseline().fds, peak.fds);
        EXPECT_EQ(count_mappings(server().pid(), pool_name), static_cast<size_t>(pool_count))
            << "each pool is mapped in sluice";
        expect_bystander_unharmed(true);
        bad->sever();
        pools.clear();
    }
};

TEST_F(FdFlood, PoolsEachWithItsOwnMemfdLeaveNoFdBehind) {
    expect_nothing_kept([&] { ASSERT_NO_FATAL_FAILURE(pools_of_their_own()); }, pools_rss_slack_kib);
    EXPECT_EQ(count_mappings(server().pid(), pool_name), 0u) << "sluice still maps pools of a client that left";
}

} // namespace
} // namespace sluice::test
