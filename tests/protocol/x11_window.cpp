// A minimal X11 client for the Xwayland test: opens a window of the given
// size, fills it with one colour, and keeps it up until killed. Plain xcb,
// so the test needs nothing beyond libxcb.
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

#include <xcb/xcb.h>

int main(int argc, char *argv[]) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s WIDTH HEIGHT RRGGBB\n", argv[0]);
        return 2;
    }
    const uint16_t width = static_cast<uint16_t>(atoi(argv[1]));
    const uint16_t height = static_cast<uint16_t>(atoi(argv[2]));
    const uint32_t color = static_cast<uint32_t>(strtoul(argv[3], nullptr, 16));

    xcb_connection_t *connection = xcb_connect(nullptr, nullptr);
    if (xcb_connection_has_error(connection)) {
        fprintf(stderr, "x11-window: cannot connect to $DISPLAY\n");
        return 1;
    }
    xcb_screen_t *screen = xcb_setup_roots_iterator(xcb_get_setup(connection)).data;

    xcb_window_t window = xcb_generate_id(connection);
    const uint32_t values[] = {color, XCB_EVENT_MASK_EXPOSURE};
    xcb_create_window(connection, XCB_COPY_FROM_PARENT, window, screen->root, 0, 0, width, height, 0,
                      XCB_WINDOW_CLASS_INPUT_OUTPUT, screen->root_visual, XCB_CW_BACK_PIXEL | XCB_CW_EVENT_MASK,
                      values);
    const char title[] = "sluice-x11-test";
    xcb_change_property(connection, XCB_PROP_MODE_REPLACE, window, XCB_ATOM_WM_NAME, XCB_ATOM_STRING, 8,
                        sizeof(title) - 1, title);
    xcb_map_window(connection, window);
    xcb_flush(connection);

    // Redraw on every expose: the background pixel does the drawing.
    while (xcb_generic_event_t *event = xcb_wait_for_event(connection)) {
        if ((event->response_type & ~0x80) == XCB_EXPOSE) {
            xcb_clear_area(connection, 0, window, 0, 0, 0, 0);
            xcb_flush(connection);
        }
        free(event);
    }
    xcb_disconnect(connection);
    return 0;
}
