// X11 clients through Xwayland (--xwayland): the window shows, placed like
// any other window.
#include <filesystem>
#include <thread>

#include "fixture.hpp"
#include "screen.hpp"

namespace sluice::test {
namespace {

bool xwayland_installed() {
    for (const char *dir : {"/usr/bin", "/usr/local/bin"}) {
        if (std::filesystem::exists(std::filesystem::path(dir) / "Xwayland")) {
            return true;
        }
    }
    return false;
}

class Xwayland : public SluiceTest {
protected:
    ServerOptions server_options() const override {
        ServerOptions options;
        options.extra_args = {"--xwayland"};
        return options;
    }
};

TEST_F(Xwayland, X11WindowIsShownCentered) {
    if (!xwayland_installed()) {
        GTEST_SKIP() << "Xwayland is not installed (Debian package xwayland)";
    }
    const char *client = getenv("SLUICE_X11_WINDOW");
    ASSERT_NE(client, nullptr) << "meson sets SLUICE_X11_WINDOW";

    // sluice logs the DISPLAY it gave Xwayland; clients started with
    // --startup inherit it, a test reads it from the log.
    std::string display;
    for (int i = 0; i < 100 && display.empty(); ++i) {
        std::string log = server().log();
        auto at = log.find("Xwayland on DISPLAY=");
        if (at != std::string::npos) {
            display = log.substr(at + 20, log.find(' ', at + 20) - at - 20);
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    ASSERT_FALSE(display.empty()) << "sluice never said which DISPLAY Xwayland has";

    ChildProcess x11 =
        server().spawn_client({client, "160", "120", "30a050"}, scratch_file("x11.log"), {{"DISPLAY", display}});
    auto c = connect();
    const Rect expected = centered(out_w, out_h, 160, 120);
    auto shown = capture_until(
        *c, c->output().proxy.get(),
        [&](const Image &img) { return img.bounding_box(0xff30a050) == std::optional<Rect>(expected); },
        std::chrono::milliseconds{20000});
    EXPECT_TRUE(shown.matched) << "the X11 window at " << expected.x << "," << expected.y << "; "
                               << keep_image(shown.last, "screen")
                               << "; client log: " << read_text_file(scratch_file("x11.log"));
}

} // namespace
} // namespace sluice::test
