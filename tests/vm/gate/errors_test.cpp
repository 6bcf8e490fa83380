// Every protocol error the two explicit-sync XMLs name, provoked on purpose:
// the offending client receives exactly that error (interface and code),
// and the clients around it — one animating on its own connection, one
// idle — keep being served.
//
// Buffers: errors about a commit's points need a buffer that supports
// explicit sync (a dma-buf); where sluice offers no linux-dmabuf yet, the
// ones that can be told apart with an shm buffer use one (sluice checks the
// points before the buffer type) and the rest skip.
#include <string_view>

#include <sys/mman.h>

#include "gate_fixture.hpp"
#include "linux_dmabuf.hpp"
#include "shm.hpp"
#include "sync_protocols.hpp"
#include "xdg.hpp"

namespace sluice::test {
namespace {

class GateErrors : public GateTest {
protected:
    void SetUp() override {
        GateTest::SetUp();
        if (IsSkipped() || HasFatalFailure())
            return;
        animator_ = start_animator();
        idle_ = connect_client();
        baseline_ = stable_fds(*idle_);
    }

    void TearDown() override {
        // The offender is gone by now (it lived in the test body): whatever
        // sluice took from it, the fds passed along with the bad requests
        // included, must be closed.
        if (idle_ && !IsSkipped()) {
            const auto after = wait_fds_back_to(*idle_, baseline_);
            EXPECT_FALSE(has_extra_fds(baseline_, after))
                << "sluice kept fds after the offending client left: " << describe_fd_change(baseline_, after);
        }
        animator_.reset();
        idle_.reset();
        GateTest::TearDown();
    }

    // The offender got exactly this error; then the others are unharmed.
    void expect_error(Client &offender, std::string_view interface, uint32_t code) {
        ASSERT_TRUE(offender.wait_for_error(gate_timeout))
            << "no protocol error within " << gate_timeout.count() << " ms; connection " << offender.describe_error();
        auto error = offender.protocol_error();
        ASSERT_TRUE(error.has_value()) << "the connection failed without a protocol error: "
                                       << offender.describe_error();
        EXPECT_EQ(error->interface, interface) << *error;
        EXPECT_EQ(error->code, code) << *error;
        expect_others_unharmed();
    }

    void expect_others_unharmed() {
        const uint64_t seq = animator_->latest_seq();
        EXPECT_TRUE(animator_->wait_for_seq_above(seq + 2, gate_timeout).has_value())
            << "the animating client stopped getting frames after another client's protocol error: "
            << animator_->failure();
        EXPECT_TRUE(idle_->roundtrip(gate_timeout)) << "the idle client: " << idle_->describe_error();
        EXPECT_EQ(idle_->error(), 0) << idle_->describe_error();
    }

    // A toplevel that has had its first configure (so a buffer may be
    // attached without breaking xdg-shell rules).
    static std::unique_ptr<Toplevel> configured_toplevel(Client &c) {
        auto window = std::make_unique<Toplevel>(c);
        EXPECT_TRUE(window->wait_for_configure(1, gate_timeout)) << c.describe_error();
        return window;
    }

    std::unique_ptr<Animator> animator_;
    std::unique_ptr<Client> idle_;
    std::map<int, std::string> baseline_;
};

// A buffer for commits that need one: a dma-buf when sluice takes them,
// else shm.
struct AnyBuffer {
    std::unique_ptr<DmaBufFactory> factory;
    std::unique_ptr<DmaBufBuffer> dmabuf;
    std::unique_ptr<ShmBuffer> shm;

