// The kernel-sync services one compositor shares: the event-loop adapter,
// the fence waiter on it, and the dma-buf fence ioctls. Owned once (by the
// server) and passed by reference to whatever waits for or moves fences,
// so that every wait in the process goes through one loop adapter.
#pragma once

#include "sync/dmabuf_fence.hpp"
#include "sync/fence_waiter.hpp"
#include "sync/wl_event_loop_adapter.hpp"

namespace sluice::sync {

class SyncContext {
public:
    explicit SyncContext(wl_event_loop *loop, FenceWaiterOptions options = {}) : loop_(loop), waiter_(loop_, options) {}

    SyncContext(const SyncContext &) = delete;
    SyncContext &operator=(const SyncContext &) = delete;

    EventLoop &loop() { return loop_; }
    FenceWaiter &waiter() { return waiter_; }
    DmaBufFences &dmabuf_fences() { return dmabuf_fences_; }

private:
    // Declared before the waiter, which keeps a reference to it.
    WlEventLoopAdapter loop_;
    FenceWaiter waiter_;
    DmaBufFences dmabuf_fences_;
};

} // namespace sluice::sync
