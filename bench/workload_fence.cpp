// fence-to-screen: how long after its acquire fence signals a buffer is
// presented. The commit goes in with the fence unsignaled; the fence is
// signaled once the compositor has surely received the commit; the
// presentation timestamp minus the signal time is the sample.
#include <algorithm>

#include "clock.hpp"
#include "fences.hpp"
#include "stats.hpp"
#include "workloads.hpp"

namespace bench {

namespace {

// One fenced commit per sample on a window of dma-buf buffers. make_fence
// attaches (or prepares) the fence for the buffer just drawn; before_commit
// hands it to the compositor for explicit sync.
Json measure(Connection &connection, Window &window, int samples, double max_wait_s,
             const std::function<std::unique_ptr<PendingFence>(DmabufBuffer &, std::string &)> &make_fence,
             const std::function<void()> &before_commit) {
    Json out = Json::object();
    std::string error;
    Connection *connections[] = {&connection};
    Window *windows[] = {&window};
    std::vector<int64_t> after_signal;
    int early = 0;
    int lost = 0;
    for (int n = 0; n < samples; ++n) {
        Buffer *free_buffer = nullptr;
        pump_until(
            connections, windows, connection.now() + ms_to_ns(1000),
            [&] { return (free_buffer = window.next_buffer()) != nullptr; }, {}, error);
        if (free_buffer == nullptr) {
            out.set("status", "error: no buffer released within 1 s" + (error.empty() ? "" : ": " + error));
            return out;
        }
        auto &buffer = static_cast<DmabufBuffer &>(*free_buffer);
        draw_frame(buffer, uint32_t(n));
        auto fence = make_fence(buffer, error);
        if (!fence) {
            out.set("status", "error: " + error);
            return out;
        }
        size_t index = window.commit(buffer, before_commit);
        // 50 ms: the commit has long reached the compositor, which must now
        // be holding it (or, if it ignores the fence, has shown it already).
        pump_until(connections, windows, connection.now() + ms_to_ns(50), {}, {}, error);
        const CommitRecord before = window.log()[index];
        const int64_t t_signal = connection.now();
        if (!fence->signal(error)) {
            out.set("status", "error: " + error);
            return out;
        }
        auto shown = [&] {
            const CommitRecord &r = window.log()[index];
            return r.feedback != CommitRecord::Feedback::pending && r.frame_done_ns >= 0;
        };
        pump_until(connections, windows, t_signal + ms_to_ns(max_wait_s * 1000), shown, {}, error);
        const CommitRecord &r = window.log()[index];
        if (before.feedback == CommitRecord::Feedback::presented) {
            ++early;
        }
        if (r.feedback == CommitRecord::Feedback::presented) {
            after_signal.push_back(r.presented_ns - t_signal);
        } else if (r.feedback == CommitRecord::Feedback::none && r.frame_done_ns >= 0) {
            after_signal.push_back(r.frame_done_ns - t_signal);
        } else {
            ++lost;
        }
    }
    out.set("status", "measured");
    out.set("timing_source", connection.presentation() != nullptr ? "presentation" : "frame-callback");
    out.set("fence_to_screen_ms", summary_ms(after_signal));
    // Shown before its fence signaled: the compositor did not wait.
    out.set("shown_before_signal", early);
    out.set("not_shown", lost);
    return out;
}

} // namespace

int run_fence_to_screen(const Options &options, Json &record) {
    auto connection = open_described(options.socket, record);
    if (!connection) {
        return 1;
    }
    std::string error;
    record.set("drm_syncobj", drm_syncobj_json(*connection));
    const int samples = options.samples > 0 ? options.samples : (options.quick ? 5 : 20);
    const double max_wait_s = options.duration_s.value_or(1.0);
    record.set("samples", samples);

    FenceDevices devices = open_fence_devices(options.dri_dir);
    std::string device_problem;
    if (connection->dmabuf() == nullptr) {
        device_problem = "the compositor offers no zwp_linux_dmabuf_v1";
    } else if (devices.alloc_fd() < 0) {
        device_problem = "no DRM card node in " + options.dri_dir + " to allocate dma-bufs from";
    }

    std::unique_ptr<Window> window;
    auto map_window = [&]() -> bool {
        if (window) {
            return true;
        }
        window = std::make_unique<Window>(*connection, dmabuf_window_config(*connection, devices.alloc_fd(),
                                                                            options.width.value_or(256),
                                                                            options.height.value_or(256)));
        Connection *connections[] = {connection.get()};
        Window *windows[] = {window.get()};
        pump_until(
            connections, windows, connection->now() + ms_to_ns(30000), [&] { return window->mapped(); }, {}, error);
        return window->mapped() && window->error().empty();
    };

    Json explicit_json = Json::object();
    if (connection->explicit_sync() == nullptr) {
        explicit_json.set("status", "not offered");
    } else if (!device_problem.empty()) {
        explicit_json.set("status", "skipped: " + device_problem);
    } else {
        std::string sw_error;
        auto timeline = SwSyncTimeline::open(options.sw_sync_path, sw_error);
        if (!timeline) {
            explicit_json.set("status", "skipped: " + sw_error);
        } else if (!map_window()) {
            explicit_json.set("status", "error: cannot show a dma-buf: " + error + (window ? window->error() : ""));
        } else {
            Proxy<zwp_linux_surface_synchronization_v1> sync(zwp_linux_explicit_synchronization_v1_get_synchronization(
                connection->explicit_sync(), window->surface()));
            UniqueFd acquire;
            uint32_t point = 0;
            explicit_json = measure(
                *connection, *window, samples, max_wait_s,
                [&](DmabufBuffer &, std::string &err) -> std::unique_ptr<PendingFence> {
                    acquire = timeline->fence_at(++point, err);
                    if (!acquire) {
                        return nullptr;
                    }
                    struct Advance final : PendingFence {
                        SwSyncTimeline &timeline;
                        bool done = false;
                        explicit Advance(SwSyncTimeline &t) : timeline(t) {}
                        ~Advance() override {
                            std::string ignored;
                            if (!done) {
                                timeline.advance(1, ignored);
                            }
                        }
                        bool signal(std::string &e) override {
                            done = true;
                            return timeline.advance(1, e);
                        }
                    };
                    return std::make_unique<Advance>(*timeline);
                },
                [&] { zwp_linux_surface_synchronization_v1_set_acquire_fence(sync.get(), acquire.get()); });
            explicit_json.set("fence", "sw_sync");
        }
    }
    record.set("explicit_sync", std::move(explicit_json));

    // Not asked of the compositor by protocol, but what most clients do:
    // the fence lives in the dma-buf (vgem), and the compositor has to find
    // it there itself.
    Json implicit = Json::object();
    if (!devices.vgem) {
        implicit.set("status", "skipped: no vgem device in " + options.dri_dir);
    } else if (!device_problem.empty()) {
        implicit.set("status", "skipped: " + device_problem);
    } else if (!map_window()) {
        implicit.set("status", "error: cannot show a dma-buf: " + error + (window ? window->error() : ""));
    } else {
        std::string how;
        implicit = measure(
            *connection, *window, samples, max_wait_s,
            [&](DmabufBuffer &buffer, std::string &err) { return attach_vgem_fence(devices, buffer, how, err); }, {});
        implicit.set("fence", how);
    }
    record.set("implicit_vgem", std::move(implicit));
    return 0;
}

} // namespace bench
