#include "compositor/control/screenshot.hpp"

#include <functional>
#include <vector>

#include "compositor/output/output.hpp"
#include "compositor/core/server.hpp"
#include "compositor/shell/view.hpp"

namespace sluice::control {

namespace {

// A buffer from sluice's allocator in a format the renderer draws into,
// given back when the capture is done.
class Target {
public:
    Target(Server &server, int width, int height) {
        wlr_renderer *renderer = server.renderer();
        const wlr_drm_format *format = nullptr;
        if (renderer->impl->get_render_formats != nullptr) {
            if (const wlr_drm_format_set *formats = renderer->impl->get_render_formats(renderer)) {
                format = wlr_drm_format_set_get(formats, DRM_FORMAT_ARGB8888);
            }
        }
        wlr_drm_format_set fallback{};
        if (format == nullptr) {
            wlr_drm_format_set_add(&fallback, DRM_FORMAT_ARGB8888, DRM_FORMAT_MOD_INVALID);
            format = wlr_drm_format_set_get(&fallback, DRM_FORMAT_ARGB8888);
        }
        if (format != nullptr) {
            buffer_ = wlr_allocator_create_buffer(server.allocator(), width, height, format);
        }
        wlr_drm_format_set_finish(&fallback);
    }
    ~Target() {
        if (buffer_ != nullptr) {
            wlr_buffer_drop(buffer_);
        }
    }
    Target(const Target &) = delete;
    Target &operator=(const Target &) = delete;

    wlr_buffer *buffer() const { return buffer_; }

private:
    wlr_buffer *buffer_ = nullptr;
};

// Draws with `draw` into a fresh buffer cleared to `clear`, and reads the
// result back as straight RGBA.
std::optional<RgbaImage> render_and_read(Server &server, int width, int height, const float clear[4],
                                         const std::function<void(wlr_renderer *)> &draw, std::string &error) {
    if (width <= 0 || height <= 0) {
        error = "nothing to capture: the area is empty";
        return std::nullopt;
    }
    Target target(server, width, height);
    if (target.buffer() == nullptr) {
        error = "cannot allocate a buffer to draw the screenshot in";
        return std::nullopt;
    }
    wlr_renderer *renderer = server.renderer();
    if (!wlr_renderer_begin_with_buffer(renderer, target.buffer())) {
        error = "the renderer cannot draw into a screenshot buffer";
        return std::nullopt;
    }
    wlr_renderer_clear(renderer, clear);
    draw(renderer);
    const uint32_t stride = static_cast<uint32_t>(width) * 4;
    std::vector<uint8_t> argb(static_cast<size_t>(stride) * static_cast<size_t>(height));
    uint32_t flags = 0;
    bool read = wlr_renderer_read_pixels(renderer, DRM_FORMAT_ARGB8888, &flags, stride, static_cast<uint32_t>(width),
                                         static_cast<uint32_t>(height), 0, 0, 0, 0, argb.data());
    wlr_renderer_end(renderer);
    if (!read) {
        error = "the renderer cannot read pixels back";
        return std::nullopt;
    }
    RgbaImage image;
    image.width = width;
    image.height = height;
    image.rgba.resize(argb.size());
    for (int y = 0; y < height; ++y) {
        // GL reads bottom-up and says so.
        int src_y = (flags & WLR_RENDERER_READ_PIXELS_Y_INVERT) ? height - 1 - y : y;
        const uint8_t *src = argb.data() + static_cast<size_t>(src_y) * stride;
        uint8_t *dst = image.rgba.data() + static_cast<size_t>(y) * stride;
        for (int x = 0; x < width; ++x, src += 4, dst += 4) {
            // ARGB8888 is little-endian B, G, R, A in memory, and
            // premultiplied; PNG wants straight alpha.
            uint8_t a = src[3];
            auto straight = [a](uint8_t c) -> uint8_t {
                if (a == 0xff) {
                    return c;
                }
                if (a == 0) {
                    return 0;
                }
                unsigned v = (c * 255u + a / 2) / a;
                return static_cast<uint8_t>(v > 255 ? 255 : v);
            };
            dst[0] = straight(src[2]);
            dst[1] = straight(src[1]);
            dst[2] = straight(src[0]);
            dst[3] = a;
        }
    }
    return image;
}

} // namespace

std::optional<RgbaImage> capture_output(Server &server, Output &output, std::string &error) {
    wlr_output *wlr = output.wlr();
    wlr_box *box = wlr_output_layout_get_box(server.output_layout(), wlr);
    if (box == nullptr || !wlr->enabled) {
        error = std::string("output ") + wlr->name + " is not in the layout";
        return std::nullopt;
    }
    // Cleared as the output's frames are, then the scene on top:
    // wlr_scene_render_output draws into whatever the renderer has bound,
    // with the output's transform and scale.
    return render_and_read(
        server, wlr->width, wlr->height, output.clear_color(),
        [&](wlr_renderer *) { wlr_scene_render_output(server.scene(), wlr, box->x, box->y, nullptr); }, error);
}

std::optional<RgbaImage> capture_view(Server &server, View &view, std::string &error) {
    if (!view.mapped() || view.node() == nullptr) {
        error = "the window is not mapped";
        return std::nullopt;
    }
    wlr_box geometry = view.geometry();
    if (geometry.width <= 0 || geometry.height <= 0) {
        // No window geometry set: the main surface is the window.
        geometry.width = view.surface() != nullptr ? view.surface()->current.width : 0;
        geometry.height = view.surface() != nullptr ? view.surface()->current.height : 0;
    }
    const int width = geometry.width;
    const int height = geometry.height;
    const float transparent[4] = {0, 0, 0, 0};
    struct Draw {
        wlr_renderer *renderer;
        float projection[9];
        int origin_x, origin_y;
    };
    return render_and_read(
        server, width, height, transparent,
        [&](wlr_renderer *renderer) {
            Draw draw{renderer, {}, view.x(), view.y()};
            // wlroots 0.15 renderers take matrices in buffer pixels (they
            // apply their own projection): an untransformed target is the
            // identity.
            wlr_matrix_identity(draw.projection);
            // Surfaces come parent first, then children bottom to top: the
            // order they are painted in.
            wlr_scene_node_for_each_surface(
                view.node(),
                [](wlr_surface *surface, int sx, int sy, void *data) {
                    auto *d = static_cast<Draw *>(data);
                    wlr_texture *texture = wlr_surface_get_texture(surface);
                    if (texture == nullptr) {
                        return;
                    }
                    // The view's node sits at the layout origin's child
                    // level, so sx/sy are layout coordinates.
                    wlr_box box = {sx - d->origin_x, sy - d->origin_y, surface->current.width, surface->current.height};
                    wlr_fbox source{};
                    wlr_surface_get_buffer_source_box(surface, &source);
                    float matrix[9];
                    wlr_matrix_project_box(matrix, &box, wlr_output_transform_invert(surface->current.transform), 0,
                                           d->projection);
                    wlr_render_subtexture_with_matrix(d->renderer, texture, &source, matrix, 1.0f);
                },
                &draw);
        },
        error);
}

} // namespace sluice::control
