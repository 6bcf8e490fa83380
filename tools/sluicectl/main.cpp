// sluicectl: one request to sluice's control socket, one reply. Test
// scripts use it to see and drive a sluice without speaking Wayland.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "compositor/control/wire.hpp"

namespace {

using sluice::control::JsonValue;

// Exit codes, documented in --help.
constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;
constexpr int exit_unreachable = 3;
constexpr int exit_timeout = 4;

const char *usage = "Usage: sluicectl [--socket PATH] [--timeout MS] COMMAND [ARGS...]\n"
                    "       sluicectl screenshot FILE [output NAME | window WINDOW]\n"
                    "\n"
                    "Talks to a sluice started with --test-server or --control-socket.\n"
                    "\n"
                    "  -s, --socket PATH   control socket (default: $SLUICE_CONTROL_SOCKET, else\n"
                    "                      $XDG_RUNTIME_DIR/$WAYLAND_DISPLAY.control)\n"
                    "  -t, --timeout MS    how long to wait for sluice's answer (default 30000;\n"
                    "                      wait-window adds its own timeout to it)\n"
                    "  -h, --help          this help\n"
                    "\n"
                    "Commands (sluice's reply, one line of JSON, is printed on success; a\n"
                    "screenshot is written to FILE, - for standard output, as PNG):\n";

const char *exit_help = "\n"
                        "Exit status: 0 done; 1 sluice refused or the command failed (the reason is\n"
                        "printed); 2 bad usage; 3 sluice cannot be reached; 4 wait-window timed out.\n";

int fail(int code, const std::string &message) {
    fprintf(stderr, "sluicectl: %s\n", message.c_str());
    return code;
}

std::string default_socket() {
    if (const char *explicit_path = getenv("SLUICE_CONTROL_SOCKET"); explicit_path != nullptr && *explicit_path) {
        return explicit_path;
    }
    const char *display = getenv("WAYLAND_DISPLAY");
    std::string name = display != nullptr && *display ? display : "wayland-0";
    if (name.front() == '/') {
        return name + ".control";
    }
    const char *runtime_dir = getenv("XDG_RUNTIME_DIR");
    if (runtime_dir == nullptr || *runtime_dir == '\0') {
        return "";
    }
    return std::string(runtime_dir) + "/" + name + ".control";
}

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) {
            close(fd_);
        }
    }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// Sends one request line, returns the reply line; exits on failure.
int exchange(const std::string &path, const std::string &request, std::chrono::milliseconds timeout,
             std::string &reply) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty()) {
        return fail(exit_unreachable, "no control socket: set XDG_RUNTIME_DIR and WAYLAND_DISPLAY, "
                                      "SLUICE_CONTROL_SOCKET, or pass --socket");
    }
    if (path.size() >= sizeof(address.sun_path)) {
        return fail(exit_usage, "control socket path too long: " + path);
    }
    memcpy(address.sun_path, path.c_str(), path.size() + 1);
    Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0 || connect(fd.get(), reinterpret_cast<sockaddr *>(&address), sizeof(address)) != 0) {
        return fail(exit_unreachable, "cannot connect to " + path + ": " + strerror(errno) +
                                          " (is sluice running with --test-server or --control-socket?)");
    }
    std::string out = request + "\n";
    size_t sent = 0;
    while (sent < out.size()) {
        ssize_t n = send(fd.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return fail(exit_unreachable, std::string("cannot send the request: ") + strerror(errno));
        }
        sent += static_cast<size_t>(n);
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string in;
    for (;;) {
        size_t newline = in.find('\n');
        if (newline != std::string::npos) {
            reply = in.substr(0, newline);
            return exit_ok;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return fail(exit_unreachable, "sluice did not answer within " + std::to_string(timeout.count()) + " ms");
        }
        pollfd pfd{fd.get(), POLLIN, 0};
        int ready = poll(&pfd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready <= 0) {
            continue;
        }
        char buffer[65536];
        ssize_t n = read(fd.get(), buffer, sizeof(buffer));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return fail(exit_unreachable, "sluice closed the connection without an answer");
        }
        in.append(buffer, static_cast<size_t>(n));
    }
}

