// Pausing and resuming the session by switching VTs, as a user does with
// Ctrl+Alt+Fn: sluice's binding asks libseat (seatd) for VT 2, seatd takes
// the seat away (DRM master and input devices) and the kernel shows VT 2;
// Ctrl+Alt+F1 typed there is the kernel console's own keyboard handling,
// which switches back, and seatd gives the seat to sluice again. While the
// session is paused the output stops (no frames for clients); once resumed
// it runs again and clients, which stayed connected, keep working.
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include <fcntl.h>
#include <linux/input-event-codes.h>
#include <linux/vt.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fixture.hpp"
#include "frame.hpp"
#include "input.hpp"
#include "screencopy.hpp"
#include "session_fixture.hpp"
#include "shm.hpp"
#include "xdg.hpp"

namespace sluice::test {
namespace {

using namespace std::chrono_literals;

constexpr uint32_t red = 0xffff0000;
constexpr uint32_t green = 0xff00ff00;

// The VT the kernel shows now (VT_GETSTATE on /dev/tty0), or nullopt.
std::optional<unsigned> active_vt() {
    const int fd = open("/dev/tty0", O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return std::nullopt;
    vt_stat state{};
    const int r = ioctl(fd, VT_GETSTATE, &state);
    close(fd);
    if (r < 0)
        return std::nullopt;
    return state.v_active;
}

bool wait_for_vt(unsigned vt, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (active_vt() != vt) {
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

class SessionVt : public SessionTest {};

TEST_F(SessionVt, SwitchingAwayPausesAndSwitchingBackResumes) {
    const auto first_vt = active_vt();
    if (!first_vt)
        GTEST_SKIP() << "no VTs here: VT_GETSTATE on /dev/tty0 failed";
    ASSERT_NO_FATAL_FAILURE(start({.renderer = "pixman"}));
    pointer().move_to(2, 2);
    // seatd's seat is bound to the VT that was active when it started.
    ASSERT_EQ(active_vt(), first_vt);

    auto client = connect_client();
    SeatObserver seat(*client);
    ASSERT_TRUE(seat.wait_for_keyboard(session_timeout));
    ShmBuffer first(client->shm(), 200, 150);
    first.fill(red);
    Toplevel window(*client);
    ASSERT_TRUE(window.map(first, session_timeout)) << client->describe_error();
    const Rect box = centered(vkms_width, vkms_height, 200, 150);
    const Image before = capture_output(*client, client->output().proxy.get(), session_timeout);
    ASSERT_EQ(before.bounding_box(red), std::optional<Rect>(box)) << "the window does not show";
    ASSERT_EQ(seat.keyboard_focus(), window.surface());

    // Away to VT 2: the binding is sluice's, the client sees no key.
    const unsigned other_vt = *first_vt == 2 ? 3 : 2;
    keyboard().tap(other_vt == 2 ? KEY_F2 : KEY_F3, {KEY_LEFTCTRL, KEY_LEFTALT});
    ASSERT_TRUE(wait_for_log("switching to VT " + std::to_string(other_vt))) << "the binding did not fire";
    // wlroots' DRM backend hears that seatd took the device away.
    ASSERT_TRUE(wait_for_log("DRM fd paused")) << "the session was not paused";
    ASSERT_TRUE(wait_for_vt(other_vt, session_timeout))
        << "the kernel shows VT " << active_vt().value_or(0) << ", not " << other_vt;

    // Paused: the client stays connected and may commit, but no output
    // frame comes, so neither does its frame callback.
    ShmBuffer second(client->shm(), 200, 150);
    second.fill(green);
    FrameCallback paused_callback(window.surface());
    window.commit_buffer(second);
    ASSERT_TRUE(client->roundtrip(session_timeout)) << client->describe_error();
    std::this_thread::sleep_for(1s);
    client->dispatch_once(0ms);
    EXPECT_FALSE(paused_callback.done()) << "a frame callback came while the session was paused";
    EXPECT_EQ(client->error(), 0) << client->describe_error();

    // Back with Ctrl+Alt+F1 (Fn of the first VT), typed on VT 2: sluice's
    // libinput is suspended, the kernel's console keyboard switches.
    keyboard().tap(static_cast<uint16_t>(KEY_F1 + *first_vt - 1), {KEY_LEFTCTRL, KEY_LEFTALT});
    ASSERT_TRUE(wait_for_vt(*first_vt, session_timeout))
        << "the console did not switch back to VT " << *first_vt << " (shows " << active_vt().value_or(0) << ")";
    ASSERT_TRUE(wait_for_log("DRM fd resumed")) << "the session was not resumed";

    // The output runs again: the pending frame callback comes, and the
    // commit made while paused is what the screen shows.
    EXPECT_TRUE(client->dispatch_until([&] { return paused_callback.done(); }, session_timeout))
        << "no frame callback after the session resumed";
    auto shown = capture_until(
        *client, client->output().proxy.get(),
        [&](const Image &image) { return image.bounding_box(green) == std::optional<Rect>(box); }, session_timeout);
    EXPECT_TRUE(shown.matched) << "the commit made while paused does not show after resuming";

    // Input came back too: libinput reopened the devices through seatd,
    // and keys reach the client again.
    EXPECT_NE(Seatd::instance().log().find("Opening device " + keyboard().devnode().string()), std::string::npos);
    // While paused libinput had removed the devices, so the seat lost its
    // keyboard (clients saw the capability go). They come back with the
    // resume itself, before any input event (wlroots 0.15 alone would read
    // libinput's queue only at the first one, and lose that key): a client
    // binds a new wl_keyboard, the window that had focus has it again, and
    // the very first key typed after the switch reaches it.
    ASSERT_TRUE(wait_for_log_count("new input device 'sluice-test keyboard'", 2))
        << "libinput did not bring the keyboard back without an input event";
    SeatObserver seat_after(*client);
    ASSERT_TRUE(seat_after.wait_for_keyboard(session_timeout));
    EXPECT_TRUE(
        client->dispatch_until([&] { return seat_after.keyboard_focus() == window.surface(); }, session_timeout))
        << "the focused window did not get the keyboard back after the resume";
    keyboard().tap(KEY_K);
    EXPECT_TRUE(client->dispatch_until([&] { return !seat_after.keys_pressed().empty(); }, session_timeout))
        << "typing after the resume does not reach the focused client";
    EXPECT_EQ(seat_after.keys_pressed(), std::vector<uint32_t>{KEY_K});
    // The switch itself never reached the client as keys.
    for (uint32_t key : seat.keys_pressed())
        EXPECT_NE(key, static_cast<uint32_t>(KEY_F2)) << "the client saw the VT switch key";
}

} // namespace
} // namespace sluice::test
