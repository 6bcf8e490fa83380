// The commit gate's bookkeeping without a compositor: eventfds stand in for
// acquire fences (readable once written, as a sync_file is once signaled),
// waited for by a real sync::FenceWaiter on a real wl_event_loop.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "compositor/gate/client_hold_counts.hpp"
#include "compositor/gate/hold_queue.hpp"
#include "sync/fence_waiter.hpp"
#include "test_support.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using sync::test::make_eventfd;
using sync::test::signal_eventfd;

using Queue = HoldQueue<std::string>;

// Two clients, as the gate sees them: opaque keys.
const int client_a = 0;
const int client_b = 0;
constexpr ClientHoldCounts::Client a = &client_a;
constexpr ClientHoldCounts::Client b = &client_b;

class HoldQueueTest : public sync::test::LoopTest {
protected:
    void SetUp() override {
        LoopTest::SetUp();
        waiter_ = std::make_unique<sync::FenceWaiter>(loop());
    }

    void TearDown() override {
        // Every queue lived in the test body; the waiter goes before the loop.
        waiter_.reset();
        LoopTest::TearDown();
    }

    // A queue that records what it releases, and the payloads with it.
    struct Recorder {
        std::vector<uint32_t> seqs;
        std::vector<std::string> payloads;
        Queue::Release release() {
            return [this](Queue::Released commit) {
                seqs.push_back(commit.seq);
                payloads.push_back(std::move(commit.payload));
            };
        }
    };

    // Starts a wait on each of `fences` (the test keeps the fence, the
    // waiter gets a duplicate), or fails to with `unwatchable`.
    WaitStarter on(std::vector<const sync::UniqueFd *> fences) {
        return [this, fences](size_t i, sync::FenceCallback done) -> sync::Result<sync::PendingWait> {
            auto copy = sync::duplicate_fd(*fences.at(i));
            if (!copy) {
                return std::move(copy).error();
            }
            return waiter_->wait_readable(std::move(copy).value(), std::move(done));
        };
    }

    HoldOutcome hold(Queue &queue, uint32_t seq, std::vector<const sync::UniqueFd *> fences = {}) {
        return queue.hold(seq, "commit " + std::to_string(seq), fences.size(), on(fences));
    }

    // Holds commits 1, 2, ... in turn, commit n on the nth fence alone.
    void hold_in_turn(Queue &queue, std::initializer_list<const sync::UniqueFd *> fences) {
        uint32_t seq = 0;
        for (const sync::UniqueFd *fence : fences) {
            ++seq;
            ASSERT_TRUE(hold(queue, seq, {fence}).held) << "commit " << seq;
        }
    }

    // Lets the loop run long enough that a wrongly released commit would be.
    void settle() { dispatch_for(30ms); }

    std::unique_ptr<sync::FenceWaiter> waiter_;
    ClientHoldCounts counts_;
};

TEST_F(HoldQueueTest, ACommitWithNothingToWaitForAndNothingHeldGoesThroughAtOnce) {
    Recorder released;
    Queue queue(counts_, a, released.release());
    HoldOutcome outcome = hold(queue, 1);
    EXPECT_TRUE(outcome.held);
    EXPECT_TRUE(outcome.unstartable.empty());
    EXPECT_EQ(released.seqs, std::vector<uint32_t>{1});
    EXPECT_EQ(released.payloads, std::vector<std::string>{"commit 1"});
    EXPECT_TRUE(queue.empty());
    EXPECT_EQ(counts_.held(a), 0u);
}

TEST_F(HoldQueueTest, HeldUntilTheFenceSignals) {
    Recorder released;
    Queue queue(counts_, a, released.release());
    sync::UniqueFd fence = make_eventfd();
    ASSERT_TRUE(hold(queue, 7, {&fence}).held);
    settle();
    EXPECT_TRUE(released.seqs.empty());
    EXPECT_EQ(queue.size(), 1u);
    EXPECT_EQ(queue.remaining(7), 1u);
    EXPECT_EQ(counts_.held(a), 1u);

    signal_eventfd(fence);
    ASSERT_TRUE(dispatch_until([&] { return !released.seqs.empty(); }));
    EXPECT_EQ(released.seqs, std::vector<uint32_t>{7});
    EXPECT_EQ(released.payloads, std::vector<std::string>{"commit 7"});
    EXPECT_TRUE(queue.empty());
    EXPECT_EQ(counts_.held(a), 0u);
    EXPECT_EQ(counts_.clients(), 0u);
}

