// Fences against KMS: wlroots 0.15's DRM backend takes no IN_FENCE_FD, so
// sluice's gate must keep a buffer whose acquire fence is pending off every
// plane. A fullscreen client on the primary plane commits a buffer with an
// unsignaled sw_sync acquire fence (linux-explicit-synchronization-v1):
// while it is held, KMS never scans it out (every plane read back again
// and again), the output keeps flipping for another client, and the old
// buffer stays on the plane; after the signal the new buffer reaches the
// plane, and the old one is released only once it has left the plane.
#include <thread>

#include "animator.hpp"
#include "fenced_window.hpp"
#include "kms_fixture.hpp"
#include "tests/vm/base_set_up.hpp"

namespace sluice::test {
namespace {

class FencesAndKms : public KmsSessionTest {
protected:
    void SetUp() override {
        SLUICE_VM_BASE_SET_UP(KmsSessionTest);
        if (!SwSyncTimeline::available())
            GTEST_SKIP() << sw_sync_path << " is missing";
        ASSERT_NO_FATAL_FAILURE(start({.renderer = "pixman"}));
    }
};

TEST_F(FencesAndKms, PendingBufferNeverReachesAPlane) {
    auto client = connect_client();
    ASSERT_TRUE(LinuxDmabuf::offered(*client)) << "sluice offers no linux-dmabuf with pixman on vkms";
    // Buffers are dumb buffers on vkms (the factory's "vgem" source makes
    // dumb buffers on whatever card it is given).
    SyncFileWindow window(*client, DmaBufSource::vgem, vkms_alloc());
    auto small = window.buffers().make(64, 64, kms_blue);
    ASSERT_TRUE(window.map(*small, session_timeout)) << client->describe_error();
    xdg_toplevel_set_fullscreen(window.toplevel().toplevel(), nullptr);
    client->flush();
    ASSERT_TRUE(
        client->dispatch_until([&] { return window.toplevel().configured_width() == vkms_width; }, session_timeout));

    // The first buffer, ready, goes on the primary plane.
    auto first = window.buffers().make(vkms_width, vkms_height, kms_red);
    FencedCommit shown = window.commit(*first, true);
    ASSERT_TRUE(client->dispatch_until([&] { return shown.feedback->resolved(); }, session_timeout));
    EXPECT_TRUE(zero_copy(*shown.feedback)) << describe(*shown.feedback);
    Snapshot snapshot;
    ASSERT_TRUE(wait_kms(
        *client, [&](const Snapshot &s) { return primary_shows(s, first->dmabuf()); }, &snapshot))
        << describe_primary(snapshot);

    // The second waits for its fence.
    auto second = window.buffers().make(vkms_width, vkms_height, kms_green);
    FencedCommit held = window.commit(*second, false);
    ASSERT_TRUE(client->roundtrip(session_timeout));

    // Meanwhile another client animates on top: the output flips for it
    // (its frames are presented one after the other), composited.
    auto animator = std::make_unique<Animator>(server().socket_path());
    const uint64_t start_seq = animator->latest_seq();
    size_t looks = 0, reads = 0;
    const auto hold_until = std::chrono::steady_clock::now() + std::chrono::seconds{3};
    while (std::chrono::steady_clock::now() < hold_until) {
        const Snapshot now = kms().snapshot();
        ++looks;
        ASSERT_EQ(plane_with(now, second->dmabuf()), 0u)
            << "the buffer whose fence is pending is on a plane: " << now.describe();
        // Now and then, the pixels too: the composited frame must not
        // show the held buffer either.
        if (looks % 10 == 1) {
            const kms::Plane *primary = now.first(PlaneType::primary);
            try {
                const Image frame = kms().read(primary->fb_id);
                ++reads;
                EXPECT_EQ(frame.count(frame.bounds(), opaque_of(kms_green)), 0u)
                    << "the held buffer's pixels are on screen";
            } catch (const std::exception &) {
                // Replaced between the snapshot and the read: look again.
            }
        }
        client->dispatch_once(std::chrono::milliseconds{10});
    }
    EXPECT_FALSE(held.released()) << "released before it was ever used";
    EXPECT_FALSE(shown.released()) << "the buffer on screen was released while its successor is held: "
                                   << shown.release->describe();
    EXPECT_EQ(held.feedback->state(), PresentationFeedback::State::pending) << describe(*held.feedback);
    const uint64_t end_seq = animator->latest_seq();
    EXPECT_TRUE(animator->failure().empty()) << animator->failure();
    EXPECT_GE(end_seq, start_seq + 10) << "the output stopped flipping for the animating client while a buffer "
                                          "was held (presented seq "
                                       << start_seq << " -> " << end_seq << ")";
    std::cout << "held 3 s: " << looks << " plane read-backs, " << reads << " frame reads, animator seq " << start_seq
              << " -> " << end_seq << std::endl;

    // The animator goes: the fullscreen window is alone and its current
    // buffer (the first) goes back onto the plane; the second still waits.
    animator.reset();
    ASSERT_TRUE(wait_kms(
        *client, [&](const Snapshot &s) { return primary_shows(s, first->dmabuf()); }, &snapshot))
        << describe_primary(snapshot);
    for (int i = 0; i < 20; ++i) {
        const Snapshot now = kms().snapshot();
        ASSERT_EQ(plane_with(now, second->dmabuf()), 0u) << now.describe();
        client->dispatch_once(std::chrono::milliseconds{20});
    }

    // Signal: the second buffer reaches the plane, as it is.
    held.signal();
    ASSERT_TRUE(wait_kms(
        *client, [&](const Snapshot &s) { return primary_shows(s, second->dmabuf()); }, &snapshot))
        << "the signaled buffer never reached the plane: " << describe_primary(snapshot);
    ASSERT_TRUE(client->dispatch_until([&] { return held.feedback->resolved(); }, session_timeout));
    EXPECT_TRUE(zero_copy(*held.feedback)) << describe(*held.feedback);

    // The first buffer is released, and when the client learns it, it is
    // no longer on any plane.
    bool released = false;
    ASSERT_TRUE(client->dispatch_until(
        [&] {
            if (!shown.released())
                return false;
            const Snapshot now = kms().snapshot();
            released = plane_with(now, first->dmabuf()) == 0;
            EXPECT_TRUE(released) << "released while still on a plane: " << now.describe();
            return true;
        },
        session_timeout))
        << "the replaced buffer was never released: " << shown.release->describe();
    EXPECT_TRUE(released);
}

} // namespace
} // namespace sluice::test
