#include "render/linear_dumb_allocator.hpp"

#include "common/log.hpp"
#include "render/software_renderer.hpp"

namespace sluice::render {

namespace {

// One dumb buffer as LinearDumbAllocator hands it out: the inner buffer's
// pixels and dma-buf, with LINEAR for its modifier when `linear` says so.
//
// Lifetime: the wrapper holds the only lock on the inner buffer (the inner
// allocator's producer reference is dropped at creation), so the inner
// buffer goes exactly when the wrapper does, and never while wlroots still
// scans the wrapper out or renders into it.
class LinearBuffer {
public:
    // Takes over `inner` from its producer (its caller must not drop it).
    static wlr_buffer *create(wlr_buffer *inner, bool linear) {
        auto *wrapper = new LinearBuffer(inner, linear);
        wlr_buffer_drop(inner);
        return &wrapper->handle_.base;
    }

    LinearBuffer(const LinearBuffer &) = delete;
    LinearBuffer &operator=(const LinearBuffer &) = delete;

private:
    struct Handle {
        wlr_buffer base;
        LinearBuffer *owner;
    };

    LinearBuffer(wlr_buffer *inner, bool linear) : inner_(wlr_buffer_lock(inner)), linear_(linear) {
        wlr_buffer_init(&handle_.base, &impl_, inner->width, inner->height);
        handle_.owner = this;
    }
    ~LinearBuffer() { wlr_buffer_unlock(inner_); }

    static LinearBuffer *from(wlr_buffer *buffer) {
        // Handle is standard-layout with the wlr_buffer first.
        return reinterpret_cast<Handle *>(buffer)->owner;
    }

    static void handle_destroy(wlr_buffer *buffer) { delete from(buffer); }

    static bool handle_get_dmabuf(wlr_buffer *buffer, wlr_dmabuf_attributes *attribs) {
        LinearBuffer *self = from(buffer);
        if (!wlr_buffer_get_dmabuf(self->inner_, attribs)) {
            return false;
        }
        // Only the implicit label is replaced: a modifier the inner buffer
        // names explicitly is the truth already.
        if (self->linear_ && attribs->modifier == DRM_FORMAT_MOD_INVALID) {
            attribs->modifier = DRM_FORMAT_MOD_LINEAR;
        }
        return true;
    }

    static bool handle_begin_access(wlr_buffer *buffer, uint32_t flags, void **data, uint32_t *format, size_t *stride) {
        return wlr_buffer_begin_data_ptr_access(from(buffer)->inner_, flags, data, format, stride);
    }

    static void handle_end_access(wlr_buffer *buffer) { wlr_buffer_end_data_ptr_access(from(buffer)->inner_); }

    static const wlr_buffer_impl impl_;

    Handle handle_{};
    wlr_buffer *inner_;
    bool linear_;
};

const wlr_buffer_impl LinearBuffer::impl_ = {
    .destroy = LinearBuffer::handle_destroy,
    .get_dmabuf = LinearBuffer::handle_get_dmabuf,
    .get_shm = nullptr,
    .begin_data_ptr_access = LinearBuffer::handle_begin_access,
    .end_data_ptr_access = LinearBuffer::handle_end_access,
};

bool lists_linear(const wlr_drm_format *format) {
    for (size_t i = 0; i < format->len; ++i) {
        if (format->modifiers[i] == DRM_FORMAT_MOD_LINEAR) {
            return true;
        }
    }
    return false;
}

} // namespace

const wlr_allocator_interface LinearDumbAllocator::impl_ = {
    .create_buffer = LinearDumbAllocator::handle_create_buffer,
    .destroy = LinearDumbAllocator::handle_destroy,
};

wlr_allocator *LinearDumbAllocator::wrap(wlr_allocator *inner) {
    auto *wrapper = new LinearDumbAllocator(inner);
    return &wrapper->handle_.base;
}

LinearDumbAllocator *LinearDumbAllocator::from(wlr_allocator *allocator) {
    if (allocator == nullptr || allocator->impl != &impl_) {
        return nullptr;
    }
    // Handle is standard-layout with the wlr_allocator first.
    return reinterpret_cast<Handle *>(allocator)->owner;
}

LinearDumbAllocator::LinearDumbAllocator(wlr_allocator *inner) : inner_(inner) {
    // The same caps: wlroots checks them against the backend's and the
    // renderer's, and the buffers offer exactly what the inner ones do.
    wlr_allocator_init(&handle_.base, &impl_, inner->buffer_caps);
    handle_.owner = this;
}

LinearDumbAllocator::~LinearDumbAllocator() {
    // Buffers still alive keep working: they hold their inner buffers, and
    // wlroots' dumb buffers outlive their allocator.
    wlr_allocator_destroy(inner_);
}

wlr_buffer *LinearDumbAllocator::handle_create_buffer(wlr_allocator *allocator, int width, int height,
                                                      const wlr_drm_format *format) {
    LinearDumbAllocator *self = from(allocator);
    wlr_buffer *inner = wlr_allocator_create_buffer(self->inner_, width, height, format);
    if (inner == nullptr) {
        return nullptr;
    }
    return LinearBuffer::create(inner, lists_linear(format));
}

void LinearDumbAllocator::handle_destroy(wlr_allocator *allocator) { delete from(allocator); }

bool makes_dumb_buffers(const wlr_allocator *allocator) {
    return allocator != nullptr && allocator->buffer_caps == (WLR_BUFFER_CAP_DATA_PTR | WLR_BUFFER_CAP_DMABUF);
}

wlr_allocator *with_linear_dumb_buffers(wlr_renderer *renderer, wlr_allocator *allocator) {
    if (!is_software_renderer(renderer) || !makes_dumb_buffers(allocator)) {
        return allocator;
    }
    LOG_DEBUG(render, "DRM dumb buffers are labelled LINEAR where LINEAR is asked for (cursor planes take "
                      "nothing else)");
    return LinearDumbAllocator::wrap(allocator);
}

} // namespace sluice::render