bool write_file(const std::string &file, const std::vector<uint8_t> &bytes) {
    if (file == "-") {
        return fwrite(bytes.data(), 1, bytes.size(), stdout) == bytes.size() && fflush(stdout) == 0;
    }
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.close();
    return static_cast<bool>(out);
}

} // namespace

int main(int argc, char *argv[]) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string socket_path = default_socket();
    long timeout_ms = 30000;
    size_t i = 0;
    for (; i < args.size(); ++i) {
        const std::string &arg = args[i];
        if (arg == "-h" || arg == "--help") {
            fputs(usage, stdout);
            fputs(sluice::control::command_summary(), stdout);
            fputs(exit_help, stdout);
            return exit_ok;
        }
        if (arg == "-s" || arg == "--socket" || arg == "-t" || arg == "--timeout") {
            if (i + 1 >= args.size()) {
                return fail(exit_usage, arg + " needs a value (try --help)");
            }
            const std::string &value = args[++i];
            if (arg == "-s" || arg == "--socket") {
                socket_path = value;
            } else {
                char *end = nullptr;
                timeout_ms = strtol(value.c_str(), &end, 10);
                if (value.empty() || *end != '\0' || timeout_ms <= 0) {
                    return fail(exit_usage, "bad --timeout '" + value + "' (milliseconds)");
                }
            }
            continue;
        }
        if (arg.rfind("-", 0) == 0 && arg.size() > 1 && !(arg[1] >= '0' && arg[1] <= '9')) {
            return fail(exit_usage, "unknown option '" + arg + "' (try --help)");
        }
        break;
    }
    std::vector<std::string> words(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    if (words.empty()) {
        return fail(exit_usage, "no command given (try --help)");
    }

    // The screenshot's FILE stays here: sluice sends the PNG back in the
    // reply, so that it never writes files on a script's behalf.
    std::string file;
    if (words[0] == "screenshot") {
        if (words.size() < 2) {
            return fail(exit_usage, "usage: sluicectl screenshot FILE [output NAME | window WINDOW]");
        }
        file = words[1];
        words.erase(words.begin() + 1);
    }
    long extra_ms = 0;
    if (words[0] == "wait-window") {
        extra_ms = words.size() >= 3 ? strtol(words[2].c_str(), nullptr, 10) : 5000;
        if (extra_ms < 0) {
            extra_ms = 0;
        }
    }

    std::string reply_line;
    if (int code = exchange(socket_path, sluice::control::join_words(words),
                            std::chrono::milliseconds(timeout_ms + extra_ms), reply_line);
        code != exit_ok) {
        return code;
    }
    std::string error;
    auto reply = sluice::control::parse_json(reply_line, &error);
    const JsonValue *ok = reply ? reply->get("ok") : nullptr;
    if (ok == nullptr || ok->as_bool() == nullptr) {
        return fail(exit_unreachable, "sluice answered something that is not a reply: " + reply_line);
    }
    if (!*ok->as_bool()) {
        const JsonValue *message = reply->get("error");
        const JsonValue *timed_out = reply->get("timeout");
        bool is_timeout = timed_out != nullptr && timed_out->as_bool() != nullptr && *timed_out->as_bool();
        return fail(is_timeout ? exit_timeout : exit_failed,
                    message != nullptr && message->as_string() != nullptr ? *message->as_string() : reply_line);
    }
    if (!file.empty()) {
        const JsonValue *png = reply->get("png");
        auto bytes = png != nullptr && png->as_string() != nullptr ? sluice::control::base64_decode(*png->as_string())
                                                                   : std::nullopt;
        if (!bytes) {
            return fail(exit_failed, "the reply holds no PNG");
        }
        if (!write_file(file, *bytes)) {
            return fail(exit_failed, "cannot write " + file + ": " + strerror(errno));
        }
        if (file != "-") {
            const JsonValue *w = reply->get("width");
            const JsonValue *h = reply->get("height");
            sluice::control::JsonObject summary;
            summary.add("ok", true).add("file", file);
            if (w != nullptr && w->as_number() != nullptr && h != nullptr && h->as_number() != nullptr) {
                summary.add("width", static_cast<int>(*w->as_number()))
                    .add("height", static_cast<int>(*h->as_number()));
            }
            puts(summary.str().c_str());
        }
        return exit_ok;
    }
    puts(reply_line.c_str());
    return exit_ok;
}
