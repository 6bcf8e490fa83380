// The client side of linux-dmabuf v4 surface feedback
// (zwp_linux_dmabuf_v1.get_surface_feedback): the format table, the main
// device and the tranches, gathered per `done` event so that a test can
// look at each feedback the compositor sent.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

#include "client.hpp"
#include "sync_proxies.hpp"

namespace sluice::test {

struct FeedbackTranche {
    dev_t target_device = 0;
    uint32_t flags = 0;
    std::vector<std::pair<uint32_t, uint64_t>> formats; // (fourcc, modifier)
};

struct DmabufFeedback {
    dev_t main_device = 0;
    std::vector<FeedbackTranche> tranches;
    [[nodiscard]] std::string describe() const;
};

// Not movable: the listener points here.
class SurfaceFeedback {
public:
    // Binds zwp_linux_dmabuf_v1 at version 4 on `client` (throws when it is
    // missing or older) and asks for `surface`'s feedback.
    SurfaceFeedback(Client &client, wl_surface *surface);
    ~SurfaceFeedback();
    SurfaceFeedback(const SurfaceFeedback &) = delete;
    SurfaceFeedback &operator=(const SurfaceFeedback &) = delete;

    // Every complete feedback received, oldest first.
    [[nodiscard]] const std::vector<DmabufFeedback> &received() const { return received_; }
    // Dispatches until more than `count` feedbacks arrived; false on timeout.
    bool wait_for_more_than(size_t count, std::chrono::milliseconds timeout = default_timeout);

private:
    static void handle_done(void *data, zwp_linux_dmabuf_feedback_v1 *);
    static void handle_format_table(void *data, zwp_linux_dmabuf_feedback_v1 *, int32_t fd, uint32_t size);
    static void handle_main_device(void *data, zwp_linux_dmabuf_feedback_v1 *, wl_array *device);
    static void handle_tranche_done(void *data, zwp_linux_dmabuf_feedback_v1 *);
    static void handle_tranche_target_device(void *data, zwp_linux_dmabuf_feedback_v1 *, wl_array *device);
    static void handle_tranche_formats(void *data, zwp_linux_dmabuf_feedback_v1 *, wl_array *indices);
    static void handle_tranche_flags(void *data, zwp_linux_dmabuf_feedback_v1 *, uint32_t flags);

    Client &client_;
    Proxy<zwp_linux_dmabuf_v1> dmabuf_;
    zwp_linux_dmabuf_feedback_v1 *feedback_ = nullptr;
    // The format table: (fourcc, modifier) per index.
    std::vector<std::pair<uint32_t, uint64_t>> table_;
    DmabufFeedback pending_;
    FeedbackTranche tranche_;
    std::vector<DmabufFeedback> received_;
};

} // namespace sluice::test
