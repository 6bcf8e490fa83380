#include "protocols/linux_drm_syncobj.hpp"

#include "common/log.hpp"
#include "common/resource.hpp"
#include "linux-drm-syncobj-v1-protocol.h"

namespace sluice::protocols {

namespace {

constexpr uint32_t manager_version = 1;

std::uint64_t join_point(uint32_t hi, uint32_t lo) { return (static_cast<std::uint64_t>(hi) << 32) | lo; }

void destroy_resource(wl_client *, wl_resource *resource) { wl_resource_destroy(resource); }

// What wp_linux_drm_syncobj_timeline_v1 stands for: the imported timeline,
// and the client's syncobj file it came from, kept to tell whether two
// timeline objects are one syncobj (same_syncobj).
struct ImportedTimeline {
    sync::DrmSyncobjTimeline timeline;
    sync::UniqueFd file;
};

// The wp_linux_drm_syncobj_timeline_v1 resource's share of it.
struct Timeline {
    std::shared_ptr<const ImportedTimeline> imported;
};

// A point set on a surface, until its commit.
struct PendingPoint {
    std::shared_ptr<const ImportedTimeline> imported;
    std::uint64_t point = 0;

    // What the gate gets: a share of the timeline that keeps the whole
    // import (file included) alive while commits naming it are queued.
    SharedTimelinePoint take() && {
        const sync::DrmSyncobjTimeline *timeline = &imported->timeline;
        return SharedTimelinePoint{std::shared_ptr<const sync::DrmSyncobjTimeline>(std::move(imported), timeline),
                                   point};
    }
};

// Whether two timeline objects name one kernel syncobj, which is what the
// XML's "identical timelines" must mean: a client can import one syncobj
// twice. Read from drivers/gpu/drm/drm_syncobj.c (6.12):
// - the handles cannot tell: DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE allocates a new
//   one (idr_alloc) at every import, of the same file too (unlike PRIME
//   imports of GEM buffers, which find the existing handle);
// - the inodes cannot tell: a syncobj file is an anon_inode file, and
//   every anon inode file shares one inode;
// - the open file can: SCM_RIGHTS hands sluice the very file the client
//   sent, so one fd sent twice (or a dup of it) arrives as one file, whose
//   private_data is the syncobj. kcmp(KCMP_FILE) compares open files.
// Two exports of one syncobj (each DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD makes a
// new file) stay apart: nothing in the uapi links them. What such a client
// escapes harms only itself: a release point on its own timeline at or
// below its acquire point.
bool same_syncobj(const ImportedTimeline &a, const ImportedTimeline &b) {
    if (&a == &b) {
        return true;
    }
    auto same = sync::same_open_file(a.file, b.file);
    if (!same) {
        LOG_DEBUG(protocol, "cannot compare two syncobj files: %s", same.error().message.c_str());
        return false;
    }
    return *same;
}

const struct wp_linux_drm_syncobj_timeline_v1_interface timeline_impl = {
    .destroy = destroy_resource,
};

Timeline *timeline_from_resource(wl_resource *resource) {
    return static_cast<Timeline *>(wl_resource_get_user_data(resource));
}

// Signals the release point when sluice is done with the buffer, with the
// render fence when there is one; immediately if dropped unreleased.
class SyncobjRelease final : public ReleaseTarget {
public:
    explicit SyncobjRelease(SharedTimelinePoint point) : point_(std::move(point)) {}
    ~SyncobjRelease() override {
        if (!released_) {
            release(nullptr);
        }
    }

    void release(const sync::SyncFile *fence) override {
        released_ = true;
        if (fence != nullptr && point_.timeline->import_sync_file(point_.point, *fence)) {
            return;
        }
        // No fence, or it could not be attached: the read is over (or as
        // over as the compositor can tell), so signal on the CPU. Errors
        // here mean the client's timeline is unusable, which only hurts it.
        (void)point_.timeline->signal(point_.point);
    }

private:
    SharedTimelinePoint point_;
    bool released_ = false;
};

} // namespace

// wp_linux_drm_syncobj_surface_v1. Inert (all requests but destroy raise
// no_surface) once its wl_surface is gone; freed with its resource.
class SyncobjSurface final : public SurfaceExtension {
public:
    SyncobjSurface(SurfaceExtensions &registry, wl_resource *resource, wl_resource *surface)
        : SurfaceExtension(registry, surface), resource_(resource) {}

    bool take_commit(const CommitFacts &facts, CommitSync &out) {
        auto acquire = std::move(acquire_);
        auto release = std::move(release_);
        acquire_.reset();
        release_.reset();
        if (!facts.attaches_buffer) {
            if (acquire || release) {
                wl_resource_post_error(resource_, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_BUFFER,
                                       "a timeline point was set but no buffer is attached in this commit");
                return false;
            }
            return true;
        }
        if (!acquire) {
            wl_resource_post_error(resource_, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_ACQUIRE_POINT,
                                   "a buffer is attached but no acquire point was set");
            return false;
        }
        if (!release) {
            wl_resource_post_error(resource_, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_RELEASE_POINT,
                                   "a buffer is attached but no release point was set");
            return false;
        }
        if (!facts.buffer_is_dmabuf) {
            wl_resource_post_error(resource_, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_UNSUPPORTED_BUFFER,
                                   "explicit synchronization needs a linux-dmabuf buffer");
            return false;
        }
        if (acquire->point >= release->point && same_syncobj(*acquire->imported, *release->imported)) {
            wl_resource_post_error(resource_, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_CONFLICTING_POINTS,
                                   "acquire point %llu is not below release point %llu on the same timeline",
                                   static_cast<unsigned long long>(acquire->point),
                                   static_cast<unsigned long long>(release->point));
            return false;
        }
        out.explicit_sync = true;
        out.acquire.push_back(AcquireFence{std::move(*acquire).take(), std::nullopt});
        out.release.push_back(std::make_unique<SyncobjRelease>(std::move(*release).take()));
        return true;
    }

