#include "render/factory.hpp"

#include <utility>

#include "render/dmabuf_device.hpp"
#include "common/log.hpp"
#include "render/software_renderer.hpp"

namespace sluice::render {

wlr_renderer *create_pixman_renderer(wlr_backend *backend) {
    SoftwareRendererOptions options;
    if (auto device = find_dmabuf_device(backend)) {
        LOG_INFO(render,
                 "pixman renderer; linux-dmabuf advertises %s (%s), dma-bufs composited from a "
                 "CPU mapping",
                 device->path.c_str(), device->origin.c_str());
        options.drm_fd = std::move(device->fd);
    } else {
        LOG_INFO(render, "pixman renderer; no DRM device (none from the backend, none usable in /dev/dri): "
                         "shm buffers only");
    }
    return create_software_renderer(std::move(options));
}

} // namespace sluice::render
