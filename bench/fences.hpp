// What the stall and fence-to-screen workloads share: where dma-bufs come
// from, and one "fenced commit" whose fence the workload signals later.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "dmabuf.hpp"
#include "json.hpp"
#include "window.hpp"

namespace bench {

// The devices a fenced dma-buf needs: vgem for implicit fences, and a
// device to allocate the buffer on. Mesa's GL compositors cannot read
// buffers imported from vgem under the VM's kernel (VM-NOTES), so a KMS
// device other than vgem (vkms) is preferred for allocation, and a vgem
// fence then reaches the buffer through a sync_file.
struct FenceDevices {
    std::optional<DrmNode> vgem;
    std::optional<DrmNode> alloc_other; // a non-vgem card, if any
    int alloc_fd() const { return alloc_other ? alloc_other->fd.get() : (vgem ? vgem->fd.get() : -1); }
    std::string alloc_driver() const { return alloc_other ? alloc_other->driver : (vgem ? vgem->driver : ""); }
};
FenceDevices open_fence_devices(const std::string &dri_dir);

// A fence on a buffer that the workload signals when it chooses.
class PendingFence {
public:
    virtual ~PendingFence() = default;
    virtual bool signal(std::string &error) = 0;
};

// Attaches an unsignaled implicit (dma_resv) write fence from vgem to the
// buffer: directly when the buffer is a vgem BO, through a sync_file
// import otherwise. Must run after drawing (CPU access would wait on it).
std::unique_ptr<PendingFence> attach_vgem_fence(const FenceDevices &devices, const DmabufBuffer &buffer,
                                                std::string &how, std::string &error);

// Window config whose buffers are dma-bufs on the allocation device.
Window::Config dmabuf_window_config(Connection &connection, int alloc_fd, int width, int height);

// "not offered" / "offered but not exercised": linux-drm-syncobj-v1 is not
// vendored yet, so the bench only looks for its global.
Json drm_syncobj_json(const Connection &connection);

} // namespace bench
