// Waits that end without their fence: a client that disconnects while its
// commit sits at the gate, and a surface destroyed while held. Either way
// sluice must let go of everything the wait held — the fds in
// /proc/<sluice>/fd return to what they were — and go on serving others.
#include <algorithm>
#include <cstdlib>

#include <sys/resource.h>

#include "gate_fixture.hpp"
#include "screencopy.hpp"
#include "tests/vm/base_set_up.hpp"

namespace sluice::test {
namespace {

class GateLifetime : public GateCaseTest {
protected:
    void SetUp() override {
        SLUICE_VM_BASE_SET_UP(GateCaseTest);
        GATE_REQUIRE_DMABUF();
        animator_ = start_animator();
        observer_ = connect_client();
    }

    void TearDown() override {
        observer_.reset();
        animator_.reset();
        GateCaseTest::TearDown();
    }

    std::map<int, std::string> settled_fds() {
        EXPECT_TRUE(observer_->roundtrip(gate_timeout)) << observer_->describe_error();
        return sluice_fds(*observer_);
    }

    // One client that maps a window, holds a commit, then gets it through:
    // run once before a baseline so that whatever sluice keeps for its
    // whole life (a waiter thread, a cache) already exists.
    void warm_up() {
        auto [client, window, a, b] = two_buffer_window();
        ASSERT_TRUE(window->map(*a, gate_timeout)) << client->describe_error();
        FencedCommit held = window->commit(*b, false);
        ASSERT_TRUE(client->roundtrip(gate_timeout));
        held.signal();
        ASSERT_TRUE(wait_for(*client, [&] { return held.presented(); })) << client->describe_error();
    }

    void expect_still_serving() {
        const uint64_t seq = animator_->latest_seq();
        EXPECT_TRUE(animator_->wait_for_seq_above(seq + 3, gate_timeout).has_value())
            << "the animating client stopped getting frames: " << animator_->failure();
        auto client = connect_client();
        auto window = make_window(*client);
        auto m = window->buffers().make(gate_win_w, gate_win_h, magenta);
        ASSERT_TRUE(window->map(*m, gate_timeout)) << client->describe_error();
        std::string why;
        EXPECT_TRUE(wait_shown(*observer_, magenta, &why)) << "a new client after the event: " << why;
    }

