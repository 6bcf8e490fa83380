// The command line of the test-server mode.
#include <gtest/gtest.h>

#include "compositor/core/options.hpp"

namespace sluice {
namespace {

TEST(TestServerOptions, TestServerMeansHeadlessPixmanAndAControlSocket) {
    const ParseResult r = parse_options({"--test-server", "--mode", "800x600@30"});
    ASSERT_TRUE(r.options.has_value()) << r.error;
    EXPECT_TRUE(r.options->test_server);
    EXPECT_EQ(r.options->backend, BackendChoice::headless);
    EXPECT_EQ(r.options->renderer, RendererChoice::pixman);
    ASSERT_TRUE(r.options->control_socket.has_value());
    EXPECT_EQ(*r.options->control_socket, "") << "empty: next to the Wayland socket";
    EXPECT_FALSE(r.options->exit_when_empty);
    EXPECT_EQ(r.options->mode->refresh_mhz, 30000);
}

TEST(TestServerOptions, RendererAndSocketCanBeChosen) {
    const ParseResult r =
        parse_options({"--test-server", "--renderer", "gles2", "--control-socket=/tmp/x.sock", "--exit-when-empty"});
    ASSERT_TRUE(r.options.has_value()) << r.error;
    EXPECT_EQ(r.options->renderer, RendererChoice::gles2);
    EXPECT_EQ(r.options->control_socket.value_or("unset"), "/tmp/x.sock");
    EXPECT_TRUE(r.options->exit_when_empty);
}

TEST(TestServerOptions, ControlSocketWorksInAnyMode) {
    const ParseResult r = parse_options({"--backend", "wayland", "--control-socket"});
    ASSERT_TRUE(r.options.has_value()) << r.error;
    EXPECT_EQ(r.options->control_socket.value_or("unset"), "");
    EXPECT_FALSE(parse_options({}).options->control_socket.has_value()) << "off unless asked for";
}

TEST(TestServerOptions, MistakesAreOneLineErrors) {
    const ParseResult other_backend = parse_options({"--test-server", "--backend", "drm"});
    EXPECT_FALSE(other_backend.options.has_value());
    EXPECT_NE(other_backend.error.find("headless"), std::string::npos) << other_backend.error;
    const ParseResult empty_path = parse_options({"--control-socket="});
    EXPECT_FALSE(empty_path.options.has_value());
    const ParseResult valued_flag = parse_options({"--exit-when-empty=yes"});
    EXPECT_FALSE(valued_flag.options.has_value());
    EXPECT_NE(std::string(usage_text()).find("--test-server"), std::string::npos);
}

} // namespace
} // namespace sluice
