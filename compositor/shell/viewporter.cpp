#include "compositor/shell/viewporter.hpp"

#include <cmath>

#include "common/resource.hpp"
#include "common/listener.hpp"
#include "common/surface_addon.hpp"
#include "viewporter-protocol.h"

namespace sluice {

namespace {

constexpr uint32_t kViewporterVersion = 1;

class Viewport;

// wlroots wants an owner to tell addons apart; there is one kind here.
constexpr char kAddonOwner = 0;

// The surface's side of its viewport: found by a second get_viewport
// (viewport_exists), and gone with the surface, which makes the viewport
// inert. The surface owns it; the viewport ends it first if it goes first.
class ViewportSlot : public SurfaceAddon<ViewportSlot> {
public:
    static constexpr const char *addon_name = "sluice-wp-viewport";

    ViewportSlot(wlr_surface *surface, const void *owner, Viewport &viewport)
        : SurfaceAddon(surface, owner), viewport_(&viewport) {}
    ~ViewportSlot();

    // The viewport goes first: end the slot without telling it.
    void release() {
        viewport_ = nullptr;
        destroy();
    }

private:
    Viewport *viewport_;
};

// One per wp_viewport, owned by its resource (freed from the resource's
// destroy). When the surface goes first, the viewport becomes inert and
// every request but destroy is no_surface.
class Viewport {
public:
    Viewport(wl_resource *resource, wlr_surface *surface)
        : resource_(resource), surface_(surface), slot_(&ViewportSlot::get(surface, &kAddonOwner, *this)) {
        surface_commit_.connect(&surface->events.commit, [this](void *) { check_applied_state(); });
    }

    ~Viewport() {
        if (surface_ != nullptr) {
            // Destroying the viewport removes its effect with the next
            // commit (double-buffered, like the requests).
            wlr_surface_state &pending = surface_->pending;
            pending.viewport.has_src = false;
            pending.viewport.has_dst = false;
            pending.committed |= WLR_SURFACE_STATE_VIEWPORT;
            slot_->release();
        }
    }

    Viewport(const Viewport &) = delete;
    Viewport &operator=(const Viewport &) = delete;

    static bool exists_for(wlr_surface *surface) { return ViewportSlot::find(surface, &kAddonOwner) != nullptr; }

    static Viewport *from(wl_resource *resource) {
        return static_cast<Viewport *>(wl_resource_get_user_data(resource));
    }

    void set_source(wl_fixed_t x_fixed, wl_fixed_t y_fixed, wl_fixed_t width_fixed, wl_fixed_t height_fixed) {
        if (surface_ == nullptr) {
            wl_resource_post_error(resource_, WP_VIEWPORT_ERROR_NO_SURFACE,
                                   "wp_viewport.set_source sent after its wl_surface was destroyed");
            return;
        }
        const double x = wl_fixed_to_double(x_fixed), y = wl_fixed_to_double(y_fixed);
        const double width = wl_fixed_to_double(width_fixed), height = wl_fixed_to_double(height_fixed);
        wlr_surface_state &pending = surface_->pending;
        if (x == -1.0 && y == -1.0 && width == -1.0 && height == -1.0) {
            pending.viewport.has_src = false;
        } else if (x < 0 || y < 0 || width <= 0 || height <= 0) {
            wl_resource_post_error(resource_, WP_VIEWPORT_ERROR_BAD_VALUE,
                                   "wp_viewport.set_source: origin must be >= 0 and size > 0 (or all -1)");
            return;
        } else {
            pending.viewport.has_src = true;
        }
        pending.viewport.src = {x, y, width, height};
        pending.committed |= WLR_SURFACE_STATE_VIEWPORT;
    }

    void set_destination(int32_t width, int32_t height) {
        if (surface_ == nullptr) {
            wl_resource_post_error(resource_, WP_VIEWPORT_ERROR_NO_SURFACE,
                                   "wp_viewport.set_destination sent after its wl_surface was destroyed");
            return;
        }
        wlr_surface_state &pending = surface_->pending;
        if (width == -1 && height == -1) {
            pending.viewport.has_dst = false;
        } else if (width <= 0 || height <= 0) {
            wl_resource_post_error(resource_, WP_VIEWPORT_ERROR_BAD_VALUE,
                                   "wp_viewport.set_destination: size must be > 0 (or both -1)");
            return;
        } else {
            pending.viewport.has_dst = true;
        }
        pending.viewport.dst_width = width;
        pending.viewport.dst_height = height;
        pending.committed |= WLR_SURFACE_STATE_VIEWPORT;
    }

