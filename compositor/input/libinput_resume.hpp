// Input devices back at once when the session resumes. wlroots 0.15's
// libinput backend calls libinput_resume() when the session comes back,
// which reopens the devices and queues their DEVICE_ADDED events, but it
// reads libinput's queue only when libinput's fd next becomes readable: at
// the user's first key press or pointer motion after switching back. That
// first event then reaches no client (the seat has no keyboard yet), and
// clients see the keyboard capability only afterwards. A known wlroots
// bug; sluice asks wlroots' own libinput event source to run once right
// after the resume, as if the fd had been readable.
#pragma once

#include "common/listener.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {

class LibinputResume {
public:
    // Does nothing where there is no session or no libinput backend.
    LibinputResume(wlr_backend *backend, wlr_session *session);

    LibinputResume(const LibinputResume &) = delete;
    LibinputResume &operator=(const LibinputResume &) = delete;

    // Every new input device: the first libinput one tells which libinput
    // context wlroots' backend uses (checked before its event source is).
    void device_added(wlr_input_device *device);

private:
    void on_active();

    wlr_backend *libinput_backend_ = nullptr;
    libinput *context_ = nullptr;
    bool warned_ = false;
    Listener active_;
};

} // namespace sluice
