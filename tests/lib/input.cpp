#include "input.hpp"

#include <stdexcept>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/input-event-codes.h>
#include <xkbcommon/xkbcommon.h>

namespace sluice::test {

Proxy<wl_seat> bind_seat(Client &client) { return client.bind<wl_seat>(&wl_seat_interface, 7); }

namespace {

// A keymap as text in a memfd, as wl_keyboard.keymap hands it out.
UniqueFd keymap_fd(xkb_keymap *keymap, uint32_t &size) {
    char *text = xkb_keymap_get_as_string(keymap, XKB_KEYMAP_FORMAT_TEXT_V1);
    std::string keymap_text(text);
    free(text);
    UniqueFd fd(memfd_create("sluice-test-keymap", MFD_CLOEXEC));
    size = static_cast<uint32_t>(keymap_text.size() + 1);
    if (!fd || write(fd.get(), keymap_text.c_str(), size) != static_cast<ssize_t>(size)) {
        throw std::runtime_error("cannot write the keymap to a memfd");
    }
    return fd;
}

// sluice offers the virtual device managers only with
// --allow-input-injection: a test that forgot it is told so.
void *bind_injection_manager(Client &client, const wl_interface *interface) {
    if (client.find_global(interface->name) == nullptr) {
        throw std::runtime_error(std::string("the compositor offers no ") + interface->name +
                                 " (start sluice with --allow-input-injection)");
    }
    return client.bind_raw(interface, 1);
}

} // namespace

VirtualKeyboard::VirtualKeyboard(Client &client) : client_(client), seat_(bind_seat(client)) {
    manager_ = static_cast<zwp_virtual_keyboard_manager_v1 *>(
        bind_injection_manager(client, &zwp_virtual_keyboard_manager_v1_interface));
    keyboard_ = zwp_virtual_keyboard_manager_v1_create_virtual_keyboard(manager_, seat_.get());
    context_ = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
    xkb_rule_names names{"evdev", "pc105", "us", "", ""};
    keymap_ = xkb_keymap_new_from_names(context_, &names, XKB_KEYMAP_COMPILE_NO_FLAGS);
    if (keymap_ == nullptr) {
        xkb_context_unref(context_);
        throw std::runtime_error("cannot compile the US keymap (xkb-data installed?)");
    }
    state_ = xkb_state_new(keymap_);
    uint32_t size = 0;
    UniqueFd keymap = keymap_fd(keymap_, size);
    zwp_virtual_keyboard_v1_keymap(keyboard_, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1, keymap.get(), size);
    client_.roundtrip();
}

VirtualKeyboard::~VirtualKeyboard() {
    zwp_virtual_keyboard_v1_destroy(keyboard_);
    zwp_virtual_keyboard_manager_v1_destroy(manager_);
    client_.roundtrip();
    xkb_state_unref(state_);
    xkb_keymap_unref(keymap_);
    xkb_context_unref(context_);
}

void VirtualKeyboard::key(uint32_t key, uint32_t state) {
    // xkb counts keys from X11's codes, 8 above evdev's.
    xkb_state_update_key(state_, key + 8, state == WL_KEYBOARD_KEY_STATE_PRESSED ? XKB_KEY_DOWN : XKB_KEY_UP);
    zwp_virtual_keyboard_v1_key(keyboard_, time_ += 10, key, state);
    zwp_virtual_keyboard_v1_modifiers(keyboard_, xkb_state_serialize_mods(state_, XKB_STATE_MODS_DEPRESSED),
                                      xkb_state_serialize_mods(state_, XKB_STATE_MODS_LATCHED),
                                      xkb_state_serialize_mods(state_, XKB_STATE_MODS_LOCKED),
                                      xkb_state_serialize_layout(state_, XKB_STATE_LAYOUT_EFFECTIVE));
    client_.roundtrip();
}

void VirtualKeyboard::press(uint32_t key) { this->key(key, WL_KEYBOARD_KEY_STATE_PRESSED); }

void VirtualKeyboard::release(uint32_t key) { this->key(key, WL_KEYBOARD_KEY_STATE_RELEASED); }

void VirtualKeyboard::tap(uint32_t key, std::initializer_list<uint32_t> modifiers) {
    for (uint32_t modifier : modifiers) {
        press(modifier);
    }
    press(key);
    release(key);
    for (auto it = std::rbegin(modifiers); it != std::rend(modifiers); ++it) {
        release(*it);
    }
}

VirtualPointer::VirtualPointer(Client &client, uint32_t layout_width, uint32_t layout_height)
    : client_(client), seat_(bind_seat(client)), width_(layout_width), height_(layout_height) {
    manager_ = static_cast<zwlr_virtual_pointer_manager_v1 *>(
        bind_injection_manager(client, &zwlr_virtual_pointer_manager_v1_interface));
    pointer_ = zwlr_virtual_pointer_manager_v1_create_virtual_pointer(manager_, seat_.get());
    client_.roundtrip();
}

VirtualPointer::~VirtualPointer() {
    zwlr_virtual_pointer_v1_destroy(pointer_);
    zwlr_virtual_pointer_manager_v1_destroy(manager_);
    client_.roundtrip();
}

void VirtualPointer::move_to(uint32_t x, uint32_t y) {
    zwlr_virtual_pointer_v1_motion_absolute(pointer_, time_ += 10, x, y, width_, height_);
    zwlr_virtual_pointer_v1_frame(pointer_);
    client_.roundtrip();
}

void VirtualPointer::press(uint32_t button) {
    zwlr_virtual_pointer_v1_button(pointer_, time_ += 10, button, WL_POINTER_BUTTON_STATE_PRESSED);
    zwlr_virtual_pointer_v1_frame(pointer_);
    client_.roundtrip();
}

void VirtualPointer::release(uint32_t button) {
    zwlr_virtual_pointer_v1_button(pointer_, time_ += 10, button, WL_POINTER_BUTTON_STATE_RELEASED);
    zwlr_virtual_pointer_v1_frame(pointer_);
    client_.roundtrip();
}

void VirtualPointer::click(uint32_t button) {
    press(button);
    release(button);
}

const wl_seat_listener SeatObserver::seat_listener = {
    .capabilities = [](void *data, wl_seat *,
                       uint32_t caps) { static_cast<SeatObserver *>(data)->capabilities_ = caps; },
    .name = [](void *, wl_seat *, const char *) {},
};

const wl_keyboard_listener SeatObserver::keyboard_listener = {
    .keymap = [](void *, wl_keyboard *, uint32_t, int32_t fd, uint32_t) { close(fd); },
    .enter =
        [](void *data, wl_keyboard *, uint32_t serial, wl_surface *surface, wl_array *) {
            auto *self = static_cast<SeatObserver *>(data);
            self->keyboard_focus_ = surface;
            self->keyboard_enter_serial_ = serial;
            ++self->keyboard_enters_;
        },
    .leave =
        [](void *data, wl_keyboard *, uint32_t, wl_surface *surface) {
            auto *self = static_cast<SeatObserver *>(data);
            if (self->keyboard_focus_ == surface) {
                self->keyboard_focus_ = nullptr;
            }
        },
    .key =
        [](void *data, wl_keyboard *, uint32_t, uint32_t, uint32_t key, uint32_t state) {
            if (state == WL_KEYBOARD_KEY_STATE_PRESSED) {
                static_cast<SeatObserver *>(data)->keys_.push_back(key);
            }
        },
    .modifiers = [](void *, wl_keyboard *, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t) {},
    .repeat_info = [](void *, wl_keyboard *, int32_t, int32_t) {},
};

const wl_pointer_listener SeatObserver::pointer_listener = {
    .enter =
        [](void *data, wl_pointer *, uint32_t, wl_surface *surface, wl_fixed_t sx, wl_fixed_t sy) {
            auto *self = static_cast<SeatObserver *>(data);
            self->pointer_focus_ = surface;
            self->pointer_x_ = wl_fixed_to_double(sx);
            self->pointer_y_ = wl_fixed_to_double(sy);
        },
    .leave =
        [](void *data, wl_pointer *, uint32_t, wl_surface *surface) {
            auto *self = static_cast<SeatObserver *>(data);
            if (self->pointer_focus_ == surface) {
                self->pointer_focus_ = nullptr;
            }
        },
    .motion =
        [](void *data, wl_pointer *, uint32_t, wl_fixed_t sx, wl_fixed_t sy) {
            auto *self = static_cast<SeatObserver *>(data);
            self->pointer_x_ = wl_fixed_to_double(sx);
            self->pointer_y_ = wl_fixed_to_double(sy);
        },
    .button =
        [](void *data, wl_pointer *, uint32_t serial, uint32_t, uint32_t button, uint32_t state) {
            if (state == WL_POINTER_BUTTON_STATE_PRESSED) {
                auto *self = static_cast<SeatObserver *>(data);
                self->buttons_.push_back(button);
                self->press_serial_ = serial;
            }
        },
    .axis = [](void *, wl_pointer *, uint32_t, uint32_t, wl_fixed_t) {},
    .frame = [](void *, wl_pointer *) {},
    .axis_source = [](void *, wl_pointer *, uint32_t) {},
    .axis_stop = [](void *, wl_pointer *, uint32_t, uint32_t) {},
    .axis_discrete = [](void *, wl_pointer *, uint32_t, int32_t) {},
};

SeatObserver::SeatObserver(Client &client) : client_(client), seat_(bind_seat(client)) {
    wl_seat_add_listener(seat_.get(), &seat_listener, this);
    client_.roundtrip();
}

SeatObserver::~SeatObserver() {
    if (keyboard_ != nullptr) {
        wl_keyboard_release(keyboard_);
    }
    if (pointer_ != nullptr) {
        wl_pointer_release(pointer_);
    }
}

bool SeatObserver::wait_for_keyboard(std::chrono::milliseconds timeout) {
    if (keyboard_ != nullptr) {
        return true;
    }
    if (!client_.dispatch_until([this] { return (capabilities_ & WL_SEAT_CAPABILITY_KEYBOARD) != 0; }, timeout)) {
        return false;
    }
    keyboard_ = wl_seat_get_keyboard(seat_.get());
    wl_keyboard_add_listener(keyboard_, &keyboard_listener, this);
    return client_.roundtrip();
}

bool SeatObserver::wait_for_pointer(std::chrono::milliseconds timeout) {
    if (pointer_ != nullptr) {
        return true;
    }
    if (!client_.dispatch_until([this] { return (capabilities_ & WL_SEAT_CAPABILITY_POINTER) != 0; }, timeout)) {
        return false;
    }
    pointer_ = wl_seat_get_pointer(seat_.get());
    wl_pointer_add_listener(pointer_, &pointer_listener, this);
    return client_.roundtrip();
}

} // namespace sluice::test
