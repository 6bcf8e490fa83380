// The fixture of the session tests: sluice as a desktop session on real KMS
// in the VM guest. seatd runs once per test program (a VT-bound seat0);
// each test starts `sluice --backend drm` on vkms with the renderer it
// wants, uinput keyboard and pointer devices that reach sluice through
// libinput, and its own Wayland clients (tests/lib) on a private socket.
// Outside the guest (SLUICE_IN_VM unset) every test skips.
//
// Typical use:
//     TEST_F(SessionTest, Something) {
//         ASSERT_NO_FATAL_FAILURE(start({.renderer = "gles2"}));
//         auto client = connect_client();
//         ...
//     }
// TearDown stops sluice with SIGTERM and expects exit status 0 (under ASan
// too, with tests/lsan.supp); sluice's and seatd's logs are printed when the
// test failed.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "client.hpp"
#include "process.hpp"
#include "sluice_server.hpp"
#include "uinput_devices.hpp"

namespace sluice::test {

// Under TCG everything is slow, under ASan slower still; waits bound hangs,
// they do not measure anything.
inline constexpr std::chrono::milliseconds session_timeout{30000};

// vkms' connector in the guest: card0 is vgem, card1 is vkms.
inline constexpr const char *vkms_card = "/dev/dri/card1";
inline constexpr int32_t vkms_width = 1024;
inline constexpr int32_t vkms_height = 768;

struct SessionOptions {
    // The DRM device sluice drives (WLR_DRM_DEVICES).
    std::string card = vkms_card;
    // "pixman", "gles2" or "auto" (Mesa's kms_swrast on vkms: llvmpipe, so
    // WLR_RENDERER_ALLOW_SOFTWARE=1 is set for gles2 there).
    std::string renderer = "pixman";
    // More sluice arguments (--log-level debug, --control-socket, ...).
    std::vector<std::string> extra_args;
    // More environment for sluice: a value sets, nullopt unsets.
    std::map<std::string, std::optional<std::string>> env;
    // uinput devices made before sluice starts (there is no udevd in the
    // guest, so sluice only sees devices that exist when libinput starts;
    // with none, libinput refuses to start unless WLR_LIBINPUT_NO_DEVICES=1
    // is in env). The pointer's axes span the vkms mode.
    bool keyboard = true;
    bool pointer = true;
    std::chrono::milliseconds ready_timeout{120000};
};

// The output as a client sees it (wl_output v4 name, current mode).
struct OutputInfo {
    std::string name;
    int32_t width = 0;
    int32_t height = 0;
    int32_t refresh_mhz = 0;
};

// The seat daemon, started once per test program and stopped at its end.
class Seatd {
public:
    // Starts it (or finds it started); throws std::runtime_error with its
    // log when it does not come up.
    static Seatd &instance();
    ~Seatd();

    [[nodiscard]] std::string log() const { return read_text_file(log_path_); }
    [[nodiscard]] const std::filesystem::path &log_path() const { return log_path_; }
    [[nodiscard]] bool running() { return process_.running(); }

private:
    Seatd(ChildProcess process, std::filesystem::path log_path);

    ChildProcess process_;
    std::filesystem::path log_path_;
};

class SessionTest : public ::testing::Test {
protected:
    // Skips outside the guest and where vkms, uinput or seatd are missing.
    void SetUp() override;
    // Stops sluice (expects exit 0) and prints the logs on failure.
    void TearDown() override;

    // Makes the input devices, starts sluice on vkms and waits until it is
    // ready (socket open, outputs modeset). A fatal failure (with sluice's
    // log) when it does not come up: call through ASSERT_NO_FATAL_FAILURE.
    void start(const SessionOptions &options = {});
    // Stops sluice now and checks its exit (TearDown does it otherwise).
    void stop();
    [[nodiscard]] bool started() const { return server_ != nullptr; }

    // The running sluice: pid(), log(), log_path(), socket_path(), ...
    [[nodiscard]] SluiceServer &server() { return *server_; }
    [[nodiscard]] const SessionOptions &options() const { return options_; }
    [[nodiscard]] static std::filesystem::path drm_card() { return vkms_card; }

    // A new Wayland client of this sluice (globals bound, outputs known).
    [[nodiscard]] std::unique_ptr<Client> connect_client();
    // Output 0 as a client sees it.
    [[nodiscard]] OutputInfo output_info();

    // The devices of this test (valid after start() when enabled).
    [[nodiscard]] UinputKeyboard &keyboard() { return *keyboard_; }
    [[nodiscard]] UinputPointer &pointer() { return *pointer_; }

    // Whether sluice's log contains `text` now.
    [[nodiscard]] bool log_has(const std::string &text) const;
    // Waits until sluice's log contains `text`; false on timeout.
    bool wait_for_log(const std::string &text, std::chrono::milliseconds timeout = session_timeout) const;
    // Waits until sluice's log contains `text` at least `count` times.
    bool wait_for_log_count(const std::string &text, size_t count,
                            std::chrono::milliseconds timeout = session_timeout) const;

private:
    SessionOptions options_;
    std::unique_ptr<UinputKeyboard> keyboard_;
    std::unique_ptr<UinputPointer> pointer_;
    std::unique_ptr<SluiceServer> server_;
};

} // namespace sluice::test
