#include "render/software_renderer.hpp"

#include <utility>
#include <vector>

#include <drm_fourcc.h>

#include "render/dmabuf_mapping.hpp"
#include "render/formats.hpp"
#include "render/log.hpp"
#include "render/mapped_buffer.hpp"

namespace sluice::render {

namespace {

// One per wlr_renderer that create_software_renderer() hands out. wlroots
// frees it through impl.destroy (wlr_renderer_destroy), never directly.
//
// Forwarding keeps the inner renderer's own state machine intact: begin/end
// go through wlr_renderer_begin/end (so the inner's `rendering` flag is
// right and its asserts hold), and bind_buffer goes to the inner's bind
// directly, because wlroots binds without beginning (wlr_output's back
// buffer, preferred_read_format) and has no public call for that.
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
    }

    ~SoftwareRenderer() {
        // The inner renderer destroys the textures still alive, which drops
        // the wrappers and with them the client buffers' locks.
        wlr_renderer_destroy(inner_);
        wlr_drm_format_set_finish(&dmabuf_formats_);
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
        wlr_renderer_begin(inner(renderer), width, height);
    }
    static void end(wlr_renderer *renderer) { wlr_renderer_end(inner(renderer)); }
    static void clear(wlr_renderer *renderer, const float color[4]) {
        wlr_renderer_clear(inner(renderer), color);
    }
    static void scissor(wlr_renderer *renderer, wlr_box *box) { wlr_renderer_scissor(inner(renderer), box); }
    static bool render_subtexture_with_matrix(wlr_renderer *renderer, wlr_texture *texture, const wlr_fbox *box,
                                              const float matrix[9], float alpha) {
        // Textures are the inner's (texture_from_buffer returns its), and a
        // dma-buf texture's reads are bracketed by the wrapper's data-pointer
        // access, which pixman opens and closes around this very composite.
        return wlr_render_subtexture_with_matrix(inner(renderer), texture, box, matrix, alpha);
    }
    static void render_quad_with_matrix(wlr_renderer *renderer, const float color[4], const float matrix[9]) {
        wlr_render_quad_with_matrix(inner(renderer), color, matrix);
    }
    static const uint32_t *get_shm_texture_formats(wlr_renderer *renderer, size_t *len) {
        return wlr_renderer_get_shm_texture_formats(inner(renderer), len);
    }
    static const wlr_drm_format_set *get_dmabuf_texture_formats(wlr_renderer *renderer) {
        SoftwareRenderer *self = from(renderer);
        return self->drm_fd_.valid() ? &self->dmabuf_formats_ : nullptr;
    }
    static const wlr_drm_format_set *get_render_formats(wlr_renderer *renderer) {
        wlr_renderer *in = inner(renderer);
        return in->impl->get_render_formats != nullptr ? in->impl->get_render_formats(in) : nullptr;
    }
    static uint32_t preferred_read_format(wlr_renderer *renderer) {
        wlr_renderer *in = inner(renderer);
        return in->impl->preferred_read_format != nullptr ? in->impl->preferred_read_format(in)
                                                          : DRM_FORMAT_INVALID;
    }
    static bool read_pixels(wlr_renderer *renderer, uint32_t fmt, uint32_t *flags, uint32_t stride, uint32_t width,
                            uint32_t height, uint32_t src_x, uint32_t src_y, uint32_t dst_x, uint32_t dst_y,
                            void *data) {
        return wlr_renderer_read_pixels(inner(renderer), fmt, flags, stride, width, height, src_x, src_y, dst_x,
                                        dst_y, data);
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

    Handle handle_{};
    wlr_renderer *inner_;
    sync::UniqueFd drm_fd_;
    CpuAccessSync sync_;
    // What the import accepts, with or without a DRM fd: pixman's formats
    // whose layout sluice knows.
    std::vector<uint32_t> importable_;
    wlr_drm_format_set dmabuf_formats_{};
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
        return wlr_texture_from_buffer(inner_, buffer);
    }

    const FourccName name = fourcc_name(attribs.format);
    bool known = false;
    for (uint32_t format : importable_) {
        known = known || format == attribs.format;
    }
    // Refusing here is what makes linux-dmabuf answer `failed` (or its
    // invalid_wl_buffer error for create_immed): it tries a texture at import.
    if (!known) {
        RENDER_LOG(WLR_ERROR, "dma-buf %dx%d refused: format %s (0x%08x) cannot be read by pixman",
                   attribs.width, attribs.height, name.text, attribs.format);
        return nullptr;
    }
    auto mapping = DmabufMapping::map(attribs, *packed_bytes_per_pixel(attribs.format));
    if (!mapping) {
        RENDER_LOG(WLR_ERROR, "dma-buf %dx%d %s refused: %s", attribs.width, attribs.height, name.text,
                   mapping.error().message.c_str());
        return nullptr;
    }
    wlr_buffer *wrapper = MappedDmabufBuffer::create(buffer, attribs.format, std::move(mapping).value(), sync_);
    // pixman takes its first look (and the first CPU-access bracket) here;
    // a dma-buf that refuses DMA_BUF_IOCTL_SYNC is refused now, not per frame.
    wlr_texture *texture = wlr_texture_from_buffer(inner_, wrapper);
    // The texture holds the only lock that should keep the wrapper alive.
    wlr_buffer_drop(wrapper);
    if (texture == nullptr) {
        RENDER_LOG(WLR_ERROR, "dma-buf %dx%d %s refused: pixman cannot make a texture of it", attribs.width,
                   attribs.height, name.text);
    }
    return texture;
}

} // namespace

wlr_renderer *create_software_renderer(SoftwareRendererOptions options) {
    wlr_renderer *inner = wlr_pixman_renderer_create();
    if (inner == nullptr) {
        RENDER_LOG(WLR_ERROR, "cannot create the pixman renderer");
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
