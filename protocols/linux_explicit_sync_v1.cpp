#include "protocols/linux_explicit_sync_v1.hpp"

#include "common/resource.hpp"
#include "linux-explicit-synchronization-unstable-v1-protocol.h"

namespace sluice::protocols {

namespace {

constexpr uint32_t manager_version = 2;

void destroy_resource(wl_client *, wl_resource *resource) { wl_resource_destroy(resource); }

// zwp_linux_buffer_release_v1 as a release target (the gate's
// BufferRelease is what tells it): one event, then the object is gone. If
// the client disconnects first, the resource dies and there is no one to
// tell.
class ExplicitSyncRelease final : public ReleaseTarget {
public:
    explicit ExplicitSyncRelease(wl_resource *resource) : resource_(resource) {
        destroy_.notify = [](wl_listener *listener, void *) {
            ExplicitSyncRelease *self = wl_container_of(listener, self, destroy_);
            wl_list_remove(&self->destroy_.link);
            self->resource_ = nullptr;
        };
        wl_resource_add_destroy_listener(resource_, &destroy_);
    }

    ~ExplicitSyncRelease() override { release(nullptr); }

    void release(const sync::SyncFile *fence) override {
        if (resource_ == nullptr) {
            return;
        }
        wl_resource *resource = resource_;
        wl_list_remove(&destroy_.link);
        resource_ = nullptr;
        if (fence != nullptr) {
            // libwayland duplicates the fd into the message; the fence
            // stays the caller's.
            zwp_linux_buffer_release_v1_send_fenced_release(resource, fence->fd().get());
        } else {
            zwp_linux_buffer_release_v1_send_immediate_release(resource);
        }
        wl_resource_destroy(resource);
    }

private:
    wl_resource *resource_;
    wl_listener destroy_{};
};

} // namespace

// zwp_linux_surface_synchronization_v1. Inert once its wl_surface is gone.
class SurfaceSynchronization final : public SurfaceExtension {
public:
    SurfaceSynchronization(SurfaceExtensions &registry, wl_resource *resource, wl_resource *surface)
        : SurfaceExtension(registry, surface), resource_(resource) {}

    static SurfaceSynchronization *from_resource(wl_resource *resource) {
        return static_cast<SurfaceSynchronization *>(wl_resource_get_user_data(resource));
    }

    void set_acquire_fence(int32_t fd) {
        sync::UniqueFd owned(fd);
        if (!check_surface()) {
            return;
        }
        if (acquire_) {
            wl_resource_post_error(resource_, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_DUPLICATE_FENCE,
                                   "an acquire fence was already set in this commit cycle");
            return;
        }
        auto fence = sync::SyncFile::adopt(std::move(owned));
        if (!fence) {
            wl_resource_post_error(resource_, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_INVALID_FENCE,
                                   "not a sync_file: %s", fence.error().message.c_str());
            return;
        }
        acquire_ = std::move(fence).value();
    }

    void get_release(wl_client *client, uint32_t id) {
        if (!check_surface()) {
            return;
        }
        if (release_) {
            wl_resource_post_error(resource_, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_DUPLICATE_RELEASE,
                                   "a release was already requested in this commit cycle");
            return;
        }
        wl_resource *resource = create_resource(client, &zwp_linux_buffer_release_v1_interface, 1, id);
        if (resource == nullptr) {
            return;
        }
        wl_resource_set_implementation(resource, nullptr, nullptr, nullptr);
        release_ = std::make_unique<ExplicitSyncRelease>(resource);
    }

