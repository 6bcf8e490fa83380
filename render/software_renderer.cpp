#include "render/software_renderer.hpp"

#include <optional>
#include <utility>
#include <vector>

#include <drm_fourcc.h>

#include "render/dmabuf_mapping.hpp"
#include "render/formats.hpp"
#include "common/log.hpp"
#include "render/mapped_buffer.hpp"
#include "render/pixman_draw.hpp"
#include "render/pixman_texture.hpp"

namespace sluice::render {

namespace {

// One per wlr_renderer that create_software_renderer() hands out. wlroots
// frees it through impl.destroy (wlr_renderer_destroy), never directly.
//
// The inner pixman renderer owns the render target: begin/end go through
// wlr_renderer_begin/end (so the inner's `rendering` flag is right, its
// asserts hold and the target's data pointer is opened and closed), and
// bind_buffer goes to the inner's bind directly, because wlroots binds
// without beginning (wlr_output's back buffer, preferred_read_format) and
// has no public call for that. Everything drawn between begin and end is
// sluice's, into wlr_pixman_renderer_get_current_image(): the inner's
// scissor (a clip region on the target image) is never set.
class SoftwareRenderer {
public:
    static SoftwareRenderer *from(wlr_renderer *renderer) {
        // Handle is standard-layout with the wlr_renderer first.
        return reinterpret_cast<Handle *>(renderer)->owner;
    }

    SoftwareRenderer(wlr_renderer *inner, SoftwareRendererOptions options)
        : inner_(inner), drm_fd_(std::move(options.drm_fd)), sync_(std::move(options.cpu_access_sync)),
          importable_(cpu_importable_formats(inner)) {
        wlr_renderer_init(&handle_.base, &impl);
        handle_.owner = this;
        // Without a device to advertise, report no formats at all: wlroots
        // then offers neither linux-dmabuf nor wl_drm, rather than a global
        // whose main device is missing.
        if (drm_fd_.valid()) {
            for (uint32_t format : importable_) {
                // INVALID (implicit modifier) for clients that allocate
                // without modifiers: on vgem, udmabuf and dumb buffers that
                // is linear, and the import checks nothing else is claimed.
                wlr_drm_format_set_add(&dmabuf_formats_, format, DRM_FORMAT_MOD_LINEAR);
                wlr_drm_format_set_add(&dmabuf_formats_, format, DRM_FORMAT_MOD_INVALID);
            }
        }
        // wlroots' pixman claims only the implicit modifier for what it
        // renders into, but it renders into CPU-mapped, hence linear,
        // buffers. A KMS cursor plane takes LINEAR only (wlroots forces it
        // there), so without LINEAR here no cursor buffer could be picked
        // and the cursor was always drawn in software.
        const wlr_drm_format_set *rendered =
            inner_->impl->get_render_formats != nullptr ? inner_->impl->get_render_formats(inner_) : nullptr;
        for (size_t i = 0; rendered != nullptr && i < rendered->len; ++i) {
            const wlr_drm_format *format = rendered->formats[i];
            for (size_t m = 0; m < format->len; ++m) {
                wlr_drm_format_set_add(&render_formats_, format->format, format->modifiers[m]);
            }
            wlr_drm_format_set_add(&render_formats_, format->format, DRM_FORMAT_MOD_LINEAR);
        }
    }

    ~SoftwareRenderer() {
        // Textures still alive die with their renderer (as with wlroots'
        // own renderers), which drops the wrappers and with them the
        // client buffers' locks.
        textures_.destroy_all();
        wlr_renderer_destroy(inner_);
        wlr_drm_format_set_finish(&dmabuf_formats_);
        wlr_drm_format_set_finish(&render_formats_);
    }

    SoftwareRenderer(const SoftwareRenderer &) = delete;
    SoftwareRenderer &operator=(const SoftwareRenderer &) = delete;

    wlr_renderer *wlr() { return &handle_.base; }

    static const wlr_renderer_impl impl;

private:
    struct Handle {
        wlr_renderer base;
        SoftwareRenderer *owner;
    };

    static wlr_renderer *inner(wlr_renderer *renderer) { return from(renderer)->inner_; }

