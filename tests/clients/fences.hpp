// Fences a test signals at chosen moments: sw_sync fences (sync_files for
// linux-explicit-synchronization-v1) and DRM syncobj timelines on the test's
// own open of vgem's render node (for linux-drm-syncobj-v1). Every pending
// fence made here is signaled when its owner goes, so a failing test never
// leaves the compositor waiting on it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "drm_device.hpp"
#include "sync/drm_syncobj.hpp"
#include "sync/sync_file.hpp"
#include "sync/syncobj_device.hpp"
#include "sync/unique_fd.hpp"
#include "tests/uapi/test_only_uapi.hpp"

namespace sluice::test {

inline constexpr const char *sw_sync_path = test_uapi::kSwSyncPath;

// One sw_sync timeline (an open of the debugfs file): a counter, and
// fences that signal when it reaches their value.
class SwSyncTimeline {
public:
    [[nodiscard]] static bool available();
    // Throws when sw_sync is missing.
    SwSyncTimeline();
    // Closing the file would signal the pending fences with an error;
    // advance the counter first so they signal cleanly.
    ~SwSyncTimeline();
    SwSyncTimeline(const SwSyncTimeline &) = delete;
    SwSyncTimeline &operator=(const SwSyncTimeline &) = delete;

    // A sync_file that signals when the counter reaches `value`.
    [[nodiscard]] sync::SyncFile fence(uint32_t value, const std::string &name = "sluice-test");
    // SW_SYNC_IOC_INC.
    void advance(uint32_t by = 1);
    [[nodiscard]] uint32_t value() const { return value_; }

private:
    sync::UniqueFd fd_;
    uint32_t value_ = 0;
    uint32_t highest_fence_ = 0;
};

// A sync_file on a timeline of its own, pending until signal().
class SwSyncFence {
public:
    SwSyncFence();
    // A duplicate of the fence fd, to hand over (libwayland sends a copy and
    // leaves ours alone, but a duplicate keeps ownership obvious).
    [[nodiscard]] sync::SyncFile fence() const;
    void signal();
    [[nodiscard]] bool signaled() const { return timeline_.value() >= 1; }

private:
    SwSyncTimeline timeline_;
    sync::SyncFile fence_;
};

// The test's side of DRM syncobj timelines: a device (vgem's render node,
// opened by the test, not by sluice) and timelines created on it.
class SyncobjContext {
public:
    // Null when there is no vgem render node with timeline syncobjs.
    static std::shared_ptr<SyncobjContext> open();
    // Timelines on another device's syncobjs (a GPU's render node).
    static std::shared_ptr<SyncobjContext> on(std::shared_ptr<const sync::SyncobjDevice> device) {
        return std::shared_ptr<SyncobjContext>(new SyncobjContext(std::move(device)));
    }

    [[nodiscard]] const std::shared_ptr<const sync::SyncobjDevice> &device() const { return device_; }

private:
    explicit SyncobjContext(std::shared_ptr<const sync::SyncobjDevice> device) : device_(std::move(device)) {}
    std::shared_ptr<const sync::SyncobjDevice> device_;
};

class ClientTimeline {
public:
    explicit ClientTimeline(const SyncobjContext &context);

    // A syncobj fd for wp_linux_drm_syncobj_manager_v1.import_timeline.
    [[nodiscard]] sync::UniqueFd export_fd() const;
    // Signals `point` (and with it every point below) from the CPU.
    void signal(uint64_t point) const;
    [[nodiscard]] sync::PointState state(uint64_t point) const;
    [[nodiscard]] bool signaled(uint64_t point) const { return state(point) == sync::PointState::Signaled; }
    [[nodiscard]] uint64_t last_signaled() const;
    [[nodiscard]] const sync::DrmSyncobjTimeline &timeline() const { return timeline_; }

private:
    sync::DrmSyncobjTimeline timeline_;
};

// A point on a ClientTimeline the test will signal; signaled when dropped.
class TimelineFence {
public:
    TimelineFence(std::shared_ptr<const ClientTimeline> timeline, uint64_t point)
        : timeline_(std::move(timeline)), point_(point) {}
    ~TimelineFence();
    TimelineFence(TimelineFence &&other) noexcept;
    TimelineFence &operator=(TimelineFence &&) = delete;
    TimelineFence(const TimelineFence &) = delete;
    TimelineFence &operator=(const TimelineFence &) = delete;

    void signal();
    [[nodiscard]] uint64_t point() const { return point_; }

private:
    std::shared_ptr<const ClientTimeline> timeline_;
    uint64_t point_;
    bool signaled_ = false;
};

} // namespace sluice::test
