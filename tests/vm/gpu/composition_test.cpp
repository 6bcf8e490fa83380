// sluice on a GPU driver: the gles2 renderer on virtio-gpu (virgl), with
// native render-done fences, composing buffers that a GPU wrote. Proven by
// what a user sees (screencopy of the output), by what sluice says it set
// up (its log), and by real GPU clients from Debian that run on it.
#include <chrono>
#include <iostream>
#include <sstream>
#include <thread>

#include "gpu_fixture.hpp"
#include "process.hpp"
#include "screencopy.hpp"
#include "tests/vm/base_set_up.hpp"

namespace sluice::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t background = 0xff262a33;

bool same_picture(const Image &a, const Image &b) {
    if (a.width() != b.width() || a.height() != b.height())
        return false;
    for (int32_t y = 0; y < a.height(); ++y)
        for (int32_t x = 0; x < a.width(); ++x)
            if (a.pixel(x, y) != b.pixel(x, y))
                return false;
    return true;
}

class GpuSession : public GpuSessionTest {};

TEST_F(GpuSession, RendersOnTheGpuWithNativeFences) {
    ASSERT_NO_FATAL_FAILURE(start_on_gpu());
    std::cout << "[measure] the test's GPU: " << gpu().gl_renderer() << " on " << gpu().render_node().path() << "\n";
    // What sluice set up, in its own words: the renderer is the GPU's, its
    // fences are sync_files, and both dma-buf import and timelines are on.
    EXPECT_TRUE(log_has("renderer: gles2 on virgl")) << server().log();
    EXPECT_TRUE(log_has("(DRM driver virtio_gpu)")) << server().log();
    EXPECT_TRUE(log_has("render-done fences: sync_files")) << server().log();
    EXPECT_TRUE(log_has("linux-dmabuf v4 offered")) << server().log();
    EXPECT_TRUE(log_has("linux-drm-syncobj-v1 offered")) << server().log();
    EXPECT_FALSE(log_has("no render-done fences")) << server().log();

    // A buffer the GPU cleared to green, with nothing but its implicit
    // fence: the whole output shows it.
    auto client = connect_client();
    GpuWindow window(*client, gpu(), GpuSync::implicit);
    auto feedback = window.draw_and_commit(kms_green);
    ASSERT_TRUE(wait_resolved(*client, *feedback)) << client->describe_error();
    EXPECT_EQ(feedback->state(), PresentationFeedback::State::presented) << describe(*feedback);
    const Image shown = capture_output(*client, client->output(0).proxy.get(), session_timeout);
    EXPECT_TRUE(shown.all(shown.bounds(), opaque_of(kms_green)))
        << shown.mismatch(shown.bounds(), opaque_of(kms_green));
}

// --renderer auto takes the GPU where there is one (and pixman on vkms:
// tests/vm/session/output_test.cpp).
TEST_F(GpuSession, AutoRendererPicksTheGpu) {
    ASSERT_NO_FATAL_FAILURE(start_on_gpu("auto"));
    EXPECT_TRUE(log_has("renderer auto: gles2, the GPU is virgl")) << server().log();
    EXPECT_TRUE(log_has("render-done fences: sync_files")) << server().log();
}

// GPU producers with each kind of sync, and GPU work long enough that a
// compositor that samples a buffer before the GPU is done with it shows it
// half drawn: every picture taken while frames flow is one colour, the old
// frame's or the new one's, never a mix.
class GpuProducers : public GpuSessionTest, public ::testing::WithParamInterface<GpuSync> {};

// Per-pixel loop count of the producer's shader: about 100-300 ms of GPU
// time for a 1280x800 frame on virgl over llvmpipe under TCG.
constexpr int long_work = 24;
constexpr int frames = 6;

TEST_P(GpuProducers, NoFrameShowsAHalfDrawnBuffer) {
    ASSERT_NO_FATAL_FAILURE(start_on_gpu());
    auto client = connect_client();
    std::unique_ptr<GpuWindow> window;
    try {
        window = std::make_unique<GpuWindow>(*client, gpu(), GetParam());
    } catch (const std::exception &e) {
        FAIL() << "cannot make the " << to_string(GetParam()) << " window: " << e.what() << "\n" << server().log();
    }
    const uint32_t colours[] = {kms_red, kms_blue};
    uint32_t previous = 0;
    size_t pictures = 0;
    double total_ms = 0;
    for (int i = 0; i < frames; ++i) {
        const uint32_t colour = colours[i % 2];
        const auto start = Clock::now();
        auto feedback = window->draw_and_commit(colour, long_work);
        // Pictures from the moment of the commit until the new colour shows.
        std::string mixed;
        auto result = capture_until(
            *client, client->output(0).proxy.get(),
            [&](const Image &image) {
                ++pictures;
                const bool is_new = image.all(image.bounds(), opaque_of(colour));
                const bool is_old = previous != 0 && image.all(image.bounds(), opaque_of(previous));
                if (!is_new && !is_old && previous != 0 && mixed.empty())
                    mixed = image.mismatch(image.bounds(), opaque_of(colour));
                return is_new;
            },
            session_timeout);
        EXPECT_TRUE(result.matched) << "frame " << i << ": the new colour never showed: "
                                    << result.last.mismatch(result.last.bounds(), opaque_of(colour));
        EXPECT_EQ(mixed, "") << "frame " << i << ": a picture was neither the old colour nor the new one";
        ASSERT_TRUE(wait_resolved(*client, *feedback)) << client->describe_error();
        EXPECT_EQ(feedback->state(), PresentationFeedback::State::presented) << describe(*feedback);
        total_ms += std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        previous = colour;
    }
    // The GPU was still drawing when some commits went out (a new buffer's
    // memory holds neither colour until drawn), so showing them early
    // would have been seen: the test proved the waiting, not just the
    // colours.
    EXPECT_GT(window->pending_at_commit(), 0u) << "every buffer was drawn before its commit: raise long_work";
    std::cout << "[measure] " << to_string(GetParam()) << ": " << frames << " GPU frames, "
              << window->pending_at_commit() << " still drawing when committed, " << pictures << " pictures, "
              << total_ms / frames << " ms from draw to shown on average\n";
}

