#include "compositor/input/libinput_resume.hpp"

#include "common/log.hpp"

namespace sluice {

namespace {

// wlroots keeps its libinput event source in a private struct
// (include/backend/libinput.h). This is its layout in 0.15, up to the one
// field sluice needs; the context next to it is compared with the one
// libinput reports for a device before the source is touched.
static_assert(WLR_VERSION_MAJOR == 0 && WLR_VERSION_MINOR == 15,
              "LibinputBackendPrefix mirrors wlroots 0.15's struct wlr_libinput_backend: check it");
struct LibinputBackendPrefix {
    wlr_backend backend;
    wlr_session *session;
    wl_display *display;
    libinput *libinput_context;
    wl_event_source *input_event;
};

wlr_backend *find_libinput_backend(wlr_backend *backend) {
    if (wlr_backend_is_libinput(backend)) {
        return backend;
    }
    if (!wlr_backend_is_multi(backend)) {
        return nullptr;
    }
    wlr_backend *found = nullptr;
    wlr_multi_for_each_backend(
        backend,
        [](wlr_backend *child, void *data) {
            if (wlr_backend_is_libinput(child)) {
                *static_cast<wlr_backend **>(data) = child;
            }
        },
        &found);
    return found;
}

} // namespace

LibinputResume::LibinputResume(wlr_backend *backend, wlr_session *session) {
    if (session == nullptr || (libinput_backend_ = find_libinput_backend(backend)) == nullptr) {
        return;
    }
    active_.connect(&session->events.active, [this, session](void *) {
        if (session->active) {
            on_active();
        }
    });
}

void LibinputResume::device_added(wlr_input_device *device) {
    if (context_ == nullptr && wlr_input_device_is_libinput(device)) {
        context_ = libinput_device_get_context(wlr_libinput_get_device_handle(device));
    }
}

void LibinputResume::on_active() {
    if (context_ == nullptr) {
        return; // the session's first activation, before libinput has started
    }
    auto *mirror = reinterpret_cast<LibinputBackendPrefix *>(libinput_backend_);
    if (mirror->libinput_context != context_ || mirror->input_event == nullptr) {
        if (!warned_) {
            LOG_ERROR(input, "cannot make wlroots read libinput's queue after the resume (its libinput backend "
                             "is not laid out as in wlroots 0.15); input devices come back with the first "
                             "input event");
            warned_ = true;
        }
        return;
    }
    // Runs wlroots' handler once at the end of this dispatch, after its
    // own session listener has called libinput_resume(): it dispatches
    // libinput and takes the queued device events.
    wl_event_source_check(mirror->input_event);
    LOG_DEBUG(input, "session resumed: wlroots reads libinput's queue now");
}

} // namespace sluice
