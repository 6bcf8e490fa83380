#include "process_probe.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include <linux/dma-buf.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sluice::test {

pid_t peer_pid(const Client &client) {
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (getsockopt(wl_display_get_fd(client.display()), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        throw std::runtime_error(std::string("SO_PEERCRED: ") + std::strerror(errno));
    return cred.pid;
}

std::map<int, std::string> open_fds(pid_t pid) {
    const std::filesystem::path dir = "/proc/" + std::to_string(pid) + "/fd";
    std::map<int, std::string> fds;
    std::error_code ec;
    for (const auto &entry : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        int fd = -1;
        try {
            fd = std::stoi(name);
        } catch (const std::exception &) {
            continue;
        }
        std::error_code link_ec;
        auto target = std::filesystem::read_symlink(entry.path(), link_ec);
        // An fd closed between listing and reading is simply gone.
        if (!link_ec)
            fds.emplace(fd, target.string());
    }
    if (ec)
        throw std::runtime_error("cannot list " + dir.string() + ": " + ec.message());
    return fds;
}

uint64_t rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        // "VmRSS:	   14920 kB"
        if (line.starts_with("VmRSS:"))
            return std::stoull(line.substr(std::string_view("VmRSS:").size()));
    }
    throw std::runtime_error("no VmRSS in /proc/" + std::to_string(pid) + "/status");
}

size_t count_mappings(pid_t pid, std::string_view path_part) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
    std::string line;
    size_t count = 0;
    while (std::getline(in, line)) {
        if (line.find(path_part) != std::string::npos)
            ++count;
    }
    return count;
}

uint64_t soft_fd_limit(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
    std::string line;
    while (std::getline(in, line)) {
        // "Max open files            1024                 524288               files"
        if (!line.starts_with("Max open files"))
            continue;
        std::istringstream words(line.substr(std::string_view("Max open files").size()));
        std::string soft;
        words >> soft;
        try {
            return std::stoull(soft);
        } catch (const std::exception &) {
            return 0; // "unlimited"
        }
    }
    return 0;
}

std::string describe_main_thread(pid_t pid) {
    const std::string dir = "/proc/" + std::to_string(pid);
    auto read_line = [](const std::string &path) {
        std::ifstream in(path);
        std::string line;
        std::getline(in, line);
        return line;
    };
    // "<nr> <arg0> ... <arg5> <sp> <pc>" while in a syscall, "running", or
    // "-1 <sp> <pc>" when blocked outside one.
    const std::string syscall = read_line(dir + "/syscall");
    const std::string wchan = read_line(dir + "/wchan");
    std::istringstream words(syscall);
    long nr = -1;
    std::string fd_text, request_text;
    std::string out;
    if (words >> nr >> fd_text >> request_text && nr == SYS_ioctl) {
        const int fd = static_cast<int>(std::stoul(fd_text, nullptr, 16));
        const unsigned long request = std::stoul(request_text, nullptr, 16);
        std::error_code ec;
        const auto target = std::filesystem::read_symlink(dir + "/fd/" + std::to_string(fd), ec);
        out = "blocked in ioctl(fd " + std::to_string(fd) + " -> " + (ec ? "?" : target.string()) + ", " +
              (request == DMA_BUF_IOCTL_SYNC ? std::string("DMA_BUF_IOCTL_SYNC") : request_text) + ")";
    } else {
        out = "syscall: " + (syscall.empty() ? std::string("?") : syscall);
    }
    if (!wchan.empty() && wchan != "0")
        out += " [wchan " + wchan + "]";
    return out;
}

std::string describe_fd_change(const std::map<int, std::string> &before, const std::map<int, std::string> &after) {
    std::string out;
    auto add = [&out](char sign, int fd, const std::string &target) {
        if (!out.empty())
            out += ", ";
        out += sign + std::to_string(fd) + " -> " + target;
    };
    for (const auto &[fd, target] : after) {
        auto it = before.find(fd);
        if (it == before.end() || it->second != target)
            add('+', fd, target);
    }
    for (const auto &[fd, target] : before) {
        auto it = after.find(fd);
        if (it == after.end() || it->second != target)
            add('-', fd, target);
    }
    return out.empty() ? "no change" : out;
}

} // namespace sluice::test
