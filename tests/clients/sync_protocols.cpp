#include "sync_protocols.hpp"

#include <stdexcept>

namespace sluice::test {

namespace {
uint32_t hi32(uint64_t v) { return static_cast<uint32_t>(v >> 32); }
uint32_t lo32(uint64_t v) { return static_cast<uint32_t>(v); }
} // namespace

SyncobjManager::SyncobjManager(Client &client)
    : manager_(client.bind<wp_linux_drm_syncobj_manager_v1>(&wp_linux_drm_syncobj_manager_v1_interface, 1)) {}

Proxy<wp_linux_drm_syncobj_timeline_v1> SyncobjManager::import_fd(sync::BorrowedFd fd) const {
    // libwayland sends a duplicate; the caller keeps its fd.
    return Proxy<wp_linux_drm_syncobj_timeline_v1>(
        wp_linux_drm_syncobj_manager_v1_import_timeline(manager_.get(), fd.get()));
}

Proxy<wp_linux_drm_syncobj_surface_v1> SyncobjManager::get_surface(wl_surface *surface) const {
    return Proxy<wp_linux_drm_syncobj_surface_v1>(wp_linux_drm_syncobj_manager_v1_get_surface(manager_.get(), surface));
}

ImportedTimeline::ImportedTimeline(const SyncobjManager &manager, const SyncobjContext &context)
    : local(std::make_shared<const ClientTimeline>(context)) {
    const sync::UniqueFd fd = local->export_fd();
    remote = manager.import_fd(fd);
}

ImportedTimeline::ImportedTimeline(const SyncobjManager &manager, std::shared_ptr<const ClientTimeline> local,
                                   sync::BorrowedFd fd)
    : local(std::move(local)), remote(manager.import_fd(fd)) {}

void set_acquire_point(wp_linux_drm_syncobj_surface_v1 *surface, const ImportedTimeline &timeline, uint64_t point) {
    wp_linux_drm_syncobj_surface_v1_set_acquire_point(surface, timeline.remote.get(), hi32(point), lo32(point));
}

void set_release_point(wp_linux_drm_syncobj_surface_v1 *surface, const ImportedTimeline &timeline, uint64_t point) {
    wp_linux_drm_syncobj_surface_v1_set_release_point(surface, timeline.remote.get(), hi32(point), lo32(point));
}

ExplicitSyncManager::ExplicitSyncManager(Client &client)
    : manager_(
          client.bind<zwp_linux_explicit_synchronization_v1>(&zwp_linux_explicit_synchronization_v1_interface, 2)) {}

Proxy<zwp_linux_surface_synchronization_v1> ExplicitSyncManager::get_synchronization(wl_surface *surface) const {
    return Proxy<zwp_linux_surface_synchronization_v1>(
        zwp_linux_explicit_synchronization_v1_get_synchronization(manager_.get(), surface));
}

BufferReleaseListener::BufferReleaseListener(zwp_linux_surface_synchronization_v1 *synchronization)
    : release_(zwp_linux_surface_synchronization_v1_get_release(synchronization)) {
    static const zwp_linux_buffer_release_v1_listener listener = {
        .fenced_release = &BufferReleaseListener::handle_fenced,
        .immediate_release = &BufferReleaseListener::handle_immediate,
    };
    zwp_linux_buffer_release_v1_add_listener(release_.get(), &listener, this);
}

void BufferReleaseListener::handle_fenced(void *data, zwp_linux_buffer_release_v1 *, int32_t fd) {
    auto *self = static_cast<BufferReleaseListener *>(data);
    // Both events are destructors: the server has forgotten the object.
    self->release_.reset();
    self->state_ = State::fenced;
    auto fence = sync::SyncFile::adopt(sync::UniqueFd(fd));
    if (fence)
        self->fence_ = std::move(fence).value();
    else
        self->bad_fence_ = fence.error().message;
}

void BufferReleaseListener::handle_immediate(void *data, zwp_linux_buffer_release_v1 *) {
    auto *self = static_cast<BufferReleaseListener *>(data);
    self->release_.reset();
    self->state_ = State::immediate;
}

bool BufferReleaseListener::released() const {
    switch (state_) {
    case State::pending: return false;
    case State::immediate: return true;
    case State::fenced:
        if (!fence_)
            return false; // a bad fence never counts as released
        auto signaled = fence_->is_signaled();
        return signaled && *signaled;
    }
    return false;
}

std::string BufferReleaseListener::describe() const {
    switch (state_) {
    case State::pending: return "no release event yet";
    case State::immediate: return "immediate_release";
    case State::fenced:
        if (!fence_)
            return "fenced_release with an fd that is no sync_file (" + bad_fence_ + ")";
        return released() ? "fenced_release, fence signaled" : "fenced_release, fence still pending";
    }
    return "?";
}

} // namespace sluice::test
