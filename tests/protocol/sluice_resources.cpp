#include "sluice_resources.hpp"

#include <chrono>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "process_probe.hpp"

namespace sluice::test {

ResourceSnapshot SluiceResources::now() {
    EXPECT_TRUE(via_.roundtrip()) << via_.describe_error();
    return {open_fds(pid_), rss_kib(pid_)};
}

ResourceSnapshot SluiceResources::stable() {
    auto last = now();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{5};
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds{100});
        auto reading = now();
        if (reading.fds == last.fds || std::chrono::steady_clock::now() > deadline)
            return reading;
        last = std::move(reading);
    }
}

ResourceSnapshot SluiceResources::back_to(const ResourceSnapshot &baseline) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{5};
    for (;;) {
        auto reading = now();
        if (!has_extra(baseline, reading) || std::chrono::steady_clock::now() > deadline)
            return reading;
        std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
}

bool SluiceResources::has_extra(const ResourceSnapshot &baseline, const ResourceSnapshot &now) {
    for (const auto &[fd, target] : now.fds) {
        auto it = baseline.fds.find(fd);
        if (it == baseline.fds.end() || it->second != target)
            return true;
    }
    return false;
}

} // namespace sluice::test
