#include "frame.hpp"

#include <algorithm>

namespace sluice::test {

FrameCallback::FrameCallback(wl_surface *surface, OnDone on_done)
    : callback_(wl_surface_frame(surface)), on_done_(std::move(on_done)) {
    static const wl_callback_listener listener = {.done = &FrameCallback::handle_done};
    wl_callback_add_listener(callback_.get(), &listener, this);
}

void FrameCallback::handle_done(void *data, wl_callback *, uint32_t time_ms) {
    auto *self = static_cast<FrameCallback *>(data);
    // `done` is a destructor event: the compositor has already forgotten the
    // object, so only the local proxy is left to free.
    self->callback_.reset();
    self->done_ = true;
    self->time_ms_ = time_ms;
    if (self->on_done_)
        self->on_done_(time_ms);
}

PresentationFeedback::PresentationFeedback(wp_presentation *presentation, wl_surface *surface, OnResult on_result)
    : feedback_(wp_presentation_feedback(presentation, surface)), on_result_(std::move(on_result)) {
    static const wp_presentation_feedback_listener listener = {
        .sync_output = &PresentationFeedback::handle_sync_output,
        .presented = &PresentationFeedback::handle_presented,
        .discarded = &PresentationFeedback::handle_discarded,
    };
    wp_presentation_feedback_add_listener(feedback_.get(), &listener, this);
}

void PresentationFeedback::handle_sync_output(void *data, struct wp_presentation_feedback *, wl_output *output) {
    static_cast<PresentationFeedback *>(data)->presented_.sync_outputs.push_back(output);
}

void PresentationFeedback::handle_presented(void *data, struct wp_presentation_feedback *, uint32_t tv_sec_hi,
                                            uint32_t tv_sec_lo, uint32_t tv_nsec, uint32_t refresh, uint32_t seq_hi,
                                            uint32_t seq_lo, uint32_t flags) {
    auto *self = static_cast<PresentationFeedback *>(data);
    // presented and discarded are destructor events.
    self->feedback_.reset();
    self->state_ = State::presented;
    self->presented_.tv_sec = (static_cast<uint64_t>(tv_sec_hi) << 32) | tv_sec_lo;
    self->presented_.tv_nsec = tv_nsec;
    self->presented_.refresh_ns = refresh;
    self->presented_.seq = (static_cast<uint64_t>(seq_hi) << 32) | seq_lo;
    self->presented_.flags = flags;
    if (self->on_result_)
        self->on_result_(*self);
}

void PresentationFeedback::handle_discarded(void *data, struct wp_presentation_feedback *) {
    auto *self = static_cast<PresentationFeedback *>(data);
    self->feedback_.reset();
    self->state_ = State::discarded;
    if (self->on_result_)
        self->on_result_(*self);
}

PresentationFeedback &PresentationLog::request(wl_surface *surface) {
    entries_.push_back(
        std::make_unique<PresentationFeedback>(presentation_, surface, [this](const PresentationFeedback &f) {
            if (f.state() == PresentationFeedback::State::presented)
                latest_seq_ = std::max(latest_seq_.value_or(0), f.presented().seq);
        }));
    return *entries_.back();
}

size_t PresentationLog::presented_count() const {
    return static_cast<size_t>(std::count_if(entries_.begin(), entries_.end(), [](const auto &e) {
        return e->state() == PresentationFeedback::State::presented;
    }));
}

size_t PresentationLog::discarded_count() const {
    return static_cast<size_t>(std::count_if(entries_.begin(), entries_.end(), [](const auto &e) {
        return e->state() == PresentationFeedback::State::discarded;
    }));
}

bool PresentationLog::all_resolved() const {
    return std::all_of(entries_.begin(), entries_.end(), [](const auto &e) { return e->resolved(); });
}

std::vector<Presented> PresentationLog::presented() const {
    std::vector<Presented> out;
    for (const auto &e : entries_) {
        if (e->state() == PresentationFeedback::State::presented)
            out.push_back(e->presented());
    }
    return out;
}

} // namespace sluice::test
