// zwp_linux_explicit_synchronization_v1: a sync_file as the acquire fence,
// and a zwp_linux_buffer_release_v1 answered with fenced_release or
// immediate_release. Parses and validates into per-commit state; the commit
// gate acts on it.
#pragma once

#include <memory>

#include <wayland-server-core.h>

#include "protocols/commit_sync.hpp"
#include "protocols/surface_extension.hpp"

namespace sluice::protocols {

class LinuxExplicitSyncV1 {
public:
    explicit LinuxExplicitSyncV1(wl_display *display);
    ~LinuxExplicitSyncV1();

    LinuxExplicitSyncV1(const LinuxExplicitSyncV1 &) = delete;
    LinuxExplicitSyncV1 &operator=(const LinuxExplicitSyncV1 &) = delete;

    // As LinuxDrmSyncobjManager::take_commit.
    bool take_commit(wl_resource *surface, const CommitFacts &facts, CommitSync &out);

private:
    static void bind(wl_client *client, void *data, uint32_t version, uint32_t id);
    static void handle_get_synchronization(wl_client *client, wl_resource *resource, uint32_t id, wl_resource *surface);

    wl_global *global_;
    SurfaceExtensions surfaces_;
    ManagerResources resources_;
};

} // namespace sluice::protocols