    std::unique_ptr<Animator> animator_;
    std::unique_ptr<Client> observer_;
};

TEST_P(GateLifetime, DisconnectWhileHeldLeavesNothingBehind) {
    warm_up();
    ASSERT_FALSE(HasFailure());
    const auto before = stable_fds(*observer_);

    auto [client, window, a, b] = two_buffer_window();
    ASSERT_TRUE(window->map(*a, gate_timeout)) << client->describe_error();
    FencedCommit held = window->commit(*b, false);
    ASSERT_TRUE(client->roundtrip(gate_timeout));
    const auto during = settled_fds();

    // Gone without a word, the fence still pending.
    client->sever();
    const auto after = wait_fds_back_to(*observer_, before);
    EXPECT_EQ(after.size(), before.size())
        << "sluice held " << before.size() << " fds before the client came, " << during.size()
        << " while its commit waited, " << after.size() << " after it left: " << describe_fd_change(before, after);
    std::cout << "[measure] " << GetParam() << ": sluice fds before " << before.size() << ", while held "
              << during.size() << " (" << describe_fd_change(before, during) << "), after disconnect " << after.size()
              << "\n";
    held.signal(); // nobody is waiting any more
    expect_still_serving();
}

TEST_P(GateLifetime, SurfaceDestroyedWhileHeldCancelsTheWait) {
    auto [client, window, a, b] = two_buffer_window();
    ASSERT_TRUE(window->map(*a, gate_timeout)) << client->describe_error();
    {
        // Warm-up on this very surface: hold, let through, go back to `a`.
        FencedCommit held = window->commit(*b, false);
        ASSERT_TRUE(client->roundtrip(gate_timeout));
        held.signal();
        ASSERT_TRUE(wait_for(*client, [&] { return held.presented(); })) << client->describe_error();
        FencedCommit back = window->commit(*a, true);
        ASSERT_TRUE(wait_for(*client, [&] { return back.presented(); })) << client->describe_error();
    }
    const auto before = stable_fds(*observer_);

    FencedCommit held = window->commit(*b, false);
    ASSERT_TRUE(client->roundtrip(gate_timeout));
    const auto during = settled_fds();

    window->destroy_surface();
    ASSERT_TRUE(client->roundtrip(gate_timeout)) << client->describe_error();
    const auto after = wait_fds_back_to(*observer_, before);
    const std::string change = describe_fd_change(before, after);
    EXPECT_FALSE(has_extra_fds(before, after)) << "the destroyed surface's wait left fds behind: " << change
                                               << " (while held: " << describe_fd_change(before, during) << ")";
    std::cout << "[measure] " << GetParam() << ": sluice fds before the hold " << before.size() << ", while held "
              << during.size() << ", after the surface went " << after.size() << " (" << change << ")\n";
    held.signal();
    ASSERT_TRUE(client->roundtrip(gate_timeout));
    EXPECT_EQ(client->error(), 0) << client->describe_error();
    expect_still_serving();
}

INSTANTIATE_TEST_SUITE_P(Gate, GateLifetime, ::testing::ValuesIn(vgem_gate_cases()), gate_case_name);

// linux-drm-syncobj-v1 lets a client destroy its timeline objects while
// commits that name them are queued; the points must keep working.
TEST_F(GateTest, SyncobjTimelineDestroyedWhileHeld) {
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
    auto acquire = std::make_unique<ImportedTimeline>(manager, *kit().syncobj);
    auto release = std::make_unique<ImportedTimeline>(manager, *kit().syncobj);
    const auto acquire_local = acquire->local;
    const auto release_local = release->local;
    attach_with_points(window.surface(), extension.get(), a->get(), *acquire, 1, *release, 1);
    wl_surface_commit(window.surface());
    acquire.reset();
    release.reset();
    ASSERT_TRUE(client->roundtrip(gate_timeout)) << client->describe_error();
    EXPECT_EQ(visible(*observer, red), 0u);

    acquire_local->signal(1);
    std::string why;
    EXPECT_TRUE(wait_shown(*observer, red, &why)) << why;

    // Replace it (with the same buffer, fresh points on a fresh timeline
    // pair); the old release point must still be signaled.
    ImportedTimeline acquire2(manager, *kit().syncobj);
    ImportedTimeline release2(manager, *kit().syncobj);
    acquire2.local->signal(1);
    auto b = factory.make(gate_win_w, gate_win_h, green);
    attach_with_points(window.surface(), extension.get(), b->get(), acquire2, 1, release2, 1);
    wl_surface_commit(window.surface());
    ASSERT_TRUE(client->flush());
    EXPECT_TRUE(wait_shown(*observer, green, &why)) << why << " (red: " << visible(*observer, red) << ")";
    EXPECT_TRUE(wait_for(*client, [&] { return release_local->signaled(1); }))
        << "the release point on a destroyed timeline object was never signaled";
    EXPECT_EQ(client->error(), 0) << client->describe_error();
}

// xdg-shell allows destroying the role objects (xdg_toplevel, then
// xdg_surface) and keeping the wl_surface. If that happens while a commit
// is held, the commit later applies to a surface whose xdg state is gone:
// nothing may crash, the window must go, and the buffers must be released
// once the wl_surface goes too.
TEST_F(GateTest, XdgRoleDestroyedWhileHeld) {
    GATE_REQUIRE_DMABUF();
    auto animator = start_animator();
    auto observer = connect_client();
    auto client = connect_client();
    SyncobjManager manager(*client);
    DmaBufFactory factory(*client, DmaBufSource::vgem, kit().vgem_card);
    auto a = factory.make(gate_win_w, gate_win_h, red);
    auto b = factory.make(gate_win_w, gate_win_h, green);

    struct Configure {
        uint32_t serial = 0;
        bool received = false;
    } configure;
    static const xdg_surface_listener listener = {
        .configure =
            [](void *data, xdg_surface *, uint32_t serial) {
                auto *c = static_cast<Configure *>(data);
                c->serial = serial;
                c->received = true;
            },
    };
    Proxy<wl_surface> surface(wl_compositor_create_surface(client->compositor()));
    auto extension = manager.get_surface(surface.get());
    Proxy<xdg_surface> xdg(xdg_wm_base_get_xdg_surface(client->wm_base(), surface.get()));
    xdg_surface_add_listener(xdg.get(), &listener, &configure);
    Proxy<xdg_toplevel> toplevel(xdg_surface_get_toplevel(xdg.get()));
    wl_surface_commit(surface.get());
    ASSERT_TRUE(wait_for(*client, [&] { return configure.received; })) << client->describe_error();
    xdg_surface_ack_configure(xdg.get(), configure.serial);

    ImportedTimeline acquire_a(manager, *kit().syncobj), release_a(manager, *kit().syncobj);
    ImportedTimeline acquire_b(manager, *kit().syncobj), release_b(manager, *kit().syncobj);
    acquire_a.local->signal(1);
    attach_with_points(surface.get(), extension.get(), a->get(), acquire_a, 1, release_a, 1);
    wl_surface_commit(surface.get());
    ASSERT_TRUE(client->flush());
    std::string why;
    ASSERT_TRUE(wait_shown(*observer, red, &why)) << why;

    attach_with_points(surface.get(), extension.get(), b->get(), acquire_b, 1, release_b, 1);
    wl_surface_commit(surface.get());
    ASSERT_TRUE(client->roundtrip(gate_timeout));

    toplevel.reset();
    xdg.reset();
    ASSERT_TRUE(client->roundtrip(gate_timeout)) << client->describe_error();
    acquire_b.local->signal(1);
    // The held commit applies now, to a surface without its xdg objects.
    const uint64_t seq = animator->latest_seq();
    EXPECT_TRUE(animator->wait_for_seq_above(seq + 3, gate_timeout).has_value())
        << "sluice stopped serving: " << animator->failure();
    ASSERT_TRUE(client->roundtrip(gate_timeout)) << client->describe_error();
    const Image after = capture_output(*observer, observer->output(0).proxy.get(), gate_timeout);
    EXPECT_EQ(after.count(after.bounds(), opaque(green)), 0u) << "a surface without a role object was shown";
    EXPECT_EQ(after.count(after.bounds(), opaque(red)), 0u) << "the window is still shown without its role object";

    extension.reset();
    surface.reset();
    ASSERT_TRUE(client->roundtrip(gate_timeout)) << client->describe_error();
    EXPECT_TRUE(wait_for(*client, [&] { return release_a.local->signaled(1) && release_b.local->signaled(1); }))
        << "release points after the surface went: a " << release_a.local->signaled(1) << ", b "
        << release_b.local->signaled(1);
    EXPECT_EQ(client->error(), 0) << client->describe_error();
}

// Every held commit costs sluice file descriptors (the acquire fence, a
// wait). One client that piles up held commits must not use up sluice's
// descriptor table and with it everyone else's ability to connect and show
// a dma-buf: sluice may refuse the piling client (an error, a disconnect),
// cap it, or have room to spare, but another client must still be served.
// The client piles up commits until sluice is a few fds short of its limit
// (or 4000 commits, whichever comes first).
TEST_F(GateTest, HeldCommitsOfOneClientDoNotExhaustSluicesFds) {
    GATE_REQUIRE_DMABUF();
    auto animator = start_animator();
    auto observer = connect_client();
    const pid_t sluice = peer_pid(*observer);
    const uint64_t limit = soft_fd_limit(sluice);

    auto greedy = connect_client();
    ExplicitSyncManager manager(*greedy);
    DmaBufFactory factory(*greedy, DmaBufSource::vgem, kit().vgem_card);
    auto buffer = factory.make(gate_win_w, gate_win_h, red);
    Toplevel window(*greedy);
    auto sync = manager.get_synchronization(window.surface());
    ASSERT_TRUE(window.wait_for_configure(1, gate_timeout));

    SwSyncTimeline timeline;
    uint32_t commits = 0;
    size_t sluice_fds_now = open_fds(sluice).size();
    const uint32_t max_commits = 4000;
    while (commits < max_commits && greedy->error() == 0 && (limit == 0 || sluice_fds_now + 4 < limit)) {
        for (int i = 0; i < 16 && commits < max_commits; ++i) {
            const sync::SyncFile fence = timeline.fence(++commits);
            wl_surface_attach(window.surface(), buffer->get(), 0, 0);
            wl_surface_damage_buffer(window.surface(), 0, 0, gate_win_w, gate_win_h);
            zwp_linux_surface_synchronization_v1_set_acquire_fence(sync.get(), fence.fd().get());
            wl_surface_commit(window.surface());
            // Sends (and so closes libwayland's copy of) the fence now.
            greedy->flush();
        }
        greedy->roundtrip(gate_timeout);
        sluice_fds_now = open_fds(sluice).size();
    }
    std::cout << "[measure] " << commits << " held commits from one client: sluice holds " << sluice_fds_now
              << " fds (soft limit " << limit << "); the client is "
              << (greedy->error() == 0 ? "still connected" : "disconnected: " + greedy->describe_error()) << "\n";

    // Someone else now: connect, import a dma-buf, get it shown.
    std::unique_ptr<Client> other;
    try {
        other = connect_client();
    } catch (const std::exception &e) {
        FAIL() << "a new client cannot connect while another holds " << commits << " commits: " << e.what();
    }
    auto other_window = make_fenced_window(SyncKind::syncobj, *other, kit());
    std::unique_ptr<DmaBufBuffer> m;
    try {
        m = other_window->buffers().make(gate_win_w, gate_win_h, magenta);
    } catch (const std::exception &e) {
        ADD_FAILURE() << "a new client cannot import a dma-buf while another holds " << commits
                      << " commits: " << e.what() << "; sluice holds " << open_fds(sluice).size() << " fds";
    }
    if (m) {
        ASSERT_TRUE(other_window->toplevel().wait_for_configure(1, gate_timeout)) << other->describe_error();
        FencedCommit held = other_window->commit(*m, false);
        ASSERT_TRUE(other->roundtrip(gate_timeout)) << other->describe_error();
        held.signal();
        std::string why;
        EXPECT_TRUE(wait_shown(*observer, magenta, &why))
            << "another client's fenced commit was not shown while one client holds " << commits << " commits: " << why
            << "; sluice holds " << open_fds(sluice).size() << " fds";
    }
    EXPECT_TRUE(animator->wait_for_seq_above(animator->latest_seq() + 3, gate_timeout).has_value())
        << animator->failure();
    timeline.advance(commits);
}

// When sluice cannot wait for a fence (here: its descriptor table is full,
// so it cannot watch the fence fd), the commit must stay held — or the
// client be refused — never be shown as if the fence had signaled.
//
// sluice caps how many commits one client may hold, so the table is filled
// by several clients, each holding fewer than any sensible cap.
TEST_F(GateTest, CommitWhoseFenceCannotBeWatchedIsNotShownEarly) {
    GATE_REQUIRE_DMABUF();
    auto animator = start_animator();
    auto observer = connect_client();
    const pid_t sluice = peer_pid(*observer);
    const uint64_t limit = soft_fd_limit(sluice);
    if (limit == 0 || limit > 65536)
        GTEST_SKIP() << "sluice's fd limit (" << limit << ") is too high to fill from a test";
    // This process holds a connection and a few fds per client as well.
    rlimit own{};
    if (getrlimit(RLIMIT_NOFILE, &own) == 0 && own.rlim_cur < own.rlim_max) {
        own.rlim_cur = own.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &own);
    }

