// What the compositor process costs while a workload runs: CPU time (from
// /proc/PID/stat, and to the nanosecond from the scheduler's per-thread
// schedstat where the kernel has it), resident memory and open fds.
// Reading another user's /proc/PID/fd needs the same uid (or root): the
// driver runs compositor and client as one user.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "json.hpp"

namespace bench {

struct ProcSnapshot {
    bool ok = false;
    int64_t at_ns = 0;
    int64_t cpu_ticks = -1; // utime + stime
    int64_t sched_ns = -1;  // sum over threads of time on a CPU
    int64_t rss_kb = -1;
    int64_t hwm_kb = -1;
    int64_t fds = -1;
    int64_t threads = -1;
};

class ProcessProbe {
public:
    explicit ProcessProbe(pid_t pid) : pid_(pid) {}
    ProcSnapshot snapshot() const;
    std::string comm() const;
    pid_t pid() const { return pid_; }

private:
    pid_t pid_;
};

// Samples one process over a measured interval: begin(), sample() as often
// as the workload likes (it rate-limits itself), end(), then json() with the
// number of output frames the interval saw.
class ResourceTrack {
public:
    explicit ResourceTrack(pid_t pid) : probe_(pid) {}
    bool active() const { return probe_.pid() > 0; }
    void begin();
    void sample();
    void end();
    Json json(uint64_t output_frames) const;

private:
    ProcessProbe probe_;
    ProcSnapshot begin_;
    ProcSnapshot end_;
    std::vector<int64_t> rss_samples_;
    int64_t last_sample_ns_ = 0;
};

} // namespace bench
