#include "render/gles2_device.hpp"

#include <array>
#include <string_view>

#include <GLES2/gl2.h>
#include <xf86drm.h>

namespace sluice::render {

namespace {

bool names_cpu_rasterizer(std::string_view gl_renderer) {
    constexpr std::array<std::string_view, 3> rasterizers = {"llvmpipe", "softpipe", "swrast"};
    for (std::string_view name : rasterizers) {
        if (gl_renderer.substr(0, name.size()) == name) {
            return true;
        }
    }
    return false;
}

std::string drm_driver_of(int fd) {
    if (fd < 0) {
        return {};
    }
    drmVersionPtr version = drmGetVersion(fd);
    if (version == nullptr) {
        return {};
    }
    std::string name(version->name, static_cast<size_t>(version->name_len));
    drmFreeVersion(version);
    return name;
}

} // namespace

Gles2Device describe_gles2_device(wlr_renderer *renderer) {
    Gles2Device device;
    wlr_egl *egl = wlr_gles2_renderer_get_egl(renderer);
    if (egl != nullptr && wlr_egl_make_current(egl)) {
        const auto *name = reinterpret_cast<const char *>(glGetString(GL_RENDERER));
        device.gl_renderer = name != nullptr ? name : "";
        wlr_egl_unset_current(egl);
    }
    device.drm_driver = drm_driver_of(wlr_renderer_get_drm_fd(renderer));
    device.software = names_cpu_rasterizer(device.gl_renderer);
    return device;
}

} // namespace sluice::render
