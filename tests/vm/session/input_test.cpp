// Input on a real seat: uinput devices the test makes are seen by the kernel
// as a keyboard and a mouse, opened by sluice's libinput through libseat
// (seatd), and their events reach clients the way hardware's would. Each
// test checks the effect where a user would see it: on the client (focus,
// pointer position, key codes, configure sizes) and on screen (screencopy).
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include <linux/input-event-codes.h>

#include "fixture.hpp"
#include "input.hpp"
#include "screencopy.hpp"
#include "session_fixture.hpp"
#include "shm.hpp"
#include "xdg.hpp"
#include "tests/vm/base_set_up.hpp"

namespace sluice::test {
namespace {

constexpr uint32_t red = 0xffff0000;
constexpr uint32_t blue = 0xff0000ff;
constexpr int32_t win_w = 300;
constexpr int32_t win_h = 200;

// One client with one window of one colour, and what its seat tells it.
struct Window {
    std::unique_ptr<Client> client;
    std::unique_ptr<SeatObserver> seat;
    std::unique_ptr<ShmBuffer> buffer;
    std::unique_ptr<Toplevel> toplevel;
    uint32_t colour = 0;

    [[nodiscard]] wl_surface *surface() const { return toplevel->surface(); }
    bool dispatch_until(const std::function<bool()> &done) { return client->dispatch_until(done, session_timeout); }
    // Draws a new buffer of the configured size and commits it.
    void redraw(int32_t width, int32_t height) {
        buffer = std::make_unique<ShmBuffer>(client->shm(), width, height);
        buffer->fill(colour);
        toplevel->commit_buffer(*buffer);
    }
};

class SessionInput : public SessionTest {
protected:
    void SetUp() override {
        SLUICE_VM_BASE_SET_UP(SessionTest);
        ASSERT_NO_FATAL_FAILURE(start({.renderer = "pixman"}));
        // Park the pointer in a corner, away from every window.
        pointer().move_to(2, 2);
    }

    // Maps a window; sluice centres the first and cascades the next by 32.
    std::unique_ptr<Window> map_window(uint32_t colour, const std::string &title) {
        auto w = std::make_unique<Window>();
        w->colour = colour;
        w->client = connect_client();
        w->seat = std::make_unique<SeatObserver>(*w->client);
        EXPECT_TRUE(w->seat->wait_for_keyboard(session_timeout)) << "no keyboard on the seat";
        EXPECT_TRUE(w->seat->wait_for_pointer(session_timeout)) << "no pointer on the seat";
        w->buffer = std::make_unique<ShmBuffer>(w->client->shm(), win_w, win_h);
        w->buffer->fill(colour);
        w->toplevel = std::make_unique<Toplevel>(*w->client, Toplevel::Options{.title = title});
        EXPECT_TRUE(w->toplevel->map(*w->buffer, session_timeout)) << w->client->describe_error();
        return w;
    }

