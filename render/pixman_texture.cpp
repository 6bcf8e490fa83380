#include "render/pixman_texture.hpp"

#include "render/formats.hpp"
#include "common/log.hpp"

namespace sluice::render {

const wlr_texture_impl PixmanTexture::impl_ = {
    .is_opaque = PixmanTexture::handle_is_opaque,
    .write_pixels = nullptr,
    .destroy = PixmanTexture::handle_destroy,
};

wlr_texture *PixmanTexture::create(wlr_buffer *buffer, Registry &registry) {
    void *data = nullptr;
    uint32_t drm_format = 0;
    size_t stride = 0;
    if (!wlr_buffer_begin_data_ptr_access(buffer, WLR_BUFFER_DATA_PTR_ACCESS_READ, &data, &drm_format, &stride)) {
        return nullptr;
    }
    wlr_buffer_end_data_ptr_access(buffer);
    const auto format = pixman_format_of(drm_format);
    if (!format) {
        const FourccName name = fourcc_name(drm_format);
        LOG_ERROR(render, "a %dx%d buffer in %s (0x%08x) cannot be read by pixman", buffer->width, buffer->height,
                  name.text, drm_format);
        return nullptr;
    }
    auto *texture = new PixmanTexture(buffer, format->code, format->has_alpha, registry);
    return texture->wlr();
}

PixmanTexture *PixmanTexture::from(wlr_texture *texture) {
    if (texture == nullptr || texture->impl != &impl_) {
        return nullptr;
    }
    // Handle is standard-layout with the wlr_texture first.
    return reinterpret_cast<Handle *>(texture)->owner;
}

PixmanTexture::PixmanTexture(wlr_buffer *buffer, pixman_format_code_t format, bool has_alpha, Registry &registry)
    : buffer_(wlr_buffer_lock(buffer)), format_(format), has_alpha_(has_alpha) {
    wlr_texture_init(&handle_.base, &impl_, buffer->width, buffer->height);
    handle_.owner = this;
    wl_list_insert(&registry.textures_, &link_);
}

PixmanTexture::~PixmanTexture() {
    wl_list_remove(&link_);
    if (image_ != nullptr) {
        pixman_image_unref(image_);
    }
    // The last lock going is what releases the client's buffer.
    wlr_buffer_unlock(buffer_);
}

bool PixmanTexture::handle_is_opaque(wlr_texture *texture) { return from(texture)->opaque(); }

void PixmanTexture::handle_destroy(wlr_texture *texture) { delete from(texture); }

pixman_image_t *PixmanTexture::begin_read() {
    void *data = nullptr;
    uint32_t drm_format = 0;
    size_t stride = 0;
    if (!wlr_buffer_begin_data_ptr_access(buffer_, WLR_BUFFER_DATA_PTR_ACCESS_READ, &data, &drm_format, &stride)) {
        return nullptr;
    }
    if (image_ == nullptr || pixman_image_get_data(image_) != data ||
        static_cast<size_t>(pixman_image_get_stride(image_)) != stride) {
        if (image_ != nullptr) {
            pixman_image_unref(image_);
        }
        image_ = pixman_image_create_bits_no_clear(format_, buffer_->width, buffer_->height,
                                                   static_cast<uint32_t *>(data), static_cast<int>(stride));
    }
    if (image_ == nullptr) {
        wlr_buffer_end_data_ptr_access(buffer_);
    }
    return image_;
}

void PixmanTexture::end_read() { wlr_buffer_end_data_ptr_access(buffer_); }

void PixmanTexture::Registry::destroy_all() {
    while (!empty()) {
        PixmanTexture *texture = wl_container_of(textures_.next, texture, link_);
        wlr_texture_destroy(texture->wlr());
    }
}

PixmanTexture::Read::Read(PixmanTexture &texture) : texture_(texture), image_(texture.begin_read()) {}

PixmanTexture::Read::~Read() {
    if (image_ != nullptr) {
        texture_.end_read();
    }
}

} // namespace sluice::render
