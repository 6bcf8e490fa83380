#include "compositor/output/presentation.hpp"

#include "common/resource.hpp"
#include "common/surface_addon.hpp"

#include "presentation-time-protocol.h"

namespace sluice {

namespace {

wl_resource *resource_from_link(wl_list *link) { return wl_resource_from_link(link); }

// Sends `discarded` to every feedback in the list and destroys them.
void discard_all(wl_list *resources) {
    while (!wl_list_empty(resources)) {
        wl_resource *resource = resource_from_link(resources->next);
        wp_presentation_feedback_send_discarded(resource);
        wl_resource_destroy(resource); // unlinks it
    }
}

void move_all(wl_list *to, wl_list *from) {
    wl_list_insert_list(to->prev, from);
    wl_list_init(from);
}

bool seq_before(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }

} // namespace

// The feedback of one surface: requested for commits not yet applied
// (tagged with the commit's sequence number), and current (the applied
// commit's, waiting for a frame to show it).
class PresentationSurface : public SurfaceAddon<PresentationSurface> {
public:
    static constexpr const char *addon_name = "sluice-presentation";

    PresentationSurface(wlr_surface *surface, const void *presentation)
        : SurfaceAddon(surface, presentation), surface_(surface) {
        wl_list_init(&current_);
        commit_.connect(&surface_->events.commit, [this](void *) { on_applied(surface_->current.seq); });
    }

    ~PresentationSurface() {
        for (auto &batch : queued_) {
            discard_all(&batch.resources);
        }
        discard_all(&current_);
    }

    void add(wl_resource *resource, uint32_t seq) {
        if (queued_.empty() || queued_.back().seq != seq) {
            Batch &batch = queued_.emplace_back();
            batch.seq = seq;
            wl_list_init(&batch.resources);
        }
        wl_list_insert(queued_.back().resources.prev, wl_resource_get_link(resource));
    }

    // Moves the current feedback into `to` (a frame now shows the surface).
    void take_current(wl_list *to) { move_all(to, &current_); }

private:
    struct Batch {
        uint32_t seq = 0;
        wl_list resources;
    };

    void on_applied(uint32_t seq) {
        // New content replaces content no frame has shown yet.
        discard_all(&current_);
        while (!queued_.empty() && !seq_before(seq, queued_.front().seq)) {
            Batch &batch = queued_.front();
            if (batch.seq == seq) {
                move_all(&current_, &batch.resources);
            } else {
                discard_all(&batch.resources);
            }
            queued_.pop_front();
        }
    }

    wlr_surface *surface_;
    std::list<Batch> queued_;
    wl_list current_;
    Listener commit_;
};

Presentation::Presentation(wl_display *display) {
    global_ = wl_global_create(display, &wp_presentation_interface, 1, this, &Presentation::bind);
}

Presentation::~Presentation() {
    for (auto &frame : in_flight_) {
        discard_all(&frame.resources);
    }
    wl_global_destroy(global_);
}

void Presentation::bind(wl_client *client, void *data, uint32_t version, uint32_t id) {
    wl_resource *resource = create_resource(client, &wp_presentation_interface, version, id);
    if (resource == nullptr) {
        return;
    }
    static const struct wp_presentation_interface impl = {
        .destroy = [](wl_client *, wl_resource *r) { wl_resource_destroy(r); },
        .feedback = &Presentation::handle_feedback,
    };
    wl_resource_set_implementation(resource, &impl, data, nullptr);
    wp_presentation_send_clock_id(resource, CLOCK_MONOTONIC);
}

void Presentation::handle_feedback(wl_client *client, wl_resource *resource, wl_resource *surface_resource,
                                   uint32_t id) {
    auto *self = static_cast<Presentation *>(wl_resource_get_user_data(resource));
    wlr_surface *surface = wlr_surface_from_resource(surface_resource);
    wl_resource *feedback = create_resource(client, &wp_presentation_feedback_interface, resource, id);
    if (feedback == nullptr) {
        return;
    }
    // Whatever list holds it, a feedback leaves it when it dies.
    wl_resource_set_implementation(feedback, nullptr, nullptr,
                                   [](wl_resource *r) { wl_list_remove(wl_resource_get_link(r)); });
    wl_list_init(wl_resource_get_link(feedback));
    // The commit this request belongs to is the surface's next one.
    self->surface_state(surface).add(feedback, surface->pending.seq);
}

PresentationSurface &Presentation::surface_state(wlr_surface *surface) {
    return PresentationSurface::get(surface, this);
}

void Presentation::frame_starting(wlr_output *output, uint32_t commit_seq, const std::vector<wlr_surface *> &surfaces) {
    for (wlr_surface *surface : surfaces) {
        PresentationSurface *state = PresentationSurface::find(surface, this);
        if (state == nullptr) {
            continue;
        }
        InFlight &frame = in_flight_.emplace_back();
        frame.output = output;
        frame.commit_seq = commit_seq;
        frame.surface = surface;
        frame.zero_copy = false;
        wl_list_init(&frame.resources);
        state->take_current(&frame.resources);
        if (wl_list_empty(&frame.resources)) {
            in_flight_.pop_back();
        }
    }
}

void Presentation::frame_zero_copy(wlr_output *output, uint32_t commit_seq, wlr_surface *surface) {
    for (auto &frame : in_flight_) {
        if (frame.output == output && frame.commit_seq == commit_seq && frame.surface == surface) {
            frame.zero_copy = true;
        }
    }
}

void Presentation::frame_presented(const wlr_output_event_present &event) {
    for (auto it = in_flight_.begin(); it != in_flight_.end();) {
        if (it->output != event.output || seq_before(event.commit_seq, it->commit_seq)) {
            ++it;
            continue;
        }
        // This frame, or an earlier one whose event never came.
        bool shown = event.presented && it->commit_seq == event.commit_seq && event.when != nullptr;
        while (shown && !wl_list_empty(&it->resources)) {
            wl_resource *resource = resource_from_link(it->resources.next);
            wl_client *client = wl_resource_get_client(resource);
            wl_resource *output_resource = nullptr;
            wl_resource_for_each(output_resource, &event.output->resources) {
                if (wl_resource_get_client(output_resource) == client) {
                    wp_presentation_feedback_send_sync_output(resource, output_resource);
                }
            }
            uint64_t sec = static_cast<uint64_t>(event.when->tv_sec);
            uint64_t seq = event.seq;
            uint32_t flags = event.flags | (it->zero_copy ? WP_PRESENTATION_FEEDBACK_KIND_ZERO_COPY : 0);
            wp_presentation_feedback_send_presented(
                resource, static_cast<uint32_t>(sec >> 32), static_cast<uint32_t>(sec),
                static_cast<uint32_t>(event.when->tv_nsec), static_cast<uint32_t>(event.refresh),
                static_cast<uint32_t>(seq >> 32), static_cast<uint32_t>(seq), flags);
            wl_resource_destroy(resource);
        }
        discard_all(&it->resources);
        it = in_flight_.erase(it);
    }
}

void Presentation::output_removed(wlr_output *output) {
    for (auto it = in_flight_.begin(); it != in_flight_.end();) {
        if (it->output == output) {
            discard_all(&it->resources);
            it = in_flight_.erase(it);
        } else {
            ++it;
        }
    }
}

} // namespace sluice
