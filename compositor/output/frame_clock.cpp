#include "compositor/output/frame_clock.hpp"

#include <cerrno>
#include <cstring>

#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <wayland-server-core.h>

#include "common/log.hpp"
#include "common/monotonic_time.hpp"

namespace sluice {

FrameClock::FrameClock(wl_event_loop *loop, int32_t refresh_mhz, Tick tick)
    : timer_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)),
      schedule_(monotonic_now_ns(), refresh_mhz), current_{0, schedule_.time_of(0)}, tick_(std::move(tick)) {
    if (!timer_) {
        LOG_ERROR(output, "cannot create the frame clock's timerfd: %s", strerror(errno));
        return;
    }
    source_ = wl_event_loop_add_fd(loop, timer_.get(), WL_EVENT_READABLE, &FrameClock::on_readable, this);
    if (source_ == nullptr) {
        LOG_ERROR(output, "cannot watch the frame clock's timerfd");
        return;
    }
    arm();
}

FrameClock::~FrameClock() {
    if (source_ != nullptr) {
        wl_event_source_remove(source_);
    }
}

void FrameClock::set_refresh(int32_t refresh_mhz) {
    if (refresh_mhz <= 0 || refresh_mhz == schedule_.refresh_mhz()) {
        return;
    }
    seq_base_ = current_.seq;
    schedule_ = VblankSchedule(current_.time_ns, refresh_mhz);
    arm();
}

void FrameClock::arm() {
    Vblank last = schedule_.at_or_before(monotonic_now_ns());
    uint64_t next = schedule_.time_of(last.seq + 1);
    itimerspec spec{};
    spec.it_value = to_timespec(next);
    if (timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) != 0) {
        LOG_ERROR(output, "cannot arm the frame clock: %s", strerror(errno));
    }
}

int FrameClock::on_readable(int fd, uint32_t, void *data) {
    auto *self = static_cast<FrameClock *>(data);
    uint64_t expirations = 0;
    if (read(fd, &expirations, sizeof expirations) != sizeof expirations) {
        return 0; // woken for nothing (the deadline moved)
    }
    // The vblank this tick is for is the last one that has passed: a late
    // tick still reports its vblank's time, and seq jumps over any missed.
    Vblank vblank = self->schedule_.at_or_before(monotonic_now_ns());
    vblank.seq += self->seq_base_;
    if (vblank.seq != self->current_.seq) {
        if (vblank.seq > self->current_.seq + 1) {
            LOG_DEBUG(output, "frame clock: %lu vblank(s) missed",
                      static_cast<unsigned long>(vblank.seq - self->current_.seq - 1));
        }
        self->current_ = vblank;
        self->ticking_ = true;
        self->tick_(vblank);
        self->ticking_ = false;
    }
    self->arm();
    return 0;
}

} // namespace sluice
