// The errors of linux-explicit-synchronization-unstable-v1 that a host can
// provoke: sluice offers zwp_linux_explicit_synchronization_v1 even with no
// DRM device, and every error below needs no kernel fence. The offender
// receives exactly the error the XML names (interface, object, code); a
// bystander on the same sluice keeps its frame callbacks and its pixels;
// and sluice closes whatever fds the offender handed it.
//
// Not here, because each needs a real sync_file (which only a kernel
// driver makes: sw_sync, a dma-buf, a DRM syncobj): duplicate_fence (the
// first fence must be accepted), unsupported_buffer (the XML names it for
// an acquire fence only, and an fd that is no fence is invalid_fence long
// before the commit) and no_buffer for a fence. tests/vm/gate/errors_test.cpp
// covers those against a real kernel.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bystander.hpp"
#include "process_probe.hpp"
#include "sluice_resources.hpp"
#include "sync_protocols.hpp"

namespace sluice::test {
namespace {

constexpr int32_t win_w = 160;
constexpr int32_t win_h = 120;
constexpr uint32_t offender_color = 0xffd04010;

constexpr std::string_view manager_interface = "zwp_linux_explicit_synchronization_v1";
constexpr std::string_view surface_interface = "zwp_linux_surface_synchronization_v1";

// fds that are anything but a sync_file.
enum class NotAFence { eventfd, memfd, pipe };

std::string name_of(NotAFence kind) {
    switch (kind) {
    case NotAFence::eventfd: return "eventfd";
    case NotAFence::memfd: return "memfd";
    case NotAFence::pipe: return "pipe";
    }
    return "?";
}

// The fd to send, and whatever must stay open beside it.
struct FakeFence {
    sync::UniqueFd fd;
    sync::UniqueFd other_end;
};

FakeFence make_fake_fence(NotAFence kind) {
    FakeFence fake;
    switch (kind) {
    case NotAFence::eventfd: fake.fd = sync::UniqueFd(::eventfd(0, EFD_CLOEXEC)); break;
    case NotAFence::memfd:
        fake.fd = sync::UniqueFd(::memfd_create("not-a-fence", MFD_CLOEXEC));
        if (fake.fd && ::ftruncate(fake.fd.get(), 4096) != 0)
            fake.fd.reset();
        break;
    case NotAFence::pipe: {
        int ends[2];
        if (::pipe2(ends, O_CLOEXEC) == 0) {
            fake.fd = sync::UniqueFd(ends[0]);
            fake.other_end = sync::UniqueFd(ends[1]);
        }
        break;
    }
    }
    return fake;
}

class ExplicitSyncErrors : public BystanderTest {
protected:
    void SetUp() override {
        BystanderTest::SetUp();
        if (HasFatalFailure())
            return;
        start_bystander(win_w, win_h);
        if (HasFatalFailure())
            return;
        ASSERT_TRUE(ExplicitSyncManager::offered(bystander()))
            << "sluice offers no zwp_linux_explicit_synchronization_v1";
        resources_.emplace(server().pid(), bystander());
        baseline_ = resources_->stable();
    }

    void TearDown() override {
        // The offender lived in the test body and is gone: so must be every
        // fd it made sluice take.
        if (has_bystander() && resources_) {
            const auto after = resources_->back_to(baseline_);
            EXPECT_FALSE(SluiceResources::has_extra(baseline_, after))
                << "sluice kept fds after the offending client left: " << describe_fd_change(baseline_.fds, after.fds);
        }
        BystanderTest::TearDown();
    }

    // The offender got exactly this error on this object; the bystander is
    // unharmed.
    void expect_error(Client &offender, void *object, std::string_view interface, uint32_t code) {
        expect_error_alone(offender, ProtocolError{std::string(interface), id_of(object), code});
    }

    // For the requests that must not be errors. The client's window may
    // cover the bystander's, so only the bystander's frames are checked.
    void expect_healthy(Client &client) {
        EXPECT_TRUE(client.roundtrip()) << client.describe_error();
        EXPECT_EQ(client.error(), 0) << client.describe_error();
        expect_bystander_unharmed(false);
    }

    // Gives a fresh surface a synchronization in `sync`, then destroys the
    // surface alone, which is no error: the synchronization outlives it.
    static void outlive_the_surface(Client &c, const ExplicitSyncManager &manager,
                                    Proxy<zwp_linux_surface_synchronization_v1> &sync) {
        auto window = std::make_unique<Toplevel>(c);
        sync = manager.get_synchronization(window->surface());
        ASSERT_TRUE(c.roundtrip()) << c.describe_error();
        window.reset(); // the wl_surface goes; its synchronization stays
        ASSERT_TRUE(c.roundtrip()) << "destroying the surface alone must not be an error: " << c.describe_error();
    }

    // A toplevel whose first configure was acked, so that it may take a
    // buffer.
    static std::unique_ptr<Toplevel> configured_toplevel(Client &c) {
        auto window = std::make_unique<Toplevel>(c);
        EXPECT_TRUE(window->wait_for_configure()) << c.describe_error();
        return window;
    }

