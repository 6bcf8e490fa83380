// An xdg toplevel that records, for every commit, when it was made, when
// its frame callback came back and what wp_presentation said about it.
// Workloads either let it animate (redraw on every frame callback) or
// commit buffers themselves.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "buffer.hpp"
#include "connection.hpp"
#include "json.hpp"
#include "proxy.hpp"

namespace bench {

struct CommitRecord {
    enum class Feedback { none, pending, presented, discarded };
    int64_t commit_ns = 0;
    int64_t frame_done_ns = -1; // arrival of the frame callback, on the same clock
    int64_t presented_ns = -1;
    int64_t refresh_ns = 0;
    uint64_t seq = 0;
    uint32_t flags = 0;
    Feedback feedback = Feedback::none;
};

class Window {
public:
    using BufferFactory = std::function<std::unique_ptr<Buffer>(int width, int height, std::string &error)>;

    struct Config {
        int width = 256;
        int height = 256;
        bool animate = true;    // redraw on every frame callback
        bool feedback = true;   // ask wp_presentation for feedback on each commit
        size_t max_buffers = 4; // more than this busy at once counts as starved
        std::string title = "sluice-bench";
        BufferFactory factory; // default: shm
    };

    Window(Connection &connection, Config config);
    ~Window();
    Window(const Window &) = delete;
    Window &operator=(const Window &) = delete;

    // True once the first configure arrived and the first buffer was
    // committed (the compositor may still not show it: see first_presented).
    bool mapped() const { return mapped_; }
    bool closed() const { return closed_; }
    // Empty until something failed (a buffer could not be made).
    const std::string &error() const { return error_; }

    // Redraws if a frame callback asked for it and a buffer has become free
    // since; call after each pump.
    void tick();

    // Picks (or makes) a free buffer and draws animation frame n into it.
    // Null when all buffers are busy and no more may be made.
    Buffer *next_buffer();
    // Attaches, damages all, asks for a frame callback and feedback,
    // commits. before_commit runs just before wl_surface.commit (to set an
    // acquire fence, for instance).
    size_t commit(Buffer &buffer, const std::function<void()> &before_commit = {});

    wl_surface *surface() const { return surface_.get(); }
    Connection &connection() const { return connection_; }
    const std::vector<CommitRecord> &log() const { return log_; }
    uint64_t starved() const { return starved_; }
    uint64_t frames_drawn() const { return frame_; }
    // Adds buffers made outside the factory (dma-bufs with fences).
    Buffer *add_buffer(std::unique_ptr<Buffer> buffer);

private:
    struct Pending;
    void on_configure(uint32_t serial);
    void on_frame_done(size_t index);
    void redraw();

    Connection &connection_;
    Config config_;
    Proxy<wl_surface> surface_;
    Proxy<xdg_surface> xdg_surface_;
    Proxy<xdg_toplevel> toplevel_;
    std::vector<std::unique_ptr<Buffer>> buffers_;
    std::list<std::unique_ptr<Pending>> pending_;
    std::vector<CommitRecord> log_;
    bool mapped_ = false;
    bool closed_ = false;
    bool want_redraw_ = false;
    uint32_t frame_ = 0;
    uint64_t starved_ = 0;
    std::string error_;
};

// What a set of commits within [from, to) says about pacing. Commits made
// in the window count; their presentations may land slightly after it.
struct PacingStats {
    bool used_presentation = false;    // false: frame-callback arrival times
    std::vector<int64_t> latencies;    // commit to presentation (or frame callback)
    std::vector<int64_t> intervals;    // between consecutive presentations
    std::vector<int64_t> presented_at; // presentation timestamps in the window
    uint64_t commits = 0;
    uint64_t presented = 0;
    uint64_t discarded = 0;
    uint64_t zero_copy = 0;
    uint64_t missed = 0;      // intervals over 1.5 refresh periods
    uint64_t no_feedback = 0; // feedback still pending at the end
    int64_t refresh_ns = 0;   // as reported by the compositor (0: unknown)
};

PacingStats analyze(const std::vector<CommitRecord> &log, int64_t from, int64_t to, int64_t fallback_refresh_ns);

// The parts of a PacingStats every record carries, as JSON.
Json pacing_json(const PacingStats &stats, double duration_s, bool histogram);

} // namespace bench