    static bool bind_buffer(wlr_renderer *renderer, wlr_buffer *buffer) {
        wlr_renderer *in = inner(renderer);
        return in->impl->bind_buffer(in, buffer);
    }
    static void begin(wlr_renderer *renderer, uint32_t width, uint32_t height) {
        SoftwareRenderer *self = from(renderer);
        // The inner's begin opens the target buffer's data pointer and
        // re-makes its image if the pointer moved; only then is the image
        // current.
        wlr_renderer_begin(self->inner_, width, height);
        self->target_ = wlr_pixman_renderer_get_current_image(self->inner_);
        self->scissor_.reset();
    }
    static void end(wlr_renderer *renderer) {
        SoftwareRenderer *self = from(renderer);
        self->target_ = nullptr;
        wlr_renderer_end(self->inner_);
    }
    static void clear(wlr_renderer *renderer, const float color[4]) {
        SoftwareRenderer *self = from(renderer);
        if (self->target_ != nullptr) {
            fill_box(self->target_, self->clip(), self->bounds(), color);
        }
    }
    static void scissor(wlr_renderer *renderer, wlr_box *box) {
        SoftwareRenderer *self = from(renderer);
        if (box == nullptr) {
            self->scissor_.reset();
        } else {
            self->scissor_ = PixelBox{box->x, box->y, box->x + box->width, box->y + box->height};
        }
    }
    static bool render_subtexture_with_matrix(wlr_renderer *renderer, wlr_texture *texture, const wlr_fbox *box,
                                              const float matrix[9], float alpha) {
        return from(renderer)->draw(texture, *box, matrix, alpha);
    }
    static void render_quad_with_matrix(wlr_renderer *renderer, const float color[4], const float matrix[9]) {
        SoftwareRenderer *self = from(renderer);
        if (self->target_ != nullptr) {
            draw_quad(self->target_, self->clip(), plan_quad_draw(matrix), color);
        }
    }
    static const uint32_t *get_shm_texture_formats(wlr_renderer *renderer, size_t *len) {
        return wlr_renderer_get_shm_texture_formats(inner(renderer), len);
    }
    static const wlr_drm_format_set *get_dmabuf_texture_formats(wlr_renderer *renderer) {
        SoftwareRenderer *self = from(renderer);
        return self->drm_fd_.valid() ? &self->dmabuf_formats_ : nullptr;
    }
    static const wlr_drm_format_set *get_render_formats(wlr_renderer *renderer) {
        return &from(renderer)->render_formats_;
    }
    static uint32_t preferred_read_format(wlr_renderer *renderer) {
        wlr_renderer *in = inner(renderer);
        return in->impl->preferred_read_format != nullptr ? in->impl->preferred_read_format(in) : DRM_FORMAT_INVALID;
    }
    static bool read_pixels(wlr_renderer *renderer, uint32_t fmt, uint32_t *flags, uint32_t stride, uint32_t width,
                            uint32_t height, uint32_t src_x, uint32_t src_y, uint32_t dst_x, uint32_t dst_y,
                            void *data) {
        return wlr_renderer_read_pixels(inner(renderer), fmt, flags, stride, width, height, src_x, src_y, dst_x, dst_y,
                                        data);
    }
    static void destroy(wlr_renderer *renderer) { delete from(renderer); }
    static int get_drm_fd(wlr_renderer *renderer) { return from(renderer)->drm_fd_.get(); }
    static uint32_t get_render_buffer_caps(wlr_renderer *renderer) {
        wlr_renderer *in = inner(renderer);
        return in->impl->get_render_buffer_caps(in);
    }
    static wlr_texture *texture_from_buffer(wlr_renderer *renderer, wlr_buffer *buffer) {
        return from(renderer)->texture_from(buffer);
    }

    wlr_texture *texture_from(wlr_buffer *buffer);
    bool draw(wlr_texture *texture, const wlr_fbox &box, const float matrix[9], float alpha);

    // The target's pixels: the whole image, or the scissor within it.
    PixelBox bounds() const { return {0, 0, pixman_image_get_width(target_), pixman_image_get_height(target_)}; }
    PixelBox clip() const { return scissor_ ? scissor_->intersect(bounds()) : bounds(); }

