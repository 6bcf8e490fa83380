#include "compositor/output/dmabuf_feedback.hpp"

#include <sys/stat.h>

#include "linux-dmabuf-unstable-v1-protocol.h"
#include "common/log.hpp"
#include "compositor/shell/view.hpp"

namespace sluice {

namespace {

bool device_of(int fd, dev_t &device) {
    struct stat info {};
    if (fd < 0 || fstat(fd, &info) != 0) {
        return false;
    }
    device = info.st_rdev;
    return true;
}

} // namespace

DmabufFeedback::DmabufFeedback(wlr_linux_dmabuf_v1 *dmabuf, wlr_renderer *renderer)
    : dmabuf_(dmabuf), renderer_(renderer) {
    have_main_device_ = device_of(wlr_renderer_get_drm_fd(renderer_), main_device_);
}

void DmabufFeedback::update(View &view) {
    wlr_surface *surface = view.surface();
    if (dmabuf_ == nullptr || surface == nullptr) {
        return;
    }
    wlr_output *output = view.fullscreen_output();
    const wlr_drm_format_set *plane_formats =
        output != nullptr ? wlr_output_get_primary_formats(output, WLR_BUFFER_CAP_DMABUF) : nullptr;
    dev_t scanout_device = 0;
    const wlr_drm_format_set *render_formats = wlr_renderer_get_dmabuf_texture_formats(renderer_);
    if (plane_formats == nullptr || render_formats == nullptr || !have_main_device_ ||
        !wlr_output_is_drm(output) || !device_of(wlr_backend_get_drm_fd(output->backend), scanout_device)) {
        wlr_linux_dmabuf_v1_set_surface_feedback(dmabuf_, surface, nullptr);
        return;
    }
    // Only what the renderer can also read: if the plane later refuses the
    // buffer, it must still be composited.
    wlr_drm_format_set scanout_formats{};
    if (!wlr_drm_format_set_intersect(&scanout_formats, plane_formats, render_formats)) {
        wlr_drm_format_set_finish(&scanout_formats);
        wlr_linux_dmabuf_v1_set_surface_feedback(dmabuf_, surface, nullptr);
        return;
    }
    const wlr_linux_dmabuf_feedback_v1_tranche tranches[] = {
        {scanout_device, ZWP_LINUX_DMABUF_FEEDBACK_V1_TRANCHE_FLAGS_SCANOUT, &scanout_formats},
        {main_device_, 0, render_formats},
    };
    const wlr_linux_dmabuf_feedback_v1 feedback = {main_device_, 2, tranches};
    if (!wlr_linux_dmabuf_v1_set_surface_feedback(dmabuf_, surface, &feedback)) {
        LOG_ERROR(render, "cannot send a scanout tranche to '%s'", view.title().c_str());
    } else {
        LOG_DEBUG(render, "'%s' offered a scanout tranche of %zu formats for %s", view.title().c_str(),
                  scanout_formats.len, output->name);
    }
    wlr_drm_format_set_finish(&scanout_formats);
}

} // namespace sluice
