// The gate, seen from clients: a commit whose acquire fence is pending is
// not shown and gets no frame callback or presentation feedback, while
// another client keeps getting every output frame; once the fence signals it
// is shown within two output frames. Releases come only once sluice has
// stopped reading a buffer, and always come: after replacement, after the
// surface is destroyed, after a queued commit replaced a held one.
//
// Each test runs for every way of synchronizing (syncobj points, a
// sync_file, an implicit fence in the dma-buf) and for vgem buffers and
// udmabufs. Output frames are counted by presentation sequence numbers of
// the animating bystander, never by the wall clock.
#include <iostream>

#include "gate_fixture.hpp"
#include "screencopy.hpp"
#include "tests/vm/base_set_up.hpp"

namespace sluice::test {
namespace {

// How many output frames a held commit is watched for.
constexpr uint64_t hold_frames = 10;

class GateFences : public GateCaseTest {
protected:
    void SetUp() override {
        SLUICE_VM_BASE_SET_UP(GateCaseTest);
        GATE_REQUIRE_DMABUF();
        animator_ = start_animator();
        observer_ = connect_client();
        client_ = connect_client();
        window_ = make_window(*client_);
    }

    void TearDown() override {
        window_.reset();
        client_.reset();
        observer_.reset();
        animator_.reset();
        GateCaseTest::TearDown();
    }

    // Waits until the animator has been presented `frames` more times.
    // Returns the sequence reached.
    uint64_t wait_frames(uint64_t frames) {
        const uint64_t from = animator_->latest_seq();
        auto reached = animator_->wait_for_seq_above(from + frames - 1, gate_timeout);
        EXPECT_TRUE(reached.has_value()) << "the animating client got no " << frames
                                         << " more output frames: " << animator_->failure();
        return reached.value_or(from);
    }

    // The sequence of an output frame that has just been presented: the
    // next one the animator sees. Signaling right after it keeps the
    // "sequence at signal time" current.
    uint64_t fresh_seq() {
        auto seq = animator_->wait_for_seq_above(animator_->latest_seq(), gate_timeout);
        EXPECT_TRUE(seq.has_value()) << animator_->failure();
        return seq.value_or(0);
    }

    // Maps the window with `buffer` (ready) and waits until it shows.
    FencedCommit map_shown(DmaBufBuffer &buffer, uint32_t xrgb) {
        EXPECT_TRUE(window_->toplevel().wait_for_configure(1, gate_timeout)) << client_->describe_error();
        FencedCommit commit = window_->commit(buffer, true);
        std::string why;
        EXPECT_TRUE(wait_shown(*observer_, xrgb, &why)) << "the first buffer never showed: " << why;
        return commit;
    }

    // Where most cases start: a red buffer `a`, shown through map_shown
    // (`first`), and a green `b` for the next commit. Meant to be unpacked,
    // `auto [a, b, first] = ...`, and followed by ASSERT_FALSE(HasFailure()).
    struct RedShown {
        std::unique_ptr<DmaBufBuffer> a;
        std::unique_ptr<DmaBufBuffer> b;
        FencedCommit first;
    };
    RedShown red_shown_green_ready() {
        auto a = window_->buffers().make(gate_win_w, gate_win_h, red);
        auto b = window_->buffers().make(gate_win_w, gate_win_h, green);
        FencedCommit first = map_shown(*a, red);
        return {std::move(a), std::move(b), std::move(first)};
    }