    // Captures until `colour`'s bounding box is `where`.
    std::string wait_on_screen(Client &observer, uint32_t colour, const Rect &where) {
        auto shown = capture_until(
            observer, observer.output().proxy.get(),
            [&](const Image &image) { return image.bounding_box(colour) == std::optional<Rect>(where); },
            session_timeout);
        if (shown.matched)
            return {};
        const auto box = shown.last.bounding_box(colour);
        std::ostringstream why;
        why << argb_to_string(colour) << " is ";
        if (box)
            why << "at " << *box;
        else
            why << "nowhere";
        why << " on screen, expected at " << where;
        return why.str();
    }
};

TEST_F(SessionInput, DevicesJoinTheSeatThroughLibinput) {
    // libinput opened the devices (through seatd) and wlroots announced them.
    EXPECT_TRUE(wait_for_log("new input device 'sluice-test keyboard'")) << "the uinput keyboard never arrived";
    EXPECT_TRUE(wait_for_log("new input device 'sluice-test pointer'")) << "the uinput pointer never arrived";
    auto client = connect_client();
    SeatObserver seat(*client);
    EXPECT_TRUE(seat.wait_for_keyboard(session_timeout));
    EXPECT_TRUE(seat.wait_for_pointer(session_timeout));
}

TEST_F(SessionInput, PointerEntersWindowWhereItIs) {
    auto a = map_window(red, "a");
    const Rect box = centered(vkms_width, vkms_height, win_w, win_h);
    ASSERT_TRUE(wait_on_screen(*a->client, red, box).empty());

    pointer().move_to(box.x + 50, box.y + 40);
    ASSERT_TRUE(a->dispatch_until([&] { return a->seat->pointer_focus() == a->surface(); }))
        << "no wl_pointer.enter on the window under the pointer";
    // Absolute axes spanning the output: a device position is a pixel.
    EXPECT_TRUE(a->dispatch_until([&] { return a->seat->pointer_x() == 50 && a->seat->pointer_y() == 40; }))
        << "pointer at " << a->seat->pointer_x() << "," << a->seat->pointer_y() << " in the window, expected 50,40";

    pointer().move_to(box.x + 120, box.y + 150);
    EXPECT_TRUE(a->dispatch_until([&] { return a->seat->pointer_x() == 120 && a->seat->pointer_y() == 150; }))
        << "pointer at " << a->seat->pointer_x() << "," << a->seat->pointer_y() << ", expected 120,150";

    pointer().move_to(4, 4);
    EXPECT_TRUE(a->dispatch_until([&] { return a->seat->pointer_focus() == nullptr; }))
        << "no wl_pointer.leave when the pointer left the window";
}

TEST_F(SessionInput, ClickFocusesAndKeysGoToTheFocusedWindow) {
    auto a = map_window(red, "a");
    auto b = map_window(blue, "b");
    const Rect box_a = centered(vkms_width, vkms_height, win_w, win_h);
    const Rect box_b = {box_a.x + 32, box_a.y + 32, win_w, win_h};
    // The newest window is on top and has the keyboard.
    ASSERT_TRUE(wait_on_screen(*b->client, blue, box_b).empty());
    ASSERT_TRUE(b->dispatch_until([&] { return b->seat->keyboard_focus() == b->surface(); }));

    // Click the part of a that b does not cover.
    pointer().move_to(box_a.x + 10, box_a.y + 10);
    pointer().click(BTN_LEFT);
    EXPECT_TRUE(a->dispatch_until([&] { return a->seat->keyboard_focus() == a->surface(); }))
        << "clicking window a did not give it the keyboard";
    EXPECT_TRUE(a->dispatch_until([&] { return a->seat->buttons_pressed().size() == 1; }));
    ASSERT_EQ(a->seat->buttons_pressed().size(), 1u);
    EXPECT_EQ(a->seat->buttons_pressed()[0], static_cast<uint32_t>(BTN_LEFT));
    EXPECT_TRUE(b->dispatch_until([&] { return b->seat->keyboard_focus() == nullptr; }))
        << "window b kept the keyboard";
    // a came to the top: all of it shows, over b.
    EXPECT_EQ(wait_on_screen(*a->client, red, box_a), "");

    // Typing goes to a, with the evdev codes of the keys pressed.
    keyboard().tap(KEY_H);
    keyboard().tap(KEY_I);
    keyboard().tap(KEY_1, {KEY_LEFTSHIFT});
    const std::vector<uint32_t> typed = {KEY_H, KEY_I, KEY_LEFTSHIFT, KEY_1};
    EXPECT_TRUE(a->dispatch_until([&] { return a->seat->keys_pressed().size() >= typed.size(); }));
    EXPECT_EQ(a->seat->keys_pressed(), typed);
    ASSERT_TRUE(b->client->roundtrip(session_timeout));
    EXPECT_TRUE(b->seat->keys_pressed().empty()) << "the unfocused window got keys";

    // And back: clicking b's uncovered corner focuses it again.
    pointer().move_to(box_b.x + win_w - 10, box_b.y + win_h - 10);
    pointer().click(BTN_LEFT);
    EXPECT_TRUE(b->dispatch_until([&] { return b->seat->keyboard_focus() == b->surface(); }));
    keyboard().tap(KEY_Z);
    EXPECT_TRUE(b->dispatch_until([&] { return !b->seat->keys_pressed().empty(); }));
    EXPECT_EQ(b->seat->keys_pressed(), std::vector<uint32_t>{KEY_Z});
}

TEST_F(SessionInput, AltDragMovesAWindow) {
    auto a = map_window(red, "a");
    const Rect box = centered(vkms_width, vkms_height, win_w, win_h);
    ASSERT_TRUE(wait_on_screen(*a->client, red, box).empty());

    const int32_t configured_w = a->toplevel->configured_width();
    const int32_t configured_h = a->toplevel->configured_height();
    pointer().move_to(box.x + 100, box.y + 100);
    ASSERT_TRUE(a->dispatch_until([&] { return a->seat->pointer_focus() == a->surface(); }));
    // Alt first, and known to have arrived: keyboard and mouse are separate
    // devices, and the binding needs Alt held when the button comes.
    keyboard().press(KEY_LEFTALT);
    ASSERT_TRUE(a->dispatch_until([&] { return !a->seat->keys_pressed().empty(); }));
    pointer().press(BTN_LEFT);
    pointer().move_to(box.x + 100 - 150, box.y + 100 - 120);

    // The window follows the pointer. Only then let go: libinput reads each
    // device on its own, so a release of Alt written now could be handled
    // before the button press it must come after.
    const Rect moved = {box.x - 150, box.y - 120, win_w, win_h};
    EXPECT_EQ(wait_on_screen(*a->client, red, moved), "");
    pointer().release(BTN_LEFT);
    keyboard().release(KEY_LEFTALT);
    // The binding is sluice's: the client never saw the press, and a move
    // changes no size.
    ASSERT_TRUE(a->client->roundtrip(session_timeout));
    EXPECT_TRUE(a->seat->buttons_pressed().empty());
    EXPECT_EQ(a->toplevel->configured_width(), configured_w);
    EXPECT_EQ(a->toplevel->configured_height(), configured_h);
}

TEST_F(SessionInput, AltRightDragResizesAWindow) {
    auto a = map_window(red, "a");
    const Rect box = centered(vkms_width, vkms_height, win_w, win_h);
    ASSERT_TRUE(wait_on_screen(*a->client, red, box).empty());

    pointer().move_to(box.x + 150, box.y + 100);
    ASSERT_TRUE(a->dispatch_until([&] { return a->seat->pointer_focus() == a->surface(); }));
    keyboard().press(KEY_LEFTALT);
    ASSERT_TRUE(a->dispatch_until([&] { return !a->seat->keys_pressed().empty(); }));
    pointer().press(BTN_RIGHT);
    pointer().move_to(box.x + 150 + 100, box.y + 100 + 60);

    // The bottom-right corner follows the pointer: the client is asked for
    // the new size...
    EXPECT_TRUE(a->dispatch_until([&] {
        return a->toplevel->configured_width() == win_w + 100 && a->toplevel->configured_height() == win_h + 60;
    })) << "last configure "
        << a->toplevel->configured_width() << "x" << a->toplevel->configured_height() << ", expected " << win_w + 100
        << "x" << win_h + 60;
    pointer().release(BTN_RIGHT);
    keyboard().release(KEY_LEFTALT);

    // ...draws it, and sluice shows it where the window was.
    a->redraw(a->toplevel->configured_width(), a->toplevel->configured_height());
    EXPECT_EQ(wait_on_screen(*a->client, red, {box.x, box.y, win_w + 100, win_h + 60}), "");
    ASSERT_TRUE(a->client->roundtrip(session_timeout));
    EXPECT_TRUE(a->seat->buttons_pressed().empty()) << "the client saw the binding's button";
}

} // namespace
} // namespace sluice::test
