// The cursor on vkms' cursor plane: the pointer (a uinput mouse reaching
// sluice through libinput) moves, and the cursor plane's CRTC_X/Y follow it
// minus the hotspot, with the theme's arrow over the background and the
// image a client sets over its window; the composited frame on the primary
// plane never holds the cursor. A cursor larger than the plane falls back
// to a software cursor drawn into the composited frame. With either
// renderer: pixman's cursor images go to the plane in DRM dumb buffers,
// which sluice labels LINEAR (render/linear_dumb_allocator.hpp), the one
// modifier wlroots lets a cursor plane take.
#include <algorithm>
#include <iostream>

#include "fixture.hpp"
#include "kms_fixture.hpp"
#include "input.hpp"
#include "shm.hpp"
#include "tests/vm/base_set_up.hpp"

namespace sluice::test {
namespace {

constexpr uint32_t cursor_argb = 0xffff00ff; // opaque magenta
constexpr int32_t hotspot = 4;

// A client that sets its own cursor image whenever the pointer enters one
// of its surfaces. Not movable: the listener points here.
class CursorSetter {
public:
    CursorSetter(Client &client, int32_t size) : client_(client), pixels_(client.shm(), size, size) {
        pixels_.fill(cursor_argb);
        seat_ = bind_seat(client);
        static const wl_seat_listener seat_listener = {
            .capabilities =
                [](void *data, wl_seat *seat, uint32_t caps) {
                    auto *self = static_cast<CursorSetter *>(data);
                    if ((caps & WL_SEAT_CAPABILITY_POINTER) && self->pointer_ == nullptr) {
                        self->pointer_ = wl_seat_get_pointer(seat);
                        wl_pointer_add_listener(self->pointer_, &pointer_listener, self);
                    }
                },
            .name = [](void *, wl_seat *, const char *) {},
        };
        wl_seat_add_listener(seat_.get(), &seat_listener, this);
        cursor_.reset(wl_compositor_create_surface(client.compositor()));
        wl_surface_attach(cursor_.get(), pixels_.get(), 0, 0);
        wl_surface_damage_buffer(cursor_.get(), 0, 0, size, size);
        wl_surface_commit(cursor_.get());
        client.roundtrip();
    }
    ~CursorSetter() {
        if (pointer_ != nullptr)
            wl_pointer_release(pointer_);
    }
    CursorSetter(const CursorSetter &) = delete;
    CursorSetter &operator=(const CursorSetter &) = delete;

    [[nodiscard]] uint32_t enters() const { return enters_; }

private:
    static void on_enter(void *data, wl_pointer *pointer, uint32_t serial, wl_surface *, wl_fixed_t, wl_fixed_t) {
        auto *self = static_cast<CursorSetter *>(data);
        ++self->enters_;
        wl_pointer_set_cursor(pointer, serial, self->cursor_.get(), hotspot, hotspot);
    }
    static constexpr wl_pointer_listener pointer_listener = {
        .enter = &CursorSetter::on_enter,
        .leave = [](void *, wl_pointer *, uint32_t, wl_surface *) {},
        .motion = [](void *, wl_pointer *, uint32_t, wl_fixed_t, wl_fixed_t) {},
        .button = [](void *, wl_pointer *, uint32_t, uint32_t, uint32_t, uint32_t) {},
        .axis = [](void *, wl_pointer *, uint32_t, uint32_t, wl_fixed_t) {},
        .frame = [](void *, wl_pointer *) {},
        .axis_source = [](void *, wl_pointer *, uint32_t) {},
        .axis_stop = [](void *, wl_pointer *, uint32_t, uint32_t) {},
        .axis_discrete = [](void *, wl_pointer *, uint32_t, int32_t) {},
    };

    Client &client_;
    ShmBuffer pixels_;
    Proxy<wl_seat> seat_;
    wl_pointer *pointer_ = nullptr;
    Proxy<wl_surface> cursor_;
    uint32_t enters_ = 0;
};

class CursorPlane : public KmsRendererClientTest {
protected:
    void SetUp() override {
        SLUICE_VM_BASE_SET_UP(KmsRendererClientTest);
        pixels_ = std::make_unique<ShmBuffer>(client_->shm(), window_.width, window_.height);
        pixels_->fill(opaque_of(kms_blue));
        window_toplevel_ = std::make_unique<Toplevel>(*client_);
        ASSERT_TRUE(window_toplevel_->map(*pixels_, session_timeout)) << client_->describe_error();
    }

    // Moves the pointer and waits until the cursor plane sits at
    // (x - dx, y - dy); returns the snapshot that showed it.
    Snapshot move_and_wait(int32_t x, int32_t y, int32_t dx, int32_t dy) {
        pointer().move_to(x, y);
        Snapshot snapshot;
        const bool moved = wait_kms(
            *client_,
            [&](const Snapshot &s) {
                const kms::Plane *cursor = s.first(PlaneType::cursor);
                return cursor != nullptr && cursor->on() && cursor->crtc.x == x - dx && cursor->crtc.y == y - dy;
            },
            &snapshot);
        const kms::Plane *cursor = snapshot.first(PlaneType::cursor);
        EXPECT_TRUE(moved) << "the cursor plane is not at " << x - dx << "," << y - dy << " for a pointer at " << x
                           << "," << y << ": " << snapshot.describe() << "\n"
                           << (cursor != nullptr ? "" : "no cursor plane");
        return snapshot;
    }