    // One client piling held commits of one buffer on one surface.
    struct Piler {
        std::unique_ptr<Client> client;
        std::unique_ptr<ExplicitSyncManager> manager;
        std::unique_ptr<DmaBufFactory> factory;
        std::unique_ptr<DmaBufBuffer> buffer;
        std::unique_ptr<Toplevel> window;
        Proxy<zwp_linux_surface_synchronization_v1> sync;
        uint32_t held = 0;

        void commit(DmaBufBuffer &with, const sync::SyncFile &fence) {
            wl_surface_attach(window->surface(), with.get(), 0, 0);
            wl_surface_damage_buffer(window->surface(), 0, 0, with.width(), with.height());
            zwp_linux_surface_synchronization_v1_set_acquire_fence(sync.get(), fence.fd().get());
            wl_surface_commit(window->surface());
            client->flush();
            ++held;
        }
    };
    constexpr uint32_t per_client = 100;
    std::vector<std::unique_ptr<Piler>> pilers;
    auto add_piler = [&] {
        auto p = std::make_unique<Piler>();
        p->client = connect_client();
        p->manager = std::make_unique<ExplicitSyncManager>(*p->client);
        p->factory = std::make_unique<DmaBufFactory>(*p->client, DmaBufSource::vgem, kit().vgem_card);
        p->buffer = p->factory->make(gate_win_w, gate_win_h, red);
        p->window = std::make_unique<Toplevel>(*p->client);
        p->sync = p->manager->get_synchronization(p->window->surface());
        EXPECT_TRUE(p->window->wait_for_configure(1, gate_timeout)) << p->client->describe_error();
        pilers.push_back(std::move(p));
    };

