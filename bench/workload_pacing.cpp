// pacing: one toplevel redrawing on every frame callback.
#include <algorithm>

#include "clock.hpp"
#include "dmabuf.hpp"
#include "process_probe.hpp"
#include "workloads.hpp"

namespace bench {

Json output_json(const Connection &connection) {
    const OutputMode &mode = connection.output_mode();
    Json out = Json::object();
    out.set("width", mode.width);
    out.set("height", mode.height);
    out.set("refresh_mhz", mode.refresh_mhz);
    return out;
}

Json globals_json(const Connection &connection) {
    Json out = Json::object();
    out.set("wp_presentation", connection.presentation() != nullptr);
    out.set("zwp_linux_dmabuf_v1", connection.dmabuf() != nullptr);
    out.set("zwp_linux_explicit_synchronization_v1", connection.explicit_sync() != nullptr);
    out.set("wp_linux_drm_syncobj_manager_v1", connection.has_global("wp_linux_drm_syncobj_manager_v1"));
    return out;
}

std::unique_ptr<Connection> open_described(const std::string &socket, Json &record) {
    std::string error;
    auto connection = Connection::open(socket, error);
    if (!connection) {
        record.set("error", error);
        return nullptr;
    }
    record.set("output", output_json(*connection));
    record.set("globals", globals_json(*connection));
    return connection;
}

int64_t nominal_refresh_ns(const Connection &connection) {
    int32_t mhz = connection.output_mode().refresh_mhz;
    return mhz > 0 ? int64_t(1e12 / double(mhz)) : 16'666'667;
}

const char *presentation_status(const Connection &connection, bool feedback_seen) {
    if (connection.presentation() == nullptr) {
        return "not offered";
    }
    return feedback_seen ? "offered" : "offered, but no feedback received";
}

bool pump_until(std::span<Connection *const> connections, std::span<Window *const> windows, int64_t deadline_ns,
                const std::function<bool()> &done, const std::function<void()> &each, std::string &error) {
    Connection &clock = *connections.front();
    while (true) {
        if (done && done()) {
            return true;
        }
        int64_t left = deadline_ns - clock.now();
        if (left <= 0) {
            return true;
        }
        // Wake at least every 10 ms so `each` (resource sampling) and
        // deadlines stay on time when the compositor goes quiet.
        int timeout = int(std::min<int64_t>(left / 1'000'000 + 1, 10));
        if (!Connection::pump(connections, timeout)) {
            for (Connection *c : connections) {
                if (c->failed()) {
                    error = "connection failed: " + c->error();
                    return false;
                }
            }
        }
        for (Window *w : windows) {
            w->tick();
            if (!w->error().empty()) {
                error = w->error();
                return false;
            }
        }
        if (each) {
            each();
        }
    }
}

uint64_t count_output_frames(std::span<Window *const> windows, int64_t from, int64_t to, bool presentation) {
    if (!presentation) {
        // Frame callbacks of one output frame reach N clients over several
        // milliseconds, so arrival times cannot be grouped into frames
        // reliably; but no client gets more than one callback per output
        // frame, so the busiest client's count is the best lower bound.
        uint64_t most = 0;
        for (Window *w : windows) {
            uint64_t n = 0;
            for (const auto &r : w->log()) {
                n += (r.frame_done_ns >= from && r.frame_done_ns <= to) ? 1 : 0;
            }
            most = std::max(most, n);
        }
        return most;
    }
    // Presentation timestamps of one output frame are identical for every
    // client that was in it.
    std::vector<int64_t> times;
    for (Window *w : windows) {
        for (const auto &r : w->log()) {
            if (r.presented_ns >= from && r.presented_ns <= to) {
                times.push_back(r.presented_ns);
            }
        }
    }
    std::sort(times.begin(), times.end());
    return uint64_t(std::unique(times.begin(), times.end()) - times.begin());
}

int run_pacing(const Options &options, Json &record) {
    auto connection = open_described(options.socket, record);
    if (!connection) {
        return 1;
    }
    std::string error;

    const double duration_s = options.duration_s.value_or(options.quick ? 1.5 : 5.0);
    const double warmup_s = options.warmup_s.value_or(options.quick ? 0.5 : 1.0);
    Window::Config config;
    config.width = options.width.value_or(512);
    config.height = options.height.value_or(512);

    // dma-buf only when asked for: shm is what every compositor here takes,
    // so it is the default that keeps the comparison like for like.
    std::optional<DrmNode> node;
    std::string dmabuf_status = "not requested";
    if (options.buffers == BufferChoice::dmabuf) {
        // A KMS device's buffers are readable by Mesa's GL compositors; a
        // vgem buffer only where nothing else exists (see VM-NOTES).
        node = open_drm_node(options.dri_dir, "vgem", true);
        if (!node) {
            node = open_drm_node(options.dri_dir, "vgem");
        }
        if (connection->dmabuf() == nullptr) {
            dmabuf_status = "not offered by the compositor";
            node.reset();
        } else if (!node) {
            dmabuf_status = "no DRM card node in " + options.dri_dir + " to allocate from";
        } else {
            std::string probe_error;
            auto probe = DmabufBuffer::create(*connection, node->fd.get(), config.width, config.height, probe_error);
            if (!probe) {
                dmabuf_status = "import failed: " + probe_error;
                node.reset();
            } else {
                dmabuf_status = "used (" + node->driver + ")";
                int fd = node->fd.get();
                Connection *c = connection.get();
                config.factory = [c, fd](int w, int h, std::string &err) -> std::unique_ptr<Buffer> {
                    return DmabufBuffer::create(*c, fd, w, h, err);
                };
            }
        }
    }
    record.set("dmabuf", dmabuf_status);
    record.set("window", Json::object().set("width", config.width).set("height", config.height));

    Window window(*connection, config);
    Connection *connections[] = {connection.get()};
    Window *windows[] = {&window};
    ResourceTrack track(options.pid);

    int64_t start = connection->now();
    bool ok = pump_until(
        connections, windows, start + ms_to_ns(10000), [&] { return window.mapped(); }, {}, error);
    if (ok && !window.mapped()) {
        error = "the window was not configured within 10 s";
        ok = false;
    }
    if (ok) {
        ok = pump_until(connections, windows, connection->now() + ms_to_ns(warmup_s * 1000), {}, {}, error);
    }
    int64_t from = connection->now();
    track.begin();
    if (ok) {
        ok = pump_until(
            connections, windows, from + ms_to_ns(duration_s * 1000), {}, [&] { track.sample(); }, error);
    }
    int64_t to = connection->now();
    track.end();
    if (!ok) {
        record.set("error", error);
        return 1;
    }
    // Feedback for the last commits of the window arrives after it.
    pump_until(connections, windows, connection->now() + ms_to_ns(250), {}, {}, error);

    PacingStats stats = analyze(window.log(), from, to, nominal_refresh_ns(*connection));
    record.set("presentation", presentation_status(*connection, stats.used_presentation));
    record.set("buffer_type", node ? "dmabuf" : "shm");
    record.set("duration_s", double(to - from) / 1e9);
    Json pacing = pacing_json(stats, double(to - from) / 1e9, true);
    record.set("pacing", std::move(pacing));
    record.set("client_starved", window.starved());
    if (track.active()) {
        record.set("process", track.json(count_output_frames(windows, from, to, stats.used_presentation)));
    }
    return 0;
}

} // namespace bench
