// Window management as a person uses it, driven through a virtual keyboard
// and pointer: click to focus, Alt+drag to move, Alt+right-drag to resize,
// Alt+Tab, Alt+F4, Alt+Escape, and keys reaching the focused window.
#include <algorithm>

#include <linux/input-event-codes.h>

#include "fixture.hpp"
#include "screen.hpp"
#include "frame.hpp"
#include "input.hpp"

namespace sluice::test {
namespace {

class WindowManagement : public InjectedInputTest {
protected:
    // The client that owns the windows also watches its seat; a second
    // connection plays the user's devices.
    void SetUp() override {
        InjectedInputTest::SetUp();
        if (HasFatalFailure()) {
            return;
        }
        app = connect();
        user = connect();
        keyboard = std::make_unique<VirtualKeyboard>(*user);
        pointer = std::make_unique<VirtualPointer>(*user, out_w, out_h);
        seat = std::make_unique<SeatObserver>(*app);
        ASSERT_TRUE(seat->wait_for_keyboard()) << "the seat never got a keyboard";
        ASSERT_TRUE(seat->wait_for_pointer()) << "the seat never got a pointer";
    }

    void TearDown() override {
        seat.reset();
        pointer.reset();
        keyboard.reset();
        user.reset();
        app.reset();
        InjectedInputTest::TearDown();
    }

    // Lets the app see what the user's requests caused.
    bool settle() { return user->roundtrip() && app->roundtrip(); }

    // Holds Alt and drags with `button` from (x, y) by (dx, dy); settles.
    bool alt_drag(uint32_t button, int32_t x, int32_t y, int32_t dx, int32_t dy) {
        pointer->move_to(x, y);
        keyboard->press(KEY_LEFTALT);
        pointer->press(button);
        pointer->move_to(x + dx, y + dy);
        pointer->release(button);
        keyboard->release(KEY_LEFTALT);
        return settle();
    }

    Image screen() { return capture_output(*app, app->output().proxy.get()); }

