// sluice-bench: measures the Wayland compositor it connects to and prints
// one JSON record on stdout (diagnostics go to stderr).
#include <signal.h>

#include <cstdio>
#include <ctime>

#include "options.hpp"
#include "process_probe.hpp"
#include "workloads.hpp"

int main(int argc, char **argv) {
    bench::ParsedOptions parsed = bench::parse_options(argc, argv);
    if (!parsed.options) {
        fprintf(stderr, "sluice-bench: %s\n", parsed.error.c_str());
        return 2;
    }
    const bench::Options &options = *parsed.options;
    if (options.show_help) {
        fputs(bench::usage_text(), stdout);
        return 0;
    }
    // A compositor that dies mid-run must end in a record with an error,
    // not in SIGPIPE on a write to its socket.
    signal(SIGPIPE, SIG_IGN);

    bench::Json record = bench::Json::object();
    record.set("workload", options.workload);
    std::string label = options.label;
    if (label.empty() && options.pid > 0) {
        label = bench::ProcessProbe(options.pid).comm();
    }
    record.set("compositor", label.empty() ? "unknown" : label);
    record.set("bench_version", 1);
    record.set("time", int64_t(time(nullptr)));
    record.set("quick", options.quick);

    int status = 1;
    if (options.workload == "pacing") {
        status = bench::run_pacing(options, record);
    } else if (options.workload == "load") {
        status = bench::run_load(options, record);
    } else if (options.workload == "startup") {
        status = bench::run_startup(options, record);
    } else if (options.workload == "stall") {
        status = bench::run_stall(options, record);
    } else if (options.workload == "fence-to-screen") {
        status = bench::run_fence_to_screen(options, record);
    }
    printf("%s\n", record.dump().c_str());
    fflush(stdout);
    return status;
}
