#include "linux_dmabuf.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include <drm_fourcc.h>

namespace sluice::test {

LinuxDmabuf::LinuxDmabuf(Client &client)
    : client_(client), dmabuf_(client.bind<zwp_linux_dmabuf_v1>(&zwp_linux_dmabuf_v1_interface, 3)) {
    static const zwp_linux_dmabuf_v1_listener listener = {
        .format = &LinuxDmabuf::handle_format,
        .modifier = &LinuxDmabuf::handle_modifier,
    };
    zwp_linux_dmabuf_v1_add_listener(dmabuf_.get(), &listener, this);
    if (!client_.roundtrip())
        throw std::runtime_error("zwp_linux_dmabuf_v1: no roundtrip after binding: " + client_.describe_error());
}

void LinuxDmabuf::handle_format(void *data, zwp_linux_dmabuf_v1 *, uint32_t format) {
    static_cast<LinuxDmabuf *>(data)->formats_.push_back(format);
}

void LinuxDmabuf::handle_modifier(void *data, zwp_linux_dmabuf_v1 *, uint32_t format, uint32_t hi, uint32_t lo) {
    static_cast<LinuxDmabuf *>(data)->modifiers_.emplace_back(format, (static_cast<uint64_t>(hi) << 32) | lo);
}

uint64_t LinuxDmabuf::linear_modifier(uint32_t format) const {
    auto has = [this, format](uint64_t modifier) {
        return std::find(modifiers_.begin(), modifiers_.end(), std::make_pair(format, modifier)) != modifiers_.end();
    };
    if (has(DRM_FORMAT_MOD_LINEAR))
        return DRM_FORMAT_MOD_LINEAR;
    // A version 3 server lists formats without explicit modifiers as INVALID
    // (the driver's implicit layout, which for a dumb buffer is linear).
    if (has(DRM_FORMAT_MOD_INVALID) || std::find(formats_.begin(), formats_.end(), format) != formats_.end())
        return DRM_FORMAT_MOD_INVALID;
    throw std::runtime_error("zwp_linux_dmabuf_v1 does not offer format " + std::to_string(format));
}

Proxy<wl_buffer> LinuxDmabuf::create_buffer_unchecked(const DmaBuf &dmabuf) {
    const DmaBufLayout &layout = dmabuf.layout();
    const uint64_t modifier = linear_modifier(layout.drm_format);
    Proxy<zwp_linux_buffer_params_v1> params(zwp_linux_dmabuf_v1_create_params(dmabuf_.get()));
    // libwayland sends a duplicate of the fd; ours stays with the DmaBuf.
    zwp_linux_buffer_params_v1_add(params.get(), dmabuf.fd().get(), 0, 0, layout.stride,
                                   static_cast<uint32_t>(modifier >> 32), static_cast<uint32_t>(modifier));
    return Proxy<wl_buffer>(
        zwp_linux_buffer_params_v1_create_immed(params.get(), layout.width, layout.height, layout.drm_format, 0));
}

Proxy<wl_buffer> LinuxDmabuf::create_buffer(const DmaBuf &dmabuf) {
    // create_immed's failure is either a protocol error or the params'
    // `failed` event; the params object is gone by then, so only the error
    // is observable here. wlroots uses the protocol error.
    Proxy<wl_buffer> buffer = create_buffer_unchecked(dmabuf);
    if (!client_.roundtrip())
        throw std::runtime_error("the compositor refused a dma-buf wl_buffer: " + client_.describe_error());
    return buffer;
}

DmaBufBuffer::DmaBufBuffer(LinuxDmabuf &factory, DmaBuf dmabuf)
    : dmabuf_(std::move(dmabuf)), buffer_(factory.create_buffer(dmabuf_)) {
    static const wl_buffer_listener listener = {.release = &DmaBufBuffer::handle_release};
    wl_buffer_add_listener(buffer_.get(), &listener, this);
}

void DmaBufBuffer::handle_release(void *data, wl_buffer *) { ++static_cast<DmaBufBuffer *>(data)->releases_; }

DmaBufFactory::DmaBufFactory(Client &client, DmaBufSource source, std::shared_ptr<const DrmDevice> vgem_card)
    : dmabuf_(client), source_(source), vgem_card_(std::move(vgem_card)) {}

DmaBuf DmaBufFactory::allocate(int32_t width, int32_t height) {
    switch (source_) {
    case DmaBufSource::vgem: return DmaBuf::vgem(vgem_card_, width, height);
    case DmaBufSource::udmabuf: return DmaBuf::udmabuf(width, height);
    case DmaBufSource::gpu: break;
    }
    throw std::invalid_argument("DmaBufFactory: GPU buffers are drawn by the GPU, not filled from here");
}

std::unique_ptr<DmaBufBuffer> DmaBufFactory::make(int32_t width, int32_t height, uint32_t xrgb) {
    DmaBuf dmabuf = allocate(width, height);
    dmabuf.fill(xrgb);
    return std::make_unique<DmaBufBuffer>(dmabuf_, std::move(dmabuf));
}

} // namespace sluice::test
