#include "protocols/tearing_control_v1.hpp"

#include "common/resource.hpp"
#include "tearing-control-v1-protocol.h"

namespace sluice::protocols {

namespace {

void destroy_resource(wl_client *, wl_resource *resource) { wl_resource_destroy(resource); }

} // namespace

// wp_tearing_control_v1. Destroying it reverts the hint to vsync "on the
// next wl_surface.commit", so the object outlives its resource until that
// commit (or the surface's end) has taken the revert.
class TearingControl final : public SurfaceExtension {
public:
    TearingControl(SurfaceExtensions &registry, wl_resource *resource, wl_resource *surface)
        : SurfaceExtension(registry, surface), resource_(resource) {}

    static TearingControl *from_resource(wl_resource *resource) {
        return static_cast<TearingControl *>(wl_resource_get_user_data(resource));
    }

    void set_hint(uint32_t hint) {
        // An unknown value is no error the XML names: treat it as no promise
        // that tearing is fine.
        pending_ =
            hint == WP_TEARING_CONTROL_V1_PRESENTATION_HINT_ASYNC ? PresentationHint::async : PresentationHint::vsync;
    }

    // The resource is gone: vsync from the next commit on. True when
    // nothing is left to apply, and the object may go now.
    bool resource_gone() {
        resource_ = nullptr;
        pending_ = PresentationHint::vsync;
        return surface() == nullptr || current_ == PresentationHint::vsync;
    }

    // Applies the pending hint; true when the object is done (its resource
    // went before this commit).
    bool take_commit() {
        current_ = pending_;
        return resource_ == nullptr;
    }

    [[nodiscard]] PresentationHint current() const { return current_; }
    [[nodiscard]] bool orphaned() const { return resource_ == nullptr; }

private:
    void surface_gone() override {
        if (resource_ == nullptr) {
            delete this;
        }
    }

    wl_resource *resource_;
    PresentationHint pending_ = PresentationHint::vsync;
    PresentationHint current_ = PresentationHint::vsync;
};

TearingControlManagerV1::TearingControlManagerV1(wl_display *display) {
    global_ =
        wl_global_create(display, &wp_tearing_control_manager_v1_interface, 1, this, &TearingControlManagerV1::bind);
}

TearingControlManagerV1::~TearingControlManagerV1() { wl_global_destroy(global_); }

void TearingControlManagerV1::bind(wl_client *client, void *data, uint32_t version, uint32_t id) {
    auto *self = static_cast<TearingControlManagerV1 *>(data);
    wl_resource *resource = create_resource(client, &wp_tearing_control_manager_v1_interface, version, id);
    if (resource == nullptr) {
        return;
    }
    static const struct wp_tearing_control_manager_v1_interface impl = {
        .destroy = destroy_resource,
        .get_tearing_control = &TearingControlManagerV1::handle_get_tearing_control,
    };
    self->resources_.add(resource, &impl, self);
}

void TearingControlManagerV1::handle_get_tearing_control(wl_client *client, wl_resource *resource, uint32_t id,
                                                         wl_resource *surface) {
    auto *self = static_cast<TearingControlManagerV1 *>(wl_resource_get_user_data(resource));
    if (self == nullptr) {
        return;
    }
    auto *existing = static_cast<TearingControl *>(self->surfaces_.find(surface));
    if (existing != nullptr && !existing->orphaned()) {
        wl_resource_post_error(resource, WP_TEARING_CONTROL_MANAGER_V1_ERROR_TEARING_CONTROL_EXISTS,
                               "the wl_surface already has a wp_tearing_control_v1");
        return;
    }
    wl_resource *extension = create_resource(client, &wp_tearing_control_v1_interface, resource, id);
    if (extension == nullptr) {
        return;
    }
    // The old object's revert is pending; the new one starts from vsync
    // pending as well, so dropping it loses nothing.
    delete existing;
    static const struct wp_tearing_control_v1_interface impl = {
        .set_presentation_hint = [](wl_client *, wl_resource *r,
                                    uint32_t hint) { TearingControl::from_resource(r)->set_hint(hint); },
        .destroy = destroy_resource,
    };
    auto *object = new TearingControl(self->surfaces_, extension, surface);
    wl_resource_set_implementation(extension, &impl, object, [](wl_resource *r) {
        TearingControl *control = TearingControl::from_resource(r);
        if (control->resource_gone()) {
            delete control;
        }
    });
}

void TearingControlManagerV1::take_commit(wl_resource *surface) {
    if (auto *control = static_cast<TearingControl *>(surfaces_.find(surface))) {
        if (control->take_commit()) {
            delete control;
        }
    }
}

PresentationHint TearingControlManagerV1::hint(wl_resource *surface) const {
    auto *control = static_cast<TearingControl *>(surfaces_.find(surface));
    return control != nullptr ? control->current() : PresentationHint::vsync;
}

const char *to_string(PresentationHint hint) { return hint == PresentationHint::async ? "async" : "vsync"; }

} // namespace sluice::protocols
