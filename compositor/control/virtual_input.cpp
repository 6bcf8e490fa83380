#include "compositor/control/virtual_input.hpp"

#include <cmath>
#include <ctime>

#include "common/log.hpp"
#include "compositor/core/server.hpp"

namespace sluice::control {

uint32_t now_msec() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<uint32_t>(static_cast<int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1000000);
}

VirtualInput::VirtualInput(Server &server) : server_(server) {}

bool VirtualInput::available(std::string *why) {
    if (headless_ != nullptr) {
        return true;
    }
    wlr_backend *backend = server_.backend();
    if (wlr_backend_is_headless(backend)) {
        headless_ = backend;
        return true;
    }
    if (wlr_backend_is_multi(backend)) {
        // A headless backend inside the multi backend hosts the devices;
        // it makes no outputs unless asked, so the session is unchanged.
        wlr_backend *extra = wlr_headless_backend_create(server_.display());
        if (extra != nullptr && wlr_multi_backend_add(backend, extra)) {
            wlr_backend_start(extra);
            headless_ = extra;
            return true;
        }
        if (extra != nullptr) {
            wlr_backend_destroy(extra);
        }
    }
    if (why != nullptr) {
        *why = "input injection needs the headless backend or a multi backend to add one to";
    }
    return false;
}

wlr_input_device *VirtualInput::device(wlr_input_device_type type) {
    wlr_input_device **slot = nullptr;
    Listener *destroy = nullptr;
    switch (type) {
    case WLR_INPUT_DEVICE_POINTER:
        slot = &pointer_;
        destroy = &pointer_destroy_;
        break;
    case WLR_INPUT_DEVICE_TOUCH:
        slot = &touch_;
        destroy = &touch_destroy_;
        break;
    case WLR_INPUT_DEVICE_KEYBOARD:
        slot = &keyboard_;
        destroy = &keyboard_destroy_;
        break;
    default: return nullptr;
    }
    if (*slot != nullptr) {
        return *slot;
    }
    if (!available(nullptr)) {
        return nullptr;
    }
    // The Seat hears of it through the backend's new_input, as of any device.
    *slot = wlr_headless_add_input_device(headless_, type);
    if (*slot == nullptr) {
        LOG_ERROR(control, "cannot create a virtual input device");
        return nullptr;
    }
    destroy->connect(&(*slot)->events.destroy, [slot, destroy](void *) {
        destroy->disconnect();
        *slot = nullptr;
    });
    return *slot;
}

void VirtualInput::create_all() {
    device(WLR_INPUT_DEVICE_POINTER);
    device(WLR_INPUT_DEVICE_KEYBOARD);
    device(WLR_INPUT_DEVICE_TOUCH);
}

wlr_keyboard *VirtualInput::keyboard() {
    wlr_input_device *dev = device(WLR_INPUT_DEVICE_KEYBOARD);
    return dev != nullptr ? dev->keyboard : nullptr;
}

void VirtualInput::to_absolute(double lx, double ly, double &x, double &y) const {
    // The inverse of wlr_cursor_absolute_to_layout_coords for a device
    // mapped to nothing: 0..1 spans the whole layout.
    wlr_box *box = wlr_output_layout_get_box(server_.output_layout(), nullptr);
    if (box == nullptr || box->width <= 0 || box->height <= 0) {
        x = y = 0;
        return;
    }
    x = (lx - box->x) / box->width;
    y = (ly - box->y) / box->height;
}

namespace {

// One event as a driver sends it: stamped, emitted, and closed by a frame.
template <typename Event>
void emit_pointer(wlr_input_device *dev, wl_signal &signal, Event &event) {
    event.device = dev;
    event.time_msec = now_msec();
    wl_signal_emit(&signal, &event);
    wl_signal_emit(&dev->pointer->events.frame, dev->pointer);
}

template <typename Event>
void emit_touch(wlr_input_device *dev, wl_signal &signal, Event &event) {
    event.device = dev;
    event.time_msec = now_msec();
    wl_signal_emit(&signal, &event);
    wl_signal_emit(&dev->touch->events.frame, nullptr);
}

} // namespace

void VirtualInput::pointer_warp(double lx, double ly) {
    if (wlr_input_device *dev = device(WLR_INPUT_DEVICE_POINTER)) {
        wlr_event_pointer_motion_absolute event{};
        to_absolute(lx, ly, event.x, event.y);
        emit_pointer(dev, dev->pointer->events.motion_absolute, event);
    }
}

void VirtualInput::pointer_move(double dx, double dy) {
    if (wlr_input_device *dev = device(WLR_INPUT_DEVICE_POINTER)) {
        wlr_event_pointer_motion event{};
        event.delta_x = event.unaccel_dx = dx;
        event.delta_y = event.unaccel_dy = dy;
        emit_pointer(dev, dev->pointer->events.motion, event);
    }
}

void VirtualInput::pointer_button(uint32_t button, bool pressed) {
    if (wlr_input_device *dev = device(WLR_INPUT_DEVICE_POINTER)) {
        wlr_event_pointer_button event{};
        event.button = button;
        event.state = pressed ? WLR_BUTTON_PRESSED : WLR_BUTTON_RELEASED;
        emit_pointer(dev, dev->pointer->events.button, event);
    }
}

void VirtualInput::pointer_scroll(bool horizontal, double steps) {
    if (wlr_input_device *dev = device(WLR_INPUT_DEVICE_POINTER)) {
        wlr_event_pointer_axis event{};
        event.source = WLR_AXIS_SOURCE_WHEEL;
        event.orientation = horizontal ? WLR_AXIS_ORIENTATION_HORIZONTAL : WLR_AXIS_ORIENTATION_VERTICAL;
        // A wheel click is 15 units of scroll distance, as libinput reports it.
        event.delta = steps * 15.0;
        event.delta_discrete = static_cast<int32_t>(std::lround(steps));
        emit_pointer(dev, dev->pointer->events.axis, event);
    }
}

void VirtualInput::touch_down(int32_t id, double lx, double ly) {
    if (wlr_input_device *dev = device(WLR_INPUT_DEVICE_TOUCH)) {
        wlr_event_touch_down event{};
        event.touch_id = id;
        to_absolute(lx, ly, event.x, event.y);
        emit_touch(dev, dev->touch->events.down, event);
    }
}

void VirtualInput::touch_motion(int32_t id, double lx, double ly) {
    if (wlr_input_device *dev = device(WLR_INPUT_DEVICE_TOUCH)) {
        wlr_event_touch_motion event{};
        event.touch_id = id;
        to_absolute(lx, ly, event.x, event.y);
        emit_touch(dev, dev->touch->events.motion, event);
    }
}

void VirtualInput::touch_up(int32_t id) {
    if (wlr_input_device *dev = device(WLR_INPUT_DEVICE_TOUCH)) {
        wlr_event_touch_up event{};
        event.touch_id = id;
        emit_touch(dev, dev->touch->events.up, event);
    }
}

void VirtualInput::key(uint32_t keycode, bool pressed) {
    wlr_keyboard *kb = keyboard();
    if (kb == nullptr) {
        return;
    }
    wlr_event_keyboard_key event{};
    event.time_msec = now_msec();
    event.keycode = keycode;
    // wlroots updates the xkb state (modifiers, levels) as for a real key.
    event.update_state = true;
    event.state = pressed ? WL_KEYBOARD_KEY_STATE_PRESSED : WL_KEYBOARD_KEY_STATE_RELEASED;
    wlr_keyboard_notify_key(kb, &event);
}

} // namespace sluice::control
