#include "window.hpp"

#include <algorithm>
#include <cmath>

#include "clock.hpp"
#include "stats.hpp"

namespace bench {

// A frame callback or presentation feedback in flight, tied to the commit
// it reports on by index (the log may grow and move while it waits).
struct Window::Pending {
    Window *window;
    size_t index;
    Proxy<wl_callback> callback;
    Proxy<struct wp_presentation_feedback> feedback;
};

Window::Window(Connection &connection, Config config) : connection_(connection), config_(std::move(config)) {
    if (!config_.factory) {
        config_.factory = [&connection](int w, int h, std::string &error) {
            return make_shm_buffer(connection, w, h, error);
        };
    }
    surface_.reset(wl_compositor_create_surface(connection_.compositor()));
    xdg_surface_.reset(xdg_wm_base_get_xdg_surface(connection_.wm_base(), surface_.get()));
    toplevel_.reset(xdg_surface_get_toplevel(xdg_surface_.get()));

    static const xdg_surface_listener surface_listener = {
        .configure =
            [](void *data, xdg_surface *surface, uint32_t serial) {
                xdg_surface_ack_configure(surface, serial);
                static_cast<Window *>(data)->on_configure(serial);
            },
    };
    static const xdg_toplevel_listener toplevel_listener = {
        // The window keeps the size it asked for: a compositor that tiles
        // would otherwise change the work per frame, and the drivers make
        // every peer float bench windows.
        .configure = [](void *, xdg_toplevel *, int32_t, int32_t, wl_array *) {},
        .close = [](void *data, xdg_toplevel *) { static_cast<Window *>(data)->closed_ = true; },
    };
    xdg_surface_add_listener(xdg_surface_.get(), &surface_listener, this);
    xdg_toplevel_add_listener(toplevel_.get(), &toplevel_listener, this);
    xdg_toplevel_set_title(toplevel_.get(), config_.title.c_str());
    xdg_toplevel_set_app_id(toplevel_.get(), "sluice-bench");
    // Sizes fixed both ways: floating-by-default compositors then place the
    // window at exactly this size.
    xdg_toplevel_set_min_size(toplevel_.get(), config_.width, config_.height);
    xdg_toplevel_set_max_size(toplevel_.get(), config_.width, config_.height);
    // The initial commit without a buffer asks for the first configure.
    wl_surface_commit(surface_.get());
}

Window::~Window() {
    // Callbacks and feedback first: they point back at this window.
    pending_.clear();
    toplevel_.reset();
    xdg_surface_.reset();
    surface_.reset();
    buffers_.clear();
}

void Window::on_configure(uint32_t) {
    if (!mapped_) {
        // Mapping is the first frame: draw it whether or not this window
        // animates, so the compositor has something to show.
        want_redraw_ = true;
        tick();
    }
}

void Window::tick() {
    if (want_redraw_ && error_.empty()) {
        redraw();
    }
}

Buffer *Window::add_buffer(std::unique_ptr<Buffer> buffer) {
    buffers_.push_back(std::move(buffer));
    return buffers_.back().get();
}

Buffer *Window::next_buffer() {
    for (auto &buffer : buffers_) {
        if (!buffer->busy()) {
            return buffer.get();
        }
    }
    if (buffers_.size() >= config_.max_buffers) {
        return nullptr;
    }
    std::string error;
    auto buffer = config_.factory(config_.width, config_.height, error);
    if (!buffer) {
        error_ = error;
        return nullptr;
    }
    return add_buffer(std::move(buffer));
}

void Window::redraw() {
    Buffer *buffer = next_buffer();
    if (buffer == nullptr) {
        // Every buffer is still held by the compositor: skip until one is
        // released (tick() retries) and count it, since a client that runs
        // out of buffers cannot keep the output's rate whatever it does.
        ++starved_;
        return;
    }
    want_redraw_ = false;
    draw_frame(*buffer, frame_++);
    commit(*buffer);
    mapped_ = true;
}

size_t Window::commit(Buffer &buffer, const std::function<void()> &before_commit) {
    static const wl_callback_listener frame_listener = {
        .done =
            [](void *data, wl_callback *, uint32_t) {
                auto *pending = static_cast<Pending *>(data);
                pending->window->on_frame_done(pending->index);
                // Destroys the callback this handler runs for; libwayland
                // allows that and nothing touches it afterwards.
                pending->callback.reset();
                auto &list = pending->window->pending_;
                if (!pending->feedback) {
                    list.remove_if([pending](const auto &p) { return p.get() == pending; });
                }
            },
    };
    static const wp_presentation_feedback_listener feedback_listener = {
        .sync_output = [](void *, struct wp_presentation_feedback *, wl_output *) {},
        .presented =
            [](void *data, struct wp_presentation_feedback *, uint32_t sec_hi, uint32_t sec_lo, uint32_t nsec,
               uint32_t refresh, uint32_t seq_hi, uint32_t seq_lo, uint32_t flags) {
                auto *pending = static_cast<Pending *>(data);
                CommitRecord &record = pending->window->log_[pending->index];
                record.feedback = CommitRecord::Feedback::presented;
                record.presented_ns = int64_t((uint64_t(sec_hi) << 32) | sec_lo) * 1000000000 + nsec;
                record.refresh_ns = refresh;
                record.seq = (uint64_t(seq_hi) << 32) | seq_lo;
                record.flags = flags;
                pending->feedback.reset();
                auto &list = pending->window->pending_;
                if (!pending->callback) {
                    list.remove_if([pending](const auto &p) { return p.get() == pending; });
                }
            },
        .discarded =
            [](void *data, struct wp_presentation_feedback *) {
                auto *pending = static_cast<Pending *>(data);
                pending->window->log_[pending->index].feedback = CommitRecord::Feedback::discarded;
                pending->feedback.reset();
                auto &list = pending->window->pending_;
                if (!pending->callback) {
                    list.remove_if([pending](const auto &p) { return p.get() == pending; });
                }
            },
    };

    wl_surface_attach(surface_.get(), buffer.wl(), 0, 0);
    wl_surface_damage_buffer(surface_.get(), 0, 0, INT32_MAX, INT32_MAX);
    auto pending = std::make_unique<Pending>();
    pending->window = this;
    pending->index = log_.size();
    pending->callback.reset(wl_surface_frame(surface_.get()));
    wl_callback_add_listener(pending->callback.get(), &frame_listener, pending.get());
    CommitRecord record;
    if (config_.feedback && connection_.presentation() != nullptr) {
        pending->feedback.reset(wp_presentation_feedback(connection_.presentation(), surface_.get()));
        wp_presentation_feedback_add_listener(pending->feedback.get(), &feedback_listener, pending.get());
        record.feedback = CommitRecord::Feedback::pending;
    }
    if (before_commit) {
        before_commit();
    }
    buffer.mark_busy();
    record.commit_ns = connection_.now();
    wl_surface_commit(surface_.get());
    log_.push_back(record);
    pending_.push_back(std::move(pending));
    // Sent now rather than at the next pump, so that the commit time taken
    // above is when the compositor could first see it.
    wl_display_flush(connection_.display());
    return log_.size() - 1;
}

void Window::on_frame_done(size_t index) {
    log_[index].frame_done_ns = connection_.now();
    if (config_.animate) {
        want_redraw_ = true;
        tick();
    }
}

PacingStats analyze(const std::vector<CommitRecord> &log, int64_t from, int64_t to, int64_t fallback_refresh_ns) {
    PacingStats stats;
    bool any_feedback = false;
    for (const auto &r : log) {
        if (r.commit_ns >= from && r.commit_ns < to &&
            (r.feedback == CommitRecord::Feedback::presented || r.feedback == CommitRecord::Feedback::discarded)) {
            any_feedback = true;
            break;
        }
    }
    stats.used_presentation = any_feedback;
    std::vector<int64_t> times;
    for (const auto &r : log) {
        if (r.commit_ns < from || r.commit_ns >= to) {
            continue;
        }
        ++stats.commits;
        if (r.feedback == CommitRecord::Feedback::discarded) {
            ++stats.discarded;
        } else if (r.feedback == CommitRecord::Feedback::pending) {
            ++stats.no_feedback;
        }
        int64_t shown = -1;
        if (any_feedback) {
            if (r.feedback == CommitRecord::Feedback::presented) {
                shown = r.presented_ns;
                if ((r.flags & WP_PRESENTATION_FEEDBACK_KIND_ZERO_COPY) != 0) {
                    ++stats.zero_copy;
                }
                if (r.refresh_ns > 0) {
                    stats.refresh_ns = r.refresh_ns;
                }
            }
        } else {
            shown = r.frame_done_ns;
        }
        if (shown < 0) {
            continue;
        }
        ++stats.presented;
        stats.latencies.push_back(shown - r.commit_ns);
        times.push_back(shown);
    }
    if (stats.refresh_ns == 0) {
        stats.refresh_ns = fallback_refresh_ns;
    }
    std::sort(times.begin(), times.end());
    stats.presented_at = times;
    for (size_t n = 1; n < times.size(); ++n) {
        int64_t interval = times[n] - times[n - 1];
        stats.intervals.push_back(interval);
        if (stats.refresh_ns > 0 && double(interval) > 1.5 * double(stats.refresh_ns)) {
            ++stats.missed;
        }
    }
    return stats;
}

Json pacing_json(const PacingStats &stats, double duration_s, bool histogram) {
    Json out = Json::object();
    out.set("timing_source", stats.used_presentation ? "presentation" : "frame-callback");
    out.set("commits", stats.commits);
    out.set("presented", stats.presented);
    out.set("discarded", stats.discarded);
    out.set("feedback_pending", stats.no_feedback);
    out.set("zero_copy", stats.zero_copy);
    out.set("fps", duration_s > 0 ? double(stats.presented) / duration_s : 0.0);
    out.set("refresh_ms", ns_to_ms(stats.refresh_ns));
    out.set("missed_frames", stats.missed);
    int64_t missed_periods = 0;
    for (int64_t interval : stats.intervals) {
        if (stats.refresh_ns > 0 && double(interval) > 1.5 * double(stats.refresh_ns)) {
            missed_periods += std::llround(double(interval) / double(stats.refresh_ns)) - 1;
        }
    }
    out.set("missed_periods", missed_periods);
    out.set("latency_ms", summary_ms(stats.latencies));
    out.set("interval_ms", summary_ms(stats.intervals));
    if (histogram) {
        out.set("latency_histogram", histogram_ms(stats.latencies, 0.5, 100.0));
    }
    return out;
}

} // namespace bench
