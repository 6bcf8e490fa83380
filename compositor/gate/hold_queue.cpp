#include "compositor/gate/hold_queue.hpp"

#include "common/log.hpp"

namespace sluice::detail {

std::vector<sync::Error> HeldFences::start(size_t count, const WaitStarter &start,
                                           const std::function<void(uint32_t)> &fence_done) {
    std::vector<sync::Error> unstartable;
    for (size_t i = 0; i < count; ++i) {
        auto callback = [fence_done, seq = seq_](sync::Result<void> result) {
            if (!result) {
                // Nothing better to do with a fence the kernel cannot wait
                // for than to stop waiting; say so loudly.
                LOG_ERROR(sync, "waiting for an acquire fence failed (%s); showing the commit anyway",
                          result.error().message.c_str());
            }
            fence_done(seq);
        };
        sync::Result<sync::PendingWait> wait = start(i, std::move(callback));
        // Counted either way: a wait that never started never finishes, so
        // the commit is never shown.
        ++remaining_;
        if (!wait) {
            unstartable.push_back(std::move(wait).error());
            continue;
        }
        waits_.push_back(std::move(wait).value());
    }
    return unstartable;
}

void HeldFences::one_done() {
    if (remaining_ > 0) {
        --remaining_;
    }
}

} // namespace sluice::detail
