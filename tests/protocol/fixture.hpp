// The GoogleTest fixture of the protocol suite: one headless sluice per test,
// stopped at the end with SIGTERM (it must exit 0, not crash), its log
// printed when the test failed.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "client.hpp"
#include "image.hpp"
#include "screencopy.hpp"
#include "shm.hpp"
#include "sluice_server.hpp"
#include "xdg.hpp"

namespace sluice::test {

// What sluice promises to show where no surface is (ARGB8888).
inline constexpr uint32_t background_argb = 0xff262a33;

class SluiceTest : public ::testing::Test {
protected:
    // Override to start sluice differently (mode, outputs, arguments).
    [[nodiscard]] virtual ServerOptions server_options() const { return {}; }

    void SetUp() override;
    void TearDown() override;

    [[nodiscard]] SluiceServer &server() { return *server_; }
    [[nodiscard]] std::unique_ptr<Client> connect() { return server_->connect(); }

    // A file in a per-test scratch directory (kept until the fixture ends).
    [[nodiscard]] std::filesystem::path scratch_file(std::string_view name) const;
    // Saves `image` where a developer can look at it after a failure, and
    // returns a sentence naming the place for the failure message.
    std::string keep_image(const Image &image, std::string_view label) const;

private:
    std::unique_ptr<SluiceServer> server_;
    std::unique_ptr<TempDir> scratch_;
};

// For tests that drive the seat with VirtualKeyboard and VirtualPointer
// (tests/lib/input.hpp): sluice offers them only with
// --allow-input-injection.
class InjectedInputTest : public SluiceTest {
protected:
    [[nodiscard]] ServerOptions server_options() const override {
        ServerOptions options;
        options.input_injection = true;
        return options;
    }
};

// Stops `server` with SIGTERM and expects it to exit 0 within a minute (not
// crash, not hang); prints its log when the running test has failed. The
// end of every fixture that owns a sluice.
void stop_and_check(SluiceServer &server);

// The position sluice gives a new toplevel of `w`x`h` on an output of
// `out_w`x`out_h` when nothing sits there yet.
inline Rect centered(int32_t out_w, int32_t out_h, int32_t w, int32_t h) {
    return {(out_w - w) / 2, (out_h - h) / 2, w, h};
}

} // namespace sluice::test
