// Frame callbacks and presentation feedback, related to each other rather
// than to the wall clock: every commit of an animating client is presented
// in its own output frame, and each frame callback follows a presentation.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <time.h>

#include "fixture.hpp"
#include "screen.hpp"
#include "frame.hpp"

namespace sluice::test {
namespace {

// A client that redraws on every frame callback, as a game or a video
// player would, with feedback requested for every commit.
struct Animation {
    Client &client;
    Toplevel window;
    std::array<std::unique_ptr<ShmBuffer>, 3> buffers;
    PresentationLog log;
    std::vector<std::unique_ptr<FrameCallback>> callbacks;
    // For each callback: the highest presented sequence known when it fired.
    std::vector<std::optional<uint64_t>> seq_at_callback;
    // For each commit: the presentation clock just before it was sent.
    std::vector<uint64_t> commit_time_ns;

    explicit Animation(Client &c) : client(c), window(c), log(c.presentation()) {
        for (auto &b : buffers)
            b = std::make_unique<ShmBuffer>(c.shm(), 128, 96);
    }

    ShmBuffer *free_buffer() {
        for (auto &b : buffers) {
            if (!b->busy())
                return b.get();
        }
        return nullptr;
    }

    // Commits frame `i` and waits for its frame callback. Returns a
    // failure description, empty on success.
    std::string step(uint32_t i) {
        ShmBuffer *b = nullptr;
        if (!client.dispatch_until([&] { return (b = free_buffer()) != nullptr; }))
            return "no buffer released by sluice (" + client.describe_error() + ")";
        b->fill(0xff000000u | ((i * 40) & 0xff) << 16 | 0x4080);
        log.request(window.surface());
        callbacks.push_back(std::make_unique<FrameCallback>(
            window.surface(), [this](uint32_t) { seq_at_callback.push_back(log.latest_seq()); }));
        commit_time_ns.push_back(now_ns(client.presentation_clock()));
        window.commit_buffer(*b);
        const FrameCallback &cb = *callbacks.back();
        if (!client.dispatch_until([&] { return cb.done(); }))
            return "frame callback " + std::to_string(i) + " never came (" + client.describe_error() + ")";
        return {};
    }
};

// Runs `frames` frames and checks the relations common to every mode.
void run_and_check_animation(Client &c, uint32_t frames, uint32_t expected_refresh_ns) {
    ASSERT_NE(c.presentation(), nullptr) << "no wp_presentation global";
    ASSERT_GE(c.presentation_clock(), 0) << "no wp_presentation.clock_id event";
    const uint64_t start_ns = now_ns(c.presentation_clock());

    Animation anim(c);
    ShmBuffer first(c.shm(), 128, 96);
    first.fill(0xff808080);
    ASSERT_TRUE(anim.window.map(first)) << c.describe_error();

    for (uint32_t i = 0; i < frames; ++i) {
        const std::string problem = anim.step(i);
        ASSERT_TRUE(problem.empty()) << problem;
    }
    ASSERT_TRUE(c.dispatch_until([&] { return anim.log.all_resolved(); }))
        << anim.log.presented_count() << " presented, " << anim.log.discarded_count() << " discarded of "
        << anim.log.size() << " (" << c.describe_error() << ")";
    const uint64_t end_ns = now_ns(c.presentation_clock());

    // Every commit was shown: a client that waits for its frame callback
    // never has a commit replaced before it reached the screen.
    EXPECT_EQ(anim.log.discarded_count(), 0u);
    const std::vector<Presented> shown = anim.log.presented();
    ASSERT_EQ(shown.size(), frames);

    wl_output *output = c.output().proxy.get();
    for (size_t i = 0; i < shown.size(); ++i) {
        const Presented &p = shown[i];
        SCOPED_TRACE("commit " + std::to_string(i) + ": seq " + std::to_string(p.seq) + ", refresh " +
                     std::to_string(p.refresh_ns) + " ns, flags " + std::to_string(p.flags));
        // One output frame per commit: sequence numbers strictly increase.
        if (i > 0) {
            EXPECT_GT(p.seq, shown[i - 1].seq) << "two commits presented in the same output frame";
            EXPECT_GE(p.nanoseconds(), shown[i - 1].nanoseconds()) << "presentation time went backwards";
        }
        EXPECT_NEAR(static_cast<double>(p.refresh_ns), static_cast<double>(expected_refresh_ns), 1.0);
        EXPECT_EQ(p.flags & ~0xfu, 0u) << "undefined wp_presentation_feedback.kind bits";
        EXPECT_LT(p.tv_nsec, 1000000000u);
        // Shown after the test started and no later than now, on the clock
        // wp_presentation named.
        EXPECT_GE(p.nanoseconds(), start_ns);
        EXPECT_LE(p.nanoseconds(), end_ns);
        EXPECT_GE(p.nanoseconds(), anim.commit_time_ns[i]) << "presented before it was committed";
        EXPECT_EQ(p.sync_outputs, std::vector<wl_output *>{output}) << "sync_output should name the one output";
    }

    // One callback per presented sequence: each callback (after the first,
    // which may race the first presentation) saw a newer presentation than
    // the one before. Two callbacks in one output frame would repeat a value.
    ASSERT_EQ(anim.seq_at_callback.size(), frames);
    for (size_t i = 1; i < anim.seq_at_callback.size(); ++i) {
        ASSERT_TRUE(anim.seq_at_callback[i].has_value()) << "callback " << i << " before any presentation";
        if (anim.seq_at_callback[i - 1]) {
            EXPECT_GT(*anim.seq_at_callback[i], *anim.seq_at_callback[i - 1])
                << "callbacks " << i - 1 << " and " << i << " fired within one output frame";
        }
    }
}

class Frames : public SluiceTest {};

TEST_F(Frames, OneCallbackPerPresentedFrameAt60Hz) {
    auto c = connect();
    run_and_check_animation(*c, 30, 16666666);
}

TEST_F(Frames, CallbackFiresWithoutNewContent) {
    // A client that only asks "tell me when to draw" (no buffer, no damage)
    // must still hear back while its surface is visible.
    auto c = connect();
    ShmBuffer buffer(c->shm(), 64, 64);
    buffer.fill(0xff8040c0);
    Toplevel window(*c);
    ASSERT_TRUE(window.map(buffer)) << c->describe_error();
    for (int i = 0; i < 5; ++i) {
        FrameCallback cb(window.surface());
        window.commit();
        ASSERT_TRUE(c->dispatch_until([&] { return cb.done(); }))
            << "callback " << i << " never came (" << c->describe_error() << ")";
    }
}

TEST_F(Frames, TwoClientsAnimateIndependently) {
    // Frame pacing is per surface: two animating clients each get every
    // commit presented.
    auto a = connect();
    auto b = connect();
    Animation anim_a(*a), anim_b(*b);
    ShmBuffer fa(a->shm(), 128, 96), fb(b->shm(), 128, 96);
    fa.fill(0xff808080);
    fb.fill(0xff404040);
    ASSERT_TRUE(anim_a.window.map(fa)) << a->describe_error();
    ASSERT_TRUE(anim_b.window.map(fb)) << b->describe_error();
    for (uint32_t i = 0; i < 10; ++i) {
        const std::string pa = anim_a.step(i);
        ASSERT_TRUE(pa.empty()) << "client A: " << pa;
        const std::string pb = anim_b.step(i);
        ASSERT_TRUE(pb.empty()) << "client B: " << pb;
    }
    ASSERT_TRUE(a->dispatch_until([&] { return anim_a.log.all_resolved(); }));
    ASSERT_TRUE(b->dispatch_until([&] { return anim_b.log.all_resolved(); }));
    EXPECT_EQ(anim_a.log.discarded_count(), 0u);
    EXPECT_EQ(anim_b.log.discarded_count(), 0u);
}

struct ModeCase {
    const char *mode;
    int32_t refresh_mhz;
    uint32_t refresh_ns;
};

class Presentation : public SluiceTest, public ::testing::WithParamInterface<ModeCase> {
protected:
    ServerOptions server_options() const override {
        ServerOptions o;
        o.mode = GetParam().mode;
        return o;
    }
};

TEST_P(Presentation, FeedbackHasIncreasingSequenceAndModeRefresh) {
    auto c = connect();
    EXPECT_EQ(c->output().refresh_mhz, GetParam().refresh_mhz);
    EXPECT_EQ(c->output().width, out_w);
    EXPECT_EQ(c->output().height, out_h);
    run_and_check_animation(*c, 20, GetParam().refresh_ns);
}

// Threads that keep every core busy while they live, so that sluice's loop
// wakes late and misses vblanks now and then.
class CpuLoad {
public:
    CpuLoad() {
        const unsigned n = std::max(2u, std::thread::hardware_concurrency());
        for (unsigned i = 0; i < n; ++i) {
            threads_.emplace_back([this] {
                volatile uint64_t x = 0;
                while (!stop_.load(std::memory_order_relaxed)) {
                    x = x + 1;
                }
            });
        }
    }
    ~CpuLoad() {
        stop_ = true;
        for (auto &t : threads_) {
            t.join();
        }
    }

private:
    std::atomic<bool> stop_{false};
    std::vector<std::thread> threads_;
};

TEST_P(Presentation, TimestampsKeepTheModesPeriodUnderLoad) {
    // The presented times are the output's vblanks, so their arithmetic is
    // sluice's clock's, not the machine's speed: under load a frame may
    // miss vblanks (seq jumps by as many), but every timestamp stays on the
    // grid the mode's refresh draws from the first one.
    auto c = connect();
    const int32_t refresh_mhz = c->output().refresh_mhz;
    ASSERT_EQ(refresh_mhz, GetParam().refresh_mhz);
    const double period_ns = 1e12 / refresh_mhz;

    Animation anim(*c);
    ShmBuffer first(c->shm(), 128, 96);
    first.fill(0xff808080);
    ASSERT_TRUE(anim.window.map(first)) << c->describe_error();
    {
        CpuLoad load;
        for (uint32_t i = 0; i < 120; ++i) {
            const std::string problem = anim.step(i);
            ASSERT_TRUE(problem.empty()) << problem;
        }
    }
    ASSERT_TRUE(c->dispatch_until([&] { return anim.log.all_resolved(); })) << c->describe_error();
    const std::vector<Presented> shown = anim.log.presented();
    ASSERT_GE(shown.size(), 100u) << anim.log.discarded_count() << " discarded";

    const Presented &p0 = shown.front();
    for (const Presented &p : shown) {
        SCOPED_TRACE("seq " + std::to_string(p.seq));
        EXPECT_EQ(p.refresh_ns, GetParam().refresh_ns) << "feedback refresh is not the mode's period";
        ASSERT_GE(p.seq, p0.seq);
        const double expected = static_cast<double>(p.seq - p0.seq) * period_ns;
        const double actual = static_cast<double>(p.nanoseconds() - p0.nanoseconds());
        EXPECT_NEAR(actual, expected, 1000.0) << "presentation time off the vblank grid";
    }
    const Presented &last = shown.back();
    ASSERT_GT(last.seq, p0.seq);
    const double mean =
        static_cast<double>(last.nanoseconds() - p0.nanoseconds()) / static_cast<double>(last.seq - p0.seq);
    EXPECT_NEAR(mean, period_ns, period_ns * 0.001) << "mean vblank interval is not the mode's";
}

INSTANTIATE_TEST_SUITE_P(Modes, Presentation,
                         ::testing::Values(ModeCase{"640x480@60", 60000, 16666666},
                                           ModeCase{"640x480@30", 30000, 33333333},
                                           ModeCase{"640x480@75", 75000, 13333333}),
                         [](const ::testing::TestParamInfo<ModeCase> &info) {
                             return std::to_string(info.param.refresh_mhz / 1000) + "Hz";
                         });

} // namespace
} // namespace sluice::test