TEST_F(HoldQueueTest, ACommitWaitsForEveryOneOfItsFences) {
    Recorder released;
    Queue queue(counts_, a, released.release());
    sync::UniqueFd first = make_eventfd();
    sync::UniqueFd second = make_eventfd();
    ASSERT_TRUE(hold(queue, 1, {&first, &second}).held);
    EXPECT_EQ(queue.remaining(1), 2u);

    signal_eventfd(second);
    ASSERT_TRUE(dispatch_until([&] { return queue.remaining(1) == 1; }));
    settle();
    EXPECT_TRUE(released.seqs.empty());

    signal_eventfd(first);
    ASSERT_TRUE(dispatch_until([&] { return !released.seqs.empty(); }));
    EXPECT_EQ(released.seqs, std::vector<uint32_t>{1});
}

TEST_F(HoldQueueTest, ReleasedInOrderWhenFencesSignalOutOfOrder) {
    Recorder released;
    Queue queue(counts_, a, released.release());
    sync::UniqueFd f1 = make_eventfd(), f2 = make_eventfd(), f3 = make_eventfd();
    ASSERT_NO_FATAL_FAILURE(hold_in_turn(queue, {&f1, &f2, &f3}));

    signal_eventfd(f3);
    signal_eventfd(f2);
    ASSERT_TRUE(dispatch_until([&] { return queue.remaining(2) == 0 && queue.remaining(3) == 0; }));
    settle();
    EXPECT_TRUE(released.seqs.empty()) << "a commit went through ahead of an older one still waiting";
    EXPECT_EQ(queue.size(), 3u);
    EXPECT_EQ(counts_.held(a), 3u);

    signal_eventfd(f1);
    ASSERT_TRUE(dispatch_until([&] { return released.seqs.size() == 3; }));
    EXPECT_EQ(released.seqs, (std::vector<uint32_t>{1, 2, 3}));
    EXPECT_EQ(released.payloads, (std::vector<std::string>{"commit 1", "commit 2", "commit 3"}));
    EXPECT_EQ(counts_.held(a), 0u);
}

TEST_F(HoldQueueTest, OnlyTheReadyFrontIsReleased) {
    Recorder released;
    Queue queue(counts_, a, released.release());
    sync::UniqueFd f1 = make_eventfd(), f2 = make_eventfd(), f3 = make_eventfd();
    ASSERT_NO_FATAL_FAILURE(hold_in_turn(queue, {&f1, &f2, &f3}));

    signal_eventfd(f1);
    signal_eventfd(f3);
    ASSERT_TRUE(dispatch_until([&] { return released.seqs.size() == 1 && queue.remaining(3) == 0; }));
    settle();
    EXPECT_EQ(released.seqs, std::vector<uint32_t>{1});
    EXPECT_EQ(queue.size(), 2u);

    signal_eventfd(f2);
    ASSERT_TRUE(dispatch_until([&] { return released.seqs.size() == 3; }));
    EXPECT_EQ(released.seqs, (std::vector<uint32_t>{1, 2, 3}));
}

TEST_F(HoldQueueTest, CommitsWithoutFencesWaitBehindAHeldOne) {
    Recorder released;
    Queue queue(counts_, a, released.release());
    sync::UniqueFd fence = make_eventfd();
    ASSERT_TRUE(hold(queue, 1, {&fence}).held);
    ASSERT_TRUE(hold(queue, 2).held);
    ASSERT_TRUE(hold(queue, 3).held);
    settle();
    EXPECT_TRUE(released.seqs.empty());
    EXPECT_EQ(queue.size(), 3u);
    EXPECT_EQ(queue.remaining(2), 0u);

    signal_eventfd(fence);
    ASSERT_TRUE(dispatch_until([&] { return released.seqs.size() == 3; }));
    EXPECT_EQ(released.seqs, (std::vector<uint32_t>{1, 2, 3}));
    // Nothing held any more: the next commit with no fence goes through
    // inside hold().
    ASSERT_TRUE(hold(queue, 4).held);
    EXPECT_EQ(released.seqs.back(), 4u);
}

