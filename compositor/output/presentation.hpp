// wp_presentation, with feedback kept per commit. wlroots 0.15 merges the
// feedback of every commit made since the last applied one, so a commit
// the gate holds would lend its feedback to an earlier one and report it
// presented too early. Here each feedback is tagged with the commit it was
// requested for, becomes current only when that commit is applied, and is
// reported for the output frame that first showed it.
#pragma once

#include <list>
#include <vector>

#include "common/listener.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {

class PresentationSurface;

class Presentation {
public:
    explicit Presentation(wl_display *display);
    ~Presentation();

    Presentation(const Presentation &) = delete;
    Presentation &operator=(const Presentation &) = delete;

    // The output is about to commit frame `commit_seq`, which shows
    // `surfaces`. Called before the commit because some backends
    // (headless) report presentation from inside it.
    void frame_starting(wlr_output *output, uint32_t commit_seq, const std::vector<wlr_surface *> &surfaces);
    // That frame put `surface`'s buffer on a plane as it is.
    void frame_zero_copy(wlr_output *output, uint32_t commit_seq, wlr_surface *surface);
    // The backend's word on a frame (after sluice filled in what the
    // backend left out).
    void frame_presented(const wlr_output_event_present &event);
    void output_removed(wlr_output *output);

    clockid_t clock() const { return CLOCK_MONOTONIC; }

private:
    friend class PresentationSurface;
    struct InFlight {
        wlr_output *output;
        uint32_t commit_seq;
        // Only compared, and only while the frame is being committed.
        wlr_surface *surface;
        bool zero_copy;
        wl_list resources;
    };

    static void bind(wl_client *client, void *data, uint32_t version, uint32_t id);
    static void handle_feedback(wl_client *client, wl_resource *resource, wl_resource *surface, uint32_t id);
    PresentationSurface &surface_state(wlr_surface *surface);

    wl_global *global_;
    // std::list: the wl_list heads inside must never move.
    std::list<InFlight> in_flight_;
};

} // namespace sluice