    // Fill sluice's table to exactly one free slot: the next fence fd still
    // arrives, but watching it (wl_event_loop_add_fd duplicates it) cannot
    // succeed. A held commit costs two fds, a dma-buf wl_buffer one, which
    // is how the last step lands on one free slot rather than none.
    SwSyncTimeline timeline;
    uint32_t commits = 0;
    auto free_slots = [&] {
        pilers.back()->client->roundtrip(gate_timeout);
        const size_t used = open_fds(sluice).size();
        return used >= limit ? 0 : static_cast<long>(limit - used);
    };
    auto refused = [&] {
        for (const auto &p : pilers) {
            if (p->client->error() != 0)
                return true;
        }
        return false;
    };
    add_piler();
    // Imported now: importing a dma-buf takes sluice fds of its own, which
    // a full table would not have.
    Piler &first = *pilers.front();
    auto late =
        std::make_unique<DmaBufBuffer>(first.factory->linux_dmabuf(), first.factory->allocate(gate_win_w, gate_win_h));
    late->dmabuf().fill(yellow);
    long free = free_slots();
    while (free > 3 && !refused()) {
        // A new client costs a few fds itself: only while there is room.
        if (pilers.back()->held >= per_client && free > 24) {
            add_piler();
            free = free_slots();
            continue;
        }
        Piler &p = *pilers.back();
        const long batch =
            std::max(1L, std::min<long>({16L, (free - 3) / 2, per_client - std::min(p.held, per_client - 1)}));
        for (long i = 0; i < batch; ++i) {
            const sync::SyncFile fence = timeline.fence(++commits);
            p.commit(*p.buffer, fence);
        }
        free = free_slots();
    }
    std::vector<std::unique_ptr<DmaBufBuffer>> spare;
    while (free > 1 && !refused()) {
        Piler &p = *pilers.back();
        if (free % 2 == 0) {
            spare.push_back(p.factory->make(16, 16, red));
        } else {
            const sync::SyncFile fence = timeline.fence(++commits);
            p.commit(*p.buffer, fence);
        }
        free = free_slots();
    }
    if (refused()) {
        // sluice refused a client before the table filled: the other way
        // to keep the rule.
        std::cout << "[measure] a client was refused after " << commits << " held commits from " << pilers.size()
                  << " clients\n";
        EXPECT_TRUE(animator->wait_for_seq_above(animator->latest_seq() + 3, gate_timeout).has_value())
            << "others are still served: " << animator->failure();
        timeline.advance(commits);
        return;
    }
    ASSERT_EQ(free, 1) << "could not leave exactly one free fd slot in sluice";

    SwSyncFence never;
    first.commit(*late, never.fence());
    first.client->roundtrip(gate_timeout);
    std::cout << "[measure] " << commits << " commits held by " << pilers.size() << " clients; sluice at "
              << open_fds(sluice).size() << " of " << limit << " fds after one more whose fence it cannot watch; "
              << "that client is "
              << (first.client->error() == 0 ? "connected" : "gone: " + first.client->describe_error()) << "\n";

    // Let the piled commits through; the last one's fence stays pending.
    timeline.advance(commits);
    for (auto &p : pilers)
        p->client->roundtrip(gate_timeout);
    EXPECT_TRUE(animator->wait_for_seq_above(animator->latest_seq() + 5, gate_timeout).has_value())
        << animator->failure();
    const Image image = capture_output(*observer, observer->output(0).proxy.get(), gate_timeout);
    EXPECT_EQ(image.count(image.bounds(), opaque(yellow)), 0u)
        << "a buffer whose acquire fence is still pending was shown: sluice could not watch the fence and let "
           "the commit through";
    EXPECT_GT(image.count(image.bounds(), opaque(red)), 0u) << "the piled commits never showed after their fences";
}

} // namespace
} // namespace sluice::test
