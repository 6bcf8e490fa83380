// Stall isolation, measured: one client holds an unsignaled acquire fence
// for 2 s while another animates. The animating client must keep getting
// frames through the hold with none of its commits discarded; once
// signaled, the held commit is shown within a few output frames. A control
// stretch without the fence is measured beside each hold. The numbers
// (frames, vblanks without a new animator frame, worst intervals,
// signal-to-present time) are printed as "[measure]" lines; only behaviour
// is asserted, never a time. Zero missed frames while a fence is late is
// the bench's figure (bench/, the stall workload): on a loaded TCG guest
// sluice's own clock runs ahead of its loop, with or without a fence held
// (the control stretches show it), so a test cannot ask for it.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gate_fixture.hpp"

namespace sluice::test {
namespace {

constexpr std::chrono::milliseconds hold_time{2000};
// Under a loaded TCG guest 2 s may hold few frames; the stretch is made
// longer until it holds at least this many, so there is something to judge.
constexpr uint64_t min_frames = 20;

struct Stretch {
    uint64_t from_seq = 0; // exclusive
    uint64_t to_seq = 0;   // inclusive
    double seconds = 0;
    size_t frames = 0;            // animator frames presented in the stretch
    size_t discarded = 0;         // animator commits no output frame showed
    uint64_t worst_seq_gap = 0;   // largest step between consecutive presented sequences
    double worst_interval_ms = 0; // largest step between their presentation timestamps
    double refresh_ms = 0;
    std::string gaps; // animator_gaps()
};

std::string format(const Stretch &s) {
    char line[256];
    std::snprintf(line, sizeof(line),
                  "%zu frames in %.2f s (seq %llu..%llu), worst interval %.1f ms (%.2f refresh periods), "
                  "worst seq step %llu",
                  s.frames, s.seconds, static_cast<unsigned long long>(s.from_seq + 1),
                  static_cast<unsigned long long>(s.to_seq), s.worst_interval_ms,
                  s.refresh_ms > 0 ? s.worst_interval_ms / s.refresh_ms : 0.0,
                  static_cast<unsigned long long>(s.worst_seq_gap));
    return line;
}

// While something another client did is pending: the animator must still
// get min_frames frames after `from`. Fails saying that the output stopped
// while `pending`; prints what it measured, under `measured`.
void expect_frames_while_pending(Animator &animator, Client &observer, uint64_t from, const GateCase &gate_case,
                                 std::string_view pending, std::string_view measured) {
    const auto start = std::chrono::steady_clock::now();
    auto reached = animator.wait_for_seq_above(from + min_frames - 1, gate_timeout);
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(reached.has_value()) << "the output stopped while " << pending << ": the animating client got "
                                     << animator.latest_seq() - from << " frames in " << waited
                                     << " s; sluice's main thread: " << describe_main_thread(peer_pid(observer));
    std::cout << "[measure] " << gate_case << " " << measured << ": " << animator.latest_seq() - from
              << " animator frames in " << waited << " s while it was pending\n";
}

class GateStall : public GateCaseTest {
protected:
    // Lets the animator run for `hold_time` (and at least `min_frames`)
    // with the main thread idle, then sums up its frames.
    Stretch measure(Animator &animator) {
        Stretch s;
        s.from_seq = animator.latest_seq();
        const auto start = std::chrono::steady_clock::now();
        std::this_thread::sleep_for(hold_time);
        auto reached = animator.wait_for_seq_above(s.from_seq + min_frames - 1, gate_timeout);
        EXPECT_TRUE(reached.has_value()) << "the animating client got fewer than " << min_frames
                                         << " frames: " << animator.failure();
        s.to_seq = animator.latest_seq();
        s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const auto frames = animator.frames();
        s.gaps = animator_gaps(frames, s.from_seq, s.to_seq);
        s.discarded = animator_discarded(frames, s.from_seq, s.to_seq);
        const AnimatorFrame *previous = nullptr;
        for (const auto &frame : frames) {
            if (!frame.presented || frame.seq <= s.from_seq || frame.seq > s.to_seq)
                continue;
            ++s.frames;
            s.refresh_ms = frame.refresh_ns / 1e6;
            if (previous != nullptr) {
                s.worst_seq_gap = std::max(s.worst_seq_gap, frame.seq - previous->seq);
                s.worst_interval_ms = std::max(s.worst_interval_ms,
                                               static_cast<double>(frame.presented_ns - previous->presented_ns) / 1e6);
            }
            previous = &frame;
        }
        return s;
    }
};

// A signaled fence's commit is applied at the next frame after the
// waiter's wake-up, so it shows in the first or second frame sluice draws
// after the signal (vblanks a loaded guest made it miss do not count). A
// gate that noticed signals late (a poll timer, a wake-up on the next
// unrelated event) would be later than this in every round.
constexpr size_t max_frames_before_shown = 1;

// One round of the stall scenario: a control stretch with nothing held, a
// stretch while `buffer`'s commit is held on its fence, then the signal.
struct StallRound {
    Stretch control;
    Stretch hold;
    uint64_t signal_seq = 0;
    uint64_t shown_seq = 0;
    size_t frames_before_shown = 0; // output frames drawn between the signal and the one showing it
    double signal_to_present_ms = 0;