    AnyBuffer(Client &c, const FenceKit &kit) {
        if (LinuxDmabuf::offered(c)) {
            factory = std::make_unique<DmaBufFactory>(c, DmaBufSource::vgem, kit.vgem_card);
            dmabuf = factory->make(gate_win_w, gate_win_h, red);
        } else {
            shm = std::make_unique<ShmBuffer>(c.shm(), gate_win_w, gate_win_h);
            shm->fill(opaque(red));
        }
    }
    [[nodiscard]] wl_buffer *get() const { return dmabuf ? dmabuf->get() : shm->get(); }
    void attach(wl_surface *surface) const {
        wl_surface_attach(surface, get(), 0, 0);
        wl_surface_damage_buffer(surface, 0, 0, gate_win_w, gate_win_h);
    }
};

sync::UniqueFd make_memfd() {
    sync::UniqueFd fd(::memfd_create("not-a-fence", MFD_CLOEXEC));
    if (fd && ::ftruncate(fd.get(), 4096) != 0)
        fd.reset();
    return fd;
}

constexpr std::string_view syncobj_manager = "wp_linux_drm_syncobj_manager_v1";
constexpr std::string_view syncobj_surface = "wp_linux_drm_syncobj_surface_v1";
constexpr std::string_view explicit_manager = "zwp_linux_explicit_synchronization_v1";
constexpr std::string_view explicit_surface = "zwp_linux_surface_synchronization_v1";

// --- linux-drm-syncobj-v1 --------------------------------------------------------

TEST_F(GateErrors, SyncobjSurfaceExists) {
    auto c = connect_client();
    ASSERT_TRUE(SyncobjManager::offered(*c)) << "sluice offers no wp_linux_drm_syncobj_manager_v1 in the guest";
    SyncobjManager manager(*c);
    Toplevel window(*c);
    auto first = manager.get_surface(window.surface());
    auto second = manager.get_surface(window.surface());
    c->flush();
    expect_error(*c, syncobj_manager, WP_LINUX_DRM_SYNCOBJ_MANAGER_V1_ERROR_SURFACE_EXISTS);
}

TEST_F(GateErrors, SyncobjInvalidTimelineMemfd) {
    auto c = connect_client();
    ASSERT_TRUE(SyncobjManager::offered(*c));
    SyncobjManager manager(*c);
    const sync::UniqueFd memfd = make_memfd();
    ASSERT_TRUE(memfd);
    auto timeline = manager.import_fd(memfd);
    c->flush();
    expect_error(*c, syncobj_manager, WP_LINUX_DRM_SYNCOBJ_MANAGER_V1_ERROR_INVALID_TIMELINE);
}

TEST_F(GateErrors, SyncobjNoSurface) {
    auto c = connect_client();
    ASSERT_TRUE(SyncobjManager::offered(*c));
    SyncobjManager manager(*c);
    ImportedTimeline timeline(manager, *kit().syncobj);
    auto window = std::make_unique<Toplevel>(*c);
    auto extension = manager.get_surface(window->surface());
    ASSERT_TRUE(c->roundtrip(gate_timeout));
    window.reset(); // the wl_surface goes; the extension stays
    ASSERT_TRUE(c->roundtrip(gate_timeout))
        << "destroying the surface alone must not be an error: " << c->describe_error();
    set_acquire_point(extension.get(), timeline, 1);
    c->flush();
    expect_error(*c, syncobj_surface, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_SURFACE);
}

TEST_F(GateErrors, SyncobjUnsupportedBufferShm) {
    auto c = connect_client();
    ASSERT_TRUE(SyncobjManager::offered(*c));
    SyncobjManager manager(*c);
    ImportedTimeline acquire(manager, *kit().syncobj);
    ImportedTimeline release(manager, *kit().syncobj);
    acquire.local->signal(1);
    auto window = configured_toplevel(*c);
    auto extension = manager.get_surface(window->surface());
    ShmBuffer shm(c->shm(), gate_win_w, gate_win_h);
    shm.fill(opaque(red));
    wl_surface_attach(window->surface(), shm.get(), 0, 0);
    set_acquire_point(extension.get(), acquire, 1);
    set_release_point(extension.get(), release, 1);
    wl_surface_commit(window->surface());
    c->flush();
    expect_error(*c, syncobj_surface, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_UNSUPPORTED_BUFFER);
    EXPECT_EQ(visible(*idle_, red), 0u) << "the shm buffer of a commit that raised an error was shown";
}

TEST_F(GateErrors, SyncobjNoBuffer) {
    auto c = connect_client();
    ASSERT_TRUE(SyncobjManager::offered(*c));
    SyncobjManager manager(*c);
    ImportedTimeline acquire(manager, *kit().syncobj);
    ImportedTimeline release(manager, *kit().syncobj);
    auto window = configured_toplevel(*c);
    auto extension = manager.get_surface(window->surface());
    set_acquire_point(extension.get(), acquire, 1);
    set_release_point(extension.get(), release, 1);
    wl_surface_commit(window->surface());
    c->flush();
    expect_error(*c, syncobj_surface, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_BUFFER);
}

TEST_F(GateErrors, SyncobjNoAcquirePoint) {
    auto c = connect_client();
    ASSERT_TRUE(SyncobjManager::offered(*c));
    SyncobjManager manager(*c);
    ImportedTimeline release(manager, *kit().syncobj);
    auto window = configured_toplevel(*c);
    auto extension = manager.get_surface(window->surface());
    AnyBuffer buffer(*c, kit());
    buffer.attach(window->surface());
    set_release_point(extension.get(), release, 1);
    wl_surface_commit(window->surface());
    c->flush();
    expect_error(*c, syncobj_surface, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_ACQUIRE_POINT);
    if (!buffer.dmabuf)
        std::cout << "note: provoked with an shm buffer (no linux-dmabuf in this sluice)\n";
}

TEST_F(GateErrors, SyncobjNoReleasePoint) {
    auto c = connect_client();
    ASSERT_TRUE(SyncobjManager::offered(*c));
    SyncobjManager manager(*c);
    ImportedTimeline acquire(manager, *kit().syncobj);
    acquire.local->signal(1);
    auto window = configured_toplevel(*c);
    auto extension = manager.get_surface(window->surface());
    AnyBuffer buffer(*c, kit());
    buffer.attach(window->surface());
    set_acquire_point(extension.get(), acquire, 1);
    wl_surface_commit(window->surface());
    c->flush();
    expect_error(*c, syncobj_surface, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_RELEASE_POINT);
    if (!buffer.dmabuf)
        std::cout << "note: provoked with an shm buffer (no linux-dmabuf in this sluice)\n";
}

// Same timeline for both: the acquire point must be strictly below the
// release point. Equal, and below, are both conflicts.
class GateConflictingPoints : public GateErrors, public ::testing::WithParamInterface<std::pair<uint64_t, uint64_t>> {};

TEST_P(GateConflictingPoints, Raised) {
    GATE_REQUIRE_DMABUF();
    const auto [acquire_point, release_point] = GetParam();
    auto c = connect_client();
    ASSERT_TRUE(SyncobjManager::offered(*c));
    SyncobjManager manager(*c);
    ImportedTimeline timeline(manager, *kit().syncobj);
    timeline.local->signal(acquire_point);
    auto window = configured_toplevel(*c);
    auto extension = manager.get_surface(window->surface());
    AnyBuffer buffer(*c, kit());
    ASSERT_TRUE(buffer.dmabuf);
    buffer.attach(window->surface());
    set_acquire_point(extension.get(), timeline, acquire_point);
    set_release_point(extension.get(), timeline, release_point);
    wl_surface_commit(window->surface());
    c->flush();
    expect_error(*c, syncobj_surface, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_CONFLICTING_POINTS);
    EXPECT_EQ(visible(*idle_, red), 0u) << "the buffer of a commit that raised an error was shown";
}

INSTANTIATE_TEST_SUITE_P(Points, GateConflictingPoints,
                         ::testing::Values(std::pair<uint64_t, uint64_t>{5, 5}, std::pair<uint64_t, uint64_t>{7, 3},
                                           // Only the low 32 bits equal: the 64-bit
                                           // comparison must not truncate.
                                           std::pair<uint64_t, uint64_t>{(1ull << 32) + 2, 2}),
                         [](const auto &info) {
                             return "acquire_" + std::to_string(info.param.first) + "_release_" +
                                    std::to_string(info.param.second);
                         });

// The control: the same timeline with acquire < release is fine, and the
// buffer is shown once the acquire point is signaled.
TEST_F(GateErrors, SyncobjSameTimelineAcquireBelowReleaseIsAccepted) {
    GATE_REQUIRE_DMABUF();
    auto c = connect_client();
    SyncobjManager manager(*c);
    ImportedTimeline timeline(manager, *kit().syncobj);
    timeline.local->signal(1);
    auto window = configured_toplevel(*c);
    auto extension = manager.get_surface(window->surface());
    AnyBuffer buffer(*c, kit());
    buffer.attach(window->surface());
    set_acquire_point(extension.get(), timeline, 1);
    set_release_point(extension.get(), timeline, 2);
    wl_surface_commit(window->surface());
    ASSERT_TRUE(c->roundtrip(gate_timeout)) << c->describe_error();
    std::string why;
    EXPECT_TRUE(wait_shown(*idle_, red, &why)) << why;
    EXPECT_EQ(c->error(), 0) << c->describe_error();
}

// --- linux-explicit-synchronization-unstable-v1 ----------------------------------------

TEST_F(GateErrors, ExplicitSynchronizationExists) {
    auto c = connect_client();
    ASSERT_TRUE(ExplicitSyncManager::offered(*c));
    ExplicitSyncManager manager(*c);
    Toplevel window(*c);
    auto first = manager.get_synchronization(window.surface());
    auto second = manager.get_synchronization(window.surface());
    c->flush();
    expect_error(*c, explicit_manager, ZWP_LINUX_EXPLICIT_SYNCHRONIZATION_V1_ERROR_SYNCHRONIZATION_EXISTS);
}

TEST_F(GateErrors, ExplicitInvalidFenceMemfd) {
    auto c = connect_client();
    ASSERT_TRUE(ExplicitSyncManager::offered(*c));
    ExplicitSyncManager manager(*c);
    Toplevel window(*c);
    auto sync = manager.get_synchronization(window.surface());
    const sync::UniqueFd memfd = make_memfd();
    ASSERT_TRUE(memfd);
    zwp_linux_surface_synchronization_v1_set_acquire_fence(sync.get(), memfd.get());
    c->flush();
    expect_error(*c, explicit_surface, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_INVALID_FENCE);
}

TEST_F(GateErrors, ExplicitDuplicateFence) {
    auto c = connect_client();
    ASSERT_TRUE(ExplicitSyncManager::offered(*c));
    ExplicitSyncManager manager(*c);
    Toplevel window(*c);
    auto sync = manager.get_synchronization(window.surface());
    SwSyncFence a, b;
    zwp_linux_surface_synchronization_v1_set_acquire_fence(sync.get(), a.fence().fd().get());
    zwp_linux_surface_synchronization_v1_set_acquire_fence(sync.get(), b.fence().fd().get());
    c->flush();
    expect_error(*c, explicit_surface, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_DUPLICATE_FENCE);
}

TEST_F(GateErrors, ExplicitDuplicateRelease) {
    auto c = connect_client();
    ASSERT_TRUE(ExplicitSyncManager::offered(*c));
    ExplicitSyncManager manager(*c);
    Toplevel window(*c);
    auto sync = manager.get_synchronization(window.surface());
    BufferReleaseListener first(sync.get());
    BufferReleaseListener second(sync.get());
    c->flush();
    expect_error(*c, explicit_surface, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_DUPLICATE_RELEASE);
}

// no_surface, through each request that names it.
TEST_F(GateErrors, ExplicitNoSurfaceSetAcquireFence) {
    auto c = connect_client();
    ASSERT_TRUE(ExplicitSyncManager::offered(*c));
    ExplicitSyncManager manager(*c);
    auto window = std::make_unique<Toplevel>(*c);
    auto sync = manager.get_synchronization(window->surface());
    ASSERT_TRUE(c->roundtrip(gate_timeout));
    window.reset();
    ASSERT_TRUE(c->roundtrip(gate_timeout))
        << "destroying the surface alone must not be an error: " << c->describe_error();
    SwSyncFence fence;
    zwp_linux_surface_synchronization_v1_set_acquire_fence(sync.get(), fence.fence().fd().get());
    c->flush();
    expect_error(*c, explicit_surface, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_SURFACE);
}

TEST_F(GateErrors, ExplicitNoSurfaceGetRelease) {
    auto c = connect_client();
    ASSERT_TRUE(ExplicitSyncManager::offered(*c));
    ExplicitSyncManager manager(*c);
    auto window = std::make_unique<Toplevel>(*c);
    auto sync = manager.get_synchronization(window->surface());
    ASSERT_TRUE(c->roundtrip(gate_timeout));
    window.reset();
    ASSERT_TRUE(c->roundtrip(gate_timeout));
    BufferReleaseListener release(sync.get());
    c->flush();
    expect_error(*c, explicit_surface, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_SURFACE);
}

TEST_F(GateErrors, ExplicitUnsupportedBufferShm) {
    auto c = connect_client();
    ASSERT_TRUE(ExplicitSyncManager::offered(*c));
    ExplicitSyncManager manager(*c);
    auto window = configured_toplevel(*c);
    auto sync = manager.get_synchronization(window->surface());
    ShmBuffer shm(c->shm(), gate_win_w, gate_win_h);
    shm.fill(opaque(red));
    SwSyncFence fence;
    fence.signal();
    wl_surface_attach(window->surface(), shm.get(), 0, 0);
    zwp_linux_surface_synchronization_v1_set_acquire_fence(sync.get(), fence.fence().fd().get());
    wl_surface_commit(window->surface());
    c->flush();
    expect_error(*c, explicit_surface, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_UNSUPPORTED_BUFFER);
    EXPECT_EQ(visible(*idle_, red), 0u) << "the shm buffer of a commit that raised an error was shown";
}

TEST_F(GateErrors, ExplicitNoBufferWithFence) {
    auto c = connect_client();
    ASSERT_TRUE(ExplicitSyncManager::offered(*c));
    ExplicitSyncManager manager(*c);
    auto window = configured_toplevel(*c);
    auto sync = manager.get_synchronization(window->surface());
    SwSyncFence fence;
    fence.signal();
    zwp_linux_surface_synchronization_v1_set_acquire_fence(sync.get(), fence.fence().fd().get());
    wl_surface_commit(window->surface());
    c->flush();
    expect_error(*c, explicit_surface, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_BUFFER);
}

TEST_F(GateErrors, ExplicitNoBufferWithRelease) {
    auto c = connect_client();
    ASSERT_TRUE(ExplicitSyncManager::offered(*c));
    ExplicitSyncManager manager(*c);
    auto window = configured_toplevel(*c);
    auto sync = manager.get_synchronization(window->surface());
    BufferReleaseListener release(sync.get());
    wl_surface_commit(window->surface());
    c->flush();
    expect_error(*c, explicit_surface, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_BUFFER);
}

// The XML names unsupported_buffer only for set_acquire_fence ("If at
// surface commit time the attached buffer does not support explicit
// synchronization"); get_release lists duplicate_release, no_surface and
// no_buffer. A release asked for an shm buffer, without an acquire fence,
// is therefore no error, and the release must come like any other (weston
// behaves so).
TEST_F(GateErrors, ExplicitReleaseForShmBufferIsNoError) {
    auto c = connect_client();
    ASSERT_TRUE(ExplicitSyncManager::offered(*c));
    ExplicitSyncManager manager(*c);
    auto window = configured_toplevel(*c);
    auto sync = manager.get_synchronization(window->surface());
    ShmBuffer first(c->shm(), gate_win_w, gate_win_h), second(c->shm(), gate_win_w, gate_win_h);
    first.fill(opaque(red));
    second.fill(opaque(green));
    BufferReleaseListener release(sync.get());
    window->commit_buffer(first);
    ASSERT_TRUE(c->roundtrip(gate_timeout)) << "get_release with an shm buffer: " << c->describe_error();
    std::string why;
    EXPECT_TRUE(wait_shown(*idle_, red, &why)) << why;
    window->commit_buffer(second);
    EXPECT_TRUE(wait_for(*c, [&] { return release.released(); })) << release.describe() << "; " << c->describe_error();
    EXPECT_EQ(c->error(), 0) << c->describe_error();
}

// The error state is per client: one client's errors (a whole series, on
// fresh connections) leave a correct client of the same protocol working.
TEST_F(GateErrors, ErrorsDoNotLeakIntoACorrectClient) {
    GATE_REQUIRE_DMABUF();
    auto good = connect_client();
    auto window = make_fenced_window(SyncKind::syncobj, *good, kit());
    auto a = window->buffers().make(gate_win_w, gate_win_h, green);
    ASSERT_TRUE(window->map(*a, gate_timeout)) << good->describe_error();
    for (int i = 0; i < 3; ++i) {
        auto c = connect_client();
        SyncobjManager manager(*c);
        const sync::UniqueFd memfd = make_memfd();
        auto timeline = manager.import_fd(memfd);
        c->flush();
        ASSERT_TRUE(c->wait_for_error(gate_timeout));
    }
    auto b = window->buffers().make(gate_win_w, gate_win_h, yellow);
    FencedCommit commit = window->commit(*b, false);
    commit.signal();
    EXPECT_TRUE(wait_for(*good, [&] { return commit.presented(); })) << good->describe_error();
    std::string why;
    EXPECT_TRUE(wait_shown(*idle_, yellow, &why)) << why;
}

} // namespace
} // namespace sluice::test
