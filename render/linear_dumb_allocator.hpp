// wlroots 0.15's DRM dumb-buffer allocator (the one wlr_allocator_autocreate
// picks for a data-pointer renderer on a DRM device, such as pixman on the
// DRM backend) labels every buffer with the implicit modifier (INVALID),
// although a dumb buffer is linear by definition. The DRM backend takes only
// LINEAR on a cursor plane, so with those labels no cursor image could ever
// go there and wlroots drew every cursor in software.
//
// LinearDumbAllocator wraps that allocator and hands out buffers that say
// LINEAR whenever the caller allowed LINEAR (wlroots' allocator contract:
// a buffer's modifier is one the caller listed), and INVALID as before
// otherwise, so that a caller asking for implicit modifiers only (wlroots'
// retry without modifiers, for one) still gets exactly that. Everything else
// (pixels, dma-buf fd, stride) is the inner buffer's.
#pragma once

#include "wlroots/wlr.hpp"

namespace sluice::render {

class LinearDumbAllocator {
public:
    // A new allocator that owns `inner` (wlr_allocator_destroy on the result
    // destroys both). `inner` must make dumb buffers: linear, single plane.
    [[nodiscard]] static wlr_allocator *wrap(wlr_allocator *inner);

    // The wrapper behind `allocator`, or null if it is not one.
    [[nodiscard]] static LinearDumbAllocator *from(wlr_allocator *allocator);

    [[nodiscard]] wlr_allocator *inner() const { return inner_; }

    LinearDumbAllocator(const LinearDumbAllocator &) = delete;
    LinearDumbAllocator &operator=(const LinearDumbAllocator &) = delete;

private:
    struct Handle {
        wlr_allocator base;
        LinearDumbAllocator *owner;
    };

    explicit LinearDumbAllocator(wlr_allocator *inner);
    ~LinearDumbAllocator();

    static wlr_buffer *handle_create_buffer(wlr_allocator *allocator, int width, int height,
                                            const wlr_drm_format *format);
    static void handle_destroy(wlr_allocator *allocator);
    static const wlr_allocator_interface impl_;

    Handle handle_{};
    wlr_allocator *inner_;
};

// Whether `allocator` is the kind LinearDumbAllocator is for: of wlroots
// 0.15's allocators only the DRM dumb one makes buffers that are both
// data-pointer and dma-buf (gbm's are dma-buf only, shm's data-pointer and
// shm), and that is all wlroots tells about it.
[[nodiscard]] bool makes_dumb_buffers(const wlr_allocator *allocator);

// What the compositor allocates its outputs' and cursors' buffers with:
// `allocator` itself, or, for sluice's software renderer on dumb buffers,
// `allocator` wrapped in a LinearDumbAllocator, so that cursor images can
// go on a KMS cursor plane. Null stays null.
[[nodiscard]] wlr_allocator *with_linear_dumb_buffers(wlr_renderer *renderer, wlr_allocator *allocator);

} // namespace sluice::render
