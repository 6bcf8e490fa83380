// "sluice is reading this buffer": made when a commit with release targets
// is applied, it tells them once the compositor has stopped using the
// buffer — when the buffer's last lock drops, which is after the renderer's
// texture is gone and, for a buffer on a KMS plane, after the flip that
// replaced it. Reads still in flight on a GPU are covered by the dma-buf's
// own fences, exported as the release fence.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "common/listener.hpp"
#include "protocols/commit_sync.hpp"
#include "sync/dmabuf_fence.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {

class BufferRelease {
public:
    using Done = std::function<void(BufferRelease *)>;

    BufferRelease(wlr_buffer *buffer, std::vector<std::unique_ptr<protocols::ReleaseTarget>> targets,
                  sync::DmaBufFences &fences, Done done);
    // Releases the targets that are still waiting (immediately).
    ~BufferRelease();

    BufferRelease(const BufferRelease &) = delete;
    BufferRelease &operator=(const BufferRelease &) = delete;

private:
    void fire();

    wlr_buffer *buffer_;
    std::vector<std::unique_ptr<protocols::ReleaseTarget>> targets_;
    sync::DmaBufFences &fences_;
    Done done_;
    Listener release_;
    Listener destroy_;
};

} // namespace sluice
