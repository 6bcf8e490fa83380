// The fixture of the hostile-client tests: a bystander whose frames and
// pixels are checked (BystanderTest), and sluice's fds and RSS measured
// before an offender comes and after it has gone.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "bystander.hpp"
#include "sluice_resources.hpp"

namespace sluice::test {

inline constexpr uint32_t offender_color = 0xffd04010;

// How far sluice's RSS may stand above a baseline taken after a warm-up
// round: measured, the second round of every offence here ends at the
// baseline to the KiB; a few pages are left for the allocator settling
// differently. What a leak of an offence would show is far more: 10^4
// surfaces or callbacks of ~100 bytes each are a MiB.
inline constexpr uint64_t rss_slack_kib = 128;

// What became of a flood: how many requests left, and whether the
// connection broke under it.
struct FloodResult {
    int sent = 0;
    int error = 0; // errno of the broken connection, 0 if it held
    std::chrono::milliseconds took{};
};

// Sends `count` rounds of `request`, never reading an event: flushes every
// `flush_every` rounds, often enough that the client's own 4 KiB buffer
// never overflows (libwayland-client would fail the display with EAGAIN),
// and waits for the socket while sluice has not drained it.
FloodResult flood(Client &c, int count, const std::function<void()> &request, int flush_every = 128);

class HostileClientTest : public BystanderTest {
protected:
    // sluice with input injection, for the tests that drag with a virtual
    // pointer; no test here depends on it being off.
    [[nodiscard]] ServerOptions server_options() const override;
    // Starts sluice and the bystander and takes a first baseline.
    void SetUp() override;

    // Records sluice's fds (once they stop changing) and RSS as what must
    // come back. A test whose offence grows allocator caches calls it
    // again after a warm-up round of the same offence: glibc keeps freed
    // heap for reuse rather than returning it, so only the second round
    // shows whether memory is really lost.
    void take_baseline();
    // sluice runs, the bystander keeps its frames and pixels (and nothing
    // of offender_color is left on screen), no fd is open that the
    // baseline lacks, and RSS is at most `slack_kib` above the
    // baseline. Prints the numbers.
    void expect_all_freed(uint64_t slack_kib = rss_slack_kib);
    // Runs `offence` (which ends with the offender gone) once as the
    // warm-up, takes the baseline, runs it again and expects all freed.
    void expect_nothing_kept(const std::function<void()> &offence, uint64_t slack_kib = rss_slack_kib);

    // How many clients sluice has logged as gone ("left: ..."), and a wait
    // for that count to reach `count`.
    [[nodiscard]] size_t departures_logged() { return count_in_log("left: "); }
    [[nodiscard]] size_t count_in_log(std::string_view text);
    // How many clients libwayland-server has dropped for an event it could
    // not queue (its wl_log line, which sluice prints through wlroots').
    [[nodiscard]] size_t drops_logged() { return count_in_log("error in client communication"); }
    // `bad` was dropped, not given a protocol error, and sluice's log says
    // so: one drop more than `drops_before`.
    void expect_dropped(Client &bad, size_t drops_before);
    bool wait_for_departures(size_t count);

    [[nodiscard]] const ResourceSnapshot &baseline() const { return baseline_; }
    [[nodiscard]] SluiceResources &resources() { return *resources_; }

private:
    std::optional<SluiceResources> resources_;
    ResourceSnapshot baseline_;
};

} // namespace sluice::test
