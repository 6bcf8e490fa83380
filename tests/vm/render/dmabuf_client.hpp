// The client side of linux-dmabuf for the guest tests: the global with its
// default feedback (v4), dma-bufs allocated the ways a GPU-less client can
// (a dumb buffer on the advertised device's primary node, exported with
// PRIME; or udmabuf over a sealed memfd), and wl_buffers made of them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "client.hpp"
#include "linux-dmabuf-unstable-v1-client-protocol.h"
#include "unique_fd.hpp"

namespace sluice::render::vmtest {

using test::Client;
using test::UniqueFd;

struct FormatModifier {
    uint32_t format = 0;
    uint64_t modifier = 0;
    friend bool operator==(const FormatModifier &, const FormatModifier &) = default;
};

// zwp_linux_dmabuf_v1, bound at up to v4, with its default feedback read.
class LinuxDmabuf {
public:
    // Throws std::runtime_error when the global is missing or the feedback
    // does not arrive.
    explicit LinuxDmabuf(Client &client);
    ~LinuxDmabuf();
    LinuxDmabuf(const LinuxDmabuf &) = delete;
    LinuxDmabuf &operator=(const LinuxDmabuf &) = delete;

    [[nodiscard]] zwp_linux_dmabuf_v1 *get() const { return dmabuf_; }
    [[nodiscard]] uint32_t version() const;
    // From the default feedback (v4); nullopt below v4.
    [[nodiscard]] std::optional<dev_t> main_device() const { return main_device_; }
    // The format table entries the default feedback's tranches name.
    [[nodiscard]] const std::vector<FormatModifier> &formats() const { return formats_; }
    [[nodiscard]] bool offers(uint32_t format, uint64_t modifier) const;

private:
    Client &client_;
    zwp_linux_dmabuf_v1 *dmabuf_ = nullptr;
    std::optional<dev_t> main_device_;
    std::vector<FormatModifier> table_;
    std::vector<FormatModifier> formats_;
    bool feedback_done_ = false;
};

// One plane of a wl_buffer to be: fd, offset, stride.
struct Plane {
    int fd = -1; // borrowed: params.add dups it onto the wire
    uint32_t offset = 0;
    uint32_t stride = 0;
};

// A wl_buffer from zwp_linux_buffer_params_v1, counting its releases.
class DmabufBuffer {
public:
    ~DmabufBuffer();
    DmabufBuffer(const DmabufBuffer &) = delete;
    DmabufBuffer &operator=(const DmabufBuffer &) = delete;

    [[nodiscard]] wl_buffer *get() const { return buffer_; }
    [[nodiscard]] int32_t width() const { return width_; }
    [[nodiscard]] int32_t height() const { return height_; }
    [[nodiscard]] uint32_t releases() const { return releases_; }

    // create_immed: the buffer exists at once; a refused import is a
    // protocol error on the connection.
    static std::unique_ptr<DmabufBuffer> create_immed(LinuxDmabuf &dmabuf, int32_t width, int32_t height,
                                                      uint32_t format, uint64_t modifier,
                                                      const std::vector<Plane> &planes);

private:
    DmabufBuffer(zwp_linux_buffer_params_v1 *params, wl_buffer *buffer, int32_t width, int32_t height);
    // Kept until the buffer goes: a protocol error posted on the params
    // must still find the object to be reported by interface.
    zwp_linux_buffer_params_v1 *params_;
    wl_buffer *buffer_;
    int32_t width_;
    int32_t height_;
    uint32_t releases_ = 0;
};

enum class ParamsOutcome { created, failed, timeout };
// create (not immed): waits for `created` or `failed`. A created buffer is
// destroyed again at once.
ParamsOutcome create_and_wait(Client &client, LinuxDmabuf &dmabuf, int32_t width, int32_t height, uint32_t format,
                              uint64_t modifier, const std::vector<Plane> &planes);

// A CPU-writable dma-buf holding one XRGB8888-style 32-bit plane.
struct Allocation {
    UniqueFd dmabuf;
    uint32_t stride = 0;
    uint64_t size = 0;
    std::string source; // "vgem dumb buffer", "udmabuf"
};

// A dumb buffer on the primary node of `device` (the main device of the
// feedback, a render node: dumb buffers cannot be made there), exported as
// a dma-buf. Throws std::runtime_error with the reason.
Allocation allocate_dumb(dev_t device, int32_t width, int32_t height);
// udmabuf over a memfd sealed against shrinking. Throws likewise.
Allocation allocate_udmabuf(int32_t width, int32_t height);

// Fills the plane with one 32-bit value through an mmap of the dma-buf,
// inside a DMA_BUF_IOCTL_SYNC write bracket. Throws on failure.
void fill(const Allocation &allocation, int32_t width, int32_t height, uint32_t value);

// The DRM driver name of the device with this dev_t ("vgem"), or "".
std::string driver_of(dev_t device);

} // namespace sluice::render::vmtest
