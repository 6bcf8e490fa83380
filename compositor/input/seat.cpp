#include "compositor/input/seat.hpp"

#include <algorithm>
#include <cstdlib>
#include <ctime>

#include "compositor/input/drag_icon.hpp"
#include "compositor/input/input_device.hpp"
#include "compositor/input/libinput_resume.hpp"
#include "common/log.hpp"
#include "compositor/shell/desktop.hpp"
#include "compositor/shell/view.hpp"

namespace sluice {

namespace {

template <typename T>
void erase_owned(std::list<std::unique_ptr<T>> &list, T *item) {
    list.remove_if([item](const std::unique_ptr<T> &owned) { return owned.get() == item; });
}

// Input events carry milliseconds of CLOCK_MONOTONIC; this is that clock for
// pointer events sluice makes up itself.
uint32_t now_msec() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<uint32_t>(now.tv_sec * 1000 + now.tv_nsec / 1000000);
}

} // namespace

Seat::Seat(wl_display *display, wlr_backend *backend, wlr_output_layout *layout, wlr_scene *scene, Desktop &desktop,
           std::function<void(int)> terminate)
    : backend_(backend), scene_(scene), desktop_(desktop), terminate_(std::move(terminate)),
      seat_(wlr_seat_create(display, "seat0")), cursor_(wlr_cursor_create()) {
    wlr_cursor_attach_output_layout(cursor_.get(), layout);

    const char *theme = getenv("XCURSOR_THEME");
    const char *size_text = getenv("XCURSOR_SIZE");
    int size = size_text != nullptr ? atoi(size_text) : 24;
    cursor_theme_.reset(wlr_xcursor_manager_create(theme, size > 0 ? size : 24));
    wlr_xcursor_manager_load(cursor_theme_.get(), 1);

    new_input_.connect(&backend_->events.new_input,
                       [this](void *data) { on_new_input(static_cast<wlr_input_device *>(data)); });
    libinput_resume_ = std::make_unique<LibinputResume>(backend_, wlr_backend_get_session(backend_));

    cursor_motion_.connect(&cursor_->events.motion, [this](void *data) {
        auto *event = static_cast<wlr_event_pointer_motion *>(data);
        wlr_cursor_move(cursor_.get(), event->device, event->delta_x, event->delta_y);
        on_motion(event->time_msec);
    });
    cursor_motion_absolute_.connect(&cursor_->events.motion_absolute, [this](void *data) {
        auto *event = static_cast<wlr_event_pointer_motion_absolute *>(data);
        wlr_cursor_warp_absolute(cursor_.get(), event->device, event->x, event->y);
        on_motion(event->time_msec);
    });
    cursor_button_.connect(&cursor_->events.button,
                           [this](void *data) { on_button(static_cast<wlr_event_pointer_button *>(data)); });
    cursor_axis_.connect(&cursor_->events.axis, [this](void *data) {
        auto *event = static_cast<wlr_event_pointer_axis *>(data);
        wlr_seat_pointer_notify_axis(seat_.get(), event->time_msec, event->orientation, event->delta,
                                     event->delta_discrete, event->source);
    });
    cursor_frame_.connect(&cursor_->events.frame, [this](void *) { wlr_seat_pointer_notify_frame(seat_.get()); });

    touch_down_.connect(&cursor_->events.touch_down, [this](void *data) {
        auto *event = static_cast<wlr_event_touch_down *>(data);
        double lx = 0, ly = 0, sx = 0, sy = 0;
        wlr_cursor_absolute_to_layout_coords(cursor_.get(), event->device, event->x, event->y, &lx, &ly);
        wlr_surface *surface = nullptr;
        View *view = desktop_.view_at(lx, ly, &surface, &sx, &sy);
        if (surface == nullptr) {
            return;
        }
        if (view != nullptr && view->mapped()) {
            desktop_.focus_view(view);
        }
        wlr_seat_touch_notify_down(seat_.get(), surface, event->time_msec, event->touch_id, sx, sy);
    });
    touch_up_.connect(&cursor_->events.touch_up, [this](void *data) {
        auto *event = static_cast<wlr_event_touch_up *>(data);
        wlr_seat_touch_notify_up(seat_.get(), event->time_msec, event->touch_id);
    });
    touch_motion_.connect(&cursor_->events.touch_motion, [this](void *data) {
        auto *event = static_cast<wlr_event_touch_motion *>(data);
        wlr_touch_point *point = wlr_seat_touch_get_point(seat_.get(), event->touch_id);
        if (point == nullptr || point->surface == nullptr) {
            return;
        }
        double lx = 0, ly = 0;
        wlr_cursor_absolute_to_layout_coords(cursor_.get(), event->device, event->x, event->y, &lx, &ly);
        // Touch points stay with the surface they went down on, wherever
        // the finger goes: coordinates are relative to that surface.
        int surface_x = 0, surface_y = 0;
        if (!desktop_.surface_position(point->surface, surface_x, surface_y)) {
            return;
        }
        double sx = lx - surface_x, sy = ly - surface_y;
        wlr_seat_touch_notify_motion(seat_.get(), event->time_msec, event->touch_id, sx, sy);
    });
    touch_frame_.connect(&cursor_->events.touch_frame, [this](void *) { wlr_seat_touch_notify_frame(seat_.get()); });

    request_set_cursor_.connect(&seat_->events.request_set_cursor, [this](void *data) {
        auto *event = static_cast<wlr_seat_pointer_request_set_cursor_event *>(data);
        // Only the client with pointer focus may change the cursor image.
        if (event->seat_client == seat_->pointer_state.focused_client) {
            wlr_cursor_set_surface(cursor_.get(), event->surface, event->hotspot_x, event->hotspot_y);
        }
    });
    request_set_selection_.connect(&seat_->events.request_set_selection, [this](void *data) {
        auto *event = static_cast<wlr_seat_request_set_selection_event *>(data);
        wlr_seat_set_selection(seat_.get(), event->source, event->serial);
    });
    request_set_primary_selection_.connect(&seat_->events.request_set_primary_selection, [this](void *data) {
        auto *event = static_cast<wlr_seat_request_set_primary_selection_event *>(data);
        wlr_seat_set_primary_selection(seat_.get(), event->source, event->serial);
    });
    request_start_drag_.connect(&seat_->events.request_start_drag, [this](void *data) {
        on_request_start_drag(static_cast<wlr_seat_request_start_drag_event *>(data));
    });
    start_drag_.connect(&seat_->events.start_drag,
                        [this](void *data) { on_start_drag(static_cast<wlr_drag *>(data)); });
    update_capabilities();
}

