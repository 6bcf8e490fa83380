#include "compositor/output/dmabuf_feedback.hpp"

#include <sys/stat.h>

#include <string>
#include <type_traits>

#include "linux-dmabuf-unstable-v1-protocol.h"
#include "common/log.hpp"
#include "common/surface_addon.hpp"

namespace sluice {

namespace {

bool device_of(int fd, dev_t &device) {
    struct stat info {};
    if (fd < 0 || fstat(fd, &info) != 0) {
        return false;
    }
    device = info.st_rdev;
    return true;
}

// An output's primary plane formats that the renderer can also read (if
// the plane later refuses the buffer, it must still be composited), and
// the KMS device they are for.
class ScanoutTranche {
public:
    ScanoutTranche() = default;
    ~ScanoutTranche() { wlr_drm_format_set_finish(&formats_); }
    ScanoutTranche(const ScanoutTranche &) = delete;
    ScanoutTranche &operator=(const ScanoutTranche &) = delete;

    // False where the output has no such plane (not KMS, or nothing in
    // common with the renderer).
    bool build(wlr_output *output, const wlr_drm_format_set *render_formats) {
        const wlr_drm_format_set *plane_formats = wlr_output_get_primary_formats(output, WLR_BUFFER_CAP_DMABUF);
        if (plane_formats == nullptr || render_formats == nullptr || !wlr_output_is_drm(output) ||
            !device_of(wlr_backend_get_drm_fd(output->backend), device_)) {
            return false;
        }
        return wlr_drm_format_set_intersect(&formats_, plane_formats, render_formats);
    }

    dev_t device() const { return device_; }
    const wlr_drm_format_set *formats() const { return &formats_; }

private:
    wlr_drm_format_set formats_{};
    dev_t device_ = 0;
};

} // namespace

// What one surface should get and what it was sent last. Outputs are kept
// only while they are valid: the window management ends fullscreen on an
// output before the output goes, and an output's frame renderer withdraws
// its candidate when it goes.
class DmabufFeedback::SurfaceState : public SurfaceAddon<SurfaceState> {
public:
    static constexpr const char *addon_name = "sluice-dmabuf-feedback";

    SurfaceState(wlr_surface *surface, const void *owner, DmabufFeedback &feedback)
        : SurfaceAddon(surface, owner), feedback_(feedback) {
        feedback_.states_.insert(this);
    }
    ~SurfaceState() { feedback_.forget(this); }

    // Fullscreen there (the window management says so).
    wlr_output *fullscreen_on = nullptr;
    // That output's scan-out candidate, which a scanout tranche would help.
    wlr_output *candidate_on = nullptr;
    ScanoutReasons candidate_reasons;
    // Whose scanout tranche the client has (null: the default feedback);
    // only compared, never followed.
    const wlr_output *sent_for = nullptr;
    // The window's title once the window management named it, for the log.
    std::string title;

private:
    DmabufFeedback &feedback_;
};

DmabufFeedback::DmabufFeedback(wlr_linux_dmabuf_v1 *dmabuf, wlr_renderer *renderer)
    : dmabuf_(dmabuf), renderer_(renderer) {
    have_main_device_ = device_of(wlr_renderer_get_drm_fd(renderer_), main_device_);
    if (dmabuf_ != nullptr) {
        dmabuf_destroy_.connect(&dmabuf_->events.destroy, [this](void *) {
            dmabuf_destroy_.disconnect();
            dmabuf_ = nullptr;
        });
    }
}

DmabufFeedback::~DmabufFeedback() {
    while (!states_.empty()) {
        (*states_.begin())->destroy();
    }
}

void DmabufFeedback::forget(SurfaceState *state) { states_.erase(state); }

void DmabufFeedback::fullscreen_changed(wlr_surface *surface, wlr_output *output, const std::string &title) {
    if (dmabuf_ == nullptr || surface == nullptr) {
        return;
    }
    // A surface with no state has the default feedback: leaving it alone
    // is sending it that.
    SurfaceState *state =
        output != nullptr ? &SurfaceState::get(surface, this, *this) : SurfaceState::find(surface, this);
    if (state == nullptr) {
        return;
    }
    state->fullscreen_on = output;
    state->title = title;
    settle(*state);
}

void DmabufFeedback::scanout_proposed(wlr_surface *surface, wlr_output *output, ScanoutReasons reasons) {
    if (dmabuf_ == nullptr) {
        return;
    }
    const bool offer = offer_scanout_tranche(reasons);
    SurfaceState *state = offer ? &SurfaceState::get(surface, this, *this) : SurfaceState::find(surface, this);
    if (state == nullptr) {
        return;
    }
    if (offer) {
        state->candidate_on = output;
    } else if (state->candidate_on == output) {
        state->candidate_on = nullptr;
    }
    state->candidate_reasons = reasons;
    settle(*state);
}

void DmabufFeedback::scanout_withdrawn(wlr_surface *surface, wlr_output *output) {
    SurfaceState *state = dmabuf_ != nullptr ? SurfaceState::find(surface, this) : nullptr;
    if (state == nullptr || state->candidate_on != output) {
        return;
    }
    state->candidate_on = nullptr;
    settle(*state);
}

void DmabufFeedback::settle(SurfaceState &state) {
    wlr_output *target = state.fullscreen_on != nullptr ? state.fullscreen_on : state.candidate_on;
    if (target == state.sent_for) {
        return;
    }
    const wlr_drm_format_set *render_formats = wlr_renderer_get_dmabuf_texture_formats(renderer_);
    ScanoutTranche scanout;
    if (target != nullptr && (!have_main_device_ || !scanout.build(target, render_formats))) {
        target = nullptr; // nothing better than the default there
    }
    if (target == state.sent_for) {
        return;
    }
    const std::string who = !state.title.empty() ? "'" + state.title + "'" : "a surface";
    if (target == nullptr) {
        if (!wlr_linux_dmabuf_v1_set_surface_feedback(dmabuf_, state.surface(), nullptr)) {
            LOG_ERROR(render, "cannot send the default feedback to %s", who.c_str());
            return;
        }
        LOG_DEBUG(render, "%s back to the default feedback", who.c_str());
        state.sent_for = nullptr;
        return;
    }
    const wlr_linux_dmabuf_feedback_v1_tranche tranches[] = {
        {scanout.device(), ZWP_LINUX_DMABUF_FEEDBACK_V1_TRANCHE_FLAGS_SCANOUT, scanout.formats()},
        {main_device_, 0, render_formats},
    };
    const wlr_linux_dmabuf_feedback_v1 feedback = {main_device_, 2, tranches};
    if (!wlr_linux_dmabuf_v1_set_surface_feedback(dmabuf_, state.surface(), &feedback)) {
        LOG_ERROR(render, "cannot send a scanout tranche to %s", who.c_str());
        return;
    }
    LOG_DEBUG(render, "%s offered a scanout tranche of %zu formats for %s (%s)", who.c_str(), scanout.formats()->len,
              target->name,
              target == state.fullscreen_on ? "fullscreen"
                                            : ("scan-out candidate: " + reason_names(state.candidate_reasons)).c_str());
    state.sent_for = target;
}

} // namespace sluice
