// The Pending of a command that waits: it keeps the request's Reply,
// checks its condition again whenever the command's events say something
// may have changed (check_soon), and answers with timed_out() when its
// time is up. The timeout is a real deadline, not a poll: the answer comes
// from the events, the timer only ends the wait.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "compositor/control/reply.hpp"

struct wl_event_loop;
struct wl_event_source;

namespace sluice::control {

class Wait : public Pending {
public:
    ~Wait() override;

    Wait(const Wait &) = delete;
    Wait &operator=(const Wait &) = delete;

protected:
    // `timeout` must be positive (a command whose timeout is zero answers
    // at once instead of waiting).
    Wait(wl_event_loop *loop, Reply reply, std::chrono::milliseconds timeout);

    // The reply if the condition holds now, else nullopt.
    [[nodiscard]] virtual std::optional<std::string> check() = 0;
    // The reply when the time is up.
    [[nodiscard]] virtual std::string timed_out() = 0;

    // Checks from an idle callback, once however often it is asked in one
    // loop iteration: by then every listener of the event that prompted it
    // has run (the Output has counted its frame, the View has mapped), so
    // the answer does not depend on the order listeners fire in.
    void check_soon();

private:
    static int on_timer(void *data);
    static void on_idle(void *data);
    void finish(std::string json);

    wl_event_loop *loop_;
    Reply reply_;
    wl_event_source *timer_ = nullptr;
    wl_event_source *idle_ = nullptr;
    bool finished_ = false;
};

} // namespace sluice::control