    const Rect window_ = centered(vkms_width, vkms_height, 300, 200);
    std::unique_ptr<ShmBuffer> pixels_;
    std::unique_ptr<Toplevel> window_toplevel_;
};

TEST_P(CursorPlane, ThemeCursorFollowsThePointer) {
    // Over the background sluice shows the theme's arrow; where its
    // hotspot is depends on the theme, so the first position gives it.
    pointer().move_to(100, 100);
    Snapshot first;
    ASSERT_TRUE(wait_kms(
        *client_, [](const Snapshot &s) { return s.first(PlaneType::cursor)->on(); }, &first))
        << "the cursor plane stays off: " << first.describe() << "\n"
        << server().log();
    const kms::Plane &cursor = *first.first(PlaneType::cursor);
    const int32_t dx = 100 - cursor.crtc.x, dy = 100 - cursor.crtc.y;
    EXPECT_GE(dx, 0);
    EXPECT_GE(dy, 0);
    const Image image = kms().read(cursor.fb_id);
    size_t opaque = 0;
    for (int32_t y = 0; y < image.height(); ++y) {
        for (int32_t x = 0; x < image.width(); ++x)
            opaque += (image.pixel(x, y) >> 24) != 0;
    }
    EXPECT_GT(opaque, 20u) << "the cursor plane's buffer holds no visible arrow";

    for (auto [x, y] : {std::pair{150, 130}, std::pair{700, 20}, std::pair{3, 600}})
        move_and_wait(x, y, dx, dy);
}

TEST_P(CursorPlane, ClientCursorIsOnTheCursorPlane) {
    CursorSetter setter(*client_, 32);
    const int32_t x = window_.x + 40, y = window_.y + 30;
    const Snapshot at = move_and_wait(x, y, hotspot, hotspot);
    EXPECT_GE(setter.enters(), 1u);
    const kms::Plane &cursor = *at.first(PlaneType::cursor);
    const auto [cursor_fb, image] = kms().read_with_info(cursor.fb_id);
    EXPECT_EQ(image.count(image.bounds(), cursor_argb), 32u * 32u) << "the client's cursor image is not on the plane";
    EXPECT_TRUE(image.all({0, 0, 32, 32}, cursor_argb)) << image.mismatch({0, 0, 32, 32}, cursor_argb);

    // Not a software cursor: the composited frame under it is the window.
    const auto [frame_fb, frame] = kms().read_with_info(at.first(PlaneType::primary)->fb_id);
    // Which buffers the two planes got (with pixman: dumb buffers, the
    // cursor's added with the LINEAR modifier), for a reader of the log.
    std::cout << "cursor plane: " << cursor_fb.describe() << "; primary plane: " << frame_fb.describe() << std::endl;
    EXPECT_EQ(frame.count(frame.bounds(), cursor_argb), 0u) << "the cursor is drawn into the primary plane too";
    EXPECT_TRUE(frame.all(window_, opaque_of(kms_blue))) << frame.mismatch(window_, opaque_of(kms_blue));

    // It follows the pointer within the window.
    move_and_wait(x + 25, y + 17, hotspot, hotspot);
    move_and_wait(window_.x + window_.width - 10, window_.y + window_.height - 10, hotspot, hotspot);
}

TEST_P(CursorPlane, CursorLargerThanThePlaneIsDrawnInSoftware) {
    // vkms' cursor plane takes at most 512x512 (DRM_CAP_CURSOR_WIDTH); this
    // cursor cannot go there.
    constexpr int32_t size = 600;
    CursorSetter setter(*client_, size);
    const int32_t x = window_.x + 50, y = window_.y + 50;
    pointer().move_to(x, y);
    Snapshot snapshot;
    const bool drawn = wait_kms(
        *client_,
        [&](const Snapshot &s) {
            const kms::Plane *primary = s.first(PlaneType::primary);
            if (primary == nullptr || !primary->on() || s.first(PlaneType::cursor)->on())
                return false;
            try {
                const Image frame = kms().read(primary->fb_id);
                return frame.pixel(x, y) == cursor_argb;
            } catch (const std::exception &) {
                return false;
            }
        },
        &snapshot);
    EXPECT_TRUE(drawn) << "a 600x600 cursor should be composited into the frame with the cursor plane off: "
                       << snapshot.describe();
    EXPECT_GE(setter.enters(), 1u);
    const Image frame = kms().read(snapshot.first(PlaneType::primary)->fb_id);
    const Rect expected = Rect{x - hotspot, y - hotspot, size, size}.intersect(frame.bounds());
    EXPECT_TRUE(frame.all(expected, cursor_argb)) << frame.mismatch(expected, cursor_argb);
}

SLUICE_KMS_RENDERERS(CursorPlane);

} // namespace
} // namespace sluice::test
