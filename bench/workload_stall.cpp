// stall: one client commits a dma-buf whose fence stays unsignaled for
// --stall-ms while another animates. A compositor that waits for the fence
// on its own event loop (or on the GPU, or in the kernel's atomic commit)
// stalls every client; one that holds back only that client's commit keeps
// the animation going.
#include <algorithm>

#include "clock.hpp"
#include "fences.hpp"
#include "process_probe.hpp"
#include "stats.hpp"
#include "workloads.hpp"

namespace bench {

FenceDevices open_fence_devices(const std::string &dri_dir) {
    FenceDevices devices;
    devices.vgem = open_drm_node(dri_dir, "vgem");
    devices.alloc_other = open_drm_node(dri_dir, "vgem", true);
    return devices;
}

namespace {

class VgemFence final : public PendingFence {
public:
    VgemFence(int vgem_fd, uint32_t fence, std::unique_ptr<DumbBuffer> carrier)
        : vgem_fd_(vgem_fd), fence_(fence), carrier_(std::move(carrier)) {}
    ~VgemFence() override {
        // Never leave a fence unsignaled behind: vgem would only time it
        // out after 10 s, and the compositor would hold the buffer till then.
        std::string ignored;
        if (!signaled_) {
            signal(ignored);
        }
    }
    bool signal(std::string &error) override {
        signaled_ = true;
        return vgem_fence_signal(vgem_fd_, fence_, error);
    }

private:
    int vgem_fd_;
    uint32_t fence_;
    std::unique_ptr<DumbBuffer> carrier_; // the vgem BO the fence lives on, when it is not the buffer
    bool signaled_ = false;
};

class SwSyncFence final : public PendingFence {
public:
    explicit SwSyncFence(SwSyncTimeline &timeline) : timeline_(timeline) {}
    ~SwSyncFence() override {
        std::string ignored;
        if (!signaled_) {
            signal(ignored);
        }
    }
    bool signal(std::string &error) override {
        signaled_ = true;
        return timeline_.advance(1, error);
    }

private:
    SwSyncTimeline &timeline_;
    bool signaled_ = false;
};

} // namespace

std::unique_ptr<PendingFence> attach_vgem_fence(const FenceDevices &devices, const DmabufBuffer &buffer,
                                                std::string &how, std::string &error) {
    if (!devices.vgem) {
        error = "no vgem device";
        return nullptr;
    }
    const int vgem_fd = devices.vgem->fd.get();
    uint32_t fence = 0;
    if (!devices.alloc_other) {
        if (!vgem_fence_attach(vgem_fd, buffer.dumb().handle(), fence, error)) {
            return nullptr;
        }
        how = "vgem fence attached to the buffer (a vgem BO)";
        return std::make_unique<VgemFence>(vgem_fd, fence, nullptr);
    }
    auto carrier = DumbBuffer::create(vgem_fd, 64, 64, error);
    if (!carrier || !vgem_fence_attach(vgem_fd, carrier->handle(), fence, error)) {
        return nullptr;
    }
    // The exported sync_file stands for the vgem fence; imported into the
    // buffer's reservation object it becomes the buffer's implicit fence.
    UniqueFd sync_file = export_sync_file(carrier->dmabuf_fd(), error);
    auto pending = std::make_unique<VgemFence>(vgem_fd, fence, std::move(carrier));
    if (!sync_file || !import_sync_file(buffer.dumb().dmabuf_fd(), sync_file.get(), error)) {
        return nullptr; // pending's destructor signals the fence
    }
    how = "vgem fence imported into the " + devices.alloc_driver() + " buffer as a sync_file";
    return pending;
}

Window::Config dmabuf_window_config(Connection &connection, int alloc_fd, int width, int height) {
    Window::Config config;
    config.width = width;
    config.height = height;
    config.animate = false;
    Connection *c = &connection;
    config.factory = [c, alloc_fd](int w, int h, std::string &error) -> std::unique_ptr<Buffer> {
        return DmabufBuffer::create(*c, alloc_fd, w, h, error);
    };
    return config;
}

Json drm_syncobj_json(const Connection &connection) {
    Json out = Json::object();
    out.set("status",
            connection.has_global("wp_linux_drm_syncobj_manager_v1") ? "offered but not exercised" : "not offered");
    return out;
}

namespace {

// What one stall did: the animating client's frames during it, against
// its frames just before; and when the stalled buffer reached the screen
// relative to its fence signaling (negative: shown before the fence
// signaled, i.e. the compositor read a buffer the GPU might still write).
struct StallSetup {
    Connection &stalled_connection;
    Window &stalled;
    Window &animator;
    std::span<Connection *const> connections;
    std::span<Window *const> windows;
    int stall_ms;
};

// How the animating client fared in [from, to): the gaps between the
// frames it was shown, counting the edges of the window too, so that an
// output frozen for the whole window shows as one long gap and not as
// "no intervals, nothing missed".
Json gap_json(const std::vector<CommitRecord> &log, int64_t from, int64_t to, int64_t nominal) {
    bool presentation = std::any_of(
        log.begin(), log.end(), [](const CommitRecord &r) { return r.feedback == CommitRecord::Feedback::presented; });
    std::vector<int64_t> shown;
    int64_t refresh = nominal;
    for (const auto &r : log) {
        int64_t t = presentation ? r.presented_ns : r.frame_done_ns;
        if (t >= from && t < to) {
            shown.push_back(t);
        }
        if (presentation && r.refresh_ns > 0) {
            refresh = r.refresh_ns;
        }
    }
    std::sort(shown.begin(), shown.end());
    std::vector<int64_t> gaps;
    int64_t last = from;
    for (int64_t t : shown) {
        gaps.push_back(t - last);
        last = t;
    }
    gaps.push_back(to - last);
    int64_t missed = 0;
    int64_t missed_periods = 0;
    // The first and last gaps are partial periods: they count once they
    // exceed 1.5 periods, like the others.
    for (int64_t gap : gaps) {
        if (double(gap) > 1.5 * double(refresh)) {
            ++missed;
            missed_periods += std::llround(double(gap) / double(refresh)) - 1;
        }
    }
    Json out = Json::object();
    out.set("timing_source", presentation ? "presentation" : "frame-callback");
    out.set("window_ms", ns_to_ms(to - from));
    out.set("frames_shown", shown.size());
    out.set("frames_expected", double(to - from) / double(refresh));
    out.set("fps", double(shown.size()) / (double(to - from) / 1e9));
    out.set("missed_frames", missed);
    out.set("missed_periods", missed_periods);
    out.set("worst_interval_ms", ns_to_ms(*std::max_element(gaps.begin(), gaps.end())));
    out.set("interval_ms", summary_ms(gaps));
    return out;
}

Json run_stall_phase(StallSetup &s,
                     const std::function<std::unique_ptr<PendingFence>(DmabufBuffer &, std::string &)> &fence_it,
                     const std::function<void()> &before_commit, const std::string &alloc_error_prefix, int alloc_fd) {
    Json out = Json::object();
    std::string error;
    Connection &clock = *s.connections.front();
    auto buffer = DmabufBuffer::create(s.stalled_connection, alloc_fd, 256, 256, error);
    if (!buffer) {
        out.set("status", alloc_error_prefix + error);
        return out;
    }
    DmabufBuffer &raw = *buffer;
    draw_frame(raw, 1000);
    auto fence = fence_it(raw, error);
    if (!fence) {
        out.set("status", "skipped: " + error);
        return out;
    }
    s.stalled.add_buffer(std::move(buffer));

    const int64_t baseline_from = clock.now();
    pump_until(s.connections, s.windows, baseline_from + ms_to_ns(1000), {}, {}, error);
    const int64_t t_commit = clock.now();
    size_t index = s.stalled.commit(raw, before_commit);
    bool ok = pump_until(s.connections, s.windows, t_commit + ms_to_ns(s.stall_ms), {}, {}, error);
    const int64_t t_signal = clock.now();
    std::string signal_error;
    if (!fence->signal(signal_error)) {
        out.set("status", "error: " + signal_error);
        return out;
    }
    if (ok) {
        ok = pump_until(s.connections, s.windows, t_signal + ms_to_ns(1000), {}, {}, error);
    }
    if (!ok) {
        out.set("status", "error: " + error);
        return out;
    }
    const int64_t nominal = nominal_refresh_ns(clock);
    const int64_t t_end = t_signal + ms_to_ns(500);
    out.set("status", "measured");
    out.set("animator", gap_json(s.animator.log(), t_commit, t_end, nominal));
    out.set("animator_baseline", gap_json(s.animator.log(), baseline_from, t_commit, nominal));

    const CommitRecord &stalled = s.stalled.log()[index];
    Json client = Json::object();
    if (stalled.feedback == CommitRecord::Feedback::presented) {
        client.set("shown_after_signal_ms", ns_to_ms(stalled.presented_ns - t_signal));
        client.set("shown_before_signal", stalled.presented_ns < t_signal);
    } else {
        client.set("shown_after_signal_ms", nullptr);
        client.set("feedback", stalled.feedback == CommitRecord::Feedback::discarded ? "discarded"
                               : stalled.feedback == CommitRecord::Feedback::pending ? "none within 1 s"
                                                                                     : "not requested");
    }
    client.set("frame_callback_after_signal_ms",
               stalled.frame_done_ns >= 0 ? Json(ns_to_ms(stalled.frame_done_ns - t_signal)) : Json());
    out.set("stalled_client", std::move(client));
    return out;
}

} // namespace

int run_stall(const Options &options, Json &record) {
    std::string error;
    record.set("stall_ms", options.stall_ms);
    auto animator_connection = Connection::open(options.socket, error);
    auto stalled_connection = animator_connection ? Connection::open(options.socket, error) : nullptr;
    if (!animator_connection || !stalled_connection) {
        record.set("error", error);
        return 1;
    }
    record.set("output", output_json(*stalled_connection));
    record.set("globals", globals_json(*stalled_connection));
    record.set("drm_syncobj", drm_syncobj_json(*stalled_connection));
    Json explicit_json = Json::object();
    explicit_json.set("status", stalled_connection->explicit_sync() != nullptr ? "pending" : "not offered");

    FenceDevices devices = open_fence_devices(options.dri_dir);
    auto skip = [&](const std::string &reason) {
        record.set("skipped", reason);
        if (stalled_connection->explicit_sync() != nullptr) {
            explicit_json.set("status", "skipped: " + reason);
        }
        record.set("explicit", explicit_json);
        return 0;
    };
    if (!devices.vgem) {
        return skip("no vgem device in " + options.dri_dir +
                    ": the stall needs the test VM's vgem (tests/vm/run-in-vm), which this machine lacks");
    }
    if (stalled_connection->dmabuf() == nullptr) {
        return skip("the compositor offers no zwp_linux_dmabuf_v1, so no client can hand it a fenced dma-buf "
                    "(wlroots' pixman renderer and weston 10's pixman renderer import none)");
    }
    record.set("buffer_device", devices.alloc_driver());

    Window::Config animate_config;
    animate_config.width = options.width.value_or(256);
    animate_config.height = options.height.value_or(256);
    Window animator(*animator_connection, animate_config);
    Window stalled(*stalled_connection, dmabuf_window_config(*stalled_connection, devices.alloc_fd(), 256, 256));
    Connection *connections[] = {animator_connection.get(), stalled_connection.get()};
    Window *windows[] = {&animator, &stalled};
    auto both_mapped = [&] { return animator.mapped() && stalled.mapped(); };
    bool ok = pump_until(connections, windows, animator_connection->now() + ms_to_ns(30000), both_mapped, {}, error);
    if (!ok || !both_mapped()) {
        // A dma-buf the compositor refused shows here (the first buffer of
        // the stalled window is a dma-buf too).
        return skip(ok ? "the windows were not mapped within 30 s" : "cannot show a dma-buf: " + error);
    }
    pump_until(connections, windows, animator_connection->now() + ms_to_ns(500), {}, {}, error);

    StallSetup setup{*stalled_connection, stalled, animator, connections, windows, options.stall_ms};
    std::string how;
    Json implicit = run_stall_phase(
        setup, [&](DmabufBuffer &buffer, std::string &err) { return attach_vgem_fence(devices, buffer, how, err); }, {},
        "error: cannot make the stalled dma-buf: ", devices.alloc_fd());
    implicit.set("fence", how);
    record.set("implicit", std::move(implicit));

    // The same stall with an explicit acquire fence from sw_sync.
    if (stalled_connection->explicit_sync() != nullptr) {
        std::string sw_error;
        auto timeline = SwSyncTimeline::open(options.sw_sync_path, sw_error);
        if (!timeline) {
            explicit_json.set("status", "skipped: " + sw_error);
        } else {
            Proxy<zwp_linux_surface_synchronization_v1> sync(zwp_linux_explicit_synchronization_v1_get_synchronization(
                stalled_connection->explicit_sync(), stalled.surface()));
            UniqueFd acquire;
            explicit_json = run_stall_phase(
                setup,
                [&](DmabufBuffer &, std::string &err) -> std::unique_ptr<PendingFence> {
                    acquire = timeline->fence_at(1, err);
                    if (!acquire) {
                        return nullptr;
                    }
                    return std::make_unique<SwSyncFence>(*timeline);
                },
                [&] { zwp_linux_surface_synchronization_v1_set_acquire_fence(sync.get(), acquire.get()); },
                "error: cannot make the stalled dma-buf: ", devices.alloc_fd());
            explicit_json.set("fence", "sw_sync acquire fence (zwp_linux_explicit_synchronization_v1)");
        }
    }
    record.set("explicit", std::move(explicit_json));
    return 0;
}

} // namespace bench
