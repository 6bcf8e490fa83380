#pragma once

// What sync/ needs from an event loop, and nothing more: be told when an fd
// becomes readable, and run something later. The compositor implements it on
// wl_event_loop (WlEventLoopAdapter); tests may implement it on anything.

#include <functional>
#include <memory>

#include "sync/result.hpp"
#include "sync/unique_fd.hpp"

namespace sluice::sync {

struct FdEvents {
    bool readable = false;
    bool hangup = false;
    bool error = false;
};

// A registration with the loop. Destroying it unregisters: the callback will
// not run afterwards. It may be destroyed from inside its own callback, as
// long as the callback touches nothing of it afterwards.
class EventSource {
public:
    virtual ~EventSource() = default;

protected:
    EventSource() = default;
    EventSource(const EventSource &) = delete;
    EventSource &operator=(const EventSource &) = delete;
};

using EventSourceHandle = std::unique_ptr<EventSource>;

class EventLoop {
public:
    virtual ~EventLoop() = default;

    // Calls `callback` on the loop each time `fd` is readable (level
    // triggered) or reports an error or hangup, until the handle dies. The
    // loop does not take ownership of `fd`; it must stay open while watched.
    // Callbacks must not throw.
    [[nodiscard]] virtual Result<EventSourceHandle> watch_readable(BorrowedFd fd,
                                                                   std::function<void(FdEvents)> callback) = 0;

    // Calls `callback` once, on the loop, the next time it is idle (after the
    // current dispatch), unless the handle dies first.
    [[nodiscard]] virtual Result<EventSourceHandle> post_idle(std::function<void()> callback) = 0;

protected:
    EventLoop() = default;
    EventLoop(const EventLoop &) = delete;
    EventLoop &operator=(const EventLoop &) = delete;
};

} // namespace sluice::sync
