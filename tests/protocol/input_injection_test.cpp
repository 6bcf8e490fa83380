// Input injection on request only: the virtual keyboard and pointer
// protocols let any client type and click into every window, so a client
// of a plain sluice does not see them; with --allow-input-injection (or
// --test-server) it does, and what it injects reaches the focused window.
#include <string_view>

#include <linux/input-event-codes.h>

#include "fixture.hpp"
#include "input.hpp"
#include "screen.hpp"

namespace sluice::test {
namespace {

constexpr std::string_view keyboard_manager = "zwp_virtual_keyboard_manager_v1";
constexpr std::string_view pointer_manager = "zwlr_virtual_pointer_manager_v1";

// Whether a fresh client's registry lists each manager.
struct Offered {
    bool keyboard = false;
    bool pointer = false;
};

Offered offered_to_a_client(const SluiceServer &server) {
    auto client = server.connect();
    // The registry was read: the seat is always there.
    EXPECT_NE(client->find_global("wl_seat"), nullptr) << "the client saw no wl_seat global";
    return {client->find_global(keyboard_manager) != nullptr, client->find_global(pointer_manager) != nullptr};
}

bool log_says(const SluiceServer &server, std::string_view line) {
    return server.log().find(line) != std::string::npos;
}

// A plain sluice, one started as a test server, one that allows injection.
class InputInjectionByDefault : public SluiceTest {};

class InputInjectionInTestServer : public SluiceTest {
protected:
    [[nodiscard]] ServerOptions server_options() const override {
        ServerOptions options;
        options.extra_args = {"--test-server"};
        return options;
    }
};

using InputInjectionAllowed = InjectedInputTest;

TEST_F(InputInjectionByDefault, NotOfferedUnlessAskedFor) {
    const Offered offered = offered_to_a_client(server());
    EXPECT_FALSE(offered.keyboard) << keyboard_manager << " is advertised without --allow-input-injection";
    EXPECT_FALSE(offered.pointer) << pointer_manager << " is advertised without --allow-input-injection";
    EXPECT_TRUE(log_says(server(), "input injection not offered")) << "the startup log does not say so";
}

TEST_F(InputInjectionInTestServer, IsOffered) {
    const Offered offered = offered_to_a_client(server());
    EXPECT_TRUE(offered.keyboard && offered.pointer) << "--test-server must offer both virtual device managers";
    EXPECT_TRUE(log_says(server(), "input injection offered to every client")) << "the startup log does not say so";
}

TEST_F(InputInjectionAllowed, IsOfferedAndReachesTheFocusedWindow) {
    const Offered offered = offered_to_a_client(server());
    ASSERT_TRUE(offered.keyboard && offered.pointer) << "--allow-input-injection must offer both managers";
    EXPECT_TRUE(log_says(server(), "input injection offered to every client: " + std::string(keyboard_manager)))
        << "the startup log does not name what is offered";

    auto app = server().connect();
    auto user = server().connect();
    VirtualKeyboard keyboard(*user);
    VirtualPointer pointer(*user, out_w, out_h);
    SeatObserver seat(*app);
    ASSERT_TRUE(seat.wait_for_keyboard() && seat.wait_for_pointer()) << "the virtual devices never joined the seat";
    ShmBuffer buffer(app->shm(), 200, 100);
    buffer.fill(red);
    Toplevel window(*app);
    ASSERT_TRUE(window.map(buffer)) << app->describe_error();
    ASSERT_TRUE(app->dispatch_until([&] { return seat.keyboard_focus() == window.surface(); }))
        << "the new window never got keyboard focus";

    keyboard.tap(KEY_H);
    ASSERT_TRUE(app->dispatch_until([&] { return !seat.keys_pressed().empty(); }))
        << "the injected key never reached the focused window";
    EXPECT_EQ(seat.keys_pressed(), std::vector<uint32_t>{KEY_H});

    const Rect placed = centered(out_w, out_h, 200, 100);
    pointer.move_to(static_cast<uint32_t>(placed.x + 100), static_cast<uint32_t>(placed.y + 50));
    pointer.click(BTN_LEFT);
    ASSERT_TRUE(app->dispatch_until([&] { return !seat.buttons_pressed().empty(); }))
        << "the injected click never reached the window under the pointer";
    EXPECT_EQ(seat.buttons_pressed(), std::vector<uint32_t>{BTN_LEFT});
    EXPECT_EQ(app->error(), 0) << app->describe_error();
    EXPECT_EQ(user->error(), 0) << user->describe_error();
}

} // namespace
} // namespace sluice::test
