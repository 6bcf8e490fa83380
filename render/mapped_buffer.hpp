// A client's dma-buf dressed as a data-pointer wlr_buffer, so that the
// software renderer's texture (PixmanTexture) can read it. The texture asks
// for the pointer around every composite, and each of those brackets is a
// DMA_BUF_IOCTL_SYNC START/END pair here: every CPU read of the buffer is
// bracketed.
//
// Lifetime: the wrapper locks the client's buffer for as long as it lives
// and is itself kept alive by the texture's lock; when the texture goes, the
// wrapper unmaps and unlocks, and the client buffer's last lock dropping is
// what sends wl_buffer.release (and sluice's explicit-sync release).
#pragma once

#include <cstdint>

#include "render/cpu_access.hpp"
#include "render/dmabuf_mapping.hpp"
#include "wlroots/wlr.hpp"

namespace sluice::render {

class MappedDmabufBuffer {
public:
    // A new wrapper of `source` (locked from now on) reading `mapping`.
    // Producer semantics, as with wlr_buffer_init: the caller hands the
    // buffer to its consumer (which locks it) and then calls
    // wlr_buffer_drop(); the wrapper frees itself once both are done.
    [[nodiscard]] static wlr_buffer *create(wlr_buffer *source, uint32_t drm_format, DmabufMapping mapping,
                                            CpuAccessSync sync);

    // The wrapper behind `buffer`, or null if it is not one.
    [[nodiscard]] static MappedDmabufBuffer *from(wlr_buffer *buffer);

    [[nodiscard]] wlr_buffer *source() const { return source_; }

    MappedDmabufBuffer(const MappedDmabufBuffer &) = delete;
    MappedDmabufBuffer &operator=(const MappedDmabufBuffer &) = delete;

private:
    // wlroots holds a pointer to `base`; the wrapper finds itself from it.
    struct Handle {
        wlr_buffer base;
        MappedDmabufBuffer *owner;
    };

    MappedDmabufBuffer(wlr_buffer *source, uint32_t drm_format, DmabufMapping mapping, CpuAccessSync sync);
    ~MappedDmabufBuffer();

    static void handle_destroy(wlr_buffer *buffer);
    static bool handle_begin_access(wlr_buffer *buffer, uint32_t flags, void **data, uint32_t *format, size_t *stride);
    static void handle_end_access(wlr_buffer *buffer);
    static const wlr_buffer_impl impl_;

    bool begin_access(uint32_t flags, void **data, uint32_t *format, size_t *stride);
    void end_access();
    bool writers_pending() const;

    Handle handle_{};
    wlr_buffer *source_;
    uint32_t drm_format_;
    DmabufMapping mapping_;
    CpuAccessSync sync_;
    // Whether the current read was bracketed with DMA_BUF_IOCTL_SYNC.
    bool bracketed_ = false;
    bool pending_writer_logged_ = false;
    // One log line per buffer for a failing bracket, not one per frame.
    bool sync_error_logged_ = false;
};

} // namespace sluice::render
