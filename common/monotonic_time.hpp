// CLOCK_MONOTONIC as nanoseconds in 64 bits: the presentation clock, the
// vblank clock and the gate's target times all count in it.
#pragma once

#include <cstdint>

#include <time.h>

namespace sluice {

inline uint64_t to_ns(const timespec &ts) {
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

inline timespec to_timespec(uint64_t ns) {
    return timespec{static_cast<time_t>(ns / 1000000000ull), static_cast<long>(ns % 1000000000ull)};
}

inline uint64_t monotonic_now_ns() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return to_ns(now);
}

} // namespace sluice
