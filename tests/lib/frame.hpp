// wl_surface.frame callbacks and wp_presentation feedback, collected so that
// tests can relate them to each other instead of to the wall clock.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <time.h>

#include "proxy.hpp"

namespace sluice::test {

// `clock` (the one wp_presentation.clock_id names) now, in nanoseconds.
inline uint64_t now_ns(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// One wl_surface.frame request; it takes effect with the next commit.
class FrameCallback {
public:
    using OnDone = std::function<void(uint32_t time_ms)>;

    explicit FrameCallback(wl_surface *surface, OnDone on_done = {});
    FrameCallback(const FrameCallback &) = delete;
    FrameCallback &operator=(const FrameCallback &) = delete;
    FrameCallback(FrameCallback &&) = delete;
    FrameCallback &operator=(FrameCallback &&) = delete;

    [[nodiscard]] bool done() const { return done_; }
    [[nodiscard]] uint32_t time_ms() const { return time_ms_; }

private:
    static void handle_done(void *data, wl_callback *callback, uint32_t time_ms);

    Proxy<wl_callback> callback_;
    OnDone on_done_;
    bool done_ = false;
    uint32_t time_ms_ = 0;
};

struct Presented {
    uint64_t tv_sec = 0;
    uint32_t tv_nsec = 0;
    uint32_t refresh_ns = 0;
    uint64_t seq = 0;
    uint32_t flags = 0;
    std::vector<wl_output *> sync_outputs;

    [[nodiscard]] uint64_t nanoseconds() const { return tv_sec * 1000000000ull + tv_nsec; }
};

// One wp_presentation.feedback request; it takes effect with the next commit.
class PresentationFeedback {
public:
    enum class State { pending, presented, discarded };
    using OnResult = std::function<void(const PresentationFeedback &)>;

    PresentationFeedback(wp_presentation *presentation, wl_surface *surface, OnResult on_result = {});
    PresentationFeedback(const PresentationFeedback &) = delete;
    PresentationFeedback &operator=(const PresentationFeedback &) = delete;
    PresentationFeedback(PresentationFeedback &&) = delete;
    PresentationFeedback &operator=(PresentationFeedback &&) = delete;

    [[nodiscard]] State state() const { return state_; }
    [[nodiscard]] bool resolved() const { return state_ != State::pending; }
    // Valid when state() == presented.
    [[nodiscard]] const Presented &presented() const { return presented_; }

private:
    static void handle_sync_output(void *data, struct wp_presentation_feedback *, wl_output *output);
    static void handle_presented(void *data, struct wp_presentation_feedback *, uint32_t tv_sec_hi, uint32_t tv_sec_lo,
                                 uint32_t tv_nsec, uint32_t refresh, uint32_t seq_hi, uint32_t seq_lo, uint32_t flags);
    static void handle_discarded(void *data, struct wp_presentation_feedback *);

    Proxy<struct wp_presentation_feedback> feedback_;
    OnResult on_result_;
    State state_ = State::pending;
    Presented presented_;
};

// Feedback for a series of commits, kept in commit order.
class PresentationLog {
public:
    explicit PresentationLog(wp_presentation *presentation) : presentation_(presentation) {}

    // Call before the commit the feedback is for.
    PresentationFeedback &request(wl_surface *surface);

    [[nodiscard]] size_t size() const { return entries_.size(); }
    [[nodiscard]] const PresentationFeedback &at(size_t i) const { return *entries_.at(i); }
    [[nodiscard]] size_t presented_count() const;
    [[nodiscard]] size_t discarded_count() const;
    [[nodiscard]] bool all_resolved() const;
    // The presented entries in commit order.
    [[nodiscard]] std::vector<Presented> presented() const;
    // Highest sequence number presented so far, if any.
    [[nodiscard]] std::optional<uint64_t> latest_seq() const { return latest_seq_; }

private:
    wp_presentation *presentation_;
    std::deque<std::unique_ptr<PresentationFeedback>> entries_;
    std::optional<uint64_t> latest_seq_;
};

} // namespace sluice::test
