// The arithmetic of a vblank clock with no hardware behind it: vblank n is
// at epoch + n periods, computed from the refresh rate in mHz every time
// rather than by adding a rounded period to the last deadline, so that the
// clock neither drifts nor loses phase when ticks are missed. No wlroots,
// no clock reads: the unit tests build it alone.
#pragma once

#include <cstdint>

namespace sluice {

struct Vblank {
    uint64_t seq = 0;     // periods since the epoch
    uint64_t time_ns = 0; // CLOCK_MONOTONIC
};

class VblankSchedule {
public:
    // `refresh_mhz` > 0, as wlroots counts it.
    VblankSchedule(uint64_t epoch_ns, int32_t refresh_mhz) : epoch_ns_(epoch_ns), refresh_mhz_(refresh_mhz) {}

    [[nodiscard]] int32_t refresh_mhz() const { return refresh_mhz_; }
    // The period as wp_presentation's refresh says it: whole nanoseconds.
    [[nodiscard]] uint64_t period_ns() const { return ns_per_mhz / static_cast<uint64_t>(refresh_mhz_); }

    [[nodiscard]] uint64_t time_of(uint64_t seq) const {
        // 128 bits: seq * 1e12 leaves 64 after a few days at 60 Hz.
        auto offset = static_cast<unsigned __int128>(seq) * ns_per_mhz / static_cast<uint64_t>(refresh_mhz_);
        return epoch_ns_ + static_cast<uint64_t>(offset);
    }

    // The last vblank at or before `now_ns` (the epoch's when `now_ns` is
    // earlier): a tick that comes late belongs to the vblank it was for,
    // and the ones it slept through are skipped, not replayed.
    [[nodiscard]] Vblank at_or_before(uint64_t now_ns) const {
        if (now_ns <= epoch_ns_) {
            return {0, epoch_ns_};
        }
        auto elapsed = static_cast<unsigned __int128>(now_ns - epoch_ns_);
        auto seq = static_cast<uint64_t>(elapsed * static_cast<uint64_t>(refresh_mhz_) / ns_per_mhz);
        // time_of() rounds down, so the vblank it names may be a hair
        // before the exact multiple this division measured against.
        if (time_of(seq + 1) <= now_ns) {
            ++seq;
        }
        return {seq, time_of(seq)};
    }

private:
    static constexpr uint64_t ns_per_mhz = 1000000000000ull; // 1 Hz = 1000 mHz, 1 s = 1e9 ns

    uint64_t epoch_ns_;
    int32_t refresh_mhz_;
};

} // namespace sluice
