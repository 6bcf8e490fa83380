// The command line: every option, and the one-line errors a user sees.
#include <gtest/gtest.h>

#include "compositor/core/options.hpp"

using sluice::BackendChoice;
using sluice::parse_mode;
using sluice::parse_options;
using sluice::RendererChoice;

namespace {

sluice::Options parse_ok(std::vector<std::string> args) {
    auto result = parse_options(args);
    EXPECT_TRUE(result.options.has_value()) << result.error;
    return result.options.value_or(sluice::Options{});
}

std::string parse_error(std::vector<std::string> args) {
    auto result = parse_options(args);
    EXPECT_FALSE(result.options.has_value());
    EXPECT_EQ(result.error.find('\n'), std::string::npos) << "errors are one line";
    return result.error;
}

} // namespace

TEST(Options, DefaultsFollowWlroots) {
    auto options = parse_ok({});
    EXPECT_EQ(options.backend, BackendChoice::automatic);
    EXPECT_EQ(options.renderer, RendererChoice::automatic);
    EXPECT_EQ(options.outputs, 1);
    EXPECT_FALSE(options.mode.has_value());
    EXPECT_TRUE(options.socket.empty());
    EXPECT_EQ(options.ready_fd, -1);
    EXPECT_FALSE(options.allow_input_injection) << "input injection is offered only on request";
    EXPECT_TRUE(options.own_frame_clock);
    EXPECT_TRUE(options.frame_pacing);
}

TEST(Options, InputInjectionOnlyOnRequest) {
    EXPECT_TRUE(parse_ok({"--allow-input-injection"}).allow_input_injection);
    EXPECT_TRUE(parse_ok({"--test-server"}).allow_input_injection) << "test suites drive windows with it";
    EXPECT_FALSE(parse_ok({"--backend", "headless", "--control-socket"}).allow_input_injection)
        << "a control socket alone does not offer it";
    EXPECT_NE(parse_error({"--allow-input-injection=yes"}).find("takes no value"), std::string::npos);
}

TEST(Options, FrameClockAndPacingTurnOff) {
    auto options = parse_ok({"--frame-clock", "backend", "--frame-pacing=off"});
    EXPECT_FALSE(options.own_frame_clock);
    EXPECT_FALSE(options.frame_pacing);
    options = parse_ok({"--frame-clock=sluice", "--frame-pacing", "on"});
    EXPECT_TRUE(options.own_frame_clock);
    EXPECT_TRUE(options.frame_pacing);
    EXPECT_NE(parse_error({"--frame-clock", "kms"}).find("sluice or backend"), std::string::npos);
    EXPECT_NE(parse_error({"--frame-pacing", "yes"}).find("on or off"), std::string::npos);
}

TEST(Options, EveryOptionLongShortAndInline) {
    auto options =
        parse_ok({"--backend", "headless", "-r", "pixman", "--socket=test-1", "-o", "3", "--mode", "800x600@30",
                  "--startup", "foot", "--exit-with-startup", "--xwayland", "--ready-fd", "7", "--log-level", "debug"});
    EXPECT_EQ(options.backend, BackendChoice::headless);
    EXPECT_EQ(options.renderer, RendererChoice::pixman);
    EXPECT_EQ(options.socket, "test-1");
    EXPECT_EQ(options.outputs, 3);
    ASSERT_TRUE(options.mode.has_value());
    EXPECT_EQ(options.mode->width, 800);
    EXPECT_EQ(options.mode->height, 600);
    EXPECT_EQ(options.mode->refresh_mhz, 30000);
    EXPECT_EQ(options.startup, "foot");
    EXPECT_TRUE(options.exit_with_startup);
    EXPECT_TRUE(options.xwayland);
    EXPECT_EQ(options.ready_fd, 7);
    EXPECT_EQ(options.log_level, 3);
}

TEST(Options, ModeParsing) {
    auto mode = parse_mode("1920x1080");
    ASSERT_TRUE(mode);
    EXPECT_EQ(mode->refresh_mhz, 60000) << "refresh defaults to 60 Hz";
    mode = parse_mode("640x480@59.94");
    ASSERT_TRUE(mode);
    EXPECT_EQ(mode->refresh_mhz, 59940);
    for (const char *bad : {"", "x", "12x", "x12", "0x10", "10x0", "10x10@", "10x10@0", "10x10@abc", "-5x10",
                            "10x10x10", "99999x10", "10 x10"}) {
        EXPECT_FALSE(parse_mode(bad)) << bad;
    }
}

TEST(Options, ErrorsNameTheProblem) {
    EXPECT_NE(parse_error({"--bogus"}).find("unknown option '--bogus'"), std::string::npos);
    EXPECT_NE(parse_error({"--backend", "vnc"}).find("--backend"), std::string::npos);
    EXPECT_NE(parse_error({"--mode", "big"}).find("WxH"), std::string::npos);
    EXPECT_NE(parse_error({"--outputs", "0"}).find("1 to 16"), std::string::npos);
    EXPECT_NE(parse_error({"--socket"}).find("needs a value"), std::string::npos);
    EXPECT_NE(parse_error({"--socket", "a/b"}).find("'/'"), std::string::npos);
    EXPECT_NE(parse_error({"--exit-with-startup"}).find("--startup"), std::string::npos);
    EXPECT_NE(parse_error({"--xwayland=yes"}).find("takes no value"), std::string::npos);
    EXPECT_NE(parse_error({"stray"}).find("unknown option 'stray'"), std::string::npos);
}

TEST(Options, HelpAndVersion) {
    EXPECT_TRUE(parse_ok({"--help"}).show_help);
    EXPECT_TRUE(parse_ok({"-v"}).show_version);
    std::string usage = sluice::usage_text();
    for (const char *option :
         {"--backend", "--renderer", "--socket", "--outputs", "--mode", "--startup", "--exit-with-startup",
          "--xwayland", "--allow-input-injection", "--ready-fd", "--log-level", "--frame-clock", "--frame-pacing"}) {
        EXPECT_NE(usage.find(option), std::string::npos) << option << " is documented in --help";
    }
}
