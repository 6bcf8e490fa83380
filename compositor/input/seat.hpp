// The seat: input devices, the cursor, keyboard focus, interactive
// move/resize, and clipboard / drag-and-drop requests.
#pragma once

#include <functional>
#include <list>
#include <memory>

#include "common/listener.hpp"
#include "compositor/input/input_device.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {

class LibinputResume;
class Desktop;
class DragIcon;
class View;

class Seat {
public:
    enum class Grab { none, move, resize };

    // Input comes from `backend`'s devices and from what add_keyboard() and
    // add_device() are given (InputInjection's); the seat's global is on
    // `display`. The cursor moves over `layout`, a drag's icon is drawn in
    // `scene`. Pointer, touch and key bindings act on `desktop`; Alt+Escape
    // calls `terminate`.
    Seat(wl_display *display, wlr_backend *backend, wlr_output_layout *layout, wlr_scene *scene, Desktop &desktop,
         std::function<void(int exit_code)> terminate);
    ~Seat();

    Seat(const Seat &) = delete;
    Seat &operator=(const Seat &) = delete;

    wlr_seat *wlr() const { return seat_.get(); }
    wlr_cursor *cursor() const { return cursor_.get(); }

    // Starts a pointer-driven move or resize of a view. A client request
    // must carry the serial of a button press it received.
    void begin_interactive(View *view, Grab grab, uint32_t edges, uint32_t serial);
    // Gives keyboard focus to a surface (or to nothing), also during a
    // drag.
    void focus_surface(wlr_surface *surface);
    // Drops grabs and focus that point into a view that is going away.
    void forget_view(View *view);

    // Devices the seat holds until they are destroyed.
    void add_keyboard(wlr_input_device *device, Keyboard::Keymap keymap);
    void add_device(wlr_input_device *device);
    void remove_keyboard(Keyboard *keyboard);
    void remove_device(InputDevice *device);
    void remove_drag_icon(DragIcon *icon);
    void update_capabilities();
    // Handles a compositor key binding; true if the key was consumed.
    bool handle_binding(xkb_keysym_t sym, uint32_t modifiers);

private:
    // The wlroots objects the seat makes, freed when their owner dies.
    // Declared before everything that points into them (devices, the
    // drag icon, the listeners), so all of that goes first.
    struct SeatDeleter {
        void operator()(wlr_seat *seat) const;
    };
    struct CursorDeleter {
        void operator()(wlr_cursor *cursor) const { wlr_cursor_destroy(cursor); }
    };
    struct XcursorManagerDeleter {
        void operator()(wlr_xcursor_manager *manager) const { wlr_xcursor_manager_destroy(manager); }
    };

    void on_new_input(wlr_input_device *device);
    void on_motion(uint32_t time_msec);
    void on_button(wlr_event_pointer_button *event);
    void process_grab_motion();
    void pointer_focus_at_cursor(uint32_t time_msec);
    void on_request_start_drag(wlr_seat_request_start_drag_event *event);
    void on_start_drag(wlr_drag *drag);

    wlr_backend *backend_;
    wlr_scene *scene_;
    Desktop &desktop_;
    std::function<void(int)> terminate_;
    std::unique_ptr<wlr_seat, SeatDeleter> seat_;
    std::unique_ptr<wlr_cursor, CursorDeleter> cursor_;
    std::unique_ptr<wlr_xcursor_manager, XcursorManagerDeleter> cursor_theme_;
    std::unique_ptr<LibinputResume> libinput_resume_;

    std::list<std::unique_ptr<Keyboard>> keyboards_;
    std::list<std::unique_ptr<InputDevice>> devices_;
    // Of the drag in progress, if it has one (a seat has one drag at most).
    std::unique_ptr<DragIcon> drag_icon_;

    Grab grab_ = Grab::none;
    View *grab_view_ = nullptr;
    double grab_x_ = 0, grab_y_ = 0;
    wlr_box grab_box_{};
    uint32_t resize_edges_ = 0;

    // Last, so that they disconnect first.
    Listener new_input_;
    Listener cursor_motion_;
    Listener cursor_motion_absolute_;
    Listener cursor_button_;
    Listener cursor_axis_;
    Listener cursor_frame_;
    Listener touch_down_;
    Listener touch_up_;
    Listener touch_motion_;
    Listener touch_frame_;
    Listener request_set_cursor_;
    Listener request_set_selection_;
    Listener request_set_primary_selection_;
    Listener request_start_drag_;
    Listener start_drag_;
    Listener drag_destroy_;
};

} // namespace sluice
