// sluice nested under an X server (--backend x11) on Xvfb: Xvfb has no DRI3,
// so wlroots 0.15's x11 backend presents through MIT-SHM with the pixman
// renderer. What sluice's clients draw must appear in the X server's own
// pixels, frames must be presented, and closing sluice's X window ends it.
#include <chrono>
#include <memory>
#include <thread>

#include "fixture.hpp"
#include "frame.hpp"
#include "xvfb.hpp"

namespace sluice::test {
namespace {

using namespace std::chrono_literals;

constexpr int32_t x_w = 800;
constexpr int32_t x_h = 600;
constexpr int32_t out_w = 320;
constexpr int32_t out_h = 240;

class X11Nested : public SluiceTest {
protected:
    void SetUp() override {
        const auto binary = find_xvfb();
        if (!binary)
            GTEST_SKIP() << "Xvfb is not installed (Debian package xvfb)";
        xvfb_dir_ = std::make_unique<TempDir>("sluice-xvfb");
        try {
            xvfb_ = std::make_unique<Xvfb>(*binary, x_w, x_h, xvfb_dir_->path() / "xvfb.log");
        } catch (const std::exception &e) {
            FAIL() << "cannot start Xvfb: " << e.what();
        }
        SluiceTest::SetUp();
    }

    void TearDown() override {
        SluiceTest::TearDown();
        xvfb_.reset();
    }

    ServerOptions server_options() const override {
        ServerOptions options;
        options.backend = "x11";
        options.mode = std::to_string(out_w) + "x" + std::to_string(out_h) + "@60";
        options.extra_args = {"--renderer", "pixman"};
        options.env = {{"DISPLAY", xvfb_->display()}, {"WAYLAND_DISPLAY", std::nullopt}};
        return options;
    }

    // sluice's output window on the X server, once it is mapped at its mode.
    std::optional<XWindow> output_window(std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        do {
            for (const XWindow &w : xvfb_->windows()) {
                if (w.viewable && w.geometry.width == out_w && w.geometry.height == out_h)
                    return w;
            }
            std::this_thread::sleep_for(20ms);
        } while (std::chrono::steady_clock::now() < deadline);
        return std::nullopt;
    }

    Xvfb &xvfb() { return *xvfb_; }

private:
    std::unique_ptr<TempDir> xvfb_dir_;
    std::unique_ptr<Xvfb> xvfb_;
};

TEST_F(X11Nested, ClientIsShownInTheXServersPixels) {
    const auto window = output_window();
    ASSERT_TRUE(window) << "no " << out_w << "x" << out_h << " window of sluice's on " << xvfb().display();

    constexpr uint32_t color = 0xff20c040;
    auto client = connect();
    ShmBuffer buffer(client->shm(), 100, 60);
    buffer.fill(color);
    Toplevel toplevel(*client);
    ASSERT_TRUE(toplevel.map(buffer)) << client->describe_error();

    const Rect inside = centered(out_w, out_h, 100, 60);
    const Rect expected{window->geometry.x + inside.x, window->geometry.y + inside.y, 100, 60};
    Image shot;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    do {
        shot = xvfb().capture_root();
        if (shot.bounding_box(color) == std::optional<Rect>(expected))
            break;
        std::this_thread::sleep_for(50ms);
    } while (std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(shot.bounding_box(color), std::optional<Rect>(expected))
        << "the client's window in the X server's root; " << keep_image(shot, "xvfb-root");
    // Around the window, inside sluice's output: sluice's background.
    const Rect output_area{window->geometry.x, window->geometry.y, out_w, out_h};
    EXPECT_EQ(shot.count(output_area, background_argb), static_cast<size_t>(out_w * out_h - 100 * 60))
        << keep_image(shot, "xvfb-root");
}

TEST_F(X11Nested, FramesArePresented) {
    ASSERT_TRUE(output_window()) << "sluice's window never mapped on " << xvfb().display();
    auto client = connect();
    ASSERT_NE(client->presentation(), nullptr) << "no wp_presentation global";
    Toplevel toplevel(*client);
    ShmBuffer first(client->shm(), 64, 64);
    first.fill(0xff102030);
    ASSERT_TRUE(toplevel.map(first)) << client->describe_error();

    // Alternate two buffers, one commit per frame callback, feedback for each.
    ShmBuffer second(client->shm(), 64, 64);
    second.fill(0xff304050);
    PresentationLog log(client->presentation());
    constexpr int frames = 10;
    for (int i = 0; i < frames; ++i) {
        ShmBuffer &b = (i % 2 == 0) ? second : first;
        ASSERT_TRUE(client->dispatch_until([&] { return !b.busy(); })) << "buffer " << i << " never released";
        log.request(toplevel.surface());
        FrameCallback callback(toplevel.surface());
        toplevel.commit_buffer(b);
        ASSERT_TRUE(client->dispatch_until([&] { return callback.done(); }))
            << "frame callback " << i << " never came: " << client->describe_error();
    }
    ASSERT_TRUE(client->dispatch_until([&] { return log.all_resolved(); })) << "feedback never resolved";
    EXPECT_EQ(log.presented_count(), static_cast<size_t>(frames)) << "feedback discarded on the x11 backend";
    const auto presented = log.presented();
    for (size_t i = 1; i < presented.size(); ++i) {
        EXPECT_GT(presented[i].nanoseconds(), presented[i - 1].nanoseconds()) << "presentation time of frame " << i;
        EXPECT_GE(presented[i].seq, presented[i - 1].seq) << "sequence of frame " << i;
    }
}

TEST_F(X11Nested, ClosingItsWindowEndsSluice) {
    const auto window = output_window();
    ASSERT_TRUE(window) << "sluice's window never mapped on " << xvfb().display();
    auto client = connect();
    xvfb().close_window(window->id);

    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (server().running() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(server().running()) << "sluice still runs after its only X window was closed";
    EXPECT_NE(server().log().find("the last nested output closed"), std::string::npos) << server().log();
    // The client is told, not left hanging.
    EXPECT_FALSE(client->roundtrip(5s)) << "the client's connection survived sluice";
}

} // namespace
} // namespace sluice::test
