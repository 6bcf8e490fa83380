#include "session_fixture.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "fixture.hpp"

namespace sluice::test {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char *seatd_binary = "/usr/sbin/seatd";
constexpr const char *seatd_socket = "/run/seatd.sock";

// Waits for a line on `fd` (seatd's -n readiness fd); false on EOF or timeout.
bool wait_readable_line(int fd, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            return false;
        pollfd pfd = {.fd = fd, .events = POLLIN, .revents = 0};
        const int n = poll(&pfd, 1, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        char chunk[64];
        const ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        return r > 0 && std::memchr(chunk, '\n', static_cast<size_t>(r)) != nullptr;
    }
}

} // namespace

Seatd::Seatd(ChildProcess process, std::filesystem::path log_path)
    : process_(std::move(process)), log_path_(std::move(log_path)) {}

Seatd &Seatd::instance() {
    // One seat daemon for the whole test program, as on a real machine:
    // sessions come and go, the seat stays. It lives until the program
    // exits (static destruction stops it).
    static std::unique_ptr<Seatd> seatd;
    if (seatd && seatd->running())
        return *seatd;
    seatd.reset();

    // The log outlives any one test; /tmp is the guest's own tmpfs.
    const std::filesystem::path log_path =
        std::filesystem::temp_directory_path() / ("seatd-" + std::to_string(getpid()) + ".log");
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0)
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    UniqueFd ready_read(ready[0]), ready_write(ready[1]);

    ProcessSpec spec;
    spec.argv = {seatd_binary, "-l", "debug", "-n", std::to_string(ready_write.get())};
    spec.stdout_path = log_path;
    spec.stderr_path = log_path;
    spec.keep_fds = {ready_write.get()};
    ChildProcess process(spec);
    ready_write.reset();
    if (!wait_readable_line(ready_read.get(), std::chrono::milliseconds{20000})) {
        const int status = process.stop(SIGTERM, std::chrono::milliseconds{3000});
        throw std::runtime_error("seatd did not report ready (" + describe_status(status) + ")\n---- seatd log ----\n" +
                                 read_text_file(log_path) + "---- end of seatd log ----");
    }
    seatd.reset(new Seatd(std::move(process), log_path));
    return *seatd;
}

Seatd::~Seatd() {
    // SIGTERM: seatd gives the VT back to text mode on the way out.
    process_.stop(SIGTERM, std::chrono::milliseconds{5000});
}

void SessionTest::SetUp() {
    if (std::getenv("SLUICE_IN_VM") == nullptr)
        GTEST_SKIP() << "not in the test VM (SLUICE_IN_VM is unset): run through tests/vm/run-in-vm";
    if (access(vkms_card, R_OK | W_OK) != 0)
        GTEST_SKIP() << vkms_card << " (vkms) is missing: " << std::strerror(errno);
    std::string why;
    if (!uinput_available(&why))
        GTEST_SKIP() << why;
    if (access(seatd_binary, X_OK) != 0)
        GTEST_SKIP() << seatd_binary << " is not installed (Debian package seatd)";
    try {
        Seatd::instance();
    } catch (const std::exception &e) {
        FAIL() << e.what();
    }
}

void SessionTest::start(const SessionOptions &options) {
    ASSERT_EQ(server_, nullptr) << "start() twice in one test";
    options_ = options;
    try {
        if (options.keyboard)
            keyboard_ = std::make_unique<UinputKeyboard>();
        if (options.pointer)
            pointer_ = std::make_unique<UinputPointer>(vkms_width, vkms_height);
    } catch (const std::exception &e) {
        FAIL() << "cannot make the uinput devices: " << e.what();
    }

    ServerOptions server;
    server.backend = "drm";
    server.renderer = options.renderer;
    server.mode.clear(); // the connector's preferred mode
    // For digging into a failure: SLUICE_SESSION_LOG_LEVEL=debug (run-in-vm
    // passes SLUICE_* into the guest) makes the log printed on failure tell
    // what libinput, the DRM backend and the seat did.
    if (const char *level = std::getenv("SLUICE_SESSION_LOG_LEVEL"); level != nullptr && *level != '\0')
        server.extra_args = {"--log-level", level};
    server.extra_args.insert(server.extra_args.end(), options.extra_args.begin(), options.extra_args.end());
    server.ready_timeout = options.ready_timeout;
    server.env = {
        {"WLR_DRM_DEVICES", options.card},
        {"LIBSEAT_BACKEND", "seatd"},
        {"SEATD_SOCK", seatd_socket},
        // Keys typed in the tests are US evdev codes.
        {"XKB_DEFAULT_LAYOUT", "us"},
    };
    if (options.renderer == "gles2" && options.card == vkms_card) {
        // vkms has no Mesa driver: kms_swrast (llvmpipe) is what there is.
        server.env["WLR_RENDERER_ALLOW_SOFTWARE"] = "1";
    }
    for (const auto &[key, value] : options.env)
        server.env[key] = value;
    try {
        server_ = std::make_unique<SluiceServer>(server);
    } catch (const std::exception &e) {
        FAIL() << "cannot start sluice on " << options.card << ": " << e.what();
    }
}

void SessionTest::stop() {
    if (!server_)
        return;
    stop_and_check(*server_);
    if (HasFailure()) {
        try {
            std::cout << "---- seatd log (" << Seatd::instance().log_path().string() << ") ----\n"
                      << Seatd::instance().log() << "---- end of seatd log ----" << std::endl;
        } catch (const std::exception &) {}
    }
    server_.reset();
}

void SessionTest::TearDown() {
    stop();
    pointer_.reset();
    keyboard_.reset();
}

std::unique_ptr<Client> SessionTest::connect_client() {
    return std::make_unique<Client>(server_->socket_path().string(), session_timeout);
}

OutputInfo SessionTest::output_info() {
    auto client = connect_client();
    const Output &output = client->output(0);
    return {output.name, output.width, output.height, output.refresh_mhz};
}

bool SessionTest::log_has(const std::string &text) const {
    return server_ && server_->log().find(text) != std::string::npos;
}

bool SessionTest::wait_for_log(const std::string &text, std::chrono::milliseconds timeout) const {
    return wait_for_log_count(text, 1, timeout);
}

bool SessionTest::wait_for_log_count(const std::string &text, size_t count, std::chrono::milliseconds timeout) const {
    auto occurrences = [&] {
        if (!server_)
            return size_t{0};
        const std::string log = server_->log();
        size_t n = 0;
        for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + text.size()))
            ++n;
        return n;
    };
    const auto deadline = Clock::now() + timeout;
    while (occurrences() < count) {
        if (Clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
    return true;
}

} // namespace sluice::test
