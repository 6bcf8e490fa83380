#include "compositor/input/input_device.hpp"

#include "common/log.hpp"
#include "compositor/input/seat.hpp"

namespace sluice {

Keyboard::Keyboard(Seat &seat, wlr_input_device *device, Keymap keymap) : seat_(seat), device_(device) {
    wlr_keyboard *keyboard = device_->keyboard;
    if (keymap == Keymap::from_environment) {
        set_default_keymap();
        wlr_keyboard_set_repeat_info(keyboard, 25, 600);
    }

    modifiers_.connect(&keyboard->events.modifiers, [this](void *) {
        wlr_seat_set_keyboard(seat_.wlr(), device_);
        wlr_seat_keyboard_notify_modifiers(seat_.wlr(), &device_->keyboard->modifiers);
    });
    key_.connect(&keyboard->events.key, [this](void *data) { on_key(static_cast<wlr_event_keyboard_key *>(data)); });
    destroy_.connect(&device_->events.destroy, [this](void *) { seat_.remove_keyboard(this); });

    wlr_seat_set_keyboard(seat_.wlr(), device_);
}

void Keyboard::set_default_keymap() {
    // With no names given, xkbcommon takes rules, model, layout, variant
    // and options from the XKB_DEFAULT_* environment variables.
    xkb_context *context = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
    xkb_keymap *keymap =
        context != nullptr ? xkb_keymap_new_from_names(context, nullptr, XKB_KEYMAP_COMPILE_NO_FLAGS) : nullptr;
    if (keymap != nullptr) {
        wlr_keyboard_set_keymap(device_->keyboard, keymap);
    } else {
        LOG_ERROR(input, "%s: cannot compile a keymap from XKB_DEFAULT_*; keys will not work", device_->name);
    }
    xkb_keymap_unref(keymap);
    xkb_context_unref(context);
}

void Keyboard::on_key(wlr_event_keyboard_key *event) {
    wlr_keyboard *keyboard = device_->keyboard;
    // libinput counts keys from evdev codes; xkbcommon from X11's, 8 higher.
    uint32_t keycode = event->keycode + 8;
    const xkb_keysym_t *syms = nullptr;
    int count = xkb_state_key_get_syms(keyboard->xkb_state, keycode, &syms);
    uint32_t modifiers = wlr_keyboard_get_modifiers(keyboard);

    bool handled = false;
    if (event->state == WL_KEYBOARD_KEY_STATE_PRESSED) {
        for (int i = 0; i < count && !handled; ++i) {
            handled = seat_.handle_binding(syms[i], modifiers);
        }
    }
    if (!handled) {
        wlr_seat_set_keyboard(seat_.wlr(), device_);
        wlr_seat_keyboard_notify_key(seat_.wlr(), event->time_msec, event->keycode, event->state);
    }
}

InputDevice::InputDevice(Seat &seat, wlr_input_device *device) : seat_(seat), device_(device) {
    wlr_cursor_attach_input_device(seat_.cursor(), device_);
    destroy_.connect(&device_->events.destroy, [this](void *) { seat_.remove_device(this); });
}

InputDevice::~InputDevice() { wlr_cursor_detach_input_device(seat_.cursor(), device_); }

} // namespace sluice
