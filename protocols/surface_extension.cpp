#include "protocols/surface_extension.hpp"

namespace sluice::protocols {

SurfaceExtension::SurfaceExtension(SurfaceExtensions &registry, wl_resource *surface)
    : registry_(&registry), surface_(surface) {
    surface_destroy_.notify = [](wl_listener *listener, void *) {
        SurfaceExtension *self = wl_container_of(listener, self, surface_destroy_);
        self->detach();
    };
    wl_resource_add_destroy_listener(surface_, &surface_destroy_);
    registry_->map_[surface_] = this;
}

SurfaceExtension::~SurfaceExtension() {
    // Not through detach(): surface_gone() is virtual and the subclass is
    // already gone.
    if (surface_ != nullptr) {
        wl_list_remove(&surface_destroy_.link);
        if (registry_ != nullptr) {
            registry_->map_.erase(surface_);
        }
    }
}

void SurfaceExtension::detach() {
    if (surface_ == nullptr) {
        return;
    }
    wl_list_remove(&surface_destroy_.link);
    if (registry_ != nullptr) {
        registry_->map_.erase(surface_);
    }
    surface_ = nullptr;
    surface_gone();
}

SurfaceExtensions::~SurfaceExtensions() {
    for (auto &[surface, extension] : map_) {
        extension->registry_ = nullptr;
    }
}

SurfaceExtension *SurfaceExtensions::find(wl_resource *surface) const {
    auto it = map_.find(surface);
    return it != map_.end() ? it->second : nullptr;
}

ManagerResources::~ManagerResources() {
    wl_resource *resource = nullptr;
    wl_resource *tmp = nullptr;
    wl_resource_for_each_safe(resource, tmp, &list_) {
        wl_resource_set_user_data(resource, nullptr);
        wl_list_remove(wl_resource_get_link(resource));
        wl_list_init(wl_resource_get_link(resource));
    }
}

void ManagerResources::add(wl_resource *resource, const void *implementation, void *manager) {
    wl_resource_set_implementation(resource, implementation, manager,
                                   [](wl_resource *r) { wl_list_remove(wl_resource_get_link(r)); });
    wl_list_insert(&list_, wl_resource_get_link(resource));
}

} // namespace sluice::protocols
