#include "sync/wl_event_loop_adapter.hpp"

#include "common/log.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_set>
#include <utility>

#include <wayland-server-core.h>

namespace sluice::sync {
namespace {

class WlSource;

Error loop_gone_error(const char *operation) {
    return errno_error(operation, EINVAL, "the wl_event_loop was destroyed");
}

// libwayland calls us from C: nothing may unwind through it.
template <typename F>
void call_without_unwinding(F &&callback) noexcept {
    try {
        callback();
    } catch (...) {
        LOG_ERROR(sync, "an event loop callback threw; the exception was dropped");
    }
}

} // namespace

struct WlEventLoopAdapter::Impl {
    // Standard layout, as wl_container_of (offsetof) requires.
    struct DestroyHook {
        wl_listener listener;
        Impl *owner;
    };

    explicit Impl(wl_event_loop *l) : loop(l) {
        destroy_hook.listener.notify = &Impl::on_loop_destroyed;
        destroy_hook.owner = this;
        wl_event_loop_add_destroy_listener(loop, &destroy_hook.listener);
    }

    ~Impl() {
        if (loop) {
            detach_all();
            wl_list_remove(&destroy_hook.listener.link);
        }
    }

    Impl(const Impl &) = delete;
    Impl &operator=(const Impl &) = delete;

    // Removes every live source from the loop and cuts the sources loose, so
    // that their handles, destroyed later, touch neither loop nor adapter.
    void detach_all() noexcept;

    static void on_loop_destroyed(wl_listener *listener, void *) {
        DestroyHook *hook = wl_container_of(listener, hook, listener);
        Impl *self = hook->owner;
        // Removing the sources now lets wl_event_loop_destroy free them and
        // close libwayland's duplicates of their fds; otherwise both leak.
        self->detach_all();
        wl_list_remove(&hook->listener.link);
        self->loop = nullptr;
    }

    wl_event_loop *loop;
    DestroyHook destroy_hook{};
    std::unordered_set<WlSource *> sources;
};

namespace {

class WlSource final : public EventSource {
public:
    explicit WlSource(WlEventLoopAdapter::Impl *owner) : owner_(owner) { owner_->sources.insert(this); }

    ~WlSource() override {
        remove_from_loop();
        if (owner_)
            owner_->sources.erase(this);
    }

    void remove_from_loop() noexcept {
        if (source_)
            wl_event_source_remove(source_);
        source_ = nullptr;
    }

    void detach() noexcept {
        remove_from_loop();
        owner_ = nullptr;
    }

    static int on_fd(int, std::uint32_t mask, void *data) {
        auto *self = static_cast<WlSource *>(data);
        const FdEvents events{(mask & WL_EVENT_READABLE) != 0, (mask & WL_EVENT_HANGUP) != 0,
                              (mask & WL_EVENT_ERROR) != 0};
        // A copy, so that the callback may destroy this source (and with it
        // the stored function) while it runs.
        auto callback = self->fd_callback_;
        call_without_unwinding([&] { callback(events); });
        return 0;
    }

    static void on_idle(void *data) {
        auto *self = static_cast<WlSource *>(data);
        // libwayland removes an idle source itself once this returns; a
        // second removal from our destructor would be a double free.
        self->source_ = nullptr;
        auto callback = std::exchange(self->idle_callback_, nullptr);
        call_without_unwinding(callback);
    }

    wl_event_source *source_ = nullptr;
    std::function<void(FdEvents)> fd_callback_;
    std::function<void()> idle_callback_;

private:
    WlEventLoopAdapter::Impl *owner_;
};

} // namespace

void WlEventLoopAdapter::Impl::detach_all() noexcept {
    auto detached = std::exchange(sources, {});
    for (WlSource *source : detached)
        source->detach();
}

WlEventLoopAdapter::WlEventLoopAdapter(wl_event_loop *loop) : impl_(std::make_unique<Impl>(loop)) {}

WlEventLoopAdapter::~WlEventLoopAdapter() = default;

wl_event_loop *WlEventLoopAdapter::loop() const noexcept { return impl_->loop; }

Result<EventSourceHandle> WlEventLoopAdapter::watch_readable(BorrowedFd fd, std::function<void(FdEvents)> callback) {
    if (!impl_->loop)
        return loop_gone_error("wl_event_loop_add_fd");
    auto source = std::make_unique<WlSource>(impl_.get());
    source->fd_callback_ = std::move(callback);
    // libwayland watches its own duplicate of the fd.
    source->source_ = wl_event_loop_add_fd(impl_->loop, fd.get(), WL_EVENT_READABLE, &WlSource::on_fd, source.get());
    if (!source->source_) {
        const int err = errno;
        if (err == EPERM)
            return errno_error("wl_event_loop_add_fd", err, "fd " + std::to_string(fd.get()) + " cannot be polled");
        return errno_error("wl_event_loop_add_fd", err);
    }
    return EventSourceHandle{std::move(source)};
}

Result<EventSourceHandle> WlEventLoopAdapter::post_idle(std::function<void()> callback) {
    if (!impl_->loop)
        return loop_gone_error("wl_event_loop_add_idle");
    auto source = std::make_unique<WlSource>(impl_.get());
    source->idle_callback_ = std::move(callback);
    source->source_ = wl_event_loop_add_idle(impl_->loop, &WlSource::on_idle, source.get());
    if (!source->source_)
        return errno_error("wl_event_loop_add_idle", errno);
    return EventSourceHandle{std::move(source)};
}

} // namespace sluice::sync
