#include "render/mapped_buffer.hpp"

#include <poll.h>

#include <utility>

#include "common/log.hpp"

namespace sluice::render {

const wlr_buffer_impl MappedDmabufBuffer::impl_ = {
    .destroy = MappedDmabufBuffer::handle_destroy,
    .get_dmabuf = nullptr,
    .get_shm = nullptr,
    .begin_data_ptr_access = MappedDmabufBuffer::handle_begin_access,
    .end_data_ptr_access = MappedDmabufBuffer::handle_end_access,
};

wlr_buffer *MappedDmabufBuffer::create(wlr_buffer *source, uint32_t drm_format, DmabufMapping mapping,
                                       CpuAccessSync sync) {
    auto *wrapper = new MappedDmabufBuffer(source, drm_format, std::move(mapping), std::move(sync));
    return &wrapper->handle_.base;
}

MappedDmabufBuffer *MappedDmabufBuffer::from(wlr_buffer *buffer) {
    if (buffer == nullptr || buffer->impl != &impl_) {
        return nullptr;
    }
    // Handle is standard-layout with the wlr_buffer first.
    return reinterpret_cast<Handle *>(buffer)->owner;
}

MappedDmabufBuffer::MappedDmabufBuffer(wlr_buffer *source, uint32_t drm_format, DmabufMapping mapping,
                                       CpuAccessSync sync)
    : source_(wlr_buffer_lock(source)), drm_format_(drm_format), mapping_(std::move(mapping)), sync_(std::move(sync)) {
    wlr_buffer_init(&handle_.base, &impl_, source->width, source->height);
    handle_.owner = this;
}

MappedDmabufBuffer::~MappedDmabufBuffer() {
    // Unmap before unlocking: once the client hears release it may write,
    // and by then nothing of sluice's may still look at the memory.
    mapping_.reset();
    wlr_buffer_unlock(source_);
}

void MappedDmabufBuffer::handle_destroy(wlr_buffer *buffer) { delete from(buffer); }

bool MappedDmabufBuffer::handle_begin_access(wlr_buffer *buffer, uint32_t flags, void **data, uint32_t *format,
                                             size_t *stride) {
    return from(buffer)->begin_access(flags, data, format, stride);
}

void MappedDmabufBuffer::handle_end_access(wlr_buffer *buffer) { from(buffer)->end_access(); }

bool MappedDmabufBuffer::begin_access(uint32_t flags, void **data, uint32_t *format, size_t *stride) {
    // The client owns the contents; sluice only reads (and maps read-only).
    if ((flags & WLR_BUFFER_DATA_PTR_ACCESS_WRITE) != 0) {
        return false;
    }
    // DMA_BUF_IOCTL_SYNC's START waits for the buffer's pending writers, on
    // the event loop. A buffer is only composited once its acquire fences
    // signaled, so a pending writer here is a client writing into a buffer
    // that is already on screen (or one whose implicit fences an explicit-
    // sync client told sluice to ignore): it may spoil its own window, but
    // must not stop the output for everyone. Read without waiting then.
    bracketed_ = !writers_pending();
    if (!bracketed_) {
        if (!pending_writer_logged_) {
            LOG_INFO(render,
                     "a client writes into a %dx%d dma-buf sluice is showing; reading it without "
                     "waiting for the writer",
                     handle_.base.width, handle_.base.height);
            pending_writer_logged_ = true;
        }
    } else if (auto started = sync_(mapping_.fd(), cpu_read_start_flags()); !started) {
        if (!sync_error_logged_) {
            LOG_ERROR(render, "cannot start a CPU read of a %dx%d dma-buf: %s", handle_.base.width, handle_.base.height,
                      started.error().message.c_str());
            sync_error_logged_ = true;
        }
        return false;
    }
    *data = mapping_.pixels();
    *format = drm_format_;
    *stride = mapping_.stride();
    return true;
}

bool MappedDmabufBuffer::writers_pending() const {
    // A dma-buf polls readable once every fence a reader must wait for has
    // signaled.
    pollfd fd{mapping_.fd().get(), POLLIN, 0};
    return ::poll(&fd, 1, 0) == 0;
}

void MappedDmabufBuffer::end_access() {
    if (!bracketed_) {
        return;
    }
    if (auto ended = sync_(mapping_.fd(), cpu_read_end_flags()); !ended && !sync_error_logged_) {
        LOG_ERROR(render, "cannot end a CPU read of a %dx%d dma-buf: %s", handle_.base.width, handle_.base.height,
                  ended.error().message.c_str());
        sync_error_logged_ = true;
    }
}

} // namespace sluice::render
