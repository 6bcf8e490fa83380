#include "process_probe.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "clock.hpp"

namespace bench {

namespace {

bool read_file(const std::string &path, std::string &out) {
    std::ifstream in(path);
    if (!in) {
        return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return true;
}

int64_t status_kb(const std::string &status, const char *key) {
    auto at = status.find(key);
    if (at == std::string::npos) {
        return -1;
    }
    return std::strtoll(status.c_str() + at + std::char_traits<char>::length(key), nullptr, 10);
}

// Entries in a /proc directory, or -1 when it cannot be read.
int64_t count_entries(const std::string &path, std::vector<std::string> *names = nullptr) {
    DIR *dir = opendir(path.c_str());
    if (dir == nullptr) {
        return -1;
    }
    int64_t count = 0;
    while (dirent *entry = readdir(dir)) {
        if (entry->d_name[0] == '.') {
            continue;
        }
        ++count;
        if (names != nullptr) {
            names->emplace_back(entry->d_name);
        }
    }
    closedir(dir);
    return count;
}

} // namespace

ProcSnapshot ProcessProbe::snapshot() const {
    ProcSnapshot snap;
    snap.at_ns = now_ns();
    const std::string base = "/proc/" + std::to_string(pid_);
    std::string stat;
    if (!read_file(base + "/stat", stat)) {
        return snap;
    }
    // The command name in field 2 may contain spaces and parentheses; the
    // fields after the last ')' are fixed: state is the first, utime the
    // 12th and stime the 13th of them.
    auto close = stat.rfind(')');
    if (close == std::string::npos) {
        return snap;
    }
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    std::vector<std::string> parts;
    while (fields >> field) {
        parts.push_back(field);
    }
    if (parts.size() < 13) {
        return snap;
    }
    snap.cpu_ticks = std::stoll(parts[11]) + std::stoll(parts[12]);

    std::vector<std::string> tasks;
    snap.threads = count_entries(base + "/task", &tasks);
    int64_t sched = 0;
    bool have_sched = !tasks.empty();
    for (const auto &task : tasks) {
        std::string schedstat;
        if (!read_file(base + "/task/" + task + "/schedstat", schedstat)) {
            have_sched = false;
            break;
        }
        sched += std::strtoll(schedstat.c_str(), nullptr, 10);
    }
    snap.sched_ns = have_sched ? sched : -1;

    std::string status;
    if (read_file(base + "/status", status)) {
        snap.rss_kb = status_kb(status, "VmRSS:");
        snap.hwm_kb = status_kb(status, "VmHWM:");
    }
    snap.fds = count_entries(base + "/fd");
    snap.ok = true;
    return snap;
}

std::string ProcessProbe::comm() const {
    std::string comm;
    if (!read_file("/proc/" + std::to_string(pid_) + "/comm", comm)) {
        return "";
    }
    while (!comm.empty() && comm.back() == '\n') {
        comm.pop_back();
    }
    return comm;
}

void ResourceTrack::begin() {
    if (!active()) {
        return;
    }
    begin_ = probe_.snapshot();
    rss_samples_.clear();
    if (begin_.ok) {
        rss_samples_.push_back(begin_.rss_kb);
    }
    last_sample_ns_ = begin_.at_ns;
}

void ResourceTrack::sample() {
    if (!active()) {
        return;
    }
    // Ten samples a second is enough to see growth and cheap enough not to
    // disturb the client's own pacing.
    int64_t now = now_ns();
    if (now - last_sample_ns_ < 100'000'000) {
        return;
    }
    last_sample_ns_ = now;
    std::ifstream in("/proc/" + std::to_string(probe_.pid()) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            rss_samples_.push_back(std::strtoll(line.c_str() + 6, nullptr, 10));
            break;
        }
    }
}

void ResourceTrack::end() {
    if (!active()) {
        return;
    }
    end_ = probe_.snapshot();
    if (end_.ok) {
        rss_samples_.push_back(end_.rss_kb);
    }
}

Json ResourceTrack::json(uint64_t output_frames) const {
    Json out = Json::object();
    out.set("pid", int64_t(probe_.pid()));
    out.set("comm", probe_.comm());
    if (!begin_.ok || !end_.ok) {
        out.set("error", "cannot read /proc/" + std::to_string(probe_.pid()) + " (gone, or another user's)");
        return out;
    }
    const double tick_ms = 1000.0 / double(sysconf(_SC_CLK_TCK));
    double cpu_ms = double(end_.cpu_ticks - begin_.cpu_ticks) * tick_ms;
    out.set("interval_s", double(end_.at_ns - begin_.at_ns) / 1e9);
    out.set("output_frames", output_frames);
    out.set("cpu_ms", cpu_ms);
    out.set("cpu_per_frame_ms", output_frames > 0 ? Json(cpu_ms / double(output_frames)) : Json());
    if (begin_.sched_ns >= 0 && end_.sched_ns >= 0) {
        double sched_ms = double(end_.sched_ns - begin_.sched_ns) / 1e6;
        out.set("cpu_ms_sched", sched_ms);
        out.set("cpu_per_frame_ms_sched", output_frames > 0 ? Json(sched_ms / double(output_frames)) : Json());
    } else {
        out.set("cpu_ms_sched", nullptr);
        out.set("cpu_per_frame_ms_sched", nullptr);
    }
    Json rss = Json::object();
    rss.set("start", begin_.rss_kb);
    rss.set("end", end_.rss_kb);
    int64_t peak = *std::max_element(rss_samples_.begin(), rss_samples_.end());
    rss.set("peak", peak);
    // Steady state: the median of the second half of the samples, after
    // start-up allocations settled.
    std::vector<int64_t> tail(rss_samples_.begin() + std::ptrdiff_t(rss_samples_.size() / 2), rss_samples_.end());
    std::sort(tail.begin(), tail.end());
    rss.set("steady", tail.empty() ? Json() : Json(tail[tail.size() / 2]));
    rss.set("samples", rss_samples_.size());
    out.set("rss_kb", std::move(rss));
    out.set("hwm_kb", end_.hwm_kb);
    Json fds = Json::object();
    fds.set("start", begin_.fds);
    fds.set("end", end_.fds);
    out.set("fds", std::move(fds));
    out.set("threads", end_.threads);
    return out;
}

} // namespace bench