    std::unique_ptr<Animator> animator_;
    std::unique_ptr<Client> observer_;
    std::unique_ptr<Client> client_;
    std::unique_ptr<FencedWindow> window_;
};

TEST_P(GateFences, HeldCommitIsNotShownUntilSignaled) {
    auto [a, b, first] = red_shown_green_ready();
    ASSERT_FALSE(HasFailure());

    FencedCommit held = window_->commit(*b, false);
    ASSERT_TRUE(client_->roundtrip(gate_timeout)) << client_->describe_error();
    const uint64_t hold_from = animator_->latest_seq();
    const uint64_t hold_to = wait_frames(hold_frames);
    ASSERT_FALSE(HasFailure());

    // The animator kept getting frames (wait_frames), none of its commits
    // was dropped, and the held commit got none. Vblanks the loaded guest
    // made sluice miss are printed, not judged (animator_gaps()).
    EXPECT_EQ(animator_discarded(animator_->frames(), hold_from, hold_to), 0u)
        << "the animating client's frames were discarded while another client's commit was held";
    if (const std::string gaps = animator_gaps(animator_->frames(), hold_from, hold_to); !gaps.empty())
        std::cout << "[measure] " << GetParam() << " while held: " << gaps << "\n";
    ASSERT_TRUE(client_->roundtrip(gate_timeout));
    EXPECT_FALSE(held.frame->done()) << "the frame callback of a held commit fired while its fence was pending";
    EXPECT_FALSE(held.feedback->resolved()) << "presentation feedback for a held commit came while its fence was "
                                               "pending";

    const Image during = capture_output(*observer_, observer_->output(0).proxy.get(), gate_timeout);
    EXPECT_EQ(during.count(during.bounds(), opaque(green)), 0u) << "the held buffer was shown before its fence "
                                                                   "signaled";
    EXPECT_GE(during.count(during.bounds(), opaque(red)), static_cast<size_t>(gate_win_w * gate_win_h / 2))
        << "the previous content is gone while the new commit is held";
    // The capture made an output frame of its own; the held commit must
    // still not have had it.
    ASSERT_TRUE(client_->roundtrip(gate_timeout));
    EXPECT_FALSE(held.frame->done());
    EXPECT_FALSE(held.feedback->resolved());

    const uint64_t signal_seq = fresh_seq();
    held.signal();
    ASSERT_TRUE(wait_for(*client_, [&] { return held.feedback->resolved() && held.frame->done(); }))
        << "after the signal: frame callback " << (held.frame->done() ? "came" : "missing") << ", feedback "
        << (held.feedback->resolved() ? "came" : "missing") << "; " << client_->describe_error();
    ASSERT_TRUE(held.presented()) << "the commit was discarded, not presented";
    const uint64_t shown_seq = held.feedback->presented().seq;
    EXPECT_GT(shown_seq, signal_seq) << "presented before its fence signaled";
    // Shown by the first or second output frame sluice drew after the
    // signal (one may have been under way already); vblanks a loaded guest
    // made it miss do not count.
    ASSERT_TRUE(animator_->wait_for_seq_above(shown_seq - 1, gate_timeout).has_value()) << animator_->failure();
    const size_t waited = animator_frames_between(animator_->frames(), signal_seq, shown_seq);
    EXPECT_LE(waited, 1u) << "signaled at output frame " << signal_seq << ", first shown at " << shown_seq << ", "
                          << waited << " output frames drawn in between";
    std::string why;
    EXPECT_TRUE(wait_shown(*observer_, green, &why)) << why;
    std::cout << "[measure] " << GetParam() << ": signaled at seq " << signal_seq << ", presented at seq " << shown_seq
              << " (+" << shown_seq - signal_seq << " frames)\n";
}

TEST_P(GateFences, ReleaseComesOnlyAfterTheBufferIsReplaced) {
    auto [a, b, first] = red_shown_green_ready();
    ASSERT_FALSE(HasFailure());
    wait_frames(3);
    ASSERT_TRUE(client_->roundtrip(gate_timeout));
    EXPECT_FALSE(first.released()) << "released while still on screen: " << first.release->describe();

    FencedCommit held = window_->commit(*b, false);
    ASSERT_TRUE(client_->roundtrip(gate_timeout));
    wait_frames(hold_frames);
    ASSERT_TRUE(client_->roundtrip(gate_timeout));
    EXPECT_FALSE(first.released()) << "the shown buffer was released while its replacement was held: "
                                   << first.release->describe();
    EXPECT_FALSE(held.released()) << "a held buffer was released before it was ever shown or replaced: "
                                  << held.release->describe();

    held.signal();
    ASSERT_TRUE(wait_for(*client_, [&] { return held.presented(); })) << client_->describe_error();
    EXPECT_TRUE(wait_for(*client_, [&] { return first.released(); }))
        << "the replaced buffer was never released: " << first.release->describe();
    wait_frames(3);
    ASSERT_TRUE(client_->roundtrip(gate_timeout));
    EXPECT_FALSE(held.released()) << "the buffer on screen was released: " << held.release->describe();
}

TEST_P(GateFences, ReleaseWhenTheSurfaceIsDestroyedWhileHeld) {
    auto [a, b, first] = red_shown_green_ready();
    ASSERT_FALSE(HasFailure());
    FencedCommit held = window_->commit(*b, false);
    ASSERT_TRUE(client_->roundtrip(gate_timeout));
    wait_frames(3);

    window_->destroy_surface();
    ASSERT_TRUE(client_->roundtrip(gate_timeout)) << client_->describe_error();
    EXPECT_TRUE(wait_for(*client_, [&] { return first.released() && held.released(); }))
        << "after the surface was destroyed: shown buffer " << first.release->describe() << "; held buffer "
        << held.release->describe();
    ASSERT_TRUE(client_->roundtrip(gate_timeout));
    EXPECT_TRUE(held.feedback->resolved() && !held.presented())
        << "the held commit's feedback must be discarded with its surface";

    // Signaling now reaches a wait that no longer exists.
    held.signal();
    wait_frames(3);
    const Image after = capture_output(*observer_, observer_->output(0).proxy.get(), gate_timeout);
    EXPECT_EQ(after.count(after.bounds(), opaque(red)), 0u) << "the destroyed window is still shown";
    EXPECT_EQ(after.count(after.bounds(), opaque(green)), 0u) << "the held buffer of a destroyed surface was shown";
    EXPECT_EQ(client_->error(), 0) << client_->describe_error();
}

TEST_P(GateFences, ReleaseWhenAQueuedCommitReplacesAHeldOne) {
    auto a = window_->buffers().make(gate_win_w, gate_win_h, red);
    auto b = window_->buffers().make(gate_win_w, gate_win_h, green);
    auto c = window_->buffers().make(gate_win_w, gate_win_h, yellow);
    FencedCommit first = map_shown(*a, red);
    ASSERT_FALSE(HasFailure());

    FencedCommit held = window_->commit(*b, false);
    // Ready, but behind the held one: commits apply in order.
    FencedCommit queued = window_->commit(*c, true);
    ASSERT_TRUE(client_->roundtrip(gate_timeout));
    wait_frames(hold_frames);
    ASSERT_TRUE(client_->roundtrip(gate_timeout));
    EXPECT_FALSE(queued.frame->done()) << "a commit queued behind a held one was applied";
    EXPECT_FALSE(queued.feedback->resolved());
    const Image during = capture_output(*observer_, observer_->output(0).proxy.get(), gate_timeout);
    EXPECT_EQ(during.count(during.bounds(), opaque(yellow)), 0u) << "a commit queued behind a held one was shown";
    EXPECT_EQ(during.count(during.bounds(), opaque(green)), 0u);
    EXPECT_GT(during.count(during.bounds(), opaque(red)), 0u);
    ASSERT_TRUE(client_->roundtrip(gate_timeout));
    EXPECT_FALSE(first.released()) << first.release->describe();
    EXPECT_FALSE(held.released()) << held.release->describe();
    EXPECT_FALSE(queued.released()) << queued.release->describe();

    held.signal();
    ASSERT_TRUE(wait_for(*client_, [&] { return queued.presented(); })) << client_->describe_error();
    std::string why;
    EXPECT_TRUE(wait_shown(*observer_, yellow, &why)) << why;
    EXPECT_TRUE(wait_for(*client_, [&] { return first.released() && held.released(); }))
        << "first buffer " << first.release->describe() << "; replaced held buffer " << held.release->describe();
    // The held commit was applied and replaced before any output frame:
    // its feedback says so, and its frame callback still fires.
    EXPECT_TRUE(wait_for(*client_, [&] { return held.feedback->resolved() && held.frame->done(); }));
    EXPECT_EQ(held.feedback->state(), PresentationFeedback::State::discarded)
        << "a commit replaced before any output frame showed it cannot have been presented";
    EXPECT_FALSE(queued.released()) << "the buffer on screen was released: " << queued.release->describe();
}

// The surface's own later commits line up behind a held one; another
// surface of the same client does not.
TEST_P(GateFences, HoldIsPerSurface) {
    auto [a, b, first] = red_shown_green_ready();
    ASSERT_FALSE(HasFailure());
    FencedCommit held = window_->commit(*b, false);
    ASSERT_TRUE(client_->roundtrip(gate_timeout));

    auto other = make_window(*client_);
    auto m = other->buffers().make(gate_win_w, gate_win_h, magenta);
    ASSERT_TRUE(other->toplevel().wait_for_configure(1, gate_timeout));
    FencedCommit other_commit = other->commit(*m, true);
    ASSERT_TRUE(wait_for(*client_, [&] { return other_commit.presented(); }))
        << "a second surface of the same client was held back by the first one's fence";
    std::string why;
    EXPECT_TRUE(wait_shown(*observer_, magenta, &why)) << why;
    ASSERT_TRUE(client_->roundtrip(gate_timeout));
    EXPECT_FALSE(held.feedback->resolved());
    held.signal();
    EXPECT_TRUE(wait_for(*client_, [&] { return held.presented(); }));
}

// The commit that maps the window is held like any other: nothing shows
// until its fence signals, and the window then lives on normally.
TEST_P(GateFences, HeldFirstCommitMapsOnceSignaled) {
    auto a = window_->buffers().make(gate_win_w, gate_win_h, red);
    auto b = window_->buffers().make(gate_win_w, gate_win_h, green);
    ASSERT_TRUE(window_->toplevel().wait_for_configure(1, gate_timeout)) << client_->describe_error();
    FencedCommit first = window_->commit(*a, false);
    ASSERT_TRUE(client_->roundtrip(gate_timeout));
    wait_frames(hold_frames);
    EXPECT_EQ(visible(*observer_, red), 0u) << "a window whose first buffer is held was shown";
    ASSERT_TRUE(client_->roundtrip(gate_timeout));
    EXPECT_FALSE(first.feedback->resolved());

    first.signal();
    ASSERT_TRUE(wait_for(*client_, [&] { return first.presented(); })) << client_->describe_error();
    std::string why;
    EXPECT_TRUE(wait_shown(*observer_, red, &why)) << why;

    FencedCommit second = window_->commit(*b, true);
    ASSERT_TRUE(wait_for(*client_, [&] { return second.presented(); }))
        << "the commit after a held first one was never presented; " << client_->describe_error();
    EXPECT_TRUE(wait_shown(*observer_, green, &why)) << why << " (red: " << visible(*observer_, red) << ")";
    EXPECT_TRUE(wait_for(*client_, [&] { return first.released(); })) << first.release->describe();
}

// wl_surface.attach allows destroying a wl_buffer before its release as
// long as the storage is left alone: the held content must still show when
// its fence signals, and (for the explicit protocols, which do not go
// through the wl_buffer) its release still comes once it is replaced.
TEST_P(GateFences, WlBufferDestroyedWhileHeld) {
    auto a = window_->buffers().make(gate_win_w, gate_win_h, red);
    auto b = window_->buffers().make(gate_win_w, gate_win_h, green);
    auto c = window_->buffers().make(gate_win_w, gate_win_h, yellow);
    FencedCommit first = map_shown(*a, red);
    ASSERT_FALSE(HasFailure());
    FencedCommit held = window_->commit(*b, false);
    ASSERT_TRUE(client_->roundtrip(gate_timeout));
    b->destroy_wl_buffer();
    ASSERT_TRUE(client_->roundtrip(gate_timeout)) << client_->describe_error();
    wait_frames(3);

    held.signal();
    ASSERT_TRUE(wait_for(*client_, [&] { return held.presented(); })) << client_->describe_error();
    std::string why;
    EXPECT_TRUE(wait_shown(*observer_, green, &why)) << why;
    EXPECT_TRUE(wait_for(*client_, [&] { return first.released(); })) << first.release->describe();

    FencedCommit last = window_->commit(*c, true);
    ASSERT_TRUE(wait_for(*client_, [&] { return last.presented(); })) << client_->describe_error();
    if (GetParam().kind != SyncKind::implicit) {
        EXPECT_TRUE(wait_for(*client_, [&] { return held.released(); }))
            << "the buffer whose wl_buffer was destroyed was never released: " << held.release->describe();
    }
    EXPECT_EQ(client_->error(), 0) << client_->describe_error();
}

INSTANTIATE_TEST_SUITE_P(Gate, GateFences, ::testing::ValuesIn(all_gate_cases()), gate_case_name);

// A real producer attaches its fence to the acquire point before it
// commits (the point is "available" but pending) rather than after.
// sluice must wait for that fence, not just for the point to exist.
TEST_F(GateTest, SyncobjAvailablePointWaitsForItsFence) {
    GATE_REQUIRE_DMABUF();
    auto animator = start_animator();
    auto observer = connect_client();
    auto client = connect_client();
    SyncobjManager manager(*client);
    DmaBufFactory factory(*client, DmaBufSource::vgem, kit().vgem_card);
    auto a = factory.make(gate_win_w, gate_win_h, red);
    Toplevel window(*client);
    auto extension = manager.get_surface(window.surface());
    ASSERT_TRUE(window.wait_for_configure(1, gate_timeout));
    ImportedTimeline acquire(manager, *kit().syncobj);
    ImportedTimeline release(manager, *kit().syncobj);

    SwSyncFence gpu_work;
    ASSERT_TRUE(acquire.local->timeline().import_sync_file(1, gpu_work.fence()));
    ASSERT_EQ(acquire.local->state(1), sync::PointState::Available);

    attach_with_points(window.surface(), extension.get(), a->get(), acquire, 1, release, 1);
    PresentationFeedback feedback(client->presentation(), window.surface());
    wl_surface_commit(window.surface());
    ASSERT_TRUE(client->roundtrip(gate_timeout)) << client->describe_error();
    const uint64_t from = animator->latest_seq();
    ASSERT_TRUE(animator->wait_for_seq_above(from + 9, gate_timeout)) << animator->failure();
    ASSERT_TRUE(client->roundtrip(gate_timeout));
    EXPECT_FALSE(feedback.resolved()) << "presented while the fence on its acquire point was pending";
    EXPECT_EQ(visible(*observer, red), 0u);

    gpu_work.signal();
    EXPECT_TRUE(wait_for(*client, [&] { return feedback.resolved(); })) << client->describe_error();
    EXPECT_EQ(feedback.state(), PresentationFeedback::State::presented);
    std::string why;
    EXPECT_TRUE(wait_shown(*observer, red, &why)) << why;
}

} // namespace
} // namespace sluice::test
