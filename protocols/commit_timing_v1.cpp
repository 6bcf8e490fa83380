#include "protocols/commit_timing_v1.hpp"

#include "common/resource.hpp"
#include "commit-timing-v1-protocol.h"

namespace sluice::protocols {

namespace {

constexpr uint32_t ns_per_second = 1000000000u;

void destroy_resource(wl_client *, wl_resource *resource) { wl_resource_destroy(resource); }

} // namespace

// wp_commit_timer_v1. Inert once its wl_surface is gone; the timestamps of
// commits already made stay with them.
class CommitTimer final : public SurfaceExtension {
public:
    CommitTimer(SurfaceExtensions &registry, wl_resource *resource, wl_resource *surface)
        : SurfaceExtension(registry, surface), resource_(resource) {}

    static CommitTimer *from_resource(wl_resource *resource) {
        return static_cast<CommitTimer *>(wl_resource_get_user_data(resource));
    }

    void set_timestamp(uint32_t sec_hi, uint32_t sec_lo, uint32_t nsec) {
        if (surface() == nullptr) {
            wl_resource_post_error(resource_, WP_COMMIT_TIMER_V1_ERROR_SURFACE_DESTROYED,
                                   "the wl_surface was destroyed");
            return;
        }
        if (nsec >= ns_per_second) {
            wl_resource_post_error(resource_, WP_COMMIT_TIMER_V1_ERROR_INVALID_TIMESTAMP,
                                   "tv_nsec %u is not below one second", nsec);
            return;
        }
        if (pending_) {
            wl_resource_post_error(resource_, WP_COMMIT_TIMER_V1_ERROR_TIMESTAMP_EXISTS,
                                   "a timestamp was already set for this commit");
            return;
        }
        uint64_t sec = static_cast<uint64_t>(sec_hi) << 32 | sec_lo;
        // Beyond what nanoseconds in 64 bits reach (584 years of uptime):
        // as good as never, and no overflow.
        constexpr uint64_t max_sec = UINT64_MAX / ns_per_second - 1;
        pending_ = sec > max_sec ? UINT64_MAX : sec * ns_per_second + nsec;
    }

    void take_commit(CommitTiming &out) {
        out.target_ns = pending_;
        pending_.reset();
    }

private:
    void surface_gone() override { pending_.reset(); }

    wl_resource *resource_;
    std::optional<uint64_t> pending_;
};

CommitTimingManagerV1::CommitTimingManagerV1(wl_display *display) {
    global_ = wl_global_create(display, &wp_commit_timing_manager_v1_interface, 1, this, &CommitTimingManagerV1::bind);
}

CommitTimingManagerV1::~CommitTimingManagerV1() { wl_global_destroy(global_); }

void CommitTimingManagerV1::bind(wl_client *client, void *data, uint32_t version, uint32_t id) {
    auto *self = static_cast<CommitTimingManagerV1 *>(data);
    wl_resource *resource = create_resource(client, &wp_commit_timing_manager_v1_interface, version, id);
    if (resource == nullptr) {
        return;
    }
    static const struct wp_commit_timing_manager_v1_interface impl = {
        .destroy = destroy_resource,
        .get_timer = &CommitTimingManagerV1::handle_get_timer,
    };
    self->resources_.add(resource, &impl, self);
}

void CommitTimingManagerV1::handle_get_timer(wl_client *client, wl_resource *resource, uint32_t id,
                                             wl_resource *surface) {
    auto *self = static_cast<CommitTimingManagerV1 *>(wl_resource_get_user_data(resource));
    if (self == nullptr) {
        return;
    }
    if (self->surfaces_.find(surface) != nullptr) {
        wl_resource_post_error(resource, WP_COMMIT_TIMING_MANAGER_V1_ERROR_COMMIT_TIMER_EXISTS,
                               "the wl_surface already has a wp_commit_timer_v1");
        return;
    }
    wl_resource *extension = create_resource(client, &wp_commit_timer_v1_interface, resource, id);
    if (extension == nullptr) {
        return;
    }
    static const struct wp_commit_timer_v1_interface impl = {
        .set_timestamp = [](wl_client *, wl_resource *r, uint32_t sec_hi, uint32_t sec_lo,
                            uint32_t nsec) { CommitTimer::from_resource(r)->set_timestamp(sec_hi, sec_lo, nsec); },
        .destroy = destroy_resource,
    };
    auto *object = new CommitTimer(self->surfaces_, extension, surface);
    wl_resource_set_implementation(extension, &impl, object,
                                   [](wl_resource *r) { delete CommitTimer::from_resource(r); });
}

void CommitTimingManagerV1::take_commit(wl_resource *surface, CommitTiming &out) {
    if (auto *timer = static_cast<CommitTimer *>(surfaces_.find(surface))) {
        timer->take_commit(out);
    }
}

} // namespace sluice::protocols
