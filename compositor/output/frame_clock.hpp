// A vblank clock of sluice's own, for outputs whose backend keeps none
// worth the name: wlroots 0.15's headless backend times frames in whole
// milliseconds and re-arms a relative timer after each, so "60 Hz" comes
// out near 61.9 Hz and its presentation times match no refresh. This one
// ticks on a timerfd at absolute deadlines taken from a VblankSchedule, so
// it does not drift, and a tick the loop was too busy to take is skipped
// (the next one's seq says how many went by), never replayed.
#pragma once

#include <cstdint>
#include <functional>

#include "compositor/output/vblank_schedule.hpp"
#include "sync/unique_fd.hpp"

struct wl_event_loop;
struct wl_event_source;

namespace sluice {

class FrameClock {
public:
    using Tick = std::function<void(const Vblank &)>;

    // Ticks from the next vblank of a schedule starting now, until
    // destroyed. `tick` may not destroy the clock.
    FrameClock(wl_event_loop *loop, int32_t refresh_mhz, Tick tick);
    ~FrameClock();

    FrameClock(const FrameClock &) = delete;
    FrameClock &operator=(const FrameClock &) = delete;

    // False when the timerfd could not be made (logged): nothing ticks.
    [[nodiscard]] bool running() const { return source_ != nullptr; }
    // A new rate from the current vblank on: seq keeps counting, the
    // vblanks already reported keep their times.
    void set_refresh(int32_t refresh_mhz);
    [[nodiscard]] uint64_t period_ns() const { return schedule_.period_ns(); }
    // The vblank of the tick being handled, or the last one handled.
    [[nodiscard]] const Vblank &current() const { return current_; }
    // When the vblank after the current one comes.
    [[nodiscard]] uint64_t next_vblank_ns() const { return schedule_.time_of(current_.seq - seq_base_ + 1); }
    // True only while `tick` runs.
    [[nodiscard]] bool ticking() const { return ticking_; }

private:
    static int on_readable(int fd, uint32_t mask, void *data);
    void arm();

    sync::UniqueFd timer_;
    wl_event_source *source_ = nullptr;
    VblankSchedule schedule_;
    // Seq of the schedule's epoch, so a new rate continues the count.
    uint64_t seq_base_ = 0;
    Vblank current_;
    Tick tick_;
    bool ticking_ = false;
};

} // namespace sluice
