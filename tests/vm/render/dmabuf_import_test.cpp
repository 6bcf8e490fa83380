// sluice with --renderer pixman on a real kernel: linux-dmabuf is offered
// with vgem's render node as main device, client dma-bufs from vgem and
// udmabuf appear on screen (read back through wlr-screencopy) where the
// window is placed, are released once replaced, and what pixman cannot read
// is refused through the protocol while sluice keeps serving.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include <drm_fourcc.h>
#include <poll.h>
#include <sys/stat.h>

#include "linux-explicit-synchronization-unstable-v1-client-protocol.h"

#include "dmabuf_client.hpp"
#include "fixture.hpp"

namespace sluice::render::vmtest {
namespace {

using namespace std::chrono_literals;
using test::Image;
using test::Rect;

constexpr int32_t kOutW = 640;
constexpr int32_t kOutH = 480;
constexpr const char *kRenderNode = "/dev/dri/renderD128";

constexpr uint32_t kGreen = 0x0033cc66;
constexpr uint32_t kRed = 0x00d02020;
constexpr uint32_t kBlue = 0x002040e0;

uint32_t opaque(uint32_t xrgb) { return 0xff000000u | xrgb; }

// zwp_linux_buffer_release_v1 for one commit: sluice's explicit-sync
// release, which fires when the client buffer's last lock drops.
class ExplicitRelease {
public:
    enum class State { pending, fenced_signaled, fenced_pending, immediate };

    explicit ExplicitRelease(zwp_linux_surface_synchronization_v1 *synchronization)
        : release_(zwp_linux_surface_synchronization_v1_get_release(synchronization)) {
        static const zwp_linux_buffer_release_v1_listener listener = {
            .fenced_release =
                [](void *data, zwp_linux_buffer_release_v1 *, int32_t fd) {
                    UniqueFd fence(fd);
                    pollfd pfd{fd, POLLIN, 0};
                    static_cast<ExplicitRelease *>(data)->state_ =
                        poll(&pfd, 1, 0) == 1 ? State::fenced_signaled : State::fenced_pending;
                },
            .immediate_release =
                [](void *data, zwp_linux_buffer_release_v1 *) {
                    static_cast<ExplicitRelease *>(data)->state_ = State::immediate;
                },
        };
        zwp_linux_buffer_release_v1_add_listener(release_, &listener, this);
    }
    // The protocol has no destroy request (the compositor destroys the
    // object with its event); this only frees the client-side proxy.
    ~ExplicitRelease() { zwp_linux_buffer_release_v1_destroy(release_); }
    ExplicitRelease(const ExplicitRelease &) = delete;
    ExplicitRelease &operator=(const ExplicitRelease &) = delete;

    [[nodiscard]] State state() const { return state_; }
    [[nodiscard]] bool released() const { return state_ == State::immediate || state_ == State::fenced_signaled; }

private:
    zwp_linux_buffer_release_v1 *release_;
    State state_ = State::pending;
};

class PixmanDmabuf : public test::SluiceTest {
protected:
    [[nodiscard]] test::ServerOptions server_options() const override {
        test::ServerOptions options;
        options.mode = "640x480@60";
        options.extra_args = {"--renderer", "pixman", "--log-level", "debug"};
        return options;
    }

    void SetUp() override {
        if (!std::filesystem::exists(kRenderNode)) {
            GTEST_SKIP() << "no " << kRenderNode << " (vgem): run through tests/vm/run-in-vm";
        }
        SluiceTest::SetUp();
    }

    // Attaches `buffer` to a fresh toplevel once it is configured.
    static void show(Client &client, test::Toplevel &window, DmabufBuffer &buffer) {
        ASSERT_TRUE(window.wait_for_configure()) << client.describe_error();
        attach(client, window, buffer);
    }

    static void attach(Client &client, test::Toplevel &window, DmabufBuffer &buffer) {
        wl_surface_attach(window.surface(), buffer.get(), 0, 0);
        wl_surface_damage_buffer(window.surface(), 0, 0, buffer.width(), buffer.height());
        wl_surface_commit(window.surface());
        ASSERT_TRUE(client.roundtrip()) << client.describe_error();
    }

    // Waits until exactly `where` shows `argb`; returns the last capture.
    Image wait_for_color_at(Client &client, uint32_t argb, const Rect &where) {
        return test::capture_until(
                   client, client.output().proxy.get(),
                   [&](const Image &img) { return img.bounding_box(argb) == std::optional<Rect>(where); }, 10s)
            .last;
    }

