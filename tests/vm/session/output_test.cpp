// sluice as a session on vkms, with each renderer (pixman, and gles2 on
// Mesa's kms_swrast): the connector's preferred mode is set, a client's
// window shows where sluice puts it (read back through screencopy), and an
// animating client gets one frame callback and one presentation feedback per
// output frame, with vkms' vblank clock, refresh period and the vsync flag.
#include <array>
#include <cmath>
#include <memory>
#include <vector>

#include <time.h>

#include "fixture.hpp"
#include "frame.hpp"
#include "screencopy.hpp"
#include "session_fixture.hpp"
#include "shm.hpp"
#include "xdg.hpp"
#include "tests/vm/base_set_up.hpp"

namespace sluice::test {
namespace {

// vkms' only connector and its preferred mode (1024x768 at 60.004 Hz).
constexpr const char *vkms_connector = "Virtual-1";
constexpr int32_t vkms_refresh_mhz = 60004;
constexpr double vkms_period_ns = 1e12 / vkms_refresh_mhz;

constexpr uint32_t red = 0xffff0000;

uint64_t now_ns(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

class SessionOutput : public SessionTest, public ::testing::WithParamInterface<const char *> {
protected:
    void SetUp() override {
        SLUICE_VM_BASE_SET_UP(SessionTest);
        // The pointer stays out of the way of the windows: no input needed.
        ASSERT_NO_FATAL_FAILURE(start({.renderer = GetParam()}));
    }
};

TEST_P(SessionOutput, PreferredModeIsSet) {
    const OutputInfo output = output_info();
    EXPECT_EQ(output.name, vkms_connector);
    EXPECT_EQ(output.width, vkms_width);
    EXPECT_EQ(output.height, vkms_height);
    EXPECT_EQ(output.refresh_mhz, vkms_refresh_mhz);
    // The renderer asked for is the one running.
    EXPECT_TRUE(log_has(std::string("renderer: ") + GetParam())) << "sluice's log names another renderer";
}

TEST_P(SessionOutput, WindowShowsInScreencopy) {
    auto client = connect_client();
    ASSERT_NE(client->screencopy(), nullptr) << "no wlr-screencopy global";
    ShmBuffer buffer(client->shm(), 200, 150);
    buffer.fill(red);
    Toplevel window(*client);
    ASSERT_TRUE(window.map(buffer, session_timeout)) << client->describe_error();

    const Rect expected = centered(vkms_width, vkms_height, 200, 150);
    auto shown = capture_until(
        *client, client->output().proxy.get(),
        [&](const Image &image) { return image.bounding_box(red) == std::optional<Rect>(expected); }, session_timeout);
    EXPECT_TRUE(shown.matched) << "the red window is not at " << expected << " in the capture; "
                               << shown.last.mismatch(expected, red);
    ASSERT_EQ(shown.last.width(), vkms_width);
    ASSERT_EQ(shown.last.height(), vkms_height);
    // Away from the window (and from the cursor in the middle), sluice's
    // background.
    EXPECT_EQ(shown.last.pixel(8, 8), background_argb);
    EXPECT_EQ(shown.last.pixel(vkms_width - 8, vkms_height - 8), background_argb);
}

TEST_P(SessionOutput, FrameCallbacksAndPresentationFollowVblank) {
    auto client = connect_client();
    ASSERT_NE(client->presentation(), nullptr) << "no wp_presentation global";
    ASSERT_TRUE(client->dispatch_until([&] { return client->presentation_clock() >= 0; }, session_timeout));
    // The DRM backend reports vblank times on CLOCK_MONOTONIC.
    EXPECT_EQ(client->presentation_clock(), CLOCK_MONOTONIC);

    Toplevel window(*client);
    std::array<std::unique_ptr<ShmBuffer>, 3> buffers;
    for (auto &b : buffers)
        b = std::make_unique<ShmBuffer>(client->shm(), 160, 120);
    buffers[0]->fill(0xff808080);
    ASSERT_TRUE(window.map(*buffers[0], session_timeout)) << client->describe_error();

    constexpr uint32_t frames = 30;
    PresentationLog log(client->presentation());
    std::vector<uint64_t> commit_ns;
    uint32_t callbacks = 0;
    for (uint32_t i = 0; i < frames; ++i) {
        ShmBuffer *free_buffer = nullptr;
        ASSERT_TRUE(client->dispatch_until(
            [&] {
                for (auto &b : buffers) {
                    if (!b->busy())
                        return (free_buffer = b.get()) != nullptr;
                }
                return false;
            },
            session_timeout))
            << "sluice released no buffer (" << client->describe_error() << ")";
        free_buffer->fill(0xff000000u | ((i * 8) & 0xff) << 16 | 0x40a0);
        log.request(window.surface());
        FrameCallback callback(window.surface(), [&](uint32_t) { ++callbacks; });
        commit_ns.push_back(now_ns(CLOCK_MONOTONIC));
        window.commit_buffer(*free_buffer);
        ASSERT_TRUE(client->dispatch_until([&] { return callback.done(); }, session_timeout))
            << "frame callback " << i << " never came (" << client->describe_error() << ")";
    }
    EXPECT_EQ(callbacks, frames);
    ASSERT_TRUE(client->dispatch_until([&] { return log.all_resolved(); }, session_timeout))
        << log.presented_count() << " presented, " << log.discarded_count() << " discarded of " << log.size();
    const uint64_t end_ns = now_ns(CLOCK_MONOTONIC);

    // A client that waits for its frame callback has every commit shown.
    EXPECT_EQ(log.discarded_count(), 0u);
    const std::vector<Presented> shown = log.presented();
    ASSERT_EQ(shown.size(), frames);
    for (size_t i = 0; i < shown.size(); ++i) {
        const Presented &p = shown[i];
        SCOPED_TRACE("commit " + std::to_string(i) + ": seq " + std::to_string(p.seq) + ", refresh " +
                     std::to_string(p.refresh_ns) + " ns, flags " + std::to_string(p.flags));
        // vkms' period, from the mode (60.004 Hz: 16.666 ms).
        EXPECT_NEAR(static_cast<double>(p.refresh_ns), vkms_period_ns, 1000.0);
        // A vblank-synchronized flip, timed by the kernel.
        EXPECT_NE(p.flags & WP_PRESENTATION_FEEDBACK_KIND_VSYNC, 0u);
        EXPECT_NE(p.flags & WP_PRESENTATION_FEEDBACK_KIND_HW_CLOCK, 0u);
        EXPECT_NE(p.flags & WP_PRESENTATION_FEEDBACK_KIND_HW_COMPLETION, 0u);
        // Shown after it was committed and before now, on the monotonic clock.
        EXPECT_GE(p.nanoseconds(), commit_ns[i]);
        EXPECT_LE(p.nanoseconds(), end_ns);
        if (i == 0)
            continue;
        // One output frame per commit, time and vblank counter moving on
        // together: the time between two presentations is a whole number of
        // vkms' periods (its vblanks come from a timer of that period), as
        // many as the counter advanced.
        const Presented &before = shown[i - 1];
        ASSERT_GT(p.seq, before.seq) << "two commits presented in the same vblank";
        ASSERT_GT(p.nanoseconds(), before.nanoseconds()) << "presentation time did not move forward";
        const double periods = static_cast<double>(p.nanoseconds() - before.nanoseconds()) / vkms_period_ns;
        EXPECT_NEAR(periods, static_cast<double>(p.seq - before.seq), 0.05)
            << "presentation times are not vblanks apart by the counter";
    }
}

INSTANTIATE_TEST_SUITE_P(Renderers, SessionOutput, ::testing::Values("pixman", "gles2"),
                         [](const ::testing::TestParamInfo<const char *> &info) { return std::string(info.param); });

// --renderer auto on vkms: gles2 there would be Mesa's kms_swrast
// (llvmpipe behind a display-only driver), which wlroots accepts when told
// to allow software rendering, and which cannot import other devices'
// dma-bufs. sluice takes its own pixman instead, says why, and still offers
// linux-dmabuf. (On a GPU, auto is gles2: tests/vm/gpu.)
class SessionAutoRenderer : public SessionTest {};

TEST_F(SessionAutoRenderer, PicksPixmanOverKmsSwrast) {
    ASSERT_NO_FATAL_FAILURE(start({.renderer = "auto", .env = {{"WLR_RENDERER_ALLOW_SOFTWARE", "1"}}}));
    EXPECT_TRUE(log_has("renderer auto: pixman, since gles2 here would be llvmpipe")) << server().log();
    EXPECT_TRUE(log_has("renderer: pixman with software dma-buf import")) << server().log();
    auto client = connect_client();
    EXPECT_NE(client->find_global("zwp_linux_dmabuf_v1"), nullptr) << "no linux-dmabuf with the pixman renderer";
}

} // namespace
} // namespace sluice::test