Seat::~Seat() = default;

void Seat::SeatDeleter::operator()(wlr_seat *seat) const {
    // wlr_seat_destroy leaves the seat's listener on its keyboard device's
    // destroy signal linked; a keyboard that outlives the seat (the backend
    // destroys devices later) would then call into freed memory.
    wlr_seat_set_keyboard(seat, nullptr);
    wlr_seat_destroy(seat);
}

void Seat::on_new_input(wlr_input_device *device) {
    LOG_INFO(input, "new input device '%s'", device->name);
    libinput_resume_->device_added(device);
    switch (device->type) {
    case WLR_INPUT_DEVICE_KEYBOARD: add_keyboard(device, Keyboard::Keymap::from_environment); break;
    case WLR_INPUT_DEVICE_POINTER:
    case WLR_INPUT_DEVICE_TOUCH:
    case WLR_INPUT_DEVICE_TABLET_TOOL: add_device(device); break;
    default: break;
    }
}

void Seat::add_keyboard(wlr_input_device *device, Keyboard::Keymap keymap) {
    keyboards_.emplace_back(std::make_unique<Keyboard>(*this, device, keymap));
    update_capabilities();
}

void Seat::add_device(wlr_input_device *device) {
    devices_.emplace_back(std::make_unique<InputDevice>(*this, device));
    update_capabilities();
}

void Seat::remove_keyboard(Keyboard *keyboard) {
    erase_owned(keyboards_, keyboard);
    update_capabilities();
}

void Seat::remove_device(InputDevice *device) {
    erase_owned(devices_, device);
    update_capabilities();
}

void Seat::remove_drag_icon(DragIcon *icon) {
    if (drag_icon_.get() == icon) {
        drag_icon_.reset();
    }
}

void Seat::on_request_start_drag(wlr_seat_request_start_drag_event *event) {
    // A drag must come from a press (or touch) the origin surface got and
    // that is still held.
    if (wlr_seat_validate_pointer_grab_serial(seat_.get(), event->origin, event->serial)) {
        wlr_seat_start_pointer_drag(seat_.get(), event->drag, event->serial);
        return;
    }
    wlr_touch_point *point = nullptr;
    if (wlr_seat_validate_touch_grab_serial(seat_.get(), event->origin, event->serial, &point)) {
        wlr_seat_start_touch_drag(seat_.get(), event->drag, event->serial, point);
        return;
    }
    LOG_DEBUG(input, "refusing a drag with a stale serial %u", event->serial);
    // Destroying the source cancels it (the client learns the drag is off)
    // and frees the drag with it. wlroots 0.15 has no way to free a refused
    // drag without a source: that one stays until its client goes.
    wlr_data_source_destroy(event->drag->source);
}

