// Owning handles for client-side Wayland proxies.
//
// Each proxy type gets the deleter that sends its protocol destructor
// (xdg_surface.destroy, wl_output.release, ...) so that dropping a handle
// tells the compositor, as a well-behaved client would. A handle must not
// outlive the wl_display it was created on: the Client owns the display and
// test code declares it first, so reverse destruction order does the rest.
#pragma once

#include <memory>
#include <utility>

#include <wayland-client.h>

#include "unique_fd.hpp"

#include "commit-timing-v1-client-protocol.h"
#include "fifo-v1-client-protocol.h"
#include "presentation-time-client-protocol.h"
#include "tearing-control-v1-client-protocol.h"
#include "viewporter-client-protocol.h"
#include "wlr-screencopy-unstable-v1-client-protocol.h"
#include "xdg-output-unstable-v1-client-protocol.h"
#include "xdg-shell-client-protocol.h"

namespace sluice::test {

template <typename T>
struct ProxyDeleter;

#define SLUICE_TEST_PROXY_DELETER(type, destroy_fn)       \
    template <>                                           \
    struct ProxyDeleter<type> {                           \
        void operator()(type *p) const { destroy_fn(p); } \
    }

SLUICE_TEST_PROXY_DELETER(wl_registry, wl_registry_destroy);
SLUICE_TEST_PROXY_DELETER(wl_callback, wl_callback_destroy);
SLUICE_TEST_PROXY_DELETER(wl_compositor, wl_compositor_destroy);
SLUICE_TEST_PROXY_DELETER(wl_subcompositor, wl_subcompositor_destroy);
SLUICE_TEST_PROXY_DELETER(wl_subsurface, wl_subsurface_destroy);
SLUICE_TEST_PROXY_DELETER(wl_surface, wl_surface_destroy);
SLUICE_TEST_PROXY_DELETER(wl_region, wl_region_destroy);
SLUICE_TEST_PROXY_DELETER(wl_shm, wl_shm_destroy);
SLUICE_TEST_PROXY_DELETER(wl_shm_pool, wl_shm_pool_destroy);
SLUICE_TEST_PROXY_DELETER(wl_buffer, wl_buffer_destroy);
SLUICE_TEST_PROXY_DELETER(xdg_wm_base, xdg_wm_base_destroy);
SLUICE_TEST_PROXY_DELETER(xdg_surface, xdg_surface_destroy);
SLUICE_TEST_PROXY_DELETER(xdg_toplevel, xdg_toplevel_destroy);
SLUICE_TEST_PROXY_DELETER(xdg_popup, xdg_popup_destroy);
SLUICE_TEST_PROXY_DELETER(xdg_positioner, xdg_positioner_destroy);
SLUICE_TEST_PROXY_DELETER(wp_presentation, wp_presentation_destroy);
SLUICE_TEST_PROXY_DELETER(struct wp_presentation_feedback, wp_presentation_feedback_destroy);
SLUICE_TEST_PROXY_DELETER(wp_viewporter, wp_viewporter_destroy);
SLUICE_TEST_PROXY_DELETER(wp_viewport, wp_viewport_destroy);
SLUICE_TEST_PROXY_DELETER(zwlr_screencopy_manager_v1, zwlr_screencopy_manager_v1_destroy);
SLUICE_TEST_PROXY_DELETER(zwlr_screencopy_frame_v1, zwlr_screencopy_frame_v1_destroy);
SLUICE_TEST_PROXY_DELETER(zxdg_output_manager_v1, zxdg_output_manager_v1_destroy);
SLUICE_TEST_PROXY_DELETER(zxdg_output_v1, zxdg_output_v1_destroy);
SLUICE_TEST_PROXY_DELETER(wp_fifo_manager_v1, wp_fifo_manager_v1_destroy);
SLUICE_TEST_PROXY_DELETER(wp_fifo_v1, wp_fifo_v1_destroy);
SLUICE_TEST_PROXY_DELETER(wp_commit_timing_manager_v1, wp_commit_timing_manager_v1_destroy);
SLUICE_TEST_PROXY_DELETER(wp_commit_timer_v1, wp_commit_timer_v1_destroy);
SLUICE_TEST_PROXY_DELETER(wp_tearing_control_manager_v1, wp_tearing_control_manager_v1_destroy);
SLUICE_TEST_PROXY_DELETER(wp_tearing_control_v1, wp_tearing_control_v1_destroy);

#undef SLUICE_TEST_PROXY_DELETER

// wl_output and wl_seat only have a destructor request from version 3 / 5
// on; older bindings can only be forgotten locally.
template <>
struct ProxyDeleter<wl_output> {
    void operator()(wl_output *p) const {
        if (wl_output_get_version(p) >= WL_OUTPUT_RELEASE_SINCE_VERSION)
            wl_output_release(p);
        else
            wl_output_destroy(p);
    }
};

template <>
struct ProxyDeleter<wl_seat> {
    void operator()(wl_seat *p) const {
        if (wl_seat_get_version(p) >= WL_SEAT_RELEASE_SINCE_VERSION)
            wl_seat_release(p);
        else
            wl_seat_destroy(p);
    }
};

template <typename T>
using Proxy = std::unique_ptr<T, ProxyDeleter<T>>;

} // namespace sluice::test