    // Whether the animator lost none of its frames while the fence was
    // held and the held commit came within a few output frames of its
    // signal. (That it got min_frames in the stretch, measure() asserts.)
    [[nodiscard]] bool on_time() const { return hold.discarded == 0 && frames_before_shown <= max_frames_before_shown; }
};

// The timing a round judges is that of a TCG guest on a host that may be
// busy with other work, so a round is repeated, up to this many times,
// until one is on time; each is printed.
constexpr int max_rounds = 3;

TEST_P(GateStall, AnimatorKeepsItsFramesWhileAnotherClientHoldsAFence) {
    GATE_REQUIRE_DMABUF();
    auto animator = start_animator();
    auto observer = connect_client();
    auto [client, window, a, b] = two_buffer_window();
    ASSERT_TRUE(window->map(*a, gate_timeout)) << client->describe_error();
    std::string why;
    ASSERT_TRUE(wait_shown(*observer, red, &why)) << why;

    std::vector<std::unique_ptr<DmaBufBuffer>> buffers;
    std::vector<StallRound> rounds;
    while (rounds.size() < static_cast<size_t>(max_rounds) && (rounds.empty() || !rounds.back().on_time())) {
        StallRound round;
        const int n = static_cast<int>(rounds.size()) + 1;
        // A new buffer each round, so none is reused before its release.
        buffers.push_back(window->buffers().make(gate_win_w, gate_win_h, n % 2 == 1 ? green : red));

        round.control = measure(*animator);
        FencedCommit held = window->commit(*buffers.back(), false);
        ASSERT_TRUE(client->roundtrip(gate_timeout)) << client->describe_error();
        round.hold = measure(*animator);
        ASSERT_TRUE(client->roundtrip(gate_timeout));
        // Whatever the timing, an unsignaled commit is never shown.
        ASSERT_FALSE(held.frame->done()) << "round " << n << ": frame callback before the fence signaled";
        ASSERT_FALSE(held.feedback->resolved()) << "round " << n << ": feedback before the fence signaled";

        // Signal right after an output frame, so the sequence at signal time
        // is the current one.
        auto signal_seq = animator->wait_for_seq_above(animator->latest_seq(), gate_timeout);
        ASSERT_TRUE(signal_seq.has_value()) << animator->failure();
        round.signal_seq = *signal_seq;
        const uint64_t signal_ns = monotonic_ns();
        held.signal();
        ASSERT_TRUE(wait_for(*client, [&] { return held.feedback->resolved(); })) << client->describe_error();
        ASSERT_TRUE(held.presented()) << "round " << n << ": discarded instead of presented";
        const Presented &shown = held.feedback->presented();
        ASSERT_GT(shown.seq, round.signal_seq) << "round " << n << ": presented before its fence signaled";
        round.shown_seq = shown.seq;
        ASSERT_TRUE(animator->wait_for_seq_above(shown.seq - 1, gate_timeout).has_value()) << animator->failure();
        round.frames_before_shown = animator_frames_between(animator->frames(), round.signal_seq, shown.seq);
        round.signal_to_present_ms = (static_cast<double>(shown.nanoseconds()) - static_cast<double>(signal_ns)) / 1e6;

        std::cout << "[measure] " << GetParam() << " round " << n << " control: " << format(round.control)
                  << (round.control.gaps.empty() ? "" : "; " + round.control.gaps) << "\n"
                  << "[measure] " << GetParam() << " round " << n << " hold:    " << format(round.hold)
                  << (round.hold.gaps.empty() ? "" : "; " + round.hold.gaps) << "\n"
                  << "[measure] " << GetParam() << " round " << n
                  << " signal -> presented: " << round.signal_to_present_ms << " ms, +"
                  << round.shown_seq - round.signal_seq << " vblanks, " << round.frames_before_shown
                  << " frames drawn in between\n";
        rounds.push_back(round);
    }

    const StallRound &last = rounds.back();
    EXPECT_TRUE(last.on_time()) << "in none of " << rounds.size() << " rounds did the animating client keep all "
                                << "its frames while another client's fence was pending and the held commit show "
                                << "after at most " << max_frames_before_shown
                                << " other output frame drawn after its signal. Last round: " << last.hold.discarded
                                << " animator commits discarded while held ("
                                << (last.hold.gaps.empty() ? "no vblank without a new frame" : last.hold.gaps)
                                << "); signaled at output frame " << last.signal_seq << ", shown at " << last.shown_seq
                                << " with " << last.frames_before_shown << " drawn in between";
    RecordProperty("rounds", static_cast<int>(rounds.size()));
    RecordProperty("control_frames", static_cast<int>(last.control.frames));
    RecordProperty("hold_frames", static_cast<int>(last.hold.frames));
    RecordProperty("control_worst_interval_us", static_cast<int>(last.control.worst_interval_ms * 1000));
    RecordProperty("hold_worst_interval_us", static_cast<int>(last.hold.worst_interval_ms * 1000));
    RecordProperty("signal_to_present_us", static_cast<int>(last.signal_to_present_ms * 1000));
}

// A client that starts writing into the buffer still on screen — an
// implicit write fence added to it with no commit, as a renderer reusing a
// buffer before its release would — may spoil its own window, but must not
// stop the output: sluice reads that buffer again whenever the region is
// repainted. A sw_sync fence is used because it never times out by itself
// (a vgem fence would signal on its own after 10 s and hide a stall).
TEST_P(GateStall, FenceAddedToTheBufferOnScreenStallsNoOne) {
    GATE_REQUIRE_DMABUF();
    auto animator = start_animator();
    auto observer = connect_client();
    auto client = connect_client();
    auto window = make_window(*client);
    auto a = window->buffers().make(gate_win_w, gate_win_h, red);
    ASSERT_TRUE(window->map(*a, gate_timeout)) << client->describe_error();
    std::string why;
    ASSERT_TRUE(wait_shown(*observer, red, &why)) << why;

    SwSyncFence writer;
    a->dmabuf().import_write_fence(writer.fence());
    expect_frames_while_pending(*animator, *observer, animator->latest_seq(), GetParam(),
                                "another client's buffer on screen had a pending write fence",
                                "fence on the shown buffer");
    writer.signal();
    EXPECT_TRUE(animator->wait_for_seq_above(animator->latest_seq() + 2, gate_timeout).has_value());
}

INSTANTIATE_TEST_SUITE_P(Gate, GateStall, ::testing::ValuesIn(vgem_gate_cases()), gate_case_name);

// The explicit protocols let sluice ignore a buffer's implicit fences
// (linux-drm-syncobj-v1: "the compositor may ignore implicit
// synchronization"). Ignoring them must not turn into blocking on them
// later: a buffer whose explicit acquire fence has signaled but which still
// carries a pending implicit write fence is shown (or not) without
// stopping the output for anyone else.
class GateExplicitIgnoresImplicit : public GateCaseTest {};

TEST_P(GateExplicitIgnoresImplicit, PendingImplicitFenceStallsNoOne) {
    GATE_REQUIRE_DMABUF();
    auto animator = start_animator();
    auto observer = connect_client();
    auto [client, window, a, b] = two_buffer_window();
    ASSERT_TRUE(window->map(*a, gate_timeout)) << client->describe_error();

    SwSyncFence implicit_writer;
    b->dmabuf().import_write_fence(implicit_writer.fence());
    const uint64_t from = animator->latest_seq();
    FencedCommit commit = window->commit(*b, true);
    expect_frames_while_pending(*animator, *observer, from, GetParam(),
                                "a buffer with a signaled explicit acquire fence but a pending implicit fence "
                                "was committed",
                                "pending implicit fence under explicit sync");
    implicit_writer.signal();
    EXPECT_TRUE(wait_for(*client, [&] { return commit.presented(); })) << client->describe_error();
}

INSTANTIATE_TEST_SUITE_P(Gate, GateExplicitIgnoresImplicit,
                         ::testing::Values(GateCase{SyncKind::syncobj, DmaBufSource::vgem},
                                           GateCase{SyncKind::sync_file, DmaBufSource::vgem}),
                         gate_case_name);

} // namespace
} // namespace sluice::test
