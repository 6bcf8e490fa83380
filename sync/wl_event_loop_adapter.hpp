#pragma once

// EventLoop on top of libwayland's wl_event_loop: the only place in sync/
// that knows about Wayland.

#include <memory>

#include "sync/event_loop.hpp"

struct wl_event_loop;

namespace sluice::sync {

class WlEventLoopAdapter final : public EventLoop {
public:
    // Does not own `loop`. The loop may be destroyed before the adapter or
    // its sources: they then go quiet instead of touching freed memory.
    explicit WlEventLoopAdapter(wl_event_loop *loop);
    ~WlEventLoopAdapter() override;

    [[nodiscard]] Result<EventSourceHandle> watch_readable(BorrowedFd fd,
                                                           std::function<void(FdEvents)> callback) override;
    [[nodiscard]] Result<EventSourceHandle> post_idle(std::function<void()> callback) override;

    // Null once the loop has been destroyed.
    [[nodiscard]] wl_event_loop *loop() const noexcept;

    struct Impl;

private:
    // Behind a pointer because it holds a wl_listener, whose definition
    // would drag wayland-server.h into every includer.
    std::unique_ptr<Impl> impl_;
};

} // namespace sluice::sync
