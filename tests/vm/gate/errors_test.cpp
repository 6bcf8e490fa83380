// Every protocol error the two explicit-sync XMLs name, provoked on purpose:
// the offending client receives exactly that error (interface and code),
// and the clients around it — one animating on its own connection, one
// idle — keep being served.
//
// Buffers: errors about a commit's points need a buffer that supports
// explicit sync (a dma-buf); where sluice offers no linux-dmabuf yet, the
// ones that can be told apart with an shm buffer use one (sluice checks the
// points before the buffer type) and the rest skip.
//
// The errors of zwp_linux_explicit_synchronization_v1 that need no kernel
// fence are tested on the host, in tests/protocol/explicit_sync_errors_test.cpp:
// synchronization_exists, invalid_fence (memfd among others),
// duplicate_release, no_surface on set_acquire_fence and on get_release, and
// no_buffer for a release. Here are the ones a real sync_file takes
// (duplicate_fence, unsupported_buffer, no_buffer for a fence) and every
// error of linux-drm-syncobj-v1.
#include <optional>
#include <string_view>

#include <sys/mman.h>

#include "gate_fixture.hpp"
#include "linux_dmabuf.hpp"
#include "shm.hpp"
#include "sync_protocols.hpp"
#include "xdg.hpp"
#include "tests/vm/base_set_up.hpp"

namespace sluice::test {
namespace {

constexpr std::string_view syncobj_manager = "wp_linux_drm_syncobj_manager_v1";
constexpr std::string_view syncobj_surface = "wp_linux_drm_syncobj_surface_v1";
constexpr std::string_view explicit_manager = "zwp_linux_explicit_synchronization_v1";
constexpr std::string_view explicit_surface = "zwp_linux_surface_synchronization_v1";

// A toplevel that has had its first configure (so a buffer may be
// attached without breaking xdg-shell rules).
std::unique_ptr<Toplevel> configured_toplevel(Client &c) {
    auto window = std::make_unique<Toplevel>(c);
    EXPECT_TRUE(window->wait_for_configure(1, gate_timeout)) << c.describe_error();
    return window;
}

Proxy<wp_linux_drm_syncobj_surface_v1> extension_for(const SyncobjManager &manager, wl_surface *surface) {
    return manager.get_surface(surface);
}
Proxy<zwp_linux_surface_synchronization_v1> extension_for(const ExplicitSyncManager &manager, wl_surface *surface) {
    return manager.get_synchronization(surface);
}

// The client that raises the error: its connection, one sync manager (see
// GateErrors::connect_offender) and, once open_window is called, a toplevel
// with that manager's per-surface object. Members go in reverse order, the
// connection last.
template <class ManagerT, class Extension, const std::string_view &name>
struct SyncOffender {
    using Manager = ManagerT;
    static constexpr const std::string_view &manager_name = name;

    std::unique_ptr<Client> client;
    std::optional<Manager> manager;
    std::unique_ptr<Toplevel> window;
    Proxy<Extension> extension;