    // True, and the point recorded, unless the surface is gone (then the
    // no_surface error has been posted).
    bool set_point(wl_resource *timeline_resource, uint32_t hi, uint32_t lo, bool acquire) {
        if (surface() == nullptr) {
            wl_resource_post_error(resource_, WP_LINUX_DRM_SYNCOBJ_SURFACE_V1_ERROR_NO_SURFACE,
                                   "the wl_surface was destroyed");
            return false;
        }
        PendingPoint point{timeline_from_resource(timeline_resource)->imported, join_point(hi, lo)};
        (acquire ? acquire_ : release_) = std::move(point);
        return true;
    }

    static SyncobjSurface *from_resource(wl_resource *resource) {
        return static_cast<SyncobjSurface *>(wl_resource_get_user_data(resource));
    }

private:
    void surface_gone() override {
        acquire_.reset();
        release_.reset();
    }

    wl_resource *resource_;
    std::optional<PendingPoint> acquire_;
    std::optional<PendingPoint> release_;
};

namespace {

const struct wp_linux_drm_syncobj_surface_v1_interface surface_impl = {
    .destroy = destroy_resource,
    .set_acquire_point =
        [](wl_client *, wl_resource *resource, wl_resource *timeline, uint32_t hi, uint32_t lo) {
            SyncobjSurface::from_resource(resource)->set_point(timeline, hi, lo, true);
        },
    .set_release_point =
        [](wl_client *, wl_resource *resource, wl_resource *timeline, uint32_t hi, uint32_t lo) {
            SyncobjSurface::from_resource(resource)->set_point(timeline, hi, lo, false);
        },
};

} // namespace

LinuxDrmSyncobjManager::LinuxDrmSyncobjManager(wl_display *display, std::shared_ptr<const sync::SyncobjDevice> device)
    : device_(std::move(device)) {
    global_ = wl_global_create(display, &wp_linux_drm_syncobj_manager_v1_interface, manager_version, this,
                               &LinuxDrmSyncobjManager::bind);
}

LinuxDrmSyncobjManager::~LinuxDrmSyncobjManager() { wl_global_destroy(global_); }

void LinuxDrmSyncobjManager::bind(wl_client *client, void *data, uint32_t version, uint32_t id) {
    auto *self = static_cast<LinuxDrmSyncobjManager *>(data);
    wl_resource *resource = create_resource(client, &wp_linux_drm_syncobj_manager_v1_interface, version, id);
    if (resource == nullptr) {
        return;
    }
    static const struct wp_linux_drm_syncobj_manager_v1_interface impl = {
        .destroy = destroy_resource,
        .get_surface = &LinuxDrmSyncobjManager::handle_get_surface,
        .import_timeline = &LinuxDrmSyncobjManager::handle_import_timeline,
    };
    self->resources_.add(resource, &impl, self);
}

void LinuxDrmSyncobjManager::handle_get_surface(wl_client *client, wl_resource *resource, uint32_t id,
                                                wl_resource *surface) {
    auto *self = static_cast<LinuxDrmSyncobjManager *>(wl_resource_get_user_data(resource));
    if (self == nullptr) {
        return; // the compositor is shutting down
    }
    if (self->surfaces_.find(surface) != nullptr) {
        wl_resource_post_error(resource, WP_LINUX_DRM_SYNCOBJ_MANAGER_V1_ERROR_SURFACE_EXISTS,
                               "the wl_surface already has a wp_linux_drm_syncobj_surface_v1");
        return;
    }
    wl_resource *extension = create_resource(client, &wp_linux_drm_syncobj_surface_v1_interface, resource, id);
    if (extension == nullptr) {
        return;
    }
    auto *object = new SyncobjSurface(self->surfaces_, extension, surface);
    wl_resource_set_implementation(extension, &surface_impl, object,
                                   [](wl_resource *r) { delete SyncobjSurface::from_resource(r); });
}

void LinuxDrmSyncobjManager::handle_import_timeline(wl_client *client, wl_resource *resource, uint32_t id, int32_t fd) {
    sync::UniqueFd owned(fd); // ours from here on, whatever happens (kept: see same_syncobj)
    auto *self = static_cast<LinuxDrmSyncobjManager *>(wl_resource_get_user_data(resource));
    if (self == nullptr) {
        return;
    }
    auto imported = sync::DrmSyncobjTimeline::import_fd(self->device_, owned.borrow());
    if (!imported) {
        wl_resource_post_error(resource, WP_LINUX_DRM_SYNCOBJ_MANAGER_V1_ERROR_INVALID_TIMELINE,
                               "cannot import the timeline: %s", imported.error().message.c_str());
        return;
    }
    wl_resource *timeline = create_resource(client, &wp_linux_drm_syncobj_timeline_v1_interface, resource, id);
    if (timeline == nullptr) {
        return;
    }
    auto *object = new Timeline{
        std::make_shared<const ImportedTimeline>(ImportedTimeline{std::move(imported).value(), std::move(owned)})};
    wl_resource_set_implementation(timeline, &timeline_impl, object,
                                   [](wl_resource *r) { delete timeline_from_resource(r); });
}

bool LinuxDrmSyncobjManager::take_commit(wl_resource *surface, const CommitFacts &facts, CommitSync &out) {
    auto *extension = static_cast<SyncobjSurface *>(surfaces_.find(surface));
    return extension == nullptr || extension->take_commit(facts, out);
}

} // namespace sluice::protocols
