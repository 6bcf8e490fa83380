// Distributions of durations (nanoseconds in, milliseconds out).
#pragma once

#include <cstdint>
#include <vector>

#include "json.hpp"

namespace bench {

// Linear interpolation between closest ranks; q in [0, 1]. NaN when empty.
double percentile_ms(std::vector<int64_t> samples_ns, double q);

// {count, min, mean, p50, p90, p99, max} in milliseconds.
Json summary_ms(const std::vector<int64_t> &samples_ns);

// Counts in fixed-width bins starting at 0 ms, so histograms from different
// compositors line up when plotted together: {bin_ms, counts, overflow}.
// Negative samples (shown before the event they are measured from) go to
// "underflow".
Json histogram_ms(const std::vector<int64_t> &samples_ns, double bin_ms, double max_ms);

} // namespace bench