TEST_F(HoldQueueTest, AReleaseSeesTheQueueWithoutItsCommitAndMayHoldMore) {
    std::vector<uint32_t> released;
    size_t size_seen = 99;
    size_t remaining_seen = 99;
    int depth = 0;
    bool nested = false;
    Queue *self = nullptr;
    sync::UniqueFd f1 = make_eventfd(), f2 = make_eventfd();
    Queue queue(counts_, a, [&](Queue::Released commit) {
        nested = nested || depth > 0;
        ++depth;
        released.push_back(commit.seq);
        if (commit.seq == 1) {
            size_seen = self->size();
            remaining_seen = self->remaining(1);
            // Behind commit 2, which still waits: held.
            EXPECT_TRUE(hold(*self, 3).held);
            EXPECT_EQ(self->size(), 2u);
        }
        if (commit.seq == 3) {
            // Nothing is held now, and nothing to wait for: through, but
            // only after this release returns.
            EXPECT_TRUE(hold(*self, 4).held);
            EXPECT_EQ(released.back(), 3u) << "a release ran inside another";
        }
        --depth;
    });
    self = &queue;
    ASSERT_TRUE(hold(queue, 1, {&f1}).held);
    ASSERT_TRUE(hold(queue, 2, {&f2}).held);

    signal_eventfd(f1);
    ASSERT_TRUE(dispatch_until([&] { return !released.empty(); }));
    EXPECT_EQ(size_seen, 1u) << "the released commit was still on the queue while released";
    EXPECT_EQ(remaining_seen, 0u);
    settle();
    EXPECT_EQ(released, std::vector<uint32_t>{1});

    signal_eventfd(f2);
    ASSERT_TRUE(dispatch_until([&] { return released.size() == 4; }));
    EXPECT_EQ(released, (std::vector<uint32_t>{1, 2, 3, 4}));
    EXPECT_FALSE(nested) << "drain re-entered itself from a release";
    EXPECT_TRUE(queue.empty());
    EXPECT_EQ(counts_.held(a), 0u);
}

TEST_F(HoldQueueTest, DestroyingTheQueueCancelsItsWaits) {
    Recorder released;
    sync::UniqueFd f1 = make_eventfd(), f2 = make_eventfd();
    const int fds_before = sync::test::open_fd_count();
    {
        Queue queue(counts_, a, released.release());
        ASSERT_TRUE(hold(queue, 1, {&f1}).held);
        ASSERT_TRUE(hold(queue, 2, {&f2}).held);
        ASSERT_TRUE(hold(queue, 3).held);
        EXPECT_GT(sync::test::open_fd_count(), fds_before);
        EXPECT_EQ(counts_.held(a), 3u);
    }
    EXPECT_EQ(sync::test::open_fd_count(), fds_before) << "the waits' fds outlived the queue";
    EXPECT_EQ(counts_.held(a), 0u);
    EXPECT_EQ(counts_.clients(), 0u);
    signal_eventfd(f1);
    signal_eventfd(f2);
    settle();
    EXPECT_TRUE(released.seqs.empty()) << "a destroyed queue released a commit";
}

TEST_F(HoldQueueTest, AFailedWaitReleasesTheCommit) {
    Recorder released;
    Queue queue(counts_, a, released.release());
    // A pipe whose writer is gone hangs up instead of becoming readable:
    // the waiter reports an error, and the gate stops waiting.
    int ends[2];
    ASSERT_EQ(::pipe2(ends, O_CLOEXEC), 0);
    sync::UniqueFd read_end(ends[0]);
    ::close(ends[1]);
    sync::UniqueFd fence = make_eventfd();
    ASSERT_TRUE(hold(queue, 1, {&read_end, &fence}).held);
    ASSERT_TRUE(hold(queue, 2).held);
    ASSERT_TRUE(dispatch_until([&] { return queue.remaining(1) == 1; }));
    settle();
    EXPECT_TRUE(released.seqs.empty()) << "released before its good fence signaled";

    signal_eventfd(fence);
    ASSERT_TRUE(dispatch_until([&] { return released.seqs.size() == 2; }));
    EXPECT_EQ(released.seqs, (std::vector<uint32_t>{1, 2}));
    EXPECT_EQ(counts_.held(a), 0u);
}