    std::unique_ptr<Client> app;
    std::unique_ptr<Client> user;
    std::unique_ptr<VirtualKeyboard> keyboard;
    std::unique_ptr<VirtualPointer> pointer;
    std::unique_ptr<SeatObserver> seat;
};

TEST_F(WindowManagement, NewWindowIsFocusedAndKeysReachIt) {
    ShmBuffer buffer(app->shm(), 200, 100);
    buffer.fill(red);
    Toplevel window(*app);
    ASSERT_TRUE(window.map(buffer));
    ASSERT_TRUE(app->dispatch_until([&] { return seat->keyboard_focus() == window.surface(); }))
        << "a newly mapped toplevel gets keyboard focus";

    keyboard->tap(KEY_A);
    keyboard->tap(KEY_B);
    ASSERT_TRUE(app->dispatch_until([&] { return seat->keys_pressed().size() >= 2; }));
    EXPECT_EQ(seat->keys_pressed(), (std::vector<uint32_t>{KEY_A, KEY_B}));
}

TEST_F(WindowManagement, ClickFocusesAndRaises) {
    // Two overlapping windows: the second cascades 32 px down-right of the
    // first and is on top, with focus.
    ShmBuffer red_buffer(app->shm(), 200, 100);
    red_buffer.fill(red);
    ShmBuffer green_buffer(app->shm(), 200, 100);
    green_buffer.fill(green);
    Toplevel first(*app);
    ASSERT_TRUE(first.map(red_buffer));
    Toplevel second(*app);
    ASSERT_TRUE(second.map(green_buffer));
    const Rect a = centered(out_w, out_h, 200, 100);
    const Rect overlap{a.x + 32, a.y + 32, 200 - 32, 100 - 32};
    ASSERT_TRUE(app->dispatch_until([&] { return seat->keyboard_focus() == second.surface(); }));
    ASSERT_TRUE(capture_until(*app, app->output().proxy.get(), [&](const Image &img) {
                    return img.all(overlap, green);
                }).matched);

    // Click the part of the first window the second does not cover.
    pointer->move_to(a.x + 10, a.y + 10);
    pointer->click(BTN_LEFT);
    ASSERT_TRUE(settle());
    ASSERT_TRUE(app->dispatch_until([&] { return seat->keyboard_focus() == first.surface(); })) << "click to focus";
    EXPECT_EQ(seat->buttons_pressed(), (std::vector<uint32_t>{BTN_LEFT})) << "the click reaches the client";
    auto raised =
        capture_until(*app, app->output().proxy.get(), [&](const Image &img) { return img.all(overlap, red); });
    EXPECT_TRUE(raised.matched) << "the clicked window comes to the top; " << keep_image(raised.last, "screen");
}

TEST_F(WindowManagement, AltDragMovesTheWindow) {
    ShmBuffer buffer(app->shm(), 120, 80);
    buffer.fill(red);
    Toplevel window(*app);
    ASSERT_TRUE(window.map(buffer));
    const Rect before = centered(out_w, out_h, 120, 80);
    ASSERT_TRUE(capture_until(*app, app->output().proxy.get(), [&](const Image &img) {
                    return img.bounding_box(red) == std::optional(before);
                }).matched);

    ASSERT_TRUE(alt_drag(BTN_LEFT, before.x + 20, before.y + 20, 100, 50));

    const Rect after{before.x + 100, before.y + 50, 120, 80};
    auto moved = capture_until(*app, app->output().proxy.get(),
                               [&](const Image &img) { return img.bounding_box(red) == std::optional(after); });
    EXPECT_TRUE(moved.matched) << keep_image(moved.last, "screen");
    EXPECT_TRUE(seat->buttons_pressed().empty()) << "Alt+click belongs to the compositor, not the client";
}

TEST_F(WindowManagement, AltRightDragResizes) {
    ShmBuffer buffer(app->shm(), 120, 80);
    buffer.fill(red);
    Toplevel window(*app);
    ASSERT_TRUE(window.map(buffer));
    const Rect at = centered(out_w, out_h, 120, 80);
    const uint32_t configures = window.configure_count();

    ASSERT_TRUE(alt_drag(BTN_RIGHT, at.x + 60, at.y + 40, 40, 30));

    ASSERT_TRUE(app->dispatch_until([&] {
        return window.configure_count() > configures && window.configured_width() == 160 &&
               window.configured_height() == 110;
    })) << "asked to grow by the drag: got "
        << window.configured_width() << "x" << window.configured_height();
}

TEST_F(WindowManagement, AltTabCyclesFocus) {
    ShmBuffer red_buffer(app->shm(), 100, 100);
    red_buffer.fill(red);
    ShmBuffer green_buffer(app->shm(), 100, 100);
    green_buffer.fill(green);
    Toplevel first(*app);
    ASSERT_TRUE(first.map(red_buffer));
    Toplevel second(*app);
    ASSERT_TRUE(second.map(green_buffer));
    ASSERT_TRUE(app->dispatch_until([&] { return seat->keyboard_focus() == second.surface(); }));

    keyboard->tap(KEY_TAB, {KEY_LEFTALT});
    ASSERT_TRUE(settle());
    EXPECT_TRUE(app->dispatch_until([&] { return seat->keyboard_focus() == first.surface(); }));
    keyboard->tap(KEY_TAB, {KEY_LEFTALT});
    ASSERT_TRUE(settle());
    EXPECT_TRUE(app->dispatch_until([&] { return seat->keyboard_focus() == second.surface(); }));
    // The client sees Alt go down (as with any compositor), never the Tab.
    for (uint32_t key : seat->keys_pressed()) {
        EXPECT_NE(key, static_cast<uint32_t>(KEY_TAB)) << "Alt+Tab is the compositor's, not the client's";
    }
}

TEST_F(WindowManagement, AltF4ClosesTheFocusedWindow) {
    ShmBuffer buffer(app->shm(), 100, 100);
    buffer.fill(red);
    Toplevel window(*app);
    ASSERT_TRUE(window.map(buffer));
    ASSERT_TRUE(app->dispatch_until([&] { return seat->keyboard_focus() == window.surface(); }));

    keyboard->tap(KEY_F4, {KEY_LEFTALT});
    ASSERT_TRUE(settle());
    EXPECT_TRUE(app->dispatch_until([&] { return window.close_requested(); })) << "xdg_toplevel.close";
}

bool has_state(const Toplevel &window, uint32_t state) {
    const auto &states = window.configured_states();
    return std::find(states.begin(), states.end(), state) != states.end();
}

// The last configure asked for `width`x`height`, with `state` among its
// states or, when !with_state, not.
bool configured_as(const Toplevel &window, int32_t width, int32_t height, uint32_t state, bool with_state = true) {
    return window.configured_width() == width && window.configured_height() == height &&
           has_state(window, state) == with_state;
}

bool window_is_fullscreen_sized(const Toplevel &window) {
    return configured_as(window, out_w, out_h, XDG_TOPLEVEL_STATE_FULLSCREEN);
}

TEST_F(WindowManagement, FullscreenCoversTheOutputAndRestores) {
    ShmBuffer small(app->shm(), 200, 100);
    small.fill(red);
    Toplevel window(*app);
    ASSERT_TRUE(window.map(small));
    const Rect before = centered(out_w, out_h, 200, 100);

    xdg_toplevel_set_fullscreen(window.toplevel(), nullptr);
    ASSERT_TRUE(app->dispatch_until([&] { return window_is_fullscreen_sized(window); }))
        << "a fullscreen configure of the output's size";
    ShmBuffer full(app->shm(), out_w, out_h);
    full.fill(green);
    window.commit_buffer(full);
    auto covered =
        capture_until(*app, app->output().proxy.get(), [&](const Image &img) { return img.all(img.bounds(), green); });
    EXPECT_TRUE(covered.matched) << "the window covers the whole output; " << keep_image(covered.last, "screen");

    xdg_toplevel_unset_fullscreen(window.toplevel());
    ASSERT_TRUE(app->dispatch_until([&] {
        return configured_as(window, 200, 100, XDG_TOPLEVEL_STATE_FULLSCREEN, false);
    })) << "back to the size it had";
    window.commit_buffer(small);
    auto restored = capture_until(*app, app->output().proxy.get(), [&](const Image &img) {
        return img.bounding_box(red) == std::optional(before) && img.pixel(0, 0) == background_argb;
    });
    EXPECT_TRUE(restored.matched) << "back where it was, background around it; " << keep_image(restored.last, "screen");
}

TEST_F(WindowManagement, FullscreenBufferOfOutputSizeIsScannedOut) {
    // The headless backend takes any buffer as its frame, so a fullscreen
    // buffer that covers the output exactly goes out as it is: zero-copy.
    ShmBuffer small(app->shm(), 64, 64);
    small.fill(red);
    Toplevel window(*app);
    ASSERT_TRUE(window.map(small));
    xdg_toplevel_set_fullscreen(window.toplevel(), nullptr);
    ASSERT_TRUE(app->dispatch_until([&] { return window_is_fullscreen_sized(window); }));

    ShmBuffer full(app->shm(), out_w, out_h);
    full.fill(green);
    PresentationFeedback feedback(app->presentation(), window.surface());
    window.commit_buffer(full);
    ASSERT_TRUE(app->dispatch_until([&] { return feedback.resolved(); }));
    ASSERT_EQ(feedback.state(), PresentationFeedback::State::presented);
    EXPECT_NE(feedback.presented().flags & WP_PRESENTATION_FEEDBACK_KIND_ZERO_COPY, 0u)
        << "flags " << feedback.presented().flags;
    auto shown =
        capture_until(*app, app->output().proxy.get(), [&](const Image &img) { return img.all(img.bounds(), green); });
    EXPECT_TRUE(shown.matched) << "screencopy still sees it; " << keep_image(shown.last, "screen");

    // A second surface on top (a popup-sized toplevel) ends the scan-out.
    ShmBuffer other_buffer(app->shm(), 40, 40);
    other_buffer.fill(red);
    Toplevel other(*app);
    ASSERT_TRUE(other.map(other_buffer));
    PresentationFeedback composited(app->presentation(), window.surface());
    window.commit_buffer(full);
    ASSERT_TRUE(app->dispatch_until([&] { return composited.resolved(); }));
    ASSERT_EQ(composited.state(), PresentationFeedback::State::presented);
    EXPECT_EQ(composited.presented().flags & WP_PRESENTATION_FEEDBACK_KIND_ZERO_COPY, 0u)
        << "composited again once another window shows";
}

TEST_F(WindowManagement, FullscreenHidesWindowsBehindIt) {
    ShmBuffer under_buffer(app->shm(), 100, 100);
    under_buffer.fill(red);
    Toplevel under(*app);
    ASSERT_TRUE(under.map(under_buffer));
    ShmBuffer small(app->shm(), 50, 50);
    small.fill(green);
    Toplevel top(*app);
    ASSERT_TRUE(top.map(small));
    xdg_toplevel_set_fullscreen(top.toplevel(), nullptr);
    ASSERT_TRUE(app->dispatch_until([&] { return window_is_fullscreen_sized(top); }));
    // The client draws less than the output: what is not covered must not
    // show the window below or the background through.
    top.commit_buffer(small);
    auto shown = capture_until(*app, app->output().proxy.get(), [&](const Image &img) {
        return img.count(img.bounds(), red) == 0 && img.count(img.bounds(), background_argb) == 0;
    });
    EXPECT_TRUE(shown.matched) << keep_image(shown.last, "screen");
}

TEST_F(WindowManagement, MaximizeFillsTheOutputAndRestores) {
    ShmBuffer small(app->shm(), 200, 100);
    small.fill(red);
    Toplevel window(*app);
    ASSERT_TRUE(window.map(small));

    xdg_toplevel_set_maximized(window.toplevel());
    ASSERT_TRUE(app->dispatch_until([&] { return configured_as(window, out_w, out_h, XDG_TOPLEVEL_STATE_MAXIMIZED); }));
    xdg_toplevel_unset_maximized(window.toplevel());
    ASSERT_TRUE(
        app->dispatch_until([&] { return configured_as(window, 200, 100, XDG_TOPLEVEL_STATE_MAXIMIZED, false); }));
}

TEST_F(WindowManagement, AltEscapeQuits) {
    keyboard->tap(KEY_ESC, {KEY_LEFTALT});
    // sluice exits on its own, with status 0.
    EXPECT_TRUE(app->wait_for_error()) << "the connection closes when sluice quits";
    bool timed_out = false;
    const int status = server().stop(std::chrono::milliseconds{60000}, &timed_out);
    EXPECT_FALSE(timed_out);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << describe_status(status);
}

} // namespace
} // namespace sluice::test
