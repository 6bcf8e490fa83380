// The parts every per-surface protocol extension shares: one extension per
// wl_surface, found by the surface's resource; inert (not freed) once the
// surface is gone; and a manager whose resources outlive it without
// dangling. The explicit-sync protocols build on these.
#pragma once

#include <unordered_map>

#include <wayland-server-core.h>

namespace sluice::protocols {

class SurfaceExtensions;

class SurfaceExtension {
public:
    virtual ~SurfaceExtension();

    SurfaceExtension(const SurfaceExtension &) = delete;
    SurfaceExtension &operator=(const SurfaceExtension &) = delete;

    // Null once the wl_surface was destroyed.
    wl_resource *surface() const { return surface_; }

protected:
    SurfaceExtension(SurfaceExtensions &registry, wl_resource *surface);
    // The surface is gone: drop pending state.
    virtual void surface_gone() {}

private:
    friend class SurfaceExtensions;
    void detach();

    SurfaceExtensions *registry_;
    wl_resource *surface_;
    wl_listener surface_destroy_{};
};

// wl_surface resource -> its extension.
class SurfaceExtensions {
public:
    SurfaceExtensions() = default;
    // Extensions still alive forget the registry.
    ~SurfaceExtensions();

    SurfaceExtensions(const SurfaceExtensions &) = delete;
    SurfaceExtensions &operator=(const SurfaceExtensions &) = delete;

    SurfaceExtension *find(wl_resource *surface) const;

private:
    friend class SurfaceExtension;
    std::unordered_map<wl_resource *, SurfaceExtension *> map_;
};

// A global's bound resources, whose user data points at the manager: when
// the manager goes first (display teardown), they are left pointing at
// nothing, and requests on them must check for null.
class ManagerResources {
public:
    ManagerResources() { wl_list_init(&list_); }
    ~ManagerResources();

    ManagerResources(const ManagerResources &) = delete;
    ManagerResources &operator=(const ManagerResources &) = delete;

    // Sets the implementation with `manager` as user data and tracks it.
    void add(wl_resource *resource, const void *implementation, void *manager);

private:
    wl_list list_;
};

} // namespace sluice::protocols
