// A bystander client that animates continuously on a thread of its own, as
// an independent process would: a new shm frame on every frame callback,
// each with presentation feedback, recorded so a test can tell whether it
// kept getting frames while another client's commit sat at the gate. It has
// its own connection, so nothing the test's main thread does (captures,
// waits on another client) can starve it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace sluice::test {

struct AnimatorFrame {
    uint64_t commit = 0;       // index of the commit the feedback was for
    bool presented = false;    // false: discarded
    uint64_t seq = 0;          // presentation sequence (presented only)
    uint64_t presented_ns = 0; // the compositor's timestamp (its presentation clock)
    uint32_t refresh_ns = 0;
    uint64_t received_ns = 0; // CLOCK_MONOTONIC when the animator got the event
};

class Animator {
public:
    struct Options {
        int32_t width = 48;
        int32_t height = 48;
        // How long start() waits for the first presented frame.
        std::chrono::milliseconds start_timeout{20000};
    };

    // Connects to `socket` (an absolute path), maps a toplevel and waits
    // until its first frame is presented. Throws std::runtime_error with the
    // reason when that does not happen.
    explicit Animator(std::filesystem::path socket) : Animator(std::move(socket), Options{}) {}
    Animator(std::filesystem::path socket, Options options);
    // Stops and joins the thread; the connection closes with it.
    ~Animator();
    Animator(const Animator &) = delete;
    Animator &operator=(const Animator &) = delete;

    // Resolved feedback so far, in commit order.
    [[nodiscard]] std::vector<AnimatorFrame> frames() const;
    [[nodiscard]] uint64_t frame_callbacks() const { return callbacks_.load(); }
    [[nodiscard]] uint64_t latest_seq() const;
    // Waits until feedback presented at a sequence above `seq` arrives and
    // returns that sequence; nullopt on timeout or when the animator failed.
    std::optional<uint64_t> wait_for_seq_above(uint64_t seq, std::chrono::milliseconds timeout) const;
    // Empty while healthy; otherwise why the animator stopped.
    [[nodiscard]] std::string failure() const;
    // The frame colour of commit `n` (ARGB8888), all distinct from the
    // colours gate tests use for their own windows.
    [[nodiscard]] static uint32_t colour(uint64_t n) { return 0xff101000u | (0x80u + static_cast<uint32_t>(n & 0x3f)); }

private:
    void run(const std::filesystem::path &socket);
    void fail(std::string why);

    Options options_;
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> callbacks_{0};
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    // Guarded by mutex_.
    std::vector<AnimatorFrame> frames_;
    uint64_t latest_seq_ = 0;
    std::string failure_;
    bool started_ = false;
    std::thread thread_;
};

// CLOCK_MONOTONIC in nanoseconds, the clock sluice's wp_presentation uses.
uint64_t monotonic_ns();

} // namespace sluice::test