TEST_F(HoldQueueTest, AWaitThatCannotStartHoldsTheCommitForGood) {
    Recorder released;
    sync::UniqueFd memfd(::memfd_create("not-pollable", MFD_CLOEXEC));
    ASSERT_TRUE(memfd);
    sync::UniqueFd good = make_eventfd();
    {
        Queue queue(counts_, a, released.release());
        // epoll refuses regular files: the waiter cannot start this wait.
        HoldOutcome outcome = hold(queue, 1, {&good, &memfd});
        ASSERT_TRUE(outcome.held);
        ASSERT_EQ(outcome.unstartable.size(), 1u);
        EXPECT_FALSE(outcome.unstartable[0].message.empty());
        ASSERT_TRUE(hold(queue, 2).held);
        EXPECT_EQ(queue.remaining(1), 2u);

        signal_eventfd(good);
        ASSERT_TRUE(dispatch_until([&] { return queue.remaining(1) == 1; }));
        dispatch_for(50ms);
        EXPECT_TRUE(released.seqs.empty()) << "a commit whose fence was never waited for was shown";
        EXPECT_EQ(queue.size(), 2u);
        EXPECT_EQ(counts_.held(a), 2u);
    }
    EXPECT_EQ(counts_.held(a), 0u);
    EXPECT_TRUE(released.seqs.empty());
}

TEST_F(HoldQueueTest, AClientMayHoldExactlyTheLimit) {
    ASSERT_EQ(counts_.limit(), 256u);
    ASSERT_EQ(max_held_commits_per_client, 256u);
    Recorder released_a, released_b;
    // The limit is per client, over all its surfaces.
    Queue first(counts_, a, released_a.release());
    Queue second(counts_, a, released_a.release());
    Queue other_client(counts_, b, released_b.release());
    sync::UniqueFd f1 = make_eventfd(), f2 = make_eventfd(), fb = make_eventfd();
    uint32_t seq = 0;
    ASSERT_TRUE(hold(first, ++seq, {&f1}).held);
    ASSERT_TRUE(hold(second, ++seq, {&f2}).held);
    for (size_t i = 2; i < max_held_commits_per_client; ++i) {
        ASSERT_TRUE(hold(i % 2 ? second : first, ++seq).held) << "commit " << i + 1 << " refused";
    }
    EXPECT_EQ(counts_.held(a), 256u);
    EXPECT_EQ(first.size() + second.size(), 256u);

    HoldOutcome refused = hold(first, ++seq, {&f1});
    EXPECT_FALSE(refused.held) << "the 257th held commit was accepted";
    EXPECT_TRUE(refused.unstartable.empty());
    EXPECT_FALSE(hold(second, ++seq).held);
    EXPECT_EQ(counts_.held(a), 256u);
    EXPECT_EQ(first.size() + second.size(), 256u);

    // Another client is not touched by it.
    ASSERT_TRUE(hold(other_client, 1, {&fb}).held);
    EXPECT_EQ(counts_.held(b), 1u);

    // Room again once commits are released: one surface drains...
    signal_eventfd(f1);
    ASSERT_TRUE(dispatch_until([&] { return first.empty(); }));
    EXPECT_EQ(released_a.seqs.size(), 128u);
    EXPECT_EQ(counts_.held(a), 128u);
    EXPECT_TRUE(hold(first, ++seq, {&f1}).held) << "f1 is signaled: a fresh wait on it";
    ASSERT_TRUE(dispatch_until([&] { return first.empty(); }));
    // ...and then the other.
    signal_eventfd(f2);
    signal_eventfd(fb);
    ASSERT_TRUE(dispatch_until([&] { return second.empty() && other_client.empty(); }));
    EXPECT_EQ(released_a.seqs.size(), 257u);
    EXPECT_EQ(released_b.seqs, std::vector<uint32_t>{1});
    EXPECT_EQ(counts_.held(a), 0u);
    EXPECT_EQ(counts_.held(b), 0u);
    EXPECT_EQ(counts_.clients(), 0u);
}

// A condition beyond fences (a fifo barrier, a target time) as the gate
// has it: commits whose payload names a blocked condition wait for retry().
TEST_F(HoldQueueTest, ABlockedFrontWaitsForRetryAndHoldsWhatIsBehindIt) {
    Recorder released;
    bool barrier = true;
    Queue queue(counts_, a, released.release(),
                [&](const std::string &payload) { return barrier && payload == "commit 1"; });
    ASSERT_TRUE(hold(queue, 1).held);
    ASSERT_TRUE(hold(queue, 2).held);
    settle();
    EXPECT_TRUE(released.seqs.empty());
    EXPECT_TRUE(queue.front_blocked());
    EXPECT_EQ(counts_.held(a), 2u);

    queue.retry();
    EXPECT_TRUE(released.seqs.empty()) << "retry released a commit still blocked";

    barrier = false;
    queue.retry();
    EXPECT_EQ(released.seqs, (std::vector<uint32_t>{1, 2}));
    EXPECT_FALSE(queue.front_blocked());
    EXPECT_EQ(counts_.held(a), 0u);
}

