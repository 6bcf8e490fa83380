// wp_linux_drm_syncobj_manager_v1: clients name an acquire and a release
// point on DRM syncobj timelines for each buffer they commit. This file only
// parses and validates requests into per-commit state; the commit gate
// decides what to do with it.
#pragma once

#include <memory>

#include <wayland-server-core.h>

#include "protocols/commit_sync.hpp"
#include "protocols/surface_extension.hpp"
#include "sync/syncobj_device.hpp"

namespace sluice::protocols {

class LinuxDrmSyncobjManager {
public:
    // `device` must support timeline syncobjs (the caller checks and logs).
    LinuxDrmSyncobjManager(wl_display *display, std::shared_ptr<const sync::SyncobjDevice> device);
    ~LinuxDrmSyncobjManager();

    LinuxDrmSyncobjManager(const LinuxDrmSyncobjManager &) = delete;
    LinuxDrmSyncobjManager &operator=(const LinuxDrmSyncobjManager &) = delete;

    // At wl_surface.commit, before it is applied: checks the surface's
    // pending points against the commit (posting the protocol error the XML
    // names on failure, in which case false is returned) and moves them
    // into `out`.
    bool take_commit(wl_resource *surface, const CommitFacts &facts, CommitSync &out);

    const std::shared_ptr<const sync::SyncobjDevice> &device() const { return device_; }

private:
    static void bind(wl_client *client, void *data, uint32_t version, uint32_t id);
    static void handle_get_surface(wl_client *client, wl_resource *resource, uint32_t id, wl_resource *surface);
    static void handle_import_timeline(wl_client *client, wl_resource *resource, uint32_t id, int32_t fd);

    wl_global *global_;
    std::shared_ptr<const sync::SyncobjDevice> device_;
    SurfaceExtensions surfaces_;
    ManagerResources resources_;
};

} // namespace sluice::protocols
