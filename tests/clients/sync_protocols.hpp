// The client side of the two explicit-sync protocols, request by request,
// so that tests can also send them in the wrong order on purpose:
// wp_linux_drm_syncobj_manager_v1 (timeline points) and
// zwp_linux_explicit_synchronization_v1 (sync_file acquire fences, release
// events).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "client.hpp"
#include "fences.hpp"
#include "sync_proxies.hpp"

namespace sluice::test {

// --- linux-drm-syncobj-v1 -----------------------------------------------------

class SyncobjManager {
public:
    [[nodiscard]] static bool offered(const Client &client) {
        return client.find_global("wp_linux_drm_syncobj_manager_v1") != nullptr;
    }
    // Throws when the global is missing.
    explicit SyncobjManager(Client &client);

    [[nodiscard]] wp_linux_drm_syncobj_manager_v1 *get() const { return manager_.get(); }
    // import_timeline with any fd (a test may pass one that is no syncobj).
    [[nodiscard]] Proxy<wp_linux_drm_syncobj_timeline_v1> import_fd(sync::BorrowedFd fd) const;
    [[nodiscard]] Proxy<wp_linux_drm_syncobj_surface_v1> get_surface(wl_surface *surface) const;

private:
    Proxy<wp_linux_drm_syncobj_manager_v1> manager_;
};

// A timeline the test owns, imported into the compositor.
struct ImportedTimeline {
    ImportedTimeline(const SyncobjManager &manager, const SyncobjContext &context);
    // `local` imported once more, through `fd` (one of its exports): the
    // compositor gets another timeline object for the same syncobj.
    ImportedTimeline(const SyncobjManager &manager, std::shared_ptr<const ClientTimeline> local, sync::BorrowedFd fd);

    std::shared_ptr<const ClientTimeline> local;
    Proxy<wp_linux_drm_syncobj_timeline_v1> remote;
};

void set_acquire_point(wp_linux_drm_syncobj_surface_v1 *surface, const ImportedTimeline &timeline, uint64_t point);
void set_release_point(wp_linux_drm_syncobj_surface_v1 *surface, const ImportedTimeline &timeline, uint64_t point);

// --- linux-explicit-synchronization-unstable-v1 ---------------------------------

class ExplicitSyncManager {
public:
    [[nodiscard]] static bool offered(const Client &client) {
        return client.find_global("zwp_linux_explicit_synchronization_v1") != nullptr;
    }
    // Binds version 2 at most. Throws when the global is missing.
    explicit ExplicitSyncManager(Client &client);

    [[nodiscard]] zwp_linux_explicit_synchronization_v1 *get() const { return manager_.get(); }
    [[nodiscard]] Proxy<zwp_linux_surface_synchronization_v1> get_synchronization(wl_surface *surface) const;

private:
    Proxy<zwp_linux_explicit_synchronization_v1> manager_;
};

// One zwp_linux_buffer_release_v1: the answer to one get_release. Not
// movable: the listener points here.
class BufferReleaseListener {
public:
    enum class State { pending, fenced, immediate };

    // Sends get_release on `synchronization`.
    explicit BufferReleaseListener(zwp_linux_surface_synchronization_v1 *synchronization);
    BufferReleaseListener(const BufferReleaseListener &) = delete;
    BufferReleaseListener &operator=(const BufferReleaseListener &) = delete;

    [[nodiscard]] State state() const { return state_; }
    // The fenced_release fence, if that is how it came.
    [[nodiscard]] const std::optional<sync::SyncFile> &fence() const { return fence_; }
    // The event came, and if it carried a fence, that fence has signaled.
    [[nodiscard]] bool released() const;
    [[nodiscard]] std::string describe() const;

private:
    static void handle_fenced(void *data, zwp_linux_buffer_release_v1 *, int32_t fd);
    static void handle_immediate(void *data, zwp_linux_buffer_release_v1 *);

    Proxy<zwp_linux_buffer_release_v1> release_;
    State state_ = State::pending;
    std::optional<sync::SyncFile> fence_;
    // An fd that came with fenced_release but is no sync_file.
    std::string bad_fence_;
};

} // namespace sluice::test
