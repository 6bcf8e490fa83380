// Times are int64 nanoseconds on one clock for a whole workload: the clock
// the compositor names in wp_presentation.clock_id, so that commit times
// taken here and presentation timestamps sent by the compositor can be
// subtracted.
#pragma once

#include <time.h>

#include <cstdint>

namespace bench {

inline int64_t now_ns(clockid_t clock = CLOCK_MONOTONIC) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

inline double ns_to_ms(int64_t ns) { return double(ns) / 1e6; }

inline int64_t ms_to_ns(double ms) { return int64_t(ms * 1e6); }

} // namespace bench
