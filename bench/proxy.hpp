// Wayland proxies owned by unique_ptr, so an object's destroy request is
// sent exactly once, and in reverse order of creation when a class holds
// several (members are destroyed bottom-up).
//
// The generated wl_*_destroy functions are static inline, so they cannot be
// template arguments without giving every class that holds a proxy
// internal linkage; one overload per interface with external linkage
// stands in for them.
#pragma once

#include <memory>

#include <wayland-client.h>

#include "linux-dmabuf-unstable-v1-client-protocol.h"
#include "linux-explicit-synchronization-unstable-v1-client-protocol.h"
#include "presentation-time-client-protocol.h"
#include "xdg-shell-client-protocol.h"

namespace bench {

inline void destroy_proxy(wl_registry *p) { wl_registry_destroy(p); }
inline void destroy_proxy(wl_compositor *p) { wl_compositor_destroy(p); }
inline void destroy_proxy(wl_shm *p) { wl_shm_destroy(p); }
inline void destroy_proxy(wl_output *p) { wl_output_destroy(p); }
inline void destroy_proxy(wl_surface *p) { wl_surface_destroy(p); }
inline void destroy_proxy(wl_buffer *p) { wl_buffer_destroy(p); }
inline void destroy_proxy(wl_callback *p) { wl_callback_destroy(p); }
inline void destroy_proxy(xdg_wm_base *p) { xdg_wm_base_destroy(p); }
inline void destroy_proxy(xdg_surface *p) { xdg_surface_destroy(p); }
inline void destroy_proxy(xdg_toplevel *p) { xdg_toplevel_destroy(p); }
inline void destroy_proxy(wp_presentation *p) { wp_presentation_destroy(p); }
inline void destroy_proxy(struct wp_presentation_feedback *p) { wp_presentation_feedback_destroy(p); }
inline void destroy_proxy(zwp_linux_dmabuf_v1 *p) { zwp_linux_dmabuf_v1_destroy(p); }
inline void destroy_proxy(zwp_linux_buffer_params_v1 *p) { zwp_linux_buffer_params_v1_destroy(p); }
inline void destroy_proxy(zwp_linux_explicit_synchronization_v1 *p) {
    zwp_linux_explicit_synchronization_v1_destroy(p);
}
inline void destroy_proxy(zwp_linux_surface_synchronization_v1 *p) { zwp_linux_surface_synchronization_v1_destroy(p); }

template <typename T>
struct ProxyDeleter {
    void operator()(T *proxy) const {
        if (proxy != nullptr) {
            destroy_proxy(proxy);
        }
    }
};

template <typename T>
using Proxy = std::unique_ptr<T, ProxyDeleter<T>>;

} // namespace bench
