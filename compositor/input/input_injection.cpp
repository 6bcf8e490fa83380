#include "compositor/input/input_injection.hpp"

#include "common/log.hpp"
#include "compositor/input/seat.hpp"

namespace sluice {

InputInjection::InputInjection(wl_display *display, Seat &seat)
    : seat_(seat), keyboards_(wlr_virtual_keyboard_manager_v1_create(display)),
      pointers_(wlr_virtual_pointer_manager_v1_create(display)) {
    new_keyboard_.connect(&keyboards_->events.new_virtual_keyboard, [this](void *data) {
        auto *keyboard = static_cast<wlr_virtual_keyboard_v1 *>(data);
        LOG_INFO(input, "new virtual keyboard");
        seat_.add_keyboard(&keyboard->input_device, Keyboard::Keymap::from_client);
    });
    new_pointer_.connect(&pointers_->events.new_virtual_pointer, [this](void *data) {
        auto *event = static_cast<wlr_virtual_pointer_v1_new_pointer_event *>(data);
        LOG_INFO(input, "new virtual pointer");
        seat_.add_device(&event->new_pointer->input_device);
    });
}

} // namespace sluice
