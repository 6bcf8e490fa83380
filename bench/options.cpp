#include "options.hpp"

#include <charconv>
#include <set>

namespace bench {

namespace {

template <typename T>
bool parse_number(const std::string &text, T &out) {
    const char *end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && ptr == end;
}

const std::set<std::string> workloads = {"pacing", "load", "startup", "stall", "fence-to-screen"};

} // namespace

const char *usage_text() {
    return "Usage: sluice-bench WORKLOAD [options] [-- COMMAND...]\n"
           "\n"
           "Measures the Wayland compositor it connects to and prints one JSON record.\n"
           "\n"
           "Workloads:\n"
           "  pacing           one toplevel redrawing on every frame callback: commit-to-\n"
           "                   presentation latency (wp_presentation; frame callbacks when\n"
           "                   the compositor sends no feedback), intervals, missed frames\n"
           "  load             N animated clients, each its own connection, one poll loop:\n"
           "                   frame rate held per client, compositor CPU per output frame\n"
           "  startup          launches COMMAND (a compositor) and times its socket\n"
           "                   accepting and a client's first presented frame\n"
           "  stall            needs vgem: a dma-buf whose implicit fence stays unsignaled\n"
           "                   for --stall-ms while another client animates; then the same\n"
           "                   with an explicit acquire fence where the compositor offers it\n"
           "  fence-to-screen  signal an acquire fence, time until it is presented\n"
           "                   (linux-explicit-synchronization-v1; syncobj is detected only)\n"
           "\n"
           "Options:\n"
           "  --socket NAME      Wayland socket (default $WAYLAND_DISPLAY); for startup, the\n"
           "                     socket COMMAND will create, or 'auto': the first new\n"
           "                     wayland-* socket in the runtime directory\n"
           "  --pid PID          sample this compositor process: CPU per output frame,\n"
           "                     RSS, fds (needs the same user, or root)\n"
           "  --label NAME       compositor name in the record (default: --pid's comm)\n"
           "  --duration S       measured seconds (pacing 5, load 5 per client count,\n"
           "                     fence-to-screen: up to S per sample)\n"
           "  --warmup S         seconds run before measuring (default 1)\n"
           "  --size WxH         window size (pacing 512x512, others 256x256)\n"
           "  --buffers shm|dmabuf|auto  pacing buffers (default auto: shm; dma-buf only\n"
           "                     when asked and the compositor and a device allow it)\n"
           "  --clients LIST     load: comma-separated client counts (default 1,8,32)\n"
           "  --runtime-dir DIR  startup: where the socket appears (default\n"
           "                     $XDG_RUNTIME_DIR)\n"
           "  --timeout S        startup: give up after S seconds (default 20)\n"
           "  --log FILE         startup: COMMAND's output (default /dev/null)\n"
           "  --stall-ms MS      stall: how long the fence stays unsignaled (default 2000)\n"
           "  --dri-dir DIR      where to look for vgem and other DRM nodes (/dev/dri)\n"
           "  --sw-sync PATH     sw_sync control file (/sys/kernel/debug/sync/sw_sync)\n"
           "  --samples N        fence-to-screen samples (default 20, --quick 5)\n"
           "  --quick            short durations for a smoke run\n"
           "  -h, --help         this text\n"
           "\n"
           "Exit status: 0 with a record (a workload that cannot run here prints a record\n"
           "with \"skipped\"), 1 when the compositor could not be measured (the record\n"
           "says why in \"error\"), 2 for a bad command line.\n";
}

ParsedOptions parse_options(int argc, char **argv) {
    Options options;
    auto fail = [](std::string message) { return ParsedOptions{std::nullopt, std::move(message)}; };
    std::vector<std::string> args(argv + 1, argv + argc);
    for (size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        std::string value;
        bool inline_value = false;
        if (arg.rfind("--", 0) == 0 && arg.size() > 2) {
            auto eq = arg.find('=');
            if (eq != std::string::npos) {
                value = arg.substr(eq + 1);
                arg = arg.substr(0, eq);
                inline_value = true;
            }
        }
        auto take = [&](std::string &out) {
            if (inline_value) {
                out = value;
                return true;
            }
            if (i + 1 >= args.size()) {
                return false;
            }
            out = args[++i];
            return true;
        };
        std::string v;
        if (arg == "-h" || arg == "--help") {
            options.show_help = true;
            return {options, ""};
        } else if (arg == "--") {
            options.command.assign(args.begin() + std::ptrdiff_t(i) + 1, args.end());
            break;
        } else if (arg == "--quick") {
            options.quick = true;
        } else if (arg == "--socket") {
            if (!take(options.socket)) {
                return fail("--socket needs a name");
            }
        } else if (arg == "--label") {
            if (!take(options.label)) {
                return fail("--label needs a name");
            }
        } else if (arg == "--pid") {
            int pid = 0;
            if (!take(v) || !parse_number(v, pid) || pid <= 0) {
                return fail("--pid needs a process id");
            }
            options.pid = pid;
        } else if (arg == "--duration" || arg == "--warmup" || arg == "--timeout") {
            double seconds = 0;
            if (!take(v) || !parse_number(v, seconds) || seconds < 0 || seconds > 3600) {
                return fail(arg + " needs seconds (0 to 3600)");
            }
            if (arg == "--duration") {
                options.duration_s = seconds;
            } else if (arg == "--warmup") {
                options.warmup_s = seconds;
            } else {
                options.timeout_s = seconds;
            }
        } else if (arg == "--size") {
            int w = 0, h = 0;
            if (!take(v)) {
                return fail("--size needs WxH");
            }
            auto x = v.find('x');
            if (x == std::string::npos || !parse_number(v.substr(0, x), w) || !parse_number(v.substr(x + 1), h) ||
                w < 1 || h < 1 || w > 8192 || h > 8192) {
                return fail("--size needs WxH, each 1 to 8192, not '" + v + "'");
            }
            options.width = w;
            options.height = h;
        } else if (arg == "--buffers") {
            if (!take(v)) {
                return fail("--buffers needs shm, dmabuf or auto");
            }
            if (v == "shm") {
                options.buffers = BufferChoice::shm;
            } else if (v == "dmabuf") {
                options.buffers = BufferChoice::dmabuf;
            } else if (v == "auto") {
                options.buffers = BufferChoice::automatic;
            } else {
                return fail("--buffers needs shm, dmabuf or auto, not '" + v + "'");
            }
        } else if (arg == "--clients") {
            if (!take(v)) {
                return fail("--clients needs a list like 1,8,32");
            }
            options.clients.clear();
            size_t start = 0;
            while (start <= v.size()) {
                auto comma = v.find(',', start);
                std::string item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                int n = 0;
                if (!parse_number(item, n) || n < 1 || n > 256) {
                    return fail("--clients needs counts from 1 to 256, not '" + item + "'");
                }
                options.clients.push_back(n);
                if (comma == std::string::npos) {
                    break;
                }
                start = comma + 1;
            }
        } else if (arg == "--runtime-dir") {
            if (!take(options.runtime_dir)) {
                return fail("--runtime-dir needs a directory");
            }
        } else if (arg == "--log") {
            if (!take(options.log_path)) {
                return fail("--log needs a file");
            }
        } else if (arg == "--stall-ms") {
            if (!take(v) || !parse_number(v, options.stall_ms) || options.stall_ms < 1 || options.stall_ms > 9000) {
                // vgem signals its fences by itself after 10 s.
                return fail("--stall-ms needs 1 to 9000");
            }
        } else if (arg == "--dri-dir") {
            if (!take(options.dri_dir)) {
                return fail("--dri-dir needs a directory");
            }
        } else if (arg == "--sw-sync") {
            if (!take(options.sw_sync_path)) {
                return fail("--sw-sync needs a path");
            }
        } else if (arg == "--samples") {
            if (!take(v) || !parse_number(v, options.samples) || options.samples < 1 || options.samples > 10000) {
                return fail("--samples needs 1 to 10000");
            }
        } else if (arg.rfind("-", 0) == 0) {
            return fail("unknown option '" + arg + "' (try --help)");
        } else if (options.workload.empty()) {
            if (workloads.count(arg) == 0) {
                return fail("unknown workload '" + arg + "': pacing, load, startup, stall or fence-to-screen");
            }
            options.workload = arg;
        } else {
            return fail("unexpected argument '" + arg + "' (try --help)");
        }
    }
    if (options.workload.empty()) {
        return fail("no workload given: pacing, load, startup, stall or fence-to-screen (try --help)");
    }
    if (options.workload == "startup" && options.command.empty()) {
        return fail("startup needs the compositor command after --");
    }
    if (options.workload != "startup" && !options.command.empty()) {
        return fail("only startup takes a command after --");
    }
    if (options.clients.empty()) {
        options.clients = {1, 8, 32};
    }
    return {options, ""};
}

} // namespace bench
