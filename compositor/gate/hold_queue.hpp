// The gate's bookkeeping for one surface, as a plain value with no wlroots
// in it: the commits held, in the order they were made (by sequence
// number), each with the fences it still waits for, the waits on them, and
// what its owner captured with it (the payload). When the commits at the
// front have no fence left, and the owner does not call them blocked for
// another reason (a fifo barrier, a target time), a drain hands them back,
// oldest first. Locking
// and applying commits is the owner's business (GatedSurface, in
// commit_gate.cpp); this is what can be tested without a compositor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "compositor/gate/client_hold_counts.hpp"
#include "sync/fence_waiter.hpp"

namespace sluice {

// Starts the wait for fence number `fence` of a commit being held, which
// calls `done` once the fence is done. `done` must not be called from
// inside the starter (sync::FenceWaiter never does).
using WaitStarter = std::function<sync::Result<sync::PendingWait>(size_t fence, sync::FenceCallback done)>;

struct HoldOutcome {
    // False when the client already holds all the commits it may: nothing
    // was queued, and the client is to be disconnected.
    bool held = false;
    // The waits that could not be started. Each counts as a fence that never
    // signals: the commit stays held until the queue goes, since showing
    // the buffer before its producer is done is not an option.
    std::vector<sync::Error> unstartable;
};

namespace detail {

// The part of a held commit that does not depend on the payload.
class HeldFences {
public:
    explicit HeldFences(uint32_t seq) : seq_(seq) {}

    [[nodiscard]] uint32_t seq() const { return seq_; }
    [[nodiscard]] size_t remaining() const { return remaining_; }
    [[nodiscard]] bool ready() const { return remaining_ == 0; }

    // Starts `count` waits through `start`; each calls `fence_done(seq)`
    // once, when its fence is done (a failed wait too: see hold_queue.cpp).
    std::vector<sync::Error> start(size_t count, const WaitStarter &start,
                                   const std::function<void(uint32_t)> &fence_done);
    void one_done();

private:
    uint32_t seq_;
    size_t remaining_ = 0;
    // Destroying these cancels them: no callback after.
    std::vector<sync::PendingWait> waits_;
};

} // namespace detail

// Not copyable or movable: the waits call back into it.
template <typename Payload>
class HoldQueue {
public:
    struct Released {
        uint32_t seq;
        Payload payload;
    };
    // Takes a commit whose fences are done and that has nothing held before
    // it. It may hold more commits, finish fences, or look at the queue; it
    // must not destroy the queue.
    using Release = std::function<void(Released)>;
    // Asked of the commit at the front once its fences are done: true keeps
    // it (and all behind it) held until retry(). Empty: nothing but fences
    // holds a commit.
    using Blocked = std::function<bool(const Payload &)>;

    // `counts` is shared by every queue of a client's surfaces and must
    // outlive this one.
    HoldQueue(ClientHoldCounts &counts, ClientHoldCounts::Client client, Release release, Blocked blocked = {})
        : counts_(counts), client_(client), release_(std::move(release)), blocked_(std::move(blocked)) {}
    // Cancels every wait; nothing is released.
    ~HoldQueue() { counts_.remove(client_, entries_.size()); }

    HoldQueue(const HoldQueue &) = delete;
    HoldQueue &operator=(const HoldQueue &) = delete;

    // Holds commit `seq` (sequence numbers rise with every call) until its
    // `fences` are done and every commit held before it was released. With
    // no fences, and nothing held before it, it is released at once.
    HoldOutcome hold(uint32_t seq, Payload payload, size_t fences, const WaitStarter &start) {
        HoldOutcome outcome;
        if (!counts_.try_add(client_)) {
            return outcome;
        }
        outcome.held = true;
        Entry &entry = entries_.emplace_back(Entry{detail::HeldFences(seq), std::move(payload)});
        outcome.unstartable = entry.fences.start(fences, start, [this](uint32_t done) { fence_done(done); });
        drain();
        return outcome;
    }

    // One fence of commit `seq` is done; releases whatever that makes ready.
    void fence_done(uint32_t seq) {
        for (Entry &entry : entries_) {
            if (entry.fences.seq() == seq) {
                entry.fences.one_done();
                break;
            }
        }
        drain();
    }

    // What blocks the front may have changed: releases what is ready now.
    void retry() { drain(); }

    [[nodiscard]] bool empty() const { return entries_.empty(); }
    // The commit at the front waits for no fence, only for what the owner
    // calls blocked.
    [[nodiscard]] bool front_blocked() const {
        return !entries_.empty() && entries_.front().fences.ready() && blocked_ && blocked_(entries_.front().payload);
    }
    [[nodiscard]] size_t size() const { return entries_.size(); }
    // Fences commit `seq` still waits for; 0 when it is not held.
    [[nodiscard]] size_t remaining(uint32_t seq) const {
        for (const Entry &entry : entries_) {
            if (entry.fences.seq() == seq) {
                return entry.fences.remaining();
            }
        }
        return 0;
    }

private:
    struct Entry {
        detail::HeldFences fences;
        Payload payload;
    };

    // Releases, in order, every commit at the front whose fences are done.
    void drain() {
        // A release that makes more commits ready (or holds one with no
        // fences) leaves them to the loop below, which keeps the order.
        if (draining_) {
            return;
        }
        draining_ = true;
        while (!entries_.empty() && entries_.front().fences.ready() &&
               !(blocked_ && blocked_(entries_.front().payload))) {
            // Off the queue before the release sees it. The waits die with
            // it, possibly from inside their own callback, which they allow.
            Entry entry = std::move(entries_.front());
            entries_.pop_front();
            counts_.remove(client_);
            release_(Released{entry.fences.seq(), std::move(entry.payload)});
        }
        draining_ = false;
    }

    ClientHoldCounts &counts_;
    ClientHoldCounts::Client client_;
    Release release_;
    Blocked blocked_;
    std::deque<Entry> entries_;
    bool draining_ = false;
};

} // namespace sluice