    Handle handle_{};
    wlr_renderer *inner_;
    sync::UniqueFd drm_fd_;
    CpuAccessSync sync_;
    // What the import accepts, with or without a DRM fd: pixman's formats
    // whose layout sluice knows.
    std::vector<uint32_t> importable_;
    wlr_drm_format_set dmabuf_formats_{};
    wlr_drm_format_set render_formats_{};
    PixmanTexture::Registry textures_;
    // Between begin and end: the bound buffer's image and the scissor box.
    pixman_image_t *target_ = nullptr;
    std::optional<PixelBox> scissor_;
};

const wlr_renderer_impl SoftwareRenderer::impl = {
    .bind_buffer = SoftwareRenderer::bind_buffer,
    .begin = SoftwareRenderer::begin,
    .end = SoftwareRenderer::end,
    .clear = SoftwareRenderer::clear,
    .scissor = SoftwareRenderer::scissor,
    .render_subtexture_with_matrix = SoftwareRenderer::render_subtexture_with_matrix,
    .render_quad_with_matrix = SoftwareRenderer::render_quad_with_matrix,
    .get_shm_texture_formats = SoftwareRenderer::get_shm_texture_formats,
    .get_dmabuf_texture_formats = SoftwareRenderer::get_dmabuf_texture_formats,
    .get_render_formats = SoftwareRenderer::get_render_formats,
    .preferred_read_format = SoftwareRenderer::preferred_read_format,
    .read_pixels = SoftwareRenderer::read_pixels,
    .destroy = SoftwareRenderer::destroy,
    .get_drm_fd = SoftwareRenderer::get_drm_fd,
    .get_render_buffer_caps = SoftwareRenderer::get_render_buffer_caps,
    .texture_from_buffer = SoftwareRenderer::texture_from_buffer,
};

wlr_texture *SoftwareRenderer::texture_from(wlr_buffer *buffer) {
    // Memory pixman can already point at (wl_shm, wlroots' own pixel
    // buffers) needs nothing from sluice.
    wlr_dmabuf_attributes attribs{};
    if (buffer->impl->begin_data_ptr_access != nullptr || !wlr_buffer_get_dmabuf(buffer, &attribs)) {
        return PixmanTexture::create(buffer, textures_);
    }

    const FourccName name = fourcc_name(attribs.format);
    bool known = false;
    for (uint32_t format : importable_) {
        known = known || format == attribs.format;
    }
    // Refusing here is what makes linux-dmabuf answer `failed` (or its
    // invalid_wl_buffer error for create_immed): it tries a texture at import.
    if (!known) {
        LOG_ERROR(render, "dma-buf %dx%d refused: format %s (0x%08x) cannot be read by pixman", attribs.width,
                  attribs.height, name.text, attribs.format);
        return nullptr;
    }
    auto mapping = DmabufMapping::map(attribs, *packed_bytes_per_pixel(attribs.format));
    if (!mapping) {
        LOG_ERROR(render, "dma-buf %dx%d %s refused: %s", attribs.width, attribs.height, name.text,
                  mapping.error().message.c_str());
        return nullptr;
    }
    wlr_buffer *wrapper = MappedDmabufBuffer::create(buffer, attribs.format, std::move(mapping).value(), sync_);
    // The texture takes its first look (and the first CPU-access bracket)
    // here; a dma-buf that refuses DMA_BUF_IOCTL_SYNC is refused now, not
    // per frame.
    wlr_texture *texture = PixmanTexture::create(wrapper, textures_);
    // The texture holds the only lock that should keep the wrapper alive.
    wlr_buffer_drop(wrapper);
    if (texture == nullptr) {
        LOG_ERROR(render, "dma-buf %dx%d %s refused: pixman cannot make a texture of it", attribs.width, attribs.height,
                  name.text);
    }
    return texture;
}

bool SoftwareRenderer::draw(wlr_texture *texture, const wlr_fbox &box, const float matrix[9], float alpha) {
    PixmanTexture *pixman = PixmanTexture::from(texture);
    if (target_ == nullptr || pixman == nullptr) {
        return false;
    }
    const DrawPlan plan =
        plan_texture_draw({box.x, box.y, box.width, box.height}, matrix, static_cast<int32_t>(texture->width),
                          static_cast<int32_t>(texture->height));
    if (plan.kind == DrawPlan::Kind::Nothing || plan.target.intersect(clip()).empty()) {
        // Nothing of it shows here: not even the data pointer is opened
        // (for a dma-buf, no DMA_BUF_IOCTL_SYNC).
        return true;
    }
    // Every composite reads inside its own data-pointer bracket.
    PixmanTexture::Read read(*pixman);
    if (read.image() == nullptr) {
        return false;
    }
    return draw_texture(target_, clip(), {read.image(), pixman->opaque()}, plan, alpha);
}

} // namespace

wlr_renderer *create_software_renderer(SoftwareRendererOptions options) {
    wlr_renderer *inner = wlr_pixman_renderer_create();
    if (inner == nullptr) {
        LOG_ERROR(render, "cannot create the pixman renderer");
        return nullptr;
    }
    return (new SoftwareRenderer(inner, std::move(options)))->wlr();
}

bool is_software_renderer(wlr_renderer *renderer) {
    return renderer != nullptr && renderer->impl == &SoftwareRenderer::impl;
}

const char *renderer_description(wlr_renderer *renderer) {
    if (is_software_renderer(renderer)) {
        return "pixman with software dma-buf import";
    }
    return wlr_renderer_is_pixman(renderer) ? "pixman" : "gles2";
}

} // namespace sluice::render
