// The command line: `sluice-bench WORKLOAD [options] [-- COMMAND...]`.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace bench {

enum class BufferChoice { shm, dmabuf, automatic };

struct Options {
    std::string workload;
    std::string socket; // empty: $WAYLAND_DISPLAY; "auto" for startup
    pid_t pid = 0;      // compositor process to sample (0: none)
    std::string label;  // compositor name in the record
    bool quick = false;
    std::optional<double> duration_s;
    std::optional<double> warmup_s;
    std::optional<int> width;
    std::optional<int> height;
    BufferChoice buffers = BufferChoice::automatic;
    std::vector<int> clients;         // load
    std::string runtime_dir;          // startup
    double timeout_s = 20.0;          // startup
    std::string log_path;             // startup: compositor's stdout/stderr
    std::vector<std::string> command; // startup
    int stall_ms = 2000;              // stall
    std::string dri_dir = "/dev/dri";
    std::string sw_sync_path = "/sys/kernel/debug/sync/sw_sync";
    int samples = 0; // fence-to-screen (0: default)
    bool show_help = false;
};

struct ParsedOptions {
    std::optional<Options> options;
    std::string error;
};

ParsedOptions parse_options(int argc, char **argv);
const char *usage_text();

} // namespace bench