    std::unique_ptr<DmabufBuffer> vgem_buffer(LinuxDmabuf &dmabuf, int32_t w, int32_t h, uint32_t color,
                                              Allocation *keep = nullptr) {
        Allocation allocation = allocate_dumb(*dmabuf.main_device(), w, h);
        fill(allocation, w, h, color);
        auto buffer = DmabufBuffer::create_immed(dmabuf, w, h, DRM_FORMAT_XRGB8888, DRM_FORMAT_MOD_LINEAR,
                                                 {Plane{allocation.dmabuf.get(), 0, allocation.stride}});
        if (keep != nullptr) {
            *keep = std::move(allocation);
        }
        return buffer;
    }
};

TEST_F(PixmanDmabuf, AdvertisesVgemsRenderNodeWithLinearAndImplicitPackedFormats) {
    auto c = connect();
    LinuxDmabuf dmabuf(*c);
    EXPECT_EQ(dmabuf.version(), 4u);
    ASSERT_TRUE(dmabuf.main_device().has_value());
    struct stat node {};
    ASSERT_EQ(stat(kRenderNode, &node), 0);
    EXPECT_EQ(*dmabuf.main_device(), node.st_rdev);
    EXPECT_EQ(driver_of(*dmabuf.main_device()), "vgem");
    for (uint32_t format : {DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888, DRM_FORMAT_XBGR8888, DRM_FORMAT_ABGR8888}) {
        EXPECT_TRUE(dmabuf.offers(format, DRM_FORMAT_MOD_LINEAR)) << std::hex << format;
        EXPECT_TRUE(dmabuf.offers(format, DRM_FORMAT_MOD_INVALID)) << std::hex << format;
    }
    for (const auto &entry : dmabuf.formats()) {
        EXPECT_NE(entry.format, uint32_t{DRM_FORMAT_NV12});
        EXPECT_TRUE(entry.modifier == DRM_FORMAT_MOD_LINEAR || entry.modifier == DRM_FORMAT_MOD_INVALID)
            << std::hex << entry.modifier;
    }
    EXPECT_NE(server().log().find("linux-dmabuf advertises /dev/dri/renderD128"), std::string::npos);
}

TEST_F(PixmanDmabuf, VgemDumbBufferIsShownWhereTheWindowIs) {
    auto c = connect();
    LinuxDmabuf dmabuf(*c);
    auto buffer = vgem_buffer(dmabuf, 96, 64, kGreen);
    test::Toplevel window(*c);
    show(*c, window, *buffer);
    const Rect expected = test::centered(kOutW, kOutH, 96, 64);
    const Image img = wait_for_color_at(*c, opaque(kGreen), expected);
    EXPECT_EQ(img.bounding_box(opaque(kGreen)), std::optional<Rect>(expected)) << keep_image(img, "screen");
    EXPECT_TRUE(img.all(expected, opaque(kGreen))) << img.mismatch(expected, opaque(kGreen));
    EXPECT_EQ(c->error(), 0) << c->describe_error();
}

TEST_F(PixmanDmabuf, UdmabufWithImplicitModifierIsShownWhereTheWindowIs) {
    auto c = connect();
    LinuxDmabuf dmabuf(*c);
    Allocation allocation = allocate_udmabuf(80, 40);
    fill(allocation, 80, 40, kBlue);
    auto buffer = DmabufBuffer::create_immed(dmabuf, 80, 40, DRM_FORMAT_XRGB8888, DRM_FORMAT_MOD_INVALID,
                                             {Plane{allocation.dmabuf.get(), 0, allocation.stride}});
    test::Toplevel window(*c);
    show(*c, window, *buffer);
    const Rect expected = test::centered(kOutW, kOutH, 80, 40);
    const Image img = wait_for_color_at(*c, opaque(kBlue), expected);
    EXPECT_TRUE(img.all(expected, opaque(kBlue)))
        << img.mismatch(expected, opaque(kBlue)) << "; " << keep_image(img, "screen");
}

TEST_F(PixmanDmabuf, ReleaseComesOnceTheBufferIsReplacedAndWhenTheWindowGoes) {
    auto c = connect();
    LinuxDmabuf dmabuf(*c);
    auto first = vgem_buffer(dmabuf, 64, 64, kGreen);
    auto second = vgem_buffer(dmabuf, 64, 64, kRed);
    auto window = std::make_unique<test::Toplevel>(*c);
    show(*c, *window, *first);
    const Rect expected = test::centered(kOutW, kOutH, 64, 64);
    Image img = wait_for_color_at(*c, opaque(kGreen), expected);
    ASSERT_TRUE(img.all(expected, opaque(kGreen))) << keep_image(img, "first");
    // Shown, so read on every repaint: not to be released.
    c->dispatch_until([] { return false; }, 300ms);
    EXPECT_EQ(first->releases(), 0u) << "released while still on screen";

    attach(*c, *window, *second);
    img = wait_for_color_at(*c, opaque(kRed), expected);
    ASSERT_TRUE(img.all(expected, opaque(kRed))) << keep_image(img, "second");
    EXPECT_TRUE(c->dispatch_until([&] { return first->releases() == 1; })) << c->describe_error();
    EXPECT_EQ(first->releases(), 1u);
    EXPECT_EQ(second->releases(), 0u);

    window.reset();
    EXPECT_TRUE(c->dispatch_until([&] { return second->releases() == 1; }))
        << "the last buffer of a destroyed window was never released";
    EXPECT_EQ(first->releases(), 1u);
}

TEST_F(PixmanDmabuf, ExplicitSyncReleaseComesOnceTheBufferIsReplaced) {
    auto c = connect();
    LinuxDmabuf dmabuf(*c);
    auto *manager = static_cast<zwp_linux_explicit_synchronization_v1 *>(
        c->bind_raw(&zwp_linux_explicit_synchronization_v1_interface, 2));
    auto first = vgem_buffer(dmabuf, 64, 64, kGreen);
    auto second = vgem_buffer(dmabuf, 64, 64, kBlue);
    test::Toplevel window(*c);
    zwp_linux_surface_synchronization_v1 *synchronization =
        zwp_linux_explicit_synchronization_v1_get_synchronization(manager, window.surface());
    ASSERT_TRUE(window.wait_for_configure());

    auto first_release = std::make_unique<ExplicitRelease>(synchronization);
    attach(*c, window, *first);
    const Rect expected = test::centered(kOutW, kOutH, 64, 64);
    Image img = wait_for_color_at(*c, opaque(kGreen), expected);
    ASSERT_TRUE(img.all(expected, opaque(kGreen))) << keep_image(img, "first");
    c->dispatch_until([] { return false; }, 300ms);
    EXPECT_EQ(first_release->state(), ExplicitRelease::State::pending) << "released while still on screen";

    auto second_release = std::make_unique<ExplicitRelease>(synchronization);
    attach(*c, window, *second);
    img = wait_for_color_at(*c, opaque(kBlue), expected);
    ASSERT_TRUE(img.all(expected, opaque(kBlue))) << keep_image(img, "second");
    EXPECT_TRUE(c->dispatch_until([&] { return first_release->state() != ExplicitRelease::State::pending; }))
        << c->describe_error();
    // CPU composition leaves no reads in flight: nothing to wait for.
    EXPECT_TRUE(first_release->released()) << static_cast<int>(first_release->state());
    EXPECT_EQ(second_release->state(), ExplicitRelease::State::pending);

    zwp_linux_surface_synchronization_v1_destroy(synchronization);
    zwp_linux_explicit_synchronization_v1_destroy(manager);
    EXPECT_TRUE(c->roundtrip()) << c->describe_error();
}

TEST_F(PixmanDmabuf, FormatsAndModifiersPixmanCannotReadGetFailed) {
    auto c = connect();
    LinuxDmabuf dmabuf(*c);
    Allocation allocation = allocate_dumb(*dmabuf.main_device(), 64, 64);
    const Plane plane{allocation.dmabuf.get(), 0, allocation.stride};
    EXPECT_EQ(create_and_wait(*c, dmabuf, 64, 64, DRM_FORMAT_YUYV, DRM_FORMAT_MOD_LINEAR, {plane}),
              ParamsOutcome::failed);
    EXPECT_EQ(create_and_wait(*c, dmabuf, 64, 64, DRM_FORMAT_XRGB8888, I915_FORMAT_MOD_X_TILED, {plane}),
              ParamsOutcome::failed);
    // And the same buffer, described properly, is fine.
    EXPECT_EQ(create_and_wait(*c, dmabuf, 64, 64, DRM_FORMAT_XRGB8888, DRM_FORMAT_MOD_LINEAR, {plane}),
              ParamsOutcome::created);
    EXPECT_TRUE(c->roundtrip());
    EXPECT_EQ(c->error(), 0) << c->describe_error();
}

TEST_F(PixmanDmabuf, TwoPlaneBufferIsRefusedAndOnlyItsClientPays) {
    auto offender = connect();
    LinuxDmabuf dmabuf(*offender);
    Allocation allocation = allocate_dumb(*dmabuf.main_device(), 64, 64);
    const std::vector<Plane> planes{{allocation.dmabuf.get(), 0, allocation.stride},
                                    {allocation.dmabuf.get(), 0, allocation.stride}};
    EXPECT_EQ(create_and_wait(*offender, dmabuf, 64, 64, DRM_FORMAT_XRGB8888, DRM_FORMAT_MOD_LINEAR, planes),
              ParamsOutcome::failed);
    // create_immed has no `failed` to send: wlroots makes it a protocol error.
    auto buffer = DmabufBuffer::create_immed(dmabuf, 64, 64, DRM_FORMAT_XRGB8888, DRM_FORMAT_MOD_LINEAR, planes);
    ASSERT_TRUE(offender->wait_for_error());
    const auto error = offender->protocol_error();
    ASSERT_TRUE(error.has_value()) << offender->describe_error();
    EXPECT_EQ(error->interface, "zwp_linux_buffer_params_v1");
    EXPECT_EQ(error->code, uint32_t{ZWP_LINUX_BUFFER_PARAMS_V1_ERROR_INVALID_WL_BUFFER});

    ASSERT_TRUE(server().running());
    auto bystander = connect();
    LinuxDmabuf fine(*bystander);
    auto shown = vgem_buffer(fine, 48, 48, kGreen);
    test::Toplevel window(*bystander);
    show(*bystander, window, *shown);
    const Rect expected = test::centered(kOutW, kOutH, 48, 48);
    const Image img = wait_for_color_at(*bystander, opaque(kGreen), expected);
    EXPECT_TRUE(img.all(expected, opaque(kGreen))) << keep_image(img, "screen");
}

} // namespace
} // namespace sluice::render::vmtest