    // configured: wait for the first configure, as a commit with a buffer
    // needs.
    void open_window(bool configured = true) {
        window = configured ? configured_toplevel(*client) : std::make_unique<Toplevel>(*client);
        extension = extension_for(*manager, window->surface());
    }
    [[nodiscard]] wl_surface *surface() const { return window->surface(); }
    void commit() const {
        wl_surface_commit(surface());
        client->flush();
    }
};
using SyncobjOffender = SyncOffender<SyncobjManager, wp_linux_drm_syncobj_surface_v1, syncobj_manager>;
using ExplicitOffender = SyncOffender<ExplicitSyncManager, zwp_linux_surface_synchronization_v1, explicit_manager>;

struct AnyBuffer;

class GateErrors : public GateTest {
protected:
    void SetUp() override {
        SLUICE_VM_BASE_SET_UP(GateTest);
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

    // Opens `o`'s window and commits a buffer on it with these points, the
    // acquire point signaled; then expects what the points call for: the
    // conflicting_points error (and nothing shown), or the buffer shown.
    void expect_points_conflict(SyncobjOffender &o, const ImportedTimeline &acquire, uint64_t acquire_point,
                                const ImportedTimeline &release, uint64_t release_point);
    void expect_points_accepted(SyncobjOffender &o, const ImportedTimeline &acquire, uint64_t acquire_point,
                                const ImportedTimeline &release, uint64_t release_point);
    AnyBuffer commit_points(SyncobjOffender &o, const ImportedTimeline &acquire, uint64_t acquire_point,
                            const ImportedTimeline &release, uint64_t release_point);

    // Connects `offender` and binds its manager; a fatal failure when sluice
    // does not offer it.
    template <class Offender>
    void connect_offender(Offender &offender) {
        offender.client = connect_client();
        ASSERT_TRUE(Offender::Manager::offered(*offender.client))
            << "sluice offers no " << Offender::manager_name << " in the guest";
        offender.manager.emplace(*offender.client);
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
    void note_if_shm() const {
        if (!dmabuf)
            std::cout << "note: provoked with an shm buffer (no linux-dmabuf in this sluice)\n";
    }
};

AnyBuffer GateErrors::commit_points(SyncobjOffender &o, const ImportedTimeline &acquire, uint64_t acquire_point,
                                    const ImportedTimeline &release, uint64_t release_point) {
    acquire.local->signal(acquire_point);
    o.open_window();
    AnyBuffer buffer(*o.client, kit());
    attach_with_points(o.surface(), o.extension.get(), buffer.get(), acquire, acquire_point, release, release_point);
    o.commit();
    return buffer;
}

void GateErrors::expect_points_conflict(SyncobjOffender &o, const ImportedTimeline &acquire, uint64_t acquire_point,
                                        const ImportedTimeline &release, uint64_t release_point) {
    const AnyBuffer buffer = commit_points(o, acquire, acquire_point, release, release_point);
    ASSERT_TRUE(buffer.dmabuf) << "the points of an shm buffer are not checked";
    expect_error(*o.client, syncobj_surface, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_CONFLICTING_POINTS);
    EXPECT_EQ(visible(*idle_, red), 0u) << "the buffer of a commit that raised an error was shown";
}

void GateErrors::expect_points_accepted(SyncobjOffender &o, const ImportedTimeline &acquire, uint64_t acquire_point,
                                        const ImportedTimeline &release, uint64_t release_point) {
    const AnyBuffer buffer = commit_points(o, acquire, acquire_point, release, release_point);
    ASSERT_TRUE(o.client->roundtrip(gate_timeout)) << o.client->describe_error();
    std::string why;
    EXPECT_TRUE(wait_shown(*idle_, red, &why)) << why;
    EXPECT_EQ(o.client->error(), 0) << o.client->describe_error();
}

sync::UniqueFd make_memfd() {
    sync::UniqueFd fd(::memfd_create("not-a-fence", MFD_CLOEXEC));
    if (fd && ::ftruncate(fd.get(), 4096) != 0)
        fd.reset();
    return fd;
}

// --- linux-drm-syncobj-v1 --------------------------------------------------------

TEST_F(GateErrors, SyncobjSurfaceExists) {
    SyncobjOffender o;
    ASSERT_NO_FATAL_FAILURE(connect_offender(o));
    o.open_window(false);
    auto second = o.manager->get_surface(o.surface());
    o.client->flush();
    expect_error(*o.client, syncobj_manager, WP_LINUX_DRM_SYNCOBJ_MANAGER_V1_ERROR_SURFACE_EXISTS);
}

TEST_F(GateErrors, SyncobjInvalidTimelineMemfd) {
    SyncobjOffender o;
    ASSERT_NO_FATAL_FAILURE(connect_offender(o));
    const sync::UniqueFd memfd = make_memfd();
    ASSERT_TRUE(memfd);
    auto timeline = o.manager->import_fd(memfd);
    o.client->flush();
    expect_error(*o.client, syncobj_manager, WP_LINUX_DRM_SYNCOBJ_MANAGER_V1_ERROR_INVALID_TIMELINE);
}

TEST_F(GateErrors, SyncobjNoSurface) {
    SyncobjOffender o;
    ASSERT_NO_FATAL_FAILURE(connect_offender(o));
    ImportedTimeline timeline(*o.manager, *kit().syncobj);
    o.open_window(false);
    ASSERT_TRUE(o.client->roundtrip(gate_timeout));
    o.window.reset(); // the wl_surface goes; the extension stays
    ASSERT_TRUE(o.client->roundtrip(gate_timeout))
        << "destroying the surface alone must not be an error: " << o.client->describe_error();
    set_acquire_point(o.extension.get(), timeline, 1);
    o.client->flush();
    expect_error(*o.client, syncobj_surface, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_SURFACE);
}

TEST_F(GateErrors, SyncobjUnsupportedBufferShm) {
    SyncobjOffender o;
    ASSERT_NO_FATAL_FAILURE(connect_offender(o));
    ImportedTimeline acquire(*o.manager, *kit().syncobj);
    ImportedTimeline release(*o.manager, *kit().syncobj);
    acquire.local->signal(1);
    o.open_window();
    ShmBuffer shm(o.client->shm(), gate_win_w, gate_win_h);
    shm.fill(opaque(red));
    wl_surface_attach(o.surface(), shm.get(), 0, 0);
    set_acquire_point(o.extension.get(), acquire, 1);
    set_release_point(o.extension.get(), release, 1);
    o.commit();
    expect_error(*o.client, syncobj_surface, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_UNSUPPORTED_BUFFER);
    EXPECT_EQ(visible(*idle_, red), 0u) << "the shm buffer of a commit that raised an error was shown";
}

TEST_F(GateErrors, SyncobjNoBuffer) {
    SyncobjOffender o;
    ASSERT_NO_FATAL_FAILURE(connect_offender(o));
    ImportedTimeline acquire(*o.manager, *kit().syncobj);
    ImportedTimeline release(*o.manager, *kit().syncobj);
    o.open_window();
    set_acquire_point(o.extension.get(), acquire, 1);
    set_release_point(o.extension.get(), release, 1);
    o.commit();
    expect_error(*o.client, syncobj_surface, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_BUFFER);
}

TEST_F(GateErrors, SyncobjNoAcquirePoint) {
    SyncobjOffender o;
    ASSERT_NO_FATAL_FAILURE(connect_offender(o));
    ImportedTimeline release(*o.manager, *kit().syncobj);
    o.open_window();
    AnyBuffer buffer(*o.client, kit());
    buffer.attach(o.surface());
    set_release_point(o.extension.get(), release, 1);
    o.commit();
    expect_error(*o.client, syncobj_surface, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_ACQUIRE_POINT);
    buffer.note_if_shm();
}

TEST_F(GateErrors, SyncobjNoReleasePoint) {
    SyncobjOffender o;
    ASSERT_NO_FATAL_FAILURE(connect_offender(o));
    ImportedTimeline acquire(*o.manager, *kit().syncobj);
    acquire.local->signal(1);
    o.open_window();
    AnyBuffer buffer(*o.client, kit());
    buffer.attach(o.surface());
    set_acquire_point(o.extension.get(), acquire, 1);
    o.commit();
    expect_error(*o.client, syncobj_surface, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_RELEASE_POINT);
    buffer.note_if_shm();
}

// Same timeline for both: the acquire point must be strictly below the
// release point. Equal, and below, are both conflicts.
class GateConflictingPoints : public GateErrors, public ::testing::WithParamInterface<std::pair<uint64_t, uint64_t>> {};

TEST_P(GateConflictingPoints, Raised) {
    GATE_REQUIRE_DMABUF();
    const auto [acquire_point, release_point] = GetParam();
    SyncobjOffender o;
    ASSERT_NO_FATAL_FAILURE(connect_offender(o));
    ImportedTimeline timeline(*o.manager, *kit().syncobj);
    expect_points_conflict(o, timeline, acquire_point, timeline, release_point);
}

// One syncobj fd imported twice is two timeline objects but one kernel
// syncobj: the points conflict as on one object (sluice compares the open
// files the fds stand for; see same_syncobj in protocols/).
TEST_P(GateConflictingPoints, RaisedAcrossTwoImportsOfOneFd) {
    GATE_REQUIRE_DMABUF();
    const auto [acquire_point, release_point] = GetParam();
    SyncobjOffender o;
    ASSERT_NO_FATAL_FAILURE(connect_offender(o));
    auto local = std::make_shared<const ClientTimeline>(*kit().syncobj);
    const sync::UniqueFd fd = local->export_fd();
    ImportedTimeline first(*o.manager, local, fd);
    ImportedTimeline second(*o.manager, local, fd);
    expect_points_conflict(o, first, acquire_point, second, release_point);
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
    SyncobjOffender o;
    ASSERT_NO_FATAL_FAILURE(connect_offender(o));
    ImportedTimeline timeline(*o.manager, *kit().syncobj);
    expect_points_accepted(o, timeline, 1, timeline, 2);
}

// And two syncobjs are two timelines whatever their points: acquire 5 on
// one, release 3 on another is no conflict.
TEST_F(GateErrors, SyncobjTwoSyncobjsNeverConflict) {
    GATE_REQUIRE_DMABUF();
    SyncobjOffender o;
    ASSERT_NO_FATAL_FAILURE(connect_offender(o));
    ImportedTimeline acquire(*o.manager, *kit().syncobj);
    ImportedTimeline release(*o.manager, *kit().syncobj);
    expect_points_accepted(o, acquire, 5, release, 3);
}

// --- linux-explicit-synchronization-unstable-v1 ----------------------------------------

TEST_F(GateErrors, ExplicitDuplicateFence) {
    ExplicitOffender o;
    ASSERT_NO_FATAL_FAILURE(connect_offender(o));
    o.open_window(false);
    SwSyncFence a, b;
    zwp_linux_surface_synchronization_v1_set_acquire_fence(o.extension.get(), a.fence().fd().get());
    zwp_linux_surface_synchronization_v1_set_acquire_fence(o.extension.get(), b.fence().fd().get());
    o.client->flush();
    expect_error(*o.client, explicit_surface, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_DUPLICATE_FENCE);
}

TEST_F(GateErrors, ExplicitUnsupportedBufferShm) {
    ExplicitOffender o;
    ASSERT_NO_FATAL_FAILURE(connect_offender(o));
    o.open_window();
    ShmBuffer shm(o.client->shm(), gate_win_w, gate_win_h);
    shm.fill(opaque(red));
    SwSyncFence fence;
    fence.signal();
    wl_surface_attach(o.surface(), shm.get(), 0, 0);
    zwp_linux_surface_synchronization_v1_set_acquire_fence(o.extension.get(), fence.fence().fd().get());
    o.commit();
    expect_error(*o.client, explicit_surface, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_UNSUPPORTED_BUFFER);
    EXPECT_EQ(visible(*idle_, red), 0u) << "the shm buffer of a commit that raised an error was shown";
}

TEST_F(GateErrors, ExplicitNoBufferWithFence) {
    ExplicitOffender o;
    ASSERT_NO_FATAL_FAILURE(connect_offender(o));
    o.open_window();
    SwSyncFence fence;
    fence.signal();
    zwp_linux_surface_synchronization_v1_set_acquire_fence(o.extension.get(), fence.fence().fd().get());
    o.commit();
    expect_error(*o.client, explicit_surface, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_BUFFER);
}

// The XML names unsupported_buffer only for set_acquire_fence ("If at
// surface commit time the attached buffer does not support explicit
// synchronization"); get_release lists duplicate_release, no_surface and
// no_buffer. A release asked for an shm buffer, without an acquire fence,
// is therefore no error, and the release must come like any other (weston
// behaves so). The host test of the same checks no pixels of the client's;
// this one checks that the buffer is shown.
TEST_F(GateErrors, ExplicitReleaseForShmBufferIsNoError) {
    ExplicitOffender o;
    ASSERT_NO_FATAL_FAILURE(connect_offender(o));
    Client &c = *o.client;
    o.open_window();
    ShmBuffer first(c.shm(), gate_win_w, gate_win_h), second(c.shm(), gate_win_w, gate_win_h);
    first.fill(opaque(red));
    second.fill(opaque(green));
    BufferReleaseListener release(o.extension.get());
    o.window->commit_buffer(first);
    ASSERT_TRUE(c.roundtrip(gate_timeout)) << "get_release with an shm buffer: " << c.describe_error();
    std::string why;
    EXPECT_TRUE(wait_shown(*idle_, red, &why)) << why;
    o.window->commit_buffer(second);
    EXPECT_TRUE(wait_for(c, [&] { return release.released(); })) << release.describe() << "; " << c.describe_error();
    EXPECT_EQ(c.error(), 0) << c.describe_error();
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
