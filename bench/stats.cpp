#include "stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "clock.hpp"

namespace bench {

double percentile_ms(std::vector<int64_t> samples, double q) {
    if (samples.empty()) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    std::sort(samples.begin(), samples.end());
    double rank = q * double(samples.size() - 1);
    auto lo = size_t(std::floor(rank));
    auto hi = std::min(lo + 1, samples.size() - 1);
    double frac = rank - double(lo);
    return ns_to_ms(samples[lo]) * (1.0 - frac) + ns_to_ms(samples[hi]) * frac;
}

Json summary_ms(const std::vector<int64_t> &samples) {
    Json out = Json::object();
    out.set("count", samples.size());
    if (samples.empty()) {
        for (const char *key : {"min", "mean", "p50", "p90", "p99", "max"}) {
            out.set(key, nullptr);
        }
        return out;
    }
    auto [min, max] = std::minmax_element(samples.begin(), samples.end());
    double sum =
        std::accumulate(samples.begin(), samples.end(), 0.0, [](double acc, int64_t v) { return acc + double(v); });
    out.set("min", ns_to_ms(*min));
    out.set("mean", sum / double(samples.size()) / 1e6);
    out.set("p50", percentile_ms(samples, 0.50));
    out.set("p90", percentile_ms(samples, 0.90));
    out.set("p99", percentile_ms(samples, 0.99));
    out.set("max", ns_to_ms(*max));
    return out;
}

Json histogram_ms(const std::vector<int64_t> &samples, double bin_ms, double max_ms) {
    auto bins = size_t(std::ceil(max_ms / bin_ms));
    std::vector<int64_t> counts(bins, 0);
    int64_t overflow = 0;
    int64_t underflow = 0;
    for (int64_t sample : samples) {
        double ms = ns_to_ms(sample);
        if (ms < 0) {
            ++underflow;
            continue;
        }
        auto bin = size_t(ms / bin_ms);
        if (bin >= bins) {
            ++overflow;
        } else {
            ++counts[bin];
        }
    }
    Json array = Json::array();
    for (int64_t c : counts) {
        array.push(c);
    }
    Json out = Json::object();
    out.set("bin_ms", bin_ms);
    out.set("counts", std::move(array));
    out.set("underflow", underflow);
    out.set("overflow", overflow);
    return out;
}

} // namespace bench
