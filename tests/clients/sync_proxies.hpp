// Owning handles (see tests/lib/proxy.hpp) for the proxies of the dma-buf
// and explicit-sync protocols, each with the destructor request its
// protocol names. zwp_linux_buffer_release_v1 has none: its events are the
// destructors, so dropping the handle only frees the local proxy.
#pragma once

#include "proxy.hpp"

#include "linux-dmabuf-unstable-v1-client-protocol.h"
#include "linux-drm-syncobj-v1-client-protocol.h"
#include "linux-explicit-synchronization-unstable-v1-client-protocol.h"

namespace sluice::test {

template <>
struct ProxyDeleter<zwp_linux_dmabuf_v1> {
    void operator()(zwp_linux_dmabuf_v1 *p) const { zwp_linux_dmabuf_v1_destroy(p); }
};
template <>
struct ProxyDeleter<zwp_linux_buffer_params_v1> {
    void operator()(zwp_linux_buffer_params_v1 *p) const { zwp_linux_buffer_params_v1_destroy(p); }
};
template <>
struct ProxyDeleter<wp_linux_drm_syncobj_manager_v1> {
    void operator()(wp_linux_drm_syncobj_manager_v1 *p) const { wp_linux_drm_syncobj_manager_v1_destroy(p); }
};
template <>
struct ProxyDeleter<wp_linux_drm_syncobj_timeline_v1> {
    void operator()(wp_linux_drm_syncobj_timeline_v1 *p) const { wp_linux_drm_syncobj_timeline_v1_destroy(p); }
};
template <>
struct ProxyDeleter<wp_linux_drm_syncobj_surface_v1> {
    void operator()(wp_linux_drm_syncobj_surface_v1 *p) const { wp_linux_drm_syncobj_surface_v1_destroy(p); }
};
template <>
struct ProxyDeleter<zwp_linux_explicit_synchronization_v1> {
    void operator()(zwp_linux_explicit_synchronization_v1 *p) const {
        zwp_linux_explicit_synchronization_v1_destroy(p);
    }
};
template <>
struct ProxyDeleter<zwp_linux_surface_synchronization_v1> {
    void operator()(zwp_linux_surface_synchronization_v1 *p) const { zwp_linux_surface_synchronization_v1_destroy(p); }
};
template <>
struct ProxyDeleter<zwp_linux_buffer_release_v1> {
    void operator()(zwp_linux_buffer_release_v1 *p) const { zwp_linux_buffer_release_v1_destroy(p); }
};

} // namespace sluice::test
