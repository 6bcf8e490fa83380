#include "compositor/control/command_wait.hpp"

#include <wayland-server-core.h>

#include "common/log.hpp"

namespace sluice::control {

Wait::Wait(wl_event_loop *loop, Reply reply, std::chrono::milliseconds timeout)
    : loop_(loop), reply_(std::move(reply)) {
    timer_ = wl_event_loop_add_timer(loop_, &Wait::on_timer, this);
    if (timer_ == nullptr || wl_event_source_timer_update(timer_, static_cast<int>(timeout.count())) != 0) {
        LOG_ERROR(control, "cannot arm a timer for a waiting request; it waits without a deadline");
    }
}

Wait::~Wait() {
    if (timer_ != nullptr) {
        wl_event_source_remove(timer_);
    }
    if (idle_ != nullptr) {
        wl_event_source_remove(idle_);
    }
}

void Wait::check_soon() {
    if (finished_ || idle_ != nullptr) {
        return;
    }
    idle_ = wl_event_loop_add_idle(loop_, &Wait::on_idle, this);
}

void Wait::on_idle(void *data) {
    auto *self = static_cast<Wait *>(data);
    // libwayland removes an idle source once it has run.
    self->idle_ = nullptr;
    if (self->finished_) {
        return;
    }
    if (auto answer = self->check()) {
        self->finish(std::move(*answer));
    }
}

int Wait::on_timer(void *data) {
    auto *self = static_cast<Wait *>(data);
    if (!self->finished_) {
        // The last look: what happened in this very iteration still counts.
        auto answer = self->check();
        self->finish(answer ? std::move(*answer) : self->timed_out());
    }
    return 0;
}

void Wait::finish(std::string json) {
    finished_ = true;
    reply_(std::move(json));
}

} // namespace sluice::control