    // The surface is being destroyed: the viewport stays as an inert object.
    void surface_gone() {
        surface_commit_.disconnect();
        surface_ = nullptr;
        slot_ = nullptr;
    }

private:
    // The commit just applied: the XML's checks "when the surface state is
    // applied", on the state that was applied (current), buffer included.
    void check_applied_state() {
        const wlr_surface_state &state = surface_->current;
        if (!state.viewport.has_src) {
            return;
        }
        const wlr_fbox &src = state.viewport.src;
        if (!state.viewport.has_dst && (std::floor(src.width) != src.width || std::floor(src.height) != src.height)) {
            wl_resource_post_error(resource_, WP_VIEWPORT_ERROR_BAD_SIZE,
                                   "wp_viewport: a source of %gx%g needs a destination (not an integer size)",
                                   src.width, src.height);
            return;
        }
        if (state.buffer_width <= 0 || state.buffer_height <= 0) {
            return; // no buffer: nothing to be outside of
        }
        // The source is in surface coordinates: after the buffer's
        // transform and scale.
        const bool swapped = (state.transform % 2) == 1;
        const double scale = state.scale > 0 ? state.scale : 1;
        const double width = (swapped ? state.buffer_height : state.buffer_width) / scale;
        const double height = (swapped ? state.buffer_width : state.buffer_height) / scale;
        if (src.x + src.width > width || src.y + src.height > height) {
            wl_resource_post_error(resource_, WP_VIEWPORT_ERROR_OUT_OF_BUFFER,
                                   "wp_viewport: source %g,%g %gx%g is outside the %gx%g buffer", src.x, src.y,
                                   src.width, src.height, width, height);
        }
    }

    wl_resource *resource_;
    wlr_surface *surface_;
    ViewportSlot *slot_;
    Listener surface_commit_;
};

ViewportSlot::~ViewportSlot() {
    if (viewport_ != nullptr) {
        viewport_->surface_gone();
    }
}

const struct wp_viewport_interface kViewportImpl = {
    .destroy = [](wl_client *, wl_resource *resource) { wl_resource_destroy(resource); },
    .set_source = [](wl_client *, wl_resource *resource, wl_fixed_t x, wl_fixed_t y, wl_fixed_t width,
                     wl_fixed_t height) { Viewport::from(resource)->set_source(x, y, width, height); },
    .set_destination = [](wl_client *, wl_resource *resource, int32_t width,
                          int32_t height) { Viewport::from(resource)->set_destination(width, height); },
};

void handle_get_viewport(wl_client *client, wl_resource *resource, uint32_t id, wl_resource *surface_resource) {
    wlr_surface *surface = wlr_surface_from_resource(surface_resource);
    if (Viewport::exists_for(surface)) {
        wl_resource_post_error(resource, WP_VIEWPORTER_ERROR_VIEWPORT_EXISTS,
                               "wp_viewporter.get_viewport: this wl_surface already has a viewport");
        return;
    }
    wl_resource *viewport_resource = create_resource(client, &wp_viewport_interface, resource, id);
    if (viewport_resource == nullptr) {
        return;
    }
    auto *viewport = new Viewport(viewport_resource, surface);
    wl_resource_set_implementation(viewport_resource, &kViewportImpl, viewport,
                                   [](wl_resource *r) { delete Viewport::from(r); });
}

const struct wp_viewporter_interface kViewporterImpl = {
    .destroy = [](wl_client *, wl_resource *resource) { wl_resource_destroy(resource); },
    .get_viewport = handle_get_viewport,
};

} // namespace

Viewporter::Viewporter(wl_display *display)
    : global_(wl_global_create(display, &wp_viewporter_interface, kViewporterVersion, this, &Viewporter::bind)) {}

Viewporter::~Viewporter() {
    if (global_ != nullptr) {
        wl_global_destroy(global_);
    }
}

void Viewporter::bind(wl_client *client, void *data, uint32_t version, uint32_t id) {
    wl_resource *resource = create_resource(client, &wp_viewporter_interface, static_cast<int>(version), id);
    if (resource == nullptr) {
        return;
    }
    wl_resource_set_implementation(resource, &kViewporterImpl, data, nullptr);
}

} // namespace sluice
