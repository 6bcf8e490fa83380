#include "compositor/gate/buffer_release.hpp"

#include "common/log.hpp"

namespace sluice {

BufferRelease::BufferRelease(wlr_buffer *buffer, std::vector<std::unique_ptr<protocols::ReleaseTarget>> targets,
                             sync::DmaBufFences &fences, Done done)
    : buffer_(buffer), targets_(std::move(targets)), fences_(fences), done_(std::move(done)) {
    release_.connect(&buffer_->events.release, [this](void *) { fire(); });
    destroy_.connect(&buffer_->events.destroy, [this](void *) { fire(); });
}

BufferRelease::~BufferRelease() = default;

void BufferRelease::fire() {
    release_.disconnect();
    destroy_.disconnect();
    // The reads that may still be in flight (a GPU sampling the buffer for
    // the last frame) are the dma-buf's fences: every fence, readers
    // included, is what a writer must wait for.
    std::optional<sync::SyncFile> fence;
    wlr_dmabuf_attributes attribs{};
    if (wlr_buffer_get_dmabuf(buffer_, &attribs) && attribs.n_planes > 0) {
        auto exported = fences_.export_sync_file(sync::BorrowedFd(attribs.fd[0]), sync::DmaBufAccess::Write);
        if (exported) {
            // Already signaled is the usual case (CPU composition): then the
            // client is simply told "now".
            auto signaled = exported->is_signaled();
            if (!signaled || !*signaled) {
                fence = std::move(exported).value();
            }
        } else if (!sync::DmaBufFences::is_unsupported(exported.error())) {
            LOG_DEBUG(sync, "release: %s", exported.error().message.c_str());
        }
    }
    for (auto &target : targets_) {
        target->release(fence ? &*fence : nullptr);
    }
    targets_.clear();
    // done_ destroys this object; call a copy that outlives it.
    Done done = done_;
    done(this);
}

} // namespace sluice
