// sluice's own pixman texture: a wlr_texture over any wlr_buffer that gives
// a data pointer (wl_shm, wlroots' read-only pixel buffers, and the mapped
// client dma-bufs of MappedDmabufBuffer). wlroots 0.15 keeps its pixman
// texture private, and sluice draws its textures itself (pixman_draw), so it
// owns them too: the texture locks the buffer for its whole life and opens
// the buffer's data pointer around every read — for a dma-buf that is the
// DMA_BUF_IOCTL_SYNC bracket, once per composite.
#pragma once

#include <cstdint>

#include "wlroots/wlr.hpp"

namespace sluice::render {

class PixmanTexture {
public:
    // The textures one renderer made, so that destroying the renderer can
    // destroy those still alive (as wlroots' renderers do). Intrusive: a
    // texture is made for every client commit, and joining the list must
    // not allocate.
    class Registry {
    public:
        Registry() { wl_list_init(&textures_); }
        ~Registry() = default;
        Registry(const Registry &) = delete;
        Registry &operator=(const Registry &) = delete;
        [[nodiscard]] bool empty() const { return wl_list_empty(&textures_) != 0; }
        // Destroys every texture still alive.
        void destroy_all();

    private:
        friend class PixmanTexture;
        wl_list textures_; // PixmanTexture::link_
    };

    // A texture reading `buffer` (locked until the texture is destroyed),
    // or null when the buffer has no data pointer in a format pixman reads.
    // The first read happens here: a buffer whose data cannot be opened is
    // refused now, not on every frame.
    [[nodiscard]] static wlr_texture *create(wlr_buffer *buffer, Registry &registry);

    // The texture behind `texture`, or null if it is not one of these.
    [[nodiscard]] static PixmanTexture *from(wlr_texture *texture);

    // The buffer's pixels as a pixman image for as long as the Read lives;
    // image() is null when the buffer refused access (nothing to draw).
    class Read {
    public:
        explicit Read(PixmanTexture &texture);
        ~Read();
        Read(const Read &) = delete;
        Read &operator=(const Read &) = delete;
        [[nodiscard]] pixman_image_t *image() const { return image_; }

    private:
        PixmanTexture &texture_;
        pixman_image_t *image_ = nullptr;
    };

    [[nodiscard]] bool opaque() const { return !has_alpha_; }
    [[nodiscard]] wlr_texture *wlr() { return &handle_.base; }

    PixmanTexture(const PixmanTexture &) = delete;
    PixmanTexture &operator=(const PixmanTexture &) = delete;

private:
    struct Handle {
        wlr_texture base;
        PixmanTexture *owner;
    };

    PixmanTexture(wlr_buffer *buffer, pixman_format_code_t format, bool has_alpha, Registry &registry);
    ~PixmanTexture();

    // Opens the data pointer and (re)makes the image over it: the pointer
    // may move between reads (a wl_shm pool that grew, or a read-only pixel
    // buffer that copied its data when its producer let go).
    pixman_image_t *begin_read();
    void end_read();

    static bool handle_is_opaque(wlr_texture *texture);
    static void handle_destroy(wlr_texture *texture);
    static const wlr_texture_impl impl_;

    Handle handle_{};
    wlr_buffer *buffer_;
    pixman_format_code_t format_;
    bool has_alpha_;
    wl_list link_; // Registry::textures_
    pixman_image_t *image_ = nullptr;
};

} // namespace sluice::render
