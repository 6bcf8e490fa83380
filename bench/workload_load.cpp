// load: N animated clients, each on its own connection, served by one poll
// loop (one thread: the client side stays cheap and its own scheduling
// cannot favour one client over another).
#include <algorithm>
#include <thread>

#include "clock.hpp"
#include "process_probe.hpp"
#include "stats.hpp"
#include "workloads.hpp"

namespace bench {

namespace {

Json run_one(const Options &options, int clients, double duration_s, double warmup_s, Json &output, bool &ok) {
    Json out = Json::object();
    out.set("clients", clients);
    std::string error;
    std::vector<std::unique_ptr<Connection>> connections;
    std::vector<std::unique_ptr<Window>> windows;
    for (int n = 0; n < clients; ++n) {
        auto connection = Connection::open(options.socket, error);
        if (!connection) {
            out.set("error", "client " + std::to_string(n) + ": " + error);
            ok = false;
            return out;
        }
        connections.push_back(std::move(connection));
    }
    if (output.is_null()) {
        output = output_json(*connections.front());
    }
    Window::Config config;
    config.width = options.width.value_or(256);
    config.height = options.height.value_or(256);
    for (int n = 0; n < clients; ++n) {
        config.title = "sluice-bench load " + std::to_string(n + 1) + "/" + std::to_string(clients);
        windows.push_back(std::make_unique<Window>(*connections[size_t(n)], config));
    }
    std::vector<Connection *> conn_ptrs;
    std::vector<Window *> win_ptrs;
    for (auto &c : connections) {
        conn_ptrs.push_back(c.get());
    }
    for (auto &w : windows) {
        win_ptrs.push_back(w.get());
    }
    Connection &clock = *connections.front();
    ResourceTrack track(options.pid);

    auto all_mapped = [&] {
        return std::all_of(windows.begin(), windows.end(), [](const auto &w) { return w->mapped(); });
    };
    ok = pump_until(conn_ptrs, win_ptrs, clock.now() + ms_to_ns(15000), all_mapped, {}, error);
    if (ok && !all_mapped()) {
        error = "not every window was configured within 15 s";
        ok = false;
    }
    if (ok) {
        ok = pump_until(conn_ptrs, win_ptrs, clock.now() + ms_to_ns(warmup_s * 1000), {}, {}, error);
    }
    int64_t from = clock.now();
    track.begin();
    if (ok) {
        ok = pump_until(
            conn_ptrs, win_ptrs, from + ms_to_ns(duration_s * 1000), {}, [&] { track.sample(); }, error);
    }
    int64_t to = clock.now();
    track.end();
    if (!ok) {
        out.set("error", error);
        return out;
    }
    pump_until(conn_ptrs, win_ptrs, clock.now() + ms_to_ns(250), {}, {}, error);

    const double seconds = double(to - from) / 1e9;
    const int64_t nominal = nominal_refresh_ns(clock);
    std::vector<int64_t> latencies;
    Json fps = Json::array();
    std::vector<double> fps_values;
    uint64_t missed = 0, presented = 0, discarded = 0, starved = 0;
    bool used_presentation = false;
    int64_t refresh_ns = 0;
    for (Window *w : win_ptrs) {
        PacingStats stats = analyze(w->log(), from, to, nominal);
        used_presentation = used_presentation || stats.used_presentation;
        refresh_ns = std::max(refresh_ns, stats.refresh_ns);
        latencies.insert(latencies.end(), stats.latencies.begin(), stats.latencies.end());
        double rate = double(stats.presented) / seconds;
        fps.push(rate);
        fps_values.push_back(rate);
        missed += stats.missed;
        presented += stats.presented;
        discarded += stats.discarded;
        starved += w->starved();
    }
    uint64_t output_frames = count_output_frames(win_ptrs, from, to, used_presentation);
    const double announced_rate = 1e9 / double(refresh_ns > 0 ? refresh_ns : nominal);
    const double output_rate = double(output_frames) / seconds;
    // A client is held when it got a new frame on (at least 95 % of) the
    // output frames the compositor actually made; whether the compositor
    // kept its announced rate is a separate question (output_rate_held).
    const auto held =
        std::count_if(fps_values.begin(), fps_values.end(), [&](double r) { return r >= 0.95 * output_rate && r > 0; });
    std::sort(fps_values.begin(), fps_values.end());

    out.set("duration_s", seconds);
    out.set("timing_source", used_presentation ? "presentation" : "frame-callback");
    out.set("output_rate_hz", announced_rate);
    out.set("output_frames", output_frames);
    out.set("measured_output_hz", output_rate);
    out.set("output_rate_held", output_rate >= 0.95 * announced_rate);
    out.set("clients_held", int64_t(held));
    out.set("all_held", held == clients && output_rate >= 0.95 * announced_rate);
    out.set("fps_min", fps_values.front());
    out.set("fps_median", fps_values[fps_values.size() / 2]);
    out.set("fps_max", fps_values.back());
    out.set("clients_without_frames",
            int64_t(std::count_if(fps_values.begin(), fps_values.end(), [](double r) { return r == 0.0; })));
    out.set("fps", std::move(fps));
    out.set("presented", presented);
    out.set("discarded", discarded);
    out.set("missed_frames", missed);
    out.set("client_starved", starved);
    out.set("latency_ms", summary_ms(latencies));
    if (track.active()) {
        out.set("process", track.json(output_frames));
    }
    return out;
}

} // namespace

int run_load(const Options &options, Json &record) {
    const double duration_s = options.duration_s.value_or(options.quick ? 1.5 : 5.0);
    const double warmup_s = options.warmup_s.value_or(options.quick ? 0.5 : 1.0);
    Json output;
    Json runs = Json::array();
    bool all_ok = true;
    for (int clients : options.clients) {
        bool ok = true;
        runs.push(run_one(options, clients, duration_s, warmup_s, output, ok));
        all_ok = all_ok && ok;
        if (!ok) {
            break;
        }
        // Let the compositor tear the clients down before the next count,
        // so their destruction does not land in its measurement.
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    record.set("output", output);
    record.set("window",
               Json::object().set("width", options.width.value_or(256)).set("height", options.height.value_or(256)));
    record.set("runs", std::move(runs));
    if (!all_ok) {
        record.set("error", "a load run failed (see runs)");
        return 1;
    }
    return 0;
}

} // namespace bench