    std::optional<SluiceResources> resources_;
    ResourceSnapshot baseline_;
};

// --- zwp_linux_explicit_synchronization_v1 -----------------------------------

TEST_F(ExplicitSyncErrors, SynchronizationExists) {
    auto bad = connect();
    ExplicitSyncManager manager(*bad);
    Toplevel window(*bad);
    auto first = manager.get_synchronization(window.surface());
    auto second = manager.get_synchronization(window.surface());
    bad->flush();
    expect_error(*bad, manager.get(), manager_interface,
                 ZWP_LINUX_EXPLICIT_SYNCHRONIZATION_V1_ERROR_SYNCHRONIZATION_EXISTS);
}

// "Already has an explicit synchronization object": a destroyed one is
// gone, so the surface may have a new one.
TEST_F(ExplicitSyncErrors, ANewSynchronizationAfterTheOldOneIsDestroyedIsNoError) {
    auto c = connect();
    ExplicitSyncManager manager(*c);
    Toplevel window(*c);
    auto first = manager.get_synchronization(window.surface());
    ASSERT_TRUE(c->roundtrip()) << c->describe_error();
    first.reset();
    auto second = manager.get_synchronization(window.surface());
    expect_healthy(*c);
}

// One surface's object does not count against another surface.
TEST_F(ExplicitSyncErrors, OneSynchronizationPerSurfaceOnTwoSurfacesIsNoError) {
    auto c = connect();
    ExplicitSyncManager manager(*c);
    Toplevel one(*c), two(*c);
    auto first = manager.get_synchronization(one.surface());
    auto second = manager.get_synchronization(two.surface());
    expect_healthy(*c);
}

// --- zwp_linux_surface_synchronization_v1: invalid_fence -----------------------

class ExplicitSyncInvalidFence : public ExplicitSyncErrors, public ::testing::WithParamInterface<NotAFence> {};

TEST_P(ExplicitSyncInvalidFence, Raised) {
    auto bad = connect();
    ExplicitSyncManager manager(*bad);
    Toplevel window(*bad);
    auto sync = manager.get_synchronization(window.surface());
    FakeFence fake = make_fake_fence(GetParam());
    ASSERT_TRUE(fake.fd) << "cannot make a " << name_of(GetParam());
    // libwayland sends a duplicate: sluice owns that one, and must close
    // it (checked in TearDown).
    zwp_linux_surface_synchronization_v1_set_acquire_fence(sync.get(), fake.fd.get());
    bad->flush();
    expect_error(*bad, sync.get(), surface_interface, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_INVALID_FENCE);
}

INSTANTIATE_TEST_SUITE_P(NotAFence, ExplicitSyncInvalidFence,
                         ::testing::Values(NotAFence::eventfd, NotAFence::memfd, NotAFence::pipe),
                         [](const auto &info) { return name_of(info.param); });

// --- duplicate_release ---------------------------------------------------------

TEST_F(ExplicitSyncErrors, DuplicateRelease) {
    auto bad = connect();
    ExplicitSyncManager manager(*bad);
    Toplevel window(*bad);
    auto sync = manager.get_synchronization(window.surface());
    BufferReleaseListener first(sync.get());
    BufferReleaseListener second(sync.get());
    bad->flush();
    expect_error(*bad, sync.get(), surface_interface, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_DUPLICATE_RELEASE);
}

// "In the same commit cycle": after a commit, a new release is the next
// cycle's.
TEST_F(ExplicitSyncErrors, AReleasePerCommitCycleIsNoError) {
    auto c = connect();
    ExplicitSyncManager manager(*c);
    auto window = configured_toplevel(*c);
    auto sync = manager.get_synchronization(window->surface());
    ShmBuffer first(c->shm(), win_w, win_h), second(c->shm(), win_w, win_h);
    first.fill(offender_color);
    second.fill(offender_color);
    BufferReleaseListener release_first(sync.get());
    window->commit_buffer(first);
    BufferReleaseListener release_second(sync.get());
    window->commit_buffer(second);
    expect_healthy(*c);
    // The first buffer was replaced, so its release comes.
    EXPECT_TRUE(c->dispatch_until([&] { return release_first.released(); }))
        << release_first.describe() << "; " << c->describe_error();
}

// --- no_surface, through each request that names it -----------------------------

TEST_F(ExplicitSyncErrors, NoSurfaceOnSetAcquireFence) {
    auto bad = connect();
    ExplicitSyncManager manager(*bad);
    Proxy<zwp_linux_surface_synchronization_v1> sync;
    ASSERT_NO_FATAL_FAILURE(outlive_the_surface(*bad, manager, sync));
    // The host has no fence to send. The XML gives no order between
    // no_surface and invalid_fence; sluice checks the surface first, as
    // nothing sent to a dead surface's object can be valid.
    FakeFence fake = make_fake_fence(NotAFence::eventfd);
    ASSERT_TRUE(fake.fd);
    zwp_linux_surface_synchronization_v1_set_acquire_fence(sync.get(), fake.fd.get());
    bad->flush();
    expect_error(*bad, sync.get(), surface_interface, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_SURFACE);
}

TEST_F(ExplicitSyncErrors, NoSurfaceOnGetRelease) {
    auto bad = connect();
    ExplicitSyncManager manager(*bad);
    Proxy<zwp_linux_surface_synchronization_v1> sync;
    ASSERT_NO_FATAL_FAILURE(outlive_the_surface(*bad, manager, sync));
    BufferReleaseListener release(sync.get());
    bad->flush();
    expect_error(*bad, sync.get(), surface_interface, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_SURFACE);
}

// destroy names no error: an object outliving its surface may always go.
TEST_F(ExplicitSyncErrors, DestroyingTheSynchronizationAfterItsSurfaceIsNoError) {
    auto c = connect();
    ExplicitSyncManager manager(*c);
    Proxy<zwp_linux_surface_synchronization_v1> sync;
    ASSERT_NO_FATAL_FAILURE(outlive_the_surface(*c, manager, sync));
    sync.reset();
    expect_healthy(*c);
}

// A release asked for before the surface went is dropped with it: the
// request was valid, and nothing is posted.
TEST_F(ExplicitSyncErrors, APendingReleaseDiesQuietlyWithItsSurface) {
    auto c = connect();
    ExplicitSyncManager manager(*c);
    auto window = configured_toplevel(*c);
    auto sync = manager.get_synchronization(window->surface());
    BufferReleaseListener release(sync.get());
    ASSERT_TRUE(c->roundtrip()) << c->describe_error();
    window.reset();
    expect_healthy(*c);
}

// --- no_buffer -----------------------------------------------------------------

TEST_F(ExplicitSyncErrors, NoBufferForAReleaseWithNothingAttached) {
    auto bad = connect();
    ExplicitSyncManager manager(*bad);
    auto window = configured_toplevel(*bad);
    auto sync = manager.get_synchronization(window->surface());
    BufferReleaseListener release(sync.get());
    wl_surface_commit(window->surface());
    bad->flush();
    expect_error(*bad, sync.get(), surface_interface, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_BUFFER);
}

// A buffer attached in an earlier commit is not attached in this one (as
// weston reads the XML: the state is double-buffered per commit).
TEST_F(ExplicitSyncErrors, NoBufferForAReleaseWhenTheBufferCameInAnEarlierCommit) {
    auto bad = connect();
    ExplicitSyncManager manager(*bad);
    ShmBuffer buffer(bad->shm(), win_w, win_h);
    buffer.fill(offender_color);
    Toplevel window(*bad);
    ASSERT_TRUE(window.map(buffer)) << bad->describe_error();
    auto sync = manager.get_synchronization(window.surface());
    BufferReleaseListener release(sync.get());
    wl_surface_commit(window.surface());
    bad->flush();
    expect_error(*bad, sync.get(), surface_interface, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_BUFFER);
}

// Attaching null is attaching no buffer.
TEST_F(ExplicitSyncErrors, NoBufferForAReleaseWithANullAttach) {
    auto bad = connect();
    ExplicitSyncManager manager(*bad);
    ShmBuffer buffer(bad->shm(), win_w, win_h);
    buffer.fill(offender_color);
    Toplevel window(*bad);
    ASSERT_TRUE(window.map(buffer)) << bad->describe_error();
    auto sync = manager.get_synchronization(window.surface());
    BufferReleaseListener release(sync.get());
    wl_surface_attach(window.surface(), nullptr, 0, 0);
    wl_surface_commit(window.surface());
    bad->flush();
    expect_error(*bad, sync.get(), surface_interface, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_BUFFER);
}

// --- unsupported_buffer is for acquire fences only -------------------------------

// The XML names unsupported_buffer under set_acquire_fence only;
// get_release lists duplicate_release, no_surface and no_buffer. A release
// for an shm buffer is therefore no error, and it comes like any other
// once the buffer is replaced.
TEST_F(ExplicitSyncErrors, AReleaseForAnShmBufferIsNoError) {
    auto c = connect();
    ExplicitSyncManager manager(*c);
    auto window = configured_toplevel(*c);
    auto sync = manager.get_synchronization(window->surface());
    ShmBuffer first(c->shm(), win_w, win_h), second(c->shm(), win_w, win_h);
    first.fill(offender_color);
    second.fill(offender_color);
    BufferReleaseListener release(sync.get());
    window->commit_buffer(first);
    ASSERT_TRUE(c->roundtrip()) << "get_release with an shm buffer: " << c->describe_error();
    window->commit_buffer(second);
    EXPECT_TRUE(c->dispatch_until([&] { return release.released(); }))
        << release.describe() << "; " << c->describe_error();
    expect_healthy(*c);
}

} // namespace
} // namespace sluice::test