TEST_F(HoldQueueTest, ABlockAndAFenceOnOneCommitCompose) {
    Recorder released;
    bool barrier = true;
    Queue queue(counts_, a, released.release(), [&](const std::string &) { return barrier; });
    sync::UniqueFd fence = make_eventfd();
    ASSERT_TRUE(hold(queue, 1, {&fence}).held);
    EXPECT_FALSE(queue.front_blocked()) << "a commit waiting for a fence is not blocked by the owner yet";

    // Unblocked first: the fence still holds it.
    barrier = false;
    queue.retry();
    settle();
    EXPECT_TRUE(released.seqs.empty());

    // The fence signals while the owner blocks it again: still held.
    barrier = true;
    signal_eventfd(fence);
    ASSERT_TRUE(dispatch_until([&] { return queue.remaining(1) == 0; }));
    settle();
    EXPECT_TRUE(released.seqs.empty());
    EXPECT_TRUE(queue.front_blocked());

    barrier = false;
    queue.retry();
    EXPECT_EQ(released.seqs, std::vector<uint32_t>{1});
}

TEST_F(HoldQueueTest, AReleaseMayBlockTheNextCommit) {
    // Applying a commit that sets a fifo barrier blocks the next one in the
    // same drain.
    Recorder recorder;
    bool barrier = false;
    Queue queue(
        counts_, a,
        [&](Queue::Released commit) {
            recorder.seqs.push_back(commit.seq);
            barrier = true;
        },
        [&](const std::string &) { return barrier; });
    sync::UniqueFd fence = make_eventfd();
    ASSERT_TRUE(hold(queue, 1, {&fence}).held);
    ASSERT_TRUE(hold(queue, 2).held);
    ASSERT_TRUE(hold(queue, 3).held);
    signal_eventfd(fence);
    ASSERT_TRUE(dispatch_until([&] { return !recorder.seqs.empty(); }));
    settle();
    EXPECT_EQ(recorder.seqs, std::vector<uint32_t>{1});

    barrier = false;
    queue.retry();
    EXPECT_EQ(recorder.seqs, (std::vector<uint32_t>{1, 2}));
    barrier = false;
    queue.retry();
    EXPECT_EQ(recorder.seqs, (std::vector<uint32_t>{1, 2, 3}));
    EXPECT_TRUE(queue.empty());
}

TEST_F(HoldQueueTest, ThePayloadMayBeMoveOnly) {
    std::vector<int> got;
    HoldQueue<std::unique_ptr<int>> queue(
        counts_, a, [&](HoldQueue<std::unique_ptr<int>>::Released commit) { got.push_back(*commit.payload); });
    sync::UniqueFd fence = make_eventfd();
    ASSERT_TRUE(queue.hold(1, std::make_unique<int>(41), 1, on({&fence})).held);
    ASSERT_TRUE(queue.hold(2, std::make_unique<int>(42), 0, on({})).held);
    signal_eventfd(fence);
    ASSERT_TRUE(dispatch_until([&] { return got.size() == 2; }));
    EXPECT_EQ(got, (std::vector<int>{41, 42}));
}

TEST(ClientHoldCountsTest, CountsPerClientUpToTheLimit) {
    ClientHoldCounts counts(2);
    EXPECT_TRUE(counts.try_add(a));
    EXPECT_TRUE(counts.try_add(a));
    EXPECT_FALSE(counts.try_add(a));
    EXPECT_EQ(counts.held(a), 2u);
    EXPECT_TRUE(counts.try_add(b));
    EXPECT_EQ(counts.clients(), 2u);
    counts.remove(a);
    EXPECT_EQ(counts.held(a), 1u);
    EXPECT_TRUE(counts.try_add(a));
    counts.remove(a, 2);
    counts.remove(b);
    EXPECT_EQ(counts.held(a), 0u);
    EXPECT_EQ(counts.clients(), 0u);
}

TEST(ClientHoldCountsTest, ARefusedClientLeavesNoEntry) {
    ClientHoldCounts counts(0);
    EXPECT_FALSE(counts.try_add(a));
    EXPECT_EQ(counts.clients(), 0u);
}

} // namespace
} // namespace sluice
