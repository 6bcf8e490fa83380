// Real programs from Debian against sluice: weston-simple-shm drawing and
// grim taking the screenshot, and sluice nested inside sluice.
#include <chrono>
#include <csignal>
#include <sstream>
#include <string>

#include "fixture.hpp"
#include "screen.hpp"

namespace sluice::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class RealClients : public SluiceTest {
protected:
    // Runs grim until `done(screenshot)` or the timeout; returns the last
    // screenshot and whether it matched. Fails the test if grim fails.
    CaptureUntil grim_until(const std::filesystem::path &grim, const std::function<bool(const Image &)> &done,
                            std::chrono::milliseconds timeout) {
        CaptureUntil result;
        const auto deadline = Clock::now() + timeout;
        int attempt = 0;
        do {
            const auto shot = scratch_file("grim-" + std::to_string(attempt) + ".ppm");
            const auto log = scratch_file("grim-" + std::to_string(attempt) + ".log");
            ++attempt;
            ChildProcess child = server().spawn_client({grim.string(), "-t", "ppm", shot.string()}, log);
            const auto status = child.wait(10s);
            if (!status || !exited_cleanly(*status)) {
                ADD_FAILURE() << "grim " << (status ? describe_status(*status) : "did not finish in 10 s") << ":\n"
                              << read_text_file(log);
                return result;
            }
            result.last = Image::load_ppm(shot);
            if (done(result.last)) {
                result.matched = true;
                break;
            }
        } while (Clock::now() < deadline);
        return result;
    }
};

TEST_F(RealClients, WestonSimpleShmShowsInGrimScreenshot) {
    const auto simple_shm = find_in_path("weston-simple-shm");
    const auto grim = find_in_path("grim");
    if (!simple_shm)
        GTEST_SKIP() << "weston-simple-shm is not installed (Debian package weston)";
    if (!grim)
        GTEST_SKIP() << "grim is not installed (Debian package grim)";

    const auto client_log = scratch_file("simple-shm.log");
    ChildProcess client = server().spawn_client({simple_shm->string()}, client_log);

    // simple-shm draws a 250x250 window: a 20 px white border (its buffers
    // start as 0xff bytes and only the inside is repainted) around an
    // animated pattern. sluice centres it.
    const Rect window = centered(out_w, out_h, 250, 250);
    ASSERT_EQ(window, (Rect{195, 115, 250, 250}));
    const Rect inside = {window.x + 20, window.y + 20, 210, 210};
    constexpr uint32_t white = 0xffffffff;
    const Rect border_strips[] = {
        {window.x, window.y, 250, 20},       // top
        {window.x, window.y + 230, 250, 20}, // bottom
        {window.x, window.y, 20, 250},       // left
        {window.x + 230, window.y, 20, 250}, // right
    };
    const auto looks_right = [&](const Image &img) {
        if (img.width() != out_w || img.height() != out_h)
            return false;
        for (const Rect &strip : border_strips) {
            if (!img.all(strip, white))
                return false;
        }
        return img.count(inside, white) + img.count(inside, background_argb) < 210u * 210u / 20u;
    };
    const CaptureUntil shot = grim_until(*grim, looks_right, 10s);
    if (HasFailure())
        return;
    const Image &img = shot.last;
    EXPECT_TRUE(shot.matched) << keep_image(img, "grim") << "\nweston-simple-shm log:\n" << read_text_file(client_log);
    for (const Rect &strip : border_strips)
        EXPECT_TRUE(img.all(strip, white)) << "border " << strip << ": " << img.mismatch(strip, white);
    // The inside is simple-shm's pattern: neither background nor white.
    EXPECT_LT(img.count(inside, white) + img.count(inside, background_argb), 210u * 210u / 20u)
        << "the inside of the window is not simple-shm's pattern";
    // Outside the window nothing but background.
    const size_t background_outside = img.count(img.bounds(), background_argb) - img.count(window, background_argb);
    EXPECT_EQ(background_outside, static_cast<size_t>(out_w * out_h - 250 * 250)) << keep_image(img, "grim");

    // Still running (no protocol error threw it out), and it quits on
    // SIGINT like it should.
    ASSERT_TRUE(client.running()) << "weston-simple-shm exited early, " << describe_status(*client.status()) << ":\n"
                                  << read_text_file(client_log);
    const int status = client.stop(SIGINT, 5s);
    EXPECT_TRUE(exited_cleanly(status)) << "weston-simple-shm " << describe_status(status) << ":\n"
                                        << read_text_file(client_log);
}

TEST_F(RealClients, NestedSluiceShowsItsClient) {
    // The inner sluice is a client of the outer one (wayland backend): its
    // output is a 320x240 window, centred on the outer output.
    ServerOptions inner_options;
    inner_options.backend = "wayland";
    inner_options.mode = "320x240@60";
    inner_options.runtime_dir = server().runtime_dir();
    inner_options.socket = server().socket_name() + "-inner";
    inner_options.env = {{"WAYLAND_DISPLAY", server().socket_name()}};
    std::unique_ptr<SluiceServer> inner;
    try {
        inner = std::make_unique<SluiceServer>(inner_options);
    } catch (const std::exception &e) {
        FAIL() << "nested sluice did not start: " << e.what();
    }

    constexpr uint32_t color = 0xff20c040;
    auto inner_client = inner->connect();
    ShmBuffer buffer(inner_client->shm(), 100, 60);
    buffer.fill(color);
    Toplevel window(*inner_client);
    ASSERT_TRUE(window.map(buffer)) << inner_client->describe_error();

    const Rect inner_output = centered(out_w, out_h, 320, 240);
    const Rect inner_window = centered(320, 240, 100, 60);
    const Rect expected = {inner_output.x + inner_window.x, inner_output.y + inner_window.y, 100, 60};
    auto observer = connect();
    const auto shot = capture_until(
        *observer, observer->output().proxy.get(),
        [&](const Image &img) { return img.bounding_box(color) == std::optional<Rect>(expected); }, 10s);
    EXPECT_EQ(shot.last.bounding_box(color), std::optional<Rect>(expected))
        << "inner client, seen through the outer sluice; " << keep_image(shot.last, "outer")
        << "\n---- inner sluice log ----\n"
        << inner->log();

    // The inner one shuts down cleanly too.
    bool timed_out = false;
    const int status = inner->stop(10s, &timed_out);
    EXPECT_FALSE(timed_out) << "inner sluice ignored SIGTERM";
    EXPECT_TRUE(exited_cleanly(status)) << "inner sluice " << describe_status(status) << "\n---- inner log ----\n"
                                        << inner->log();
}

} // namespace
} // namespace sluice::test