void Seat::on_start_drag(wlr_drag *drag) {
    if (drag->icon != nullptr) {
        drag_icon_ = std::make_unique<DragIcon>(*this, drag->icon, &scene_->node, cursor_->x, cursor_->y);
    }
    drag_destroy_.connect(&drag->events.destroy, [this](void *) {
        drag_destroy_.disconnect();
        // The drag took the pointer focus away when it began and wlroots
        // gives it to nobody when it ends: the surface under the pointer
        // should not have to wait for the next motion to get it back.
        if (grab_ == Grab::none) {
            pointer_focus_at_cursor(now_msec());
        }
    });
}

void Seat::update_capabilities() {
    uint32_t caps = 0;
    if (!keyboards_.empty()) {
        caps |= WL_SEAT_CAPABILITY_KEYBOARD;
    }
    for (const auto &device : devices_) {
        if (device->device()->type == WLR_INPUT_DEVICE_TOUCH) {
            caps |= WL_SEAT_CAPABILITY_TOUCH;
        } else {
            caps |= WL_SEAT_CAPABILITY_POINTER;
        }
    }
    wlr_seat_set_capabilities(seat_.get(), caps);
    // Losing the last keyboard (a paused session's libinput removes every
    // device, unplugging does too) takes the keyboard focus with it. When a
    // keyboard comes back, the window that had focus (the topmost) gets it
    // again, or nothing would receive keys until the next click.
    if ((caps & WL_SEAT_CAPABILITY_KEYBOARD) != 0 && seat_->keyboard_state.focused_surface == nullptr &&
        !desktop_.views().empty() && desktop_.views().front()->mapped()) {
        focus_surface(desktop_.views().front()->surface());
    }
}

bool Seat::handle_binding(xkb_keysym_t sym, uint32_t modifiers) {
    // Ctrl+Alt+Fn: every stock keymap gives XF86Switch_VT_n for it. Only a
    // session (libseat) has VTs to switch; elsewhere the keys go through.
    if (sym >= XKB_KEY_XF86Switch_VT_1 && sym <= XKB_KEY_XF86Switch_VT_12) {
        wlr_session *session = wlr_backend_get_session(backend_);
        if (session == nullptr) {
            return false;
        }
        const unsigned vt = sym - XKB_KEY_XF86Switch_VT_1 + 1;
        LOG_INFO(input, "switching to VT %u", vt);
        if (!wlr_session_change_vt(session, vt)) {
            LOG_ERROR(input, "cannot switch to VT %u", vt);
        }
        return true;
    }
    if ((modifiers & WLR_MODIFIER_ALT) == 0) {
        return false;
    }
    switch (sym) {
    case XKB_KEY_Escape:
        LOG_INFO(input, "Alt+Escape: quitting");
        terminate_(0);
        return true;
    case XKB_KEY_Tab:
    case XKB_KEY_ISO_Left_Tab: desktop_.cycle_focus(); return true;
    case XKB_KEY_F4: desktop_.close_focused_view(); return true;
    default: return false;
    }
}

void Seat::focus_surface(wlr_surface *surface) {
    if (seat_->keyboard_state.focused_surface == surface) {
        return;
    }
    // A drag's keyboard grab swallows focus changes, so a window mapped or
    // closed during a drag would be shown active while the keyboard stayed
    // elsewhere. Focus goes around the grab; keys still go to the drag.
    const bool around_grab = seat_->drag != nullptr;
    if (surface == nullptr) {
        if (around_grab) {
            wlr_seat_keyboard_clear_focus(seat_.get());
        } else {
            wlr_seat_keyboard_notify_clear_focus(seat_.get());
        }
        return;
    }
    wlr_keyboard *keyboard = wlr_seat_get_keyboard(seat_.get());
    uint32_t *keycodes = keyboard != nullptr ? keyboard->keycodes : nullptr;
    size_t keycode_count = keyboard != nullptr ? keyboard->num_keycodes : 0;
    wlr_keyboard_modifiers *modifiers = keyboard != nullptr ? &keyboard->modifiers : nullptr;
    if (around_grab) {
        wlr_seat_keyboard_enter(seat_.get(), surface, keycodes, keycode_count, modifiers);
    } else {
        wlr_seat_keyboard_notify_enter(seat_.get(), surface, keycodes, keycode_count, modifiers);
    }
}

void Seat::forget_view(View *view) {
    if (grab_view_ == view) {
        grab_ = Grab::none;
        grab_view_ = nullptr;
    }
}

