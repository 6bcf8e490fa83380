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

#include <linux/input-event-codes.h>

#include "data_device_fixture.hpp"
#include "hostile_fixture.hpp"

namespace sluice::test {
namespace {

constexpr int captures_per_round = 100;
constexpr int32_t win_w = 160;
constexpr int32_t win_h = 120;
// The offender's window cascades 32 px down-right of the bystander's; this
// point is on it alone.
constexpr uint32_t offender_x = (out_w - win_w) / 2 + 32 + win_w - 10;
constexpr uint32_t offender_y = (out_h - win_h) / 2 + 32 + win_h - 10;

class KilledMidOperation : public HostileClientTest {};

TEST_F(KilledMidOperation, DuringScreencopies) {
    expect_nothing_kept([&] {
        auto bad = connect();
        ASSERT_NE(bad->screencopy(), nullptr) << "sluice offers no wlr-screencopy";
        wl_output *output = bad->output().proxy.get();
        // Copies into buffers, each waiting for the next output frame when
        // the client goes.
        std::vector<std::unique_ptr<ShmBuffer>> targets;
        std::vector<Proxy<zwlr_screencopy_frame_v1>> frames;
        for (int i = 0; i < captures_per_round; ++i) {
            targets.push_back(std::make_unique<ShmBuffer>(bad->shm(), out_w, out_h, WL_SHM_FORMAT_XRGB8888));
            frames.emplace_back(zwlr_screencopy_manager_v1_capture_output(bad->screencopy(), 0, output));
            zwlr_screencopy_frame_v1_copy(frames.back().get(), targets.back()->get());
        }
        bad->flush();
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
        auto icon_buffer = std::make_unique<ShmBuffer>(bad.client->shm(), 32, 32);
        icon_buffer->fill(offender_color);
        DataSource source(bad.data_manager.get(), {{text_mime, "never dropped"}},
                          WL_DATA_DEVICE_MANAGER_DND_ACTION_COPY);
        bad.data->start_drag(source.get(), bad.surface(), icon.get(), bad.seat->press_serial());
        wl_surface_attach(icon.get(), icon_buffer->get(), 0, 0);
        wl_surface_commit(icon.get());
        ASSERT_TRUE(bad.client->roundtrip()) << bad.client->describe_error();
        pointer.move_to(out_w / 2, out_h / 2);
        ASSERT_TRUE(user->roundtrip());
        // Gone without a word, the button still down; every proxy is
        // dropped after the socket, before the display.
        bad.client->sever();
        source.destroy();
        icon.reset();
        icon_buffer.reset();
        bad.disconnect();
        pointer.release(BTN_LEFT);
        ASSERT_TRUE(user->roundtrip());
    });
}

} // namespace
} // namespace sluice::test
