// Per-surface state that lives exactly as long as its wl_surface: a
// wlr_addon on the surface, keyed by the object the state belongs to, so
// that two owners (two gates in one process, as in the tests) never see
// each other's. The surface owns the state: it is deleted when the
// surface's addons are finished, or earlier by whoever calls destroy().
//
//   class GatedSurface : public SurfaceAddon<GatedSurface> { ... };
//   GatedSurface *state = GatedSurface::find(surface, &gate);
#pragma once

#include <utility>

#include "wlroots/wlr.hpp"

namespace sluice {

template <typename T>
class SurfaceAddon {
public:
    SurfaceAddon(const SurfaceAddon &) = delete;
    SurfaceAddon &operator=(const SurfaceAddon &) = delete;

    static T *find(wlr_surface *surface, const void *owner) {
        wlr_addon *addon = wlr_addon_find(&surface->addons, owner, &interface);
        return addon != nullptr ? reinterpret_cast<Hook *>(addon)->self : nullptr;
    }

    // The state `owner` keeps on `surface`, made with `args` when it has none.
    template <typename... Args>
    static T &get(wlr_surface *surface, const void *owner, Args &&...args) {
        T *existing = find(surface, owner);
        return existing != nullptr ? *existing : *new T(surface, owner, std::forward<Args>(args)...);
    }

    wlr_surface *surface() const { return surface_; }

    // Ends the state before its surface does.
    void destroy() { delete static_cast<T *>(this); }

protected:
    SurfaceAddon(wlr_surface *surface, const void *owner) : surface_(surface) {
        hook_.self = static_cast<T *>(this);
        wlr_addon_init(&hook_.addon, &surface->addons, owner, &interface);
    }
    // wlr_addon_finish is harmless on an addon wlroots already finished.
    ~SurfaceAddon() { wlr_addon_finish(&hook_.addon); }

private:
    // Standard layout with the addon first, so the addon's address is the
    // hook's.
    struct Hook {
        wlr_addon addon{};
        T *self = nullptr;
    };

    static void on_destroy(wlr_addon *addon) { delete reinterpret_cast<Hook *>(addon)->self; }

    static constexpr wlr_addon_interface interface = {
        .name = T::addon_name,
        .destroy = &SurfaceAddon::on_destroy,
    };

    wlr_surface *surface_;
    Hook hook_;
};

} // namespace sluice