void Seat::begin_interactive(View *view, Grab grab, uint32_t edges, uint32_t serial) {
    if (!view->mapped()) {
        return;
    }
    // A client may only start a grab from a press it is the focus of.
    wlr_surface *focused = seat_->pointer_state.focused_surface;
    if (serial != 0 && (focused == nullptr || wlr_surface_get_root_surface(focused) != view->surface() ||
                        !wlr_seat_validate_pointer_grab_serial(seat_.get(), focused, serial))) {
        LOG_DEBUG(input, "ignoring a move/resize request without a matching button press");
        return;
    }
    grab_ = grab;
    grab_view_ = view;
    resize_edges_ = edges;
    grab_box_ = view->geometry();
    grab_box_.x = view->x();
    grab_box_.y = view->y();
    grab_x_ = cursor_->x;
    grab_y_ = cursor_->y;
    wlr_seat_pointer_notify_clear_focus(seat_.get());
}

void Seat::process_grab_motion() {
    double dx = cursor_->x - grab_x_;
    double dy = cursor_->y - grab_y_;
    if (grab_ == Grab::move) {
        grab_view_->move_to(grab_box_.x + static_cast<int>(dx), grab_box_.y + static_cast<int>(dy));
        return;
    }
    int left = grab_box_.x;
    int right = grab_box_.x + grab_box_.width;
    int top = grab_box_.y;
    int bottom = grab_box_.y + grab_box_.height;
    if (resize_edges_ & WLR_EDGE_TOP) {
        top = std::min(top + static_cast<int>(dy), bottom - 1);
    } else if (resize_edges_ & WLR_EDGE_BOTTOM) {
        bottom = std::max(bottom + static_cast<int>(dy), top + 1);
    }
    if (resize_edges_ & WLR_EDGE_LEFT) {
        left = std::min(left + static_cast<int>(dx), right - 1);
    } else if (resize_edges_ & WLR_EDGE_RIGHT) {
        right = std::max(right + static_cast<int>(dx), left + 1);
    }
    grab_view_->move_to(left, top);
    grab_view_->request_size(right - left, bottom - top);
}

void Seat::pointer_focus_at_cursor(uint32_t time_msec) {
    double sx = 0, sy = 0;
    wlr_surface *surface = nullptr;
    desktop_.view_at(cursor_->x, cursor_->y, &surface, &sx, &sy);
    if (surface == nullptr) {
        wlr_xcursor_manager_set_cursor_image(cursor_theme_.get(), "left_ptr", cursor_.get());
        // Through the grab: a drag must hear that the pointer left its
        // target, or it would drop there anyway.
        wlr_seat_pointer_notify_clear_focus(seat_.get());
        return;
    }
    wlr_seat_pointer_notify_enter(seat_.get(), surface, sx, sy);
    wlr_seat_pointer_notify_motion(seat_.get(), time_msec, sx, sy);
}

void Seat::on_motion(uint32_t time_msec) {
    if (drag_icon_ != nullptr) {
        drag_icon_->move_to(cursor_->x, cursor_->y);
    }
    if (grab_ != Grab::none) {
        process_grab_motion();
        return;
    }
    pointer_focus_at_cursor(time_msec);
}

void Seat::on_button(wlr_event_pointer_button *event) {
    if (grab_ != Grab::none) {
        if (event->state == WLR_BUTTON_RELEASED) {
            grab_ = Grab::none;
            grab_view_ = nullptr;
            pointer_focus_at_cursor(event->time_msec);
        }
        return;
    }
    if (seat_->drag != nullptr) {
        // The buttons of a drag are the drag's (its release drops): no
        // click to focus, no Alt+drag in the middle of it.
        wlr_seat_pointer_notify_button(seat_.get(), event->time_msec, event->button, event->state);
        return;
    }
    double sx = 0, sy = 0;
    wlr_surface *surface = nullptr;
    View *view = desktop_.view_at(cursor_->x, cursor_->y, &surface, &sx, &sy);
    if (event->state == WLR_BUTTON_PRESSED && view != nullptr && view->mapped()) {
        desktop_.focus_view(view);
        wlr_keyboard *keyboard = wlr_seat_get_keyboard(seat_.get());
        bool alt = keyboard != nullptr && (wlr_keyboard_get_modifiers(keyboard) & WLR_MODIFIER_ALT);
        if (alt && (event->button == BTN_LEFT || event->button == BTN_RIGHT)) {
            // Alt+drag is the compositor's: the client never sees the press.
            begin_interactive(view, event->button == BTN_LEFT ? Grab::move : Grab::resize,
                              WLR_EDGE_BOTTOM | WLR_EDGE_RIGHT, 0);
            return;
        }
    }
    wlr_seat_pointer_notify_button(seat_.get(), event->time_msec, event->button, event->state);
}

} // namespace sluice
