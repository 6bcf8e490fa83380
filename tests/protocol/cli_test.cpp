// The command line as a user meets it: --help and --version succeed, and a
// mistake costs one line on stderr and exit code 2, without starting a
// compositor.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "process.hpp"
#include "sluice_server.hpp"

namespace sluice::test {
namespace {

using namespace std::chrono_literals;

struct CliRun {
    int status = 0;
    bool timed_out = false;
    std::string out;
    std::string err;
};

CliRun run_sluice(const std::vector<std::string> &args) {
    TempDir runtime("sluice-cli-runtime");
    TempDir logs("sluice-cli-log");
    ProcessSpec spec;
    spec.argv = {sluice_binary().string()};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    // If an argument slipped through and sluice did start, it must not touch
    // anything outside this test.
    spec.env = {
        {"XDG_RUNTIME_DIR", runtime.path().string()}, {"WAYLAND_DISPLAY", std::nullopt}, {"DISPLAY", std::nullopt}};
    spec.stdout_path = logs.path() / "out";
    spec.stderr_path = logs.path() / "err";
    ChildProcess child(spec);
    CliRun run;
    const auto status = child.wait(10s);
    if (!status) {
        run.timed_out = true;
        run.status = child.stop(SIGKILL, 5s);
    } else {
        run.status = *status;
    }
    run.out = read_text_file(spec.stdout_path);
    run.err = read_text_file(spec.stderr_path);
    return run;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

size_t line_count(const std::string &s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

TEST(Cli, HelpPrintsUsageAndExitsZero) {
    const CliRun r = run_sluice({"--help"});
    ASSERT_FALSE(r.timed_out) << "sluice --help did not exit";
    EXPECT_TRUE(exited_cleanly(r.status)) << describe_status(r.status) << "\nstderr: " << r.err;
    EXPECT_NE(lower(r.out).find("usage"), std::string::npos) << "stdout: " << r.out;
    // The options the tests and users rely on are documented.
    for (const char *option : {"--backend", "--renderer", "--socket", "--outputs", "--mode", "--ready-fd", "--startup",
                               "--log-level", "--version", "--help"})
        EXPECT_NE(r.out.find(option), std::string::npos) << option << " missing from --help:\n" << r.out;
}

TEST(Cli, VersionPrintsTheProjectVersion) {
    const CliRun r = run_sluice({"--version"});
    ASSERT_FALSE(r.timed_out) << "sluice --version did not exit";
    EXPECT_TRUE(exited_cleanly(r.status)) << describe_status(r.status) << "\nstderr: " << r.err;
    const char *expected = std::getenv("SLUICE_VERSION_EXPECTED");
    ASSERT_TRUE(expected && *expected) << "SLUICE_VERSION_EXPECTED not set by meson";
    EXPECT_NE(r.out.find(expected), std::string::npos) << "stdout: " << r.out;
    EXPECT_EQ(line_count(r.out), 1u) << "stdout: " << r.out;
}

struct BadArgs {
    const char *name;
    std::vector<std::string> args;
    const char *mentioned; // what the one-line error should name
};

class CliRejects : public ::testing::TestWithParam<BadArgs> {};

TEST_P(CliRejects, WithOneLineAndExitCode2) {
    const BadArgs &bad = GetParam();
    const CliRun r = run_sluice(bad.args);
    ASSERT_FALSE(r.timed_out) << "sluice did not exit: it must reject the arguments, not start";
    ASSERT_TRUE(WIFEXITED(r.status)) << describe_status(r.status);
    EXPECT_EQ(WEXITSTATUS(r.status), 2) << "stderr: " << r.err;
    EXPECT_EQ(line_count(r.err), 1u) << "stderr should be exactly one line:\n" << r.err;
    EXPECT_FALSE(r.err.empty() || r.err.front() == '\n') << "empty error line";
    EXPECT_NE(r.err.find(bad.mentioned), std::string::npos) << "the error should name '" << bad.mentioned << "':\n"
                                                            << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Arguments, CliRejects,
    ::testing::Values(BadArgs{"UnknownOption", {"--frobnicate"}, "frobnicate"},
                      BadArgs{"ModeWord", {"--backend", "headless", "--mode", "banana"}, "banana"},
                      BadArgs{"ModeWithoutHeight", {"--backend", "headless", "--mode", "640x"}, "640x"},
                      BadArgs{"ModeWithoutWidth", {"--backend", "headless", "--mode", "x480"}, "x480"},
                      BadArgs{"ModeEmptyRefresh", {"--backend", "headless", "--mode", "640x480@"}, "640x480@"},
                      BadArgs{"ModeWordRefresh", {"--backend", "headless", "--mode", "640x480@fast"}, "640x480@fast"},
                      BadArgs{"ModeNegative", {"--backend", "headless", "--mode", "-640x480"}, "-640x480"},
                      BadArgs{"OutputsNotANumber", {"--backend", "headless", "--outputs", "two"}, "two"},
                      BadArgs{"MissingValue", {"--backend", "headless", "--socket"}, "--socket"}),
    [](const ::testing::TestParamInfo<BadArgs> &info) { return std::string(info.param.name); });

// A backend that cannot start here says why in one error line and exits 1,
// without waiting for devices that will not come.
struct MissingBackend {
    const char *name;
    const char *backend;
    const char *mentioned;
};

class CliBackendUnavailable : public ::testing::TestWithParam<MissingBackend> {};

TEST_P(CliBackendUnavailable, ExitsWithAClearError) {
    const MissingBackend &missing = GetParam();
    if (std::string(missing.backend) == "drm") {
        std::error_code ec;
        for (const auto &entry : std::filesystem::directory_iterator("/dev/dri", ec)) {
            if (entry.path().filename().string().starts_with("card"))
                GTEST_SKIP() << "this machine has a DRM device (" << entry.path()
                             << "); the session is tested in the VM";
        }
    }
    const CliRun r = run_sluice({"--backend", missing.backend});
    ASSERT_FALSE(r.timed_out) << "sluice did not give up within run_sluice's timeout";
    ASSERT_TRUE(WIFEXITED(r.status)) << describe_status(r.status) << "\nstderr: " << r.err;
    EXPECT_EQ(WEXITSTATUS(r.status), 1) << "stderr: " << r.err;
    EXPECT_NE(r.err.find(std::string("[ERROR] [core] [compositor/core/server.cpp")), std::string::npos)
        << "sluice's own error line is missing:\n"
        << r.err;
    EXPECT_NE(r.err.find(missing.mentioned), std::string::npos)
        << "the error should name '" << missing.mentioned << "':\n"
        << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Backends, CliBackendUnavailable,
    ::testing::Values(MissingBackend{"DrmWithoutDevice", "drm", "/dev/dri"},
                      MissingBackend{"X11WithoutDisplay", "x11", "DISPLAY is not set"},
                      MissingBackend{"WaylandWithoutParent", "wayland", "WAYLAND_DISPLAY is not set"}),
    [](const ::testing::TestParamInfo<MissingBackend> &info) { return std::string(info.param.name); });

} // namespace
} // namespace sluice::test
