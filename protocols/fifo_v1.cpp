#include "protocols/fifo_v1.hpp"

#include "common/resource.hpp"
#include "fifo-v1-protocol.h"

namespace sluice::protocols {

namespace {

void destroy_resource(wl_client *, wl_resource *resource) { wl_resource_destroy(resource); }

} // namespace

// wp_fifo_v1. Inert once its wl_surface is gone; what it set stays with the
// commits already made.
class Fifo final : public SurfaceExtension {
public:
    Fifo(SurfaceExtensions &registry, wl_resource *resource, wl_resource *surface)
        : SurfaceExtension(registry, surface), resource_(resource) {}

    static Fifo *from_resource(wl_resource *resource) {
        return static_cast<Fifo *>(wl_resource_get_user_data(resource));
    }

    void set_barrier() {
        if (check_surface()) {
            pending_.set_barrier = true;
        }
    }

    void wait_barrier() {
        if (check_surface()) {
            pending_.wait_barrier = true;
        }
    }

    void take_commit(CommitTiming &out) {
        out.set_barrier = pending_.set_barrier;
        out.wait_barrier = pending_.wait_barrier;
        pending_ = {};
    }

private:
    bool check_surface() {
        if (surface() != nullptr) {
            return true;
        }
        wl_resource_post_error(resource_, WP_FIFO_V1_ERROR_SURFACE_DESTROYED, "the wl_surface was destroyed");
        return false;
    }

    void surface_gone() override { pending_ = {}; }

    wl_resource *resource_;
    CommitTiming pending_;
};

FifoManagerV1::FifoManagerV1(wl_display *display) {
    global_ = wl_global_create(display, &wp_fifo_manager_v1_interface, 1, this, &FifoManagerV1::bind);
}

FifoManagerV1::~FifoManagerV1() { wl_global_destroy(global_); }

void FifoManagerV1::bind(wl_client *client, void *data, uint32_t version, uint32_t id) {
    auto *self = static_cast<FifoManagerV1 *>(data);
    wl_resource *resource = create_resource(client, &wp_fifo_manager_v1_interface, version, id);
    if (resource == nullptr) {
        return;
    }
    static const struct wp_fifo_manager_v1_interface impl = {
        .destroy = destroy_resource,
        .get_fifo = &FifoManagerV1::handle_get_fifo,
    };
    self->resources_.add(resource, &impl, self);
}

void FifoManagerV1::handle_get_fifo(wl_client *client, wl_resource *resource, uint32_t id, wl_resource *surface) {
    auto *self = static_cast<FifoManagerV1 *>(wl_resource_get_user_data(resource));
    if (self == nullptr) {
        return;
    }
    if (self->surfaces_.find(surface) != nullptr) {
        wl_resource_post_error(resource, WP_FIFO_MANAGER_V1_ERROR_ALREADY_EXISTS,
                               "the wl_surface already has a wp_fifo_v1");
        return;
    }
    wl_resource *extension = create_resource(client, &wp_fifo_v1_interface, resource, id);
    if (extension == nullptr) {
        return;
    }
    static const struct wp_fifo_v1_interface impl = {
        .set_barrier = [](wl_client *, wl_resource *r) { Fifo::from_resource(r)->set_barrier(); },
        .wait_barrier = [](wl_client *, wl_resource *r) { Fifo::from_resource(r)->wait_barrier(); },
        .destroy = destroy_resource,
    };
    auto *object = new Fifo(self->surfaces_, extension, surface);
    wl_resource_set_implementation(extension, &impl, object, [](wl_resource *r) { delete Fifo::from_resource(r); });
}

void FifoManagerV1::take_commit(wl_resource *surface, CommitTiming &out) {
    if (auto *fifo = static_cast<Fifo *>(surfaces_.find(surface))) {
        fifo->take_commit(out);
    }
}

} // namespace sluice::protocols
