#include "fences.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace sluice::test {

namespace {

using test_uapi::SwSyncCreateFence;

std::string describe(const sync::Error &error) { return error.message; }

} // namespace

// --- sw_sync -------------------------------------------------------------------

bool SwSyncTimeline::available() { return ::access(sw_sync_path, R_OK | W_OK) == 0; }

SwSyncTimeline::SwSyncTimeline() : fd_(::open(sw_sync_path, O_RDWR | O_CLOEXEC)) {
    if (!fd_)
        throw_errno(sw_sync_path, errno);
}

SwSyncTimeline::~SwSyncTimeline() {
    if (value_ < highest_fence_) {
        uint32_t step = highest_fence_ - value_;
        (void)::ioctl(fd_.get(), test_uapi::kIoctlSwSyncInc, &step);
    }
}

sync::SyncFile SwSyncTimeline::fence(uint32_t value, const std::string &name) {
    SwSyncCreateFence data{};
    data.value = value;
    std::memcpy(data.name, name.data(), std::min(name.size(), sizeof(data.name) - 1));
    if (::ioctl(fd_.get(), test_uapi::kIoctlSwSyncCreateFence, &data) != 0)
        throw_errno("SW_SYNC_IOC_CREATE_FENCE", errno);
    highest_fence_ = std::max(highest_fence_, value);
    return sync::SyncFile::adopt_unchecked(sync::UniqueFd(data.fence));
}

void SwSyncTimeline::advance(uint32_t by) {
    uint32_t step = by;
    if (::ioctl(fd_.get(), test_uapi::kIoctlSwSyncInc, &step) != 0)
        throw_errno("SW_SYNC_IOC_INC", errno);
    value_ += by;
}

SwSyncFence::SwSyncFence() : fence_(timeline_.fence(1)) {}

sync::SyncFile SwSyncFence::fence() const {
    auto copy = fence_.duplicate();
    if (!copy)
        throw std::runtime_error("duplicating a sw_sync fence: " + describe(copy.error()));
    return std::move(copy).value();
}

void SwSyncFence::signal() {
    if (!signaled())
        timeline_.advance(1);
}

// --- DRM syncobj timelines --------------------------------------------------------

std::shared_ptr<SyncobjContext> SyncobjContext::open() {
    auto node = DrmDevice::open("vgem", DrmNodeType::render);
    if (!node)
        return nullptr;
    auto device = sync::SyncobjDevice::open(node->fd());
    if (!device || !(*device)->supports_timeline())
        return nullptr;
    return std::shared_ptr<SyncobjContext>(new SyncobjContext(std::move(device).value()));
}

namespace {
sync::DrmSyncobjTimeline create_timeline(const SyncobjContext &context) {
    auto timeline = sync::DrmSyncobjTimeline::create(context.device());
    if (!timeline)
        throw std::runtime_error("creating a syncobj timeline: " + describe(timeline.error()));
    return std::move(timeline).value();
}
} // namespace

ClientTimeline::ClientTimeline(const SyncobjContext &context) : timeline_(create_timeline(context)) {}

sync::UniqueFd ClientTimeline::export_fd() const {
    auto fd = timeline_.export_fd();
    if (!fd)
        throw std::runtime_error("exporting a syncobj timeline: " + describe(fd.error()));
    return std::move(fd).value();
}

void ClientTimeline::signal(uint64_t point) const {
    auto result = timeline_.signal(point);
    if (!result)
        throw std::runtime_error("signaling timeline point " + std::to_string(point) + ": " + describe(result.error()));
}

sync::PointState ClientTimeline::state(uint64_t point) const {
    auto state = timeline_.query(point);
    if (!state)
        throw std::runtime_error("querying timeline point " + std::to_string(point) + ": " + describe(state.error()));
    return *state;
}

uint64_t ClientTimeline::last_signaled() const {
    auto point = timeline_.last_signaled_point();
    if (!point)
        throw std::runtime_error("querying a timeline: " + describe(point.error()));
    return *point;
}

TimelineFence::TimelineFence(TimelineFence &&other) noexcept
    : timeline_(std::move(other.timeline_)), point_(other.point_), signaled_(std::exchange(other.signaled_, true)) {}

TimelineFence::~TimelineFence() {
    if (!signaled_ && timeline_)
        (void)timeline_->timeline().signal(point_);
}

void TimelineFence::signal() {
    if (signaled_)
        return;
    timeline_->signal(point_);
    signaled_ = true;
}

} // namespace sluice::test
