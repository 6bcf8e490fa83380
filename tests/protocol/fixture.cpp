#include "fixture.hpp"

#include <cstdlib>
#include <iostream>
#include <system_error>

namespace sluice::test {

void SluiceTest::SetUp() {
    scratch_ = std::make_unique<TempDir>("sluice-scratch");
    try {
        server_ = std::make_unique<SluiceServer>(server_options());
    } catch (const std::exception &e) {
        FAIL() << "cannot start sluice: " << e.what();
    }
}

void stop_and_check(SluiceServer &server) {
    bool timed_out = false;
    // Generous: under ASan in the emulated VM, LeakSanitizer's scan at exit
    // alone can take several seconds on a loaded machine.
    const int status = server.stop(std::chrono::milliseconds{60000}, &timed_out);
    EXPECT_FALSE(timed_out) << "sluice ignored SIGTERM for 60 s and had to be killed";
    EXPECT_TRUE(exited_cleanly(status)) << "sluice, stopped with SIGTERM, " << describe_status(status);
    if (::testing::Test::HasFailure()) {
        std::cout << "---- sluice log (" << server.log_path().string() << ") ----\n"
                  << server.log() << "---- end of sluice log ----" << std::endl;
    }
}

void SluiceTest::TearDown() {
    if (!server_)
        return;
    stop_and_check(*server_);
    server_.reset();
}

std::filesystem::path SluiceTest::scratch_file(std::string_view name) const {
    return scratch_->path() / std::string(name);
}

std::string SluiceTest::keep_image(const Image &image, std::string_view label) const {
    // Kept outside the scratch directory, which goes with the fixture; the
    // meson build directory is the working directory of `meson test`.
    const char *dir_env = std::getenv("SLUICE_TEST_ARTIFACTS");
    // Outside meson (a test binary run by hand) the pictures go to /tmp,
    // never into whatever directory the developer happens to be in.
    const std::filesystem::path dir = dir_env && *dir_env
                                          ? std::filesystem::path(dir_env)
                                          : std::filesystem::temp_directory_path() / "sluice-test-artifacts";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "capture";
    for (char &c : name) {
        if (c == '/')
            c = '_';
    }
    const std::filesystem::path path = dir / (name + "-" + std::string(label) + ".ppm");
    try {
        image.save_ppm(path);
    } catch (const std::exception &e) {
        return std::string("(could not save the capture: ") + e.what() + ")";
    }
    return "capture saved as " + std::filesystem::absolute(path).string();
}

} // namespace sluice::test
