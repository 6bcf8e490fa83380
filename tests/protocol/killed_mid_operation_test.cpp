// Clients that vanish in the middle of something sluice is doing for
// them: their socket shut without a word (what sluice sees of a SIGKILL)
// while a screencopy waits for the next frame, and while they drag. sluice
// stays up, the bystander keeps its frames and pixels, and nothing of the
// offender's is kept.
//
// Not here: killed while a commit is held, which needs a fence that has
// not signaled yet; only a kernel driver makes one, and the VM's gate
// lifetime tests (tests/vm/gate/) cover it.
#include <memory>
#include <optional>

#include <linux/input-event-codes.h>

#include "data_device_fixture.hpp"
#include "hostile_fixture.hpp"
#include "screen.hpp"

namespace sluice::test {
namespace {

constexpr int captures_per_round = 100;
constexpr int32_t win_w = 160;
constexpr int32_t win_h = 120;
// The offender's window cascades 32 px down-right of the bystander's; this
// point is on it alone.
constexpr uint32_t offender_x = (out_w - win_w) / 2 + 32 + win_w - 10;
constexpr uint32_t offender_y = (out_h - win_h) / 2 + 32 + win_h - 10;
// The drag icon, where no window is.
constexpr uint32_t icon_color = green;
constexpr int32_t icon_size = 32;
constexpr int32_t icon_x = 100, icon_y = 80;

class KilledMidOperation : public HostileClientTest {};

TEST_F(KilledMidOperation, DuringScreencopies) {
    expect_nothing_kept([&] {
        auto bad = connect();
        ASSERT_NE(bad->screencopy(), nullptr) << "sluice offers no wlr-screencopy";
        wl_output *output = bad->output().proxy.get();
        // Copies with damage into buffers: on a screen that does not change
        // they wait, once sluice has read them, for damage that never
        // comes (but for the first, if wlroots counts the whole output as
        // damaged for a new capturer). Shut at once, the socket would
        // hang up before sluice read them: libwayland drops a hung-up
        // client unread.
        std::vector<std::unique_ptr<ShmBuffer>> targets;
        std::vector<Proxy<zwlr_screencopy_frame_v1>> frames;
        for (int i = 0; i < captures_per_round; ++i) {
            targets.push_back(std::make_unique<ShmBuffer>(bad->shm(), out_w, out_h, WL_SHM_FORMAT_XRGB8888));
            frames.emplace_back(zwlr_screencopy_manager_v1_capture_output(bad->screencopy(), 0, output));
            zwlr_screencopy_frame_v1_copy_with_damage(frames.back().get(), targets.back()->get());
        }
        ASSERT_TRUE(bad->roundtrip()) << bad->describe_error();
        bad->sever();
        frames.clear();
        targets.clear();
    });
}

TEST_F(KilledMidOperation, DuringADrag) {
    auto user = connect();
    VirtualPointer pointer(*user, out_w, out_h);
    expect_nothing_kept([&] {
        Peer bad(connect(), offender_color);
        ASSERT_TRUE(bad.seat->wait_for_pointer()) << "the offender's seat has no pointer";
        ASSERT_TRUE(bad.window->map(*bad.buffer)) << bad.client->describe_error();
        pointer.move_to(offender_x, offender_y);
        pointer.press(BTN_LEFT);
        ASSERT_TRUE(bad.client->dispatch_until([&] { return !bad.seat->buttons_pressed().empty(); }))
            << "the offender gets the press it drags from";
        // A drag with an icon, carried over the bystander's window.
        Proxy<wl_surface> icon(wl_compositor_create_surface(bad.client->compositor()));
        auto icon_buffer = std::make_unique<ShmBuffer>(bad.client->shm(), icon_size, icon_size);
        icon_buffer->fill(icon_color);
        DataSource source(bad.data_manager.get(), {{text_mime, "never dropped"}},
                          WL_DATA_DEVICE_MANAGER_DND_ACTION_COPY);
        bad.data->start_drag(source.get(), bad.surface(), icon.get(), bad.seat->press_serial());
        wl_surface_attach(icon.get(), icon_buffer->get(), 0, 0);
        wl_surface_commit(icon.get());
        ASSERT_TRUE(bad.client->roundtrip()) << bad.client->describe_error();
        // The drag is live: its icon follows the pointer.
        pointer.move_to(icon_x, icon_y);
        const auto dragging = capture_until(*user, user->output().proxy.get(), [&](const Image &img) {
            return img.bounding_box(icon_color) == std::optional<Rect>({icon_x, icon_y, icon_size, icon_size});
        });
        ASSERT_TRUE(dragging.matched) << "no drag icon at the pointer; " << keep_image(dragging.last, "dragging");
        // Gone without a word, the button still down; every proxy is
        // dropped after the socket, before the display.
        bad.client->sever();
        source.destroy();
        icon.reset();
        icon_buffer.reset();
        bad.disconnect();
        pointer.release(BTN_LEFT);
        ASSERT_TRUE(user->roundtrip());
        const auto gone = capture_until(*user, user->output().proxy.get(),
                                        [&](const Image &img) { return !img.bounding_box(icon_color).has_value(); });
        EXPECT_TRUE(gone.matched) << "the icon stayed after its client; " << keep_image(gone.last, "after");
    });
}

} // namespace
} // namespace sluice::test
