// Kernel buffers and fences for the workloads that need a real kernel
// (the VM's vgem, vkms and sw_sync): dumb buffers exported as dma-bufs,
// vgem fences attached to a buffer's reservation object (implicit sync),
// sw_sync timelines (explicit sync), and wl_buffers made from dma-bufs via
// linux-dmabuf. The vgem and sw_sync ioctl structs are not in the libc or
// libdrm headers Debian ships, so they are spelled out here from the
// kernel's uapi.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "buffer.hpp"
#include "unique_fd.hpp"

namespace bench {

class Connection;

// An open DRM node and the kernel driver behind it.
struct DrmNode {
    UniqueFd fd;
    std::string path;
    std::string driver;
};

// The first /dev/dri/card* node whose driver is `driver` (card nodes: vgem
// refuses dumb buffers on its render node), or, with exclude set, the
// first whose driver is anything else.
std::optional<DrmNode> open_drm_node(const std::string &dri_dir, const std::string &driver, bool exclude = false);

// A dumb buffer on a DRM node, exported as a dma-buf and mapped for the CPU.
class DumbBuffer {
public:
    static std::unique_ptr<DumbBuffer> create(int drm_fd, int width, int height, std::string &error);
    ~DumbBuffer();
    DumbBuffer(const DumbBuffer &) = delete;
    DumbBuffer &operator=(const DumbBuffer &) = delete;

    uint32_t handle() const { return handle_; }
    int dmabuf_fd() const { return dmabuf_.get(); }
    uint32_t stride() const { return stride_; }
    void *map() const { return map_; }

private:
    DumbBuffer() = default;
    int drm_fd_ = -1;
    uint32_t handle_ = 0;
    uint32_t stride_ = 0;
    uint64_t size_ = 0;
    UniqueFd dmabuf_;
    void *map_ = nullptr;
};

// vgem's fences: attached to a vgem buffer's reservation object, signaled
// on request (or by vgem itself after 10 s).
bool vgem_fence_attach(int vgem_fd, uint32_t handle, uint32_t &fence, std::string &error);
bool vgem_fence_signal(int vgem_fd, uint32_t fence, std::string &error);

// The dma-buf's current write fences as one sync_file, and the other way:
// a sync_file added to a dma-buf's fences (kernel 6.0+).
UniqueFd export_sync_file(int dmabuf_fd, std::string &error);
bool import_sync_file(int dmabuf_fd, int sync_file_fd, std::string &error);
// Whether a sync_file has signaled (poll with zero timeout).
bool sync_file_signaled(int sync_file_fd);

// A sw_sync timeline: fences at chosen points, signaled by advancing it.
class SwSyncTimeline {
public:
    static std::unique_ptr<SwSyncTimeline> open(const std::string &path, std::string &error);
    UniqueFd fence_at(uint32_t point, std::string &error);
    bool advance(uint32_t by, std::string &error);

private:
    UniqueFd fd_;
};

// A wl_buffer over a dumb dma-buf, made with linux-dmabuf. The connection's
// compositor must announce XRGB8888 with the linear (or implicit) modifier.
class DmabufBuffer final : public Buffer {
public:
    static std::unique_ptr<DmabufBuffer> create(Connection &connection, int drm_fd, int width, int height,
                                                std::string &error);
    const char *kind() const override { return "dmabuf"; }
    void begin_cpu_access() override;
    void end_cpu_access() override;
    const DumbBuffer &dumb() const { return *dumb_; }

private:
    DmabufBuffer(int width, int height) : Buffer(width, height) {}
    std::unique_ptr<DumbBuffer> dumb_;
};

} // namespace bench