INSTANTIATE_TEST_SUITE_P(Gpu, GpuProducers, ::testing::Values(GpuSync::implicit, GpuSync::sync_file, GpuSync::syncobj),
                         [](const ::testing::TestParamInfo<GpuSync> &info) { return to_string(info.param); });

// Real GPU clients from Debian, on sluice on the GPU: each gets its window
// on screen (the picture changes from the empty desktop) and keeps
// running (or, for glmark2, finishes its run with a score).
class GpuClients : public GpuSessionTest {
protected:
    // Starts `argv` as a client of sluice; its output goes to a file that
    // is printed on failure.
    std::unique_ptr<ChildProcess> launch(const std::vector<std::string> &argv) {
        log_path_ = std::filesystem::path("/tmp") / (std::filesystem::path(argv[0]).filename().string() + ".log");
        ProcessSpec spec;
        spec.argv = argv;
        spec.env["WAYLAND_DISPLAY"] = server().socket_path().string();
        spec.stdout_path = log_path_;
        spec.stderr_path = log_path_;
        return std::make_unique<ChildProcess>(spec);
    }
    std::string client_log() const { return read_text_file(log_path_); }

    // Waits until the output shows more than `min_pixels` pixels that are
    // not the desktop's background.
    bool wait_drawn(Client &observer, size_t min_pixels, Image *last) {
        auto result = capture_until(
            observer, observer.output(0).proxy.get(),
            [&](const Image &image) {
                const auto pixels = static_cast<size_t>(image.width()) * static_cast<size_t>(image.height());
                return pixels - image.count(image.bounds(), background) > min_pixels;
            },
            session_timeout);
        *last = result.last;
        return result.matched;
    }

    std::filesystem::path log_path_;
};

TEST_F(GpuClients, WestonSimpleEglIsOnScreen) {
    ASSERT_NO_FATAL_FAILURE(start_on_gpu());
    auto observer = connect_client();
    auto egl = launch({"/usr/bin/weston-simple-egl"});
    Image first;
    ASSERT_TRUE(wait_drawn(*observer, 1000, &first)) << client_log() << "\n" << server().log();
    // It animates: a later picture differs.
    auto changed = capture_until(
        *observer, observer->output(0).proxy.get(), [&](const Image &image) { return !same_picture(image, first); },
        session_timeout);
    EXPECT_TRUE(changed.matched) << "weston-simple-egl's window stopped changing\n" << client_log();
    EXPECT_TRUE(egl->running()) << client_log();
}

TEST_F(GpuClients, Es2gearsIsOnScreen) {
    ASSERT_NO_FATAL_FAILURE(start_on_gpu());
    auto observer = connect_client();
    auto gears = launch({"/usr/bin/es2gears_wayland"});
    Image first;
    ASSERT_TRUE(wait_drawn(*observer, 1000, &first)) << client_log() << "\n" << server().log();
    EXPECT_TRUE(gears->running()) << client_log();
}

TEST_F(GpuClients, Glmark2FinishesWithAScore) {
    ASSERT_NO_FATAL_FAILURE(start_on_gpu());
    auto glmark =
        launch({"/usr/bin/glmark2-es2-wayland", "-b", "clear:duration=1", "-b", "build:duration=1", "-s", "320x240"});
    const auto status = glmark->wait(std::chrono::milliseconds{240000});
    ASSERT_TRUE(status.has_value()) << "glmark2 still runs after 4 minutes\n" << client_log();
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << client_log();
    const std::string log = client_log();
    EXPECT_NE(log.find("glmark2 Score"), std::string::npos) << log;
    std::cout << "[measure] glmark2 (virgl over llvmpipe under TCG): "
              << log.substr(log.find("glmark2 Score") == std::string::npos ? log.size() : log.find("glmark2 Score"))
              << "\n";
}

} // namespace
} // namespace sluice::test
