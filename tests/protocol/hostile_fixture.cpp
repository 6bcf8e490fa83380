#include "hostile_fixture.hpp"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include <poll.h>

#include "process_probe.hpp"

namespace sluice::test {

FloodResult flood(Client &c, int count, const std::function<void()> &request, int flush_every) {
    const auto start = std::chrono::steady_clock::now();
    FloodResult result;
    wl_display *display = c.display();
    for (; result.sent < count; ++result.sent) {
        request();
        if (result.sent % flush_every != flush_every - 1)
            continue;
        while (wl_display_flush(display) < 0) {
            if (errno != EAGAIN) {
                result.error = errno;
                break;
            }
            pollfd out{wl_display_get_fd(display), POLLOUT, 0};
            if (::poll(&out, 1, static_cast<int>(default_timeout.count())) <= 0) {
                result.error = ETIMEDOUT;
                break;
            }
        }
        if (result.error != 0)
            break;
    }
    if (result.error == 0 && wl_display_flush(display) < 0 && errno != EAGAIN)
        result.error = errno;
    result.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    return result;
}

ServerOptions HostileClientTest::server_options() const {
    ServerOptions options;
    options.input_injection = true;
    return options;
}

void HostileClientTest::SetUp() {
    BystanderTest::SetUp();
    if (HasFatalFailure())
        return;
    start_bystander(160, 120);
    if (HasFatalFailure())
        return;
    resources_.emplace(server().pid(), bystander());
    take_baseline();
}

void HostileClientTest::take_baseline() { baseline_ = resources_->stable(); }

void HostileClientTest::expect_all_freed(uint64_t slack_kib) {
    ASSERT_TRUE(server().running()) << "sluice is gone";
    expect_bystander_unharmed(true, offender_color);
    const auto after = resources_->back_to(baseline_);
    EXPECT_FALSE(SluiceResources::has_extra(baseline_, after))
        << "sluice kept fds after the offender left: " << describe_fd_change(baseline_.fds, after.fds);
    // ASan keeps freed memory in a quarantine, so there RSS only grows;
    // LSan checks for leaks when sluice exits instead.
    const char *sanitized = std::getenv("SLUICE_SANITIZED");
    if (sanitized != nullptr && std::string_view(sanitized) == "1")
        std::cout << "[ skipped  ] RSS not compared: sluice runs under ASan\n";
    else
        EXPECT_LE(after.rss_kib, baseline_.rss_kib + slack_kib)
            << "sluice's RSS grew from " << baseline_.rss_kib << " KiB to " << after.rss_kib << " KiB";
    std::cout << "[ measured ] fds " << baseline_.fds.size() << " -> " << after.fds.size() << ", RSS "
              << baseline_.rss_kib << " -> " << after.rss_kib << " KiB\n";
}

void HostileClientTest::expect_nothing_kept(const std::function<void()> &offence, uint64_t slack_kib) {
    offence();
    if (HasFatalFailure())
        return;
    // The bystander's own checks (a screencopy among them) are part of
    // the warm-up too.
    expect_bystander_unharmed(true, offender_color);
    take_baseline();
    offence();
    if (HasFatalFailure())
        return;
    expect_all_freed(slack_kib);
}

void HostileClientTest::expect_dropped(Client &bad, size_t drops_before) {
    // Reading now finds what sluice had queued, then the end of the
    // stream.
    ASSERT_TRUE(bad.wait_for_error()) << "sluice kept a client that reads none of its events";
    EXPECT_NE(bad.error(), EPROTO) << "a disconnect, not a protocol error: " << bad.describe_error();
    EXPECT_TRUE(bystander().dispatch_until([&] { return drops_logged() > drops_before; }))
        << "sluice's log says the client was dropped";
}

size_t HostileClientTest::count_in_log(std::string_view text) {
    const std::string log = server().log();
    size_t count = 0;
    for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1))
        ++count;
    return count;
}

bool HostileClientTest::wait_for_departures(size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + default_timeout;
    while (departures_logged() < count) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        EXPECT_TRUE(bystander().roundtrip()) << bystander().describe_error();
        std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    return true;
}

} // namespace sluice::test
