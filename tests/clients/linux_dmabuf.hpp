// dma-bufs handed to the compositor as wl_buffers through
// zwp_linux_dmabuf_v1 (create_immed), the only buffers explicit sync
// applies to.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "client.hpp"
#include "dmabuf.hpp"
#include "sync_proxies.hpp"

namespace sluice::test {

class LinuxDmabuf {
public:
    [[nodiscard]] static bool offered(const Client &client) {
        return client.find_global("zwp_linux_dmabuf_v1") != nullptr;
    }

    // Binds the global (version 3 at most: the format/modifier events are
    // all a linear single-plane buffer needs) and roundtrips to collect
    // what it takes. Throws when the global is missing.
    explicit LinuxDmabuf(Client &client);
    LinuxDmabuf(const LinuxDmabuf &) = delete;
    LinuxDmabuf &operator=(const LinuxDmabuf &) = delete;

    [[nodiscard]] Client &client() const { return client_; }
    [[nodiscard]] zwp_linux_dmabuf_v1 *get() const { return dmabuf_.get(); }
    [[nodiscard]] const std::vector<std::pair<uint32_t, uint64_t>> &modifiers() const { return modifiers_; }
    // The modifier to describe a linear buffer of `format` with: LINEAR when
    // advertised, else INVALID (implicit); throws when the format is absent.
    [[nodiscard]] uint64_t linear_modifier(uint32_t format) const;

    // create_immed, then a roundtrip to learn whether the compositor took
    // it. Throws when it did not (failed event or protocol error).
    [[nodiscard]] Proxy<wl_buffer> create_buffer(const DmaBuf &dmabuf);
    // create_immed without waiting: for tests that provoke errors.
    [[nodiscard]] Proxy<wl_buffer> create_buffer_unchecked(const DmaBuf &dmabuf);

private:
    static void handle_format(void *data, zwp_linux_dmabuf_v1 *, uint32_t format);
    static void handle_modifier(void *data, zwp_linux_dmabuf_v1 *, uint32_t format, uint32_t hi, uint32_t lo);

    Client &client_;
    Proxy<zwp_linux_dmabuf_v1> dmabuf_;
    std::vector<uint32_t> formats_;
    std::vector<std::pair<uint32_t, uint64_t>> modifiers_;
};

// A dma-buf and its wl_buffer. Not movable: the release listener points here.
class DmaBufBuffer {
public:
    DmaBufBuffer(LinuxDmabuf &factory, DmaBuf dmabuf);
    DmaBufBuffer(const DmaBufBuffer &) = delete;
    DmaBufBuffer &operator=(const DmaBufBuffer &) = delete;

    [[nodiscard]] wl_buffer *get() const { return buffer_.get(); }
    [[nodiscard]] DmaBuf &dmabuf() { return dmabuf_; }
    [[nodiscard]] const DmaBuf &dmabuf() const { return dmabuf_; }
    [[nodiscard]] int32_t width() const { return dmabuf_.layout().width; }
    [[nodiscard]] int32_t height() const { return dmabuf_.layout().height; }
    // wl_buffer.release events received so far.
    [[nodiscard]] uint32_t release_count() const { return releases_; }
    // Sends wl_buffer.destroy now (the dma-buf stays).
    void destroy_wl_buffer() { buffer_.reset(); }

private:
    static void handle_release(void *data, wl_buffer *);

    DmaBuf dmabuf_;
    Proxy<wl_buffer> buffer_;
    uint32_t releases_ = 0;
};

// Makes buffers of one source for a client.
class DmaBufFactory {
public:
    // `vgem_card` is required for DmaBufSource::vgem.
    DmaBufFactory(Client &client, DmaBufSource source, std::shared_ptr<const DrmDevice> vgem_card);

    [[nodiscard]] LinuxDmabuf &linux_dmabuf() { return dmabuf_; }
    [[nodiscard]] DmaBufSource source() const { return source_; }
    // A buffer filled with `xrgb`. Throws on failure.
    [[nodiscard]] std::unique_ptr<DmaBufBuffer> make(int32_t width, int32_t height, uint32_t xrgb);
    [[nodiscard]] DmaBuf allocate(int32_t width, int32_t height);

private:
    LinuxDmabuf dmabuf_;
    DmaBufSource source_;
    std::shared_ptr<const DrmDevice> vgem_card_;
};

} // namespace sluice::test