    bool take_commit(const CommitFacts &facts, CommitSync &out) {
        auto acquire = std::move(acquire_);
        auto release = std::move(release_);
        acquire_.reset();
        if (!acquire && !release) {
            return true;
        }
        if (!facts.attaches_buffer) {
            wl_resource_post_error(resource_, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_BUFFER,
                                   "an acquire fence or release was set but no buffer is attached");
            return false;
        }
        if (acquire && !facts.buffer_is_dmabuf) { // the XML names unsupported_buffer for acquire fences only
            wl_resource_post_error(resource_, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_UNSUPPORTED_BUFFER,
                                   "explicit synchronization needs a linux-dmabuf buffer");
            return false;
        }
        if (acquire) {
            out.explicit_sync = true;
            out.acquire.push_back(AcquireFence{std::nullopt, std::move(*acquire)});
        }
        if (release) {
            out.release.push_back(std::move(release));
        }
        return true;
    }

private:
    bool check_surface() {
        if (surface() != nullptr) {
            return true;
        }
        wl_resource_post_error(resource_, ZWP_LINUX_SURFACE_SYNCHRONIZATION_V1_ERROR_NO_SURFACE,
                               "the wl_surface was destroyed");
        return false;
    }

    void surface_gone() override {
        acquire_.reset();
        release_.reset();
    }

    wl_resource *resource_;
    std::optional<sync::SyncFile> acquire_;
    std::unique_ptr<ExplicitSyncRelease> release_;
};

LinuxExplicitSyncV1::LinuxExplicitSyncV1(wl_display *display) {
    global_ = wl_global_create(display, &zwp_linux_explicit_synchronization_v1_interface, manager_version, this,
                               &LinuxExplicitSyncV1::bind);
}

LinuxExplicitSyncV1::~LinuxExplicitSyncV1() { wl_global_destroy(global_); }

void LinuxExplicitSyncV1::bind(wl_client *client, void *data, uint32_t version, uint32_t id) {
    auto *self = static_cast<LinuxExplicitSyncV1 *>(data);
    wl_resource *resource = create_resource(client, &zwp_linux_explicit_synchronization_v1_interface, version, id);
    if (resource == nullptr) {
        return;
    }
    static const struct zwp_linux_explicit_synchronization_v1_interface impl = {
        .destroy = destroy_resource,
        .get_synchronization = &LinuxExplicitSyncV1::handle_get_synchronization,
    };
    self->resources_.add(resource, &impl, self);
}

void LinuxExplicitSyncV1::handle_get_synchronization(wl_client *client, wl_resource *resource, uint32_t id,
                                                     wl_resource *surface) {
    auto *self = static_cast<LinuxExplicitSyncV1 *>(wl_resource_get_user_data(resource));
    if (self == nullptr) {
        return;
    }
    if (self->surfaces_.find(surface) != nullptr) {
        wl_resource_post_error(resource, ZWP_LINUX_EXPLICIT_SYNCHRONIZATION_V1_ERROR_SYNCHRONIZATION_EXISTS,
                               "the wl_surface already has a zwp_linux_surface_synchronization_v1");
        return;
    }
    wl_resource *extension = create_resource(client, &zwp_linux_surface_synchronization_v1_interface, resource, id);
    if (extension == nullptr) {
        return;
    }
    static const struct zwp_linux_surface_synchronization_v1_interface impl = {
        .destroy = destroy_resource,
        .set_acquire_fence = [](wl_client *, wl_resource *r,
                                int32_t fd) { SurfaceSynchronization::from_resource(r)->set_acquire_fence(fd); },
        .get_release = [](wl_client *c, wl_resource *r,
                          uint32_t new_id) { SurfaceSynchronization::from_resource(r)->get_release(c, new_id); },
    };
    auto *object = new SurfaceSynchronization(self->surfaces_, extension, surface);
    wl_resource_set_implementation(extension, &impl, object,
                                   [](wl_resource *r) { delete SurfaceSynchronization::from_resource(r); });
}

bool LinuxExplicitSyncV1::take_commit(wl_resource *surface, const CommitFacts &facts, CommitSync &out) {
    auto *extension = static_cast<SurfaceSynchronization *>(surfaces_.find(surface));
    return extension == nullptr || extension->take_commit(facts, out);
}

} // namespace sluice::protocols
