#include "xvfb.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <xcb/xcb.h>

#include "unique_fd.hpp"

namespace sluice::test {

namespace {

using Clock = std::chrono::steady_clock;

// Reads the display number Xvfb writes to -displayfd, newline-terminated.
std::string read_display_number(int fd, std::chrono::milliseconds timeout) {
    std::string number;
    const auto deadline = Clock::now() + timeout;
    while (number.find('\n') == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            return {};
        pollfd p{fd, POLLIN, 0};
        const int r = poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return {};
        char buf[16];
        const ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0)
            return {}; // Xvfb exited without saying
        number.append(buf, static_cast<size_t>(n));
    }
    return number.substr(0, number.find('\n'));
}

template <typename Reply>
struct FreeDeleter {
    void operator()(Reply *reply) const { std::free(reply); }
};
template <typename Reply>
using ReplyPtr = std::unique_ptr<Reply, FreeDeleter<Reply>>;

} // namespace

std::optional<std::filesystem::path> find_xvfb() {
    for (const char *dir : {"/usr/bin", "/usr/local/bin"}) {
        const auto path = std::filesystem::path(dir) / "Xvfb";
        if (std::filesystem::exists(path))
            return path;
    }
    return std::nullopt;
}

Xvfb::Xvfb(const std::filesystem::path &binary, int32_t width, int32_t height, const std::filesystem::path &log,
           std::chrono::milliseconds timeout) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    UniqueFd number_read(fds[0]), number_write(fds[1]);

    ProcessSpec spec;
    spec.argv = {binary.string(), "-displayfd", std::to_string(number_write.get()),
                 "-screen",       "0",          std::to_string(width) + "x" + std::to_string(height) + "x24",
                 "-nolisten",     "tcp"};
    spec.stdout_path = log;
    spec.stderr_path = log;
    spec.keep_fds = {number_write.get()};
    process_.emplace(spec);
    number_write.reset();

    const std::string number = read_display_number(number_read.get(), timeout);
    if (number.empty())
        throw std::runtime_error("Xvfb did not report a display within the timeout:\n" + read_text_file(log));
    display_ = ":" + number;

    connection_ = xcb_connect(display_.c_str(), nullptr);
    if (xcb_connection_has_error(connection_) != 0) {
        xcb_disconnect(connection_);
        connection_ = nullptr;
        throw std::runtime_error("cannot connect to Xvfb on " + display_ + ":\n" + read_text_file(log));
    }
}

Xvfb::~Xvfb() {
    if (connection_ != nullptr)
        xcb_disconnect(connection_);
    if (process_)
        process_->stop(SIGTERM, std::chrono::milliseconds{5000});
}

std::vector<XWindow> Xvfb::windows() {
    const xcb_window_t root = xcb_setup_roots_iterator(xcb_get_setup(connection_)).data->root;
    ReplyPtr<xcb_query_tree_reply_t> tree(
        xcb_query_tree_reply(connection_, xcb_query_tree(connection_, root), nullptr));
    std::vector<XWindow> result;
    if (!tree)
        return result;
    const xcb_window_t *children = xcb_query_tree_children(tree.get());
    for (int i = 0; i < xcb_query_tree_children_length(tree.get()); ++i) {
        ReplyPtr<xcb_get_geometry_reply_t> geometry(
            xcb_get_geometry_reply(connection_, xcb_get_geometry(connection_, children[i]), nullptr));
        ReplyPtr<xcb_get_window_attributes_reply_t> attributes(
            xcb_get_window_attributes_reply(connection_, xcb_get_window_attributes(connection_, children[i]), nullptr));
        if (!geometry || !attributes)
            continue; // gone meanwhile
        result.push_back({children[i],
                          {geometry->x, geometry->y, geometry->width, geometry->height},
                          attributes->map_state == XCB_MAP_STATE_VIEWABLE});
    }
    return result;
}

Image Xvfb::capture_root() {
    const xcb_screen_t *screen = xcb_setup_roots_iterator(xcb_get_setup(connection_)).data;
    const int32_t width = screen->width_in_pixels;
    const int32_t height = screen->height_in_pixels;
    ReplyPtr<xcb_get_image_reply_t> reply(
        xcb_get_image_reply(connection_,
                            xcb_get_image(connection_, XCB_IMAGE_FORMAT_Z_PIXMAP, screen->root, 0, 0,
                                          static_cast<uint16_t>(width), static_cast<uint16_t>(height), ~0u),
                            nullptr));
    if (!reply)
        throw std::runtime_error("GetImage on the root of " + display_ + " failed");
    // Depth 24 in 32-bit pixels, little-endian: the bytes of XRGB8888.
    const int length = xcb_get_image_data_length(reply.get());
    if (reply->depth != 24 || length != width * height * 4)
        throw std::runtime_error("unexpected root image: depth " + std::to_string(reply->depth) + ", " +
                                 std::to_string(length) + " bytes");
    Image image(width, height);
    const auto *pixels = reinterpret_cast<const uint32_t *>(xcb_get_image_data(reply.get()));
    for (int32_t y = 0; y < height; ++y) {
        for (int32_t x = 0; x < width; ++x)
            image.set_pixel(x, y, 0xff000000u | (pixels[y * width + x] & 0x00ffffffu));
    }
    return image;
}

uint32_t Xvfb::atom(const char *name) {
    ReplyPtr<xcb_intern_atom_reply_t> reply(xcb_intern_atom_reply(
        connection_, xcb_intern_atom(connection_, 0, static_cast<uint16_t>(std::strlen(name)), name), nullptr));
    return reply ? reply->atom : XCB_ATOM_NONE;
}

void Xvfb::close_window(uint32_t id) {
    xcb_client_message_event_t event{};
    event.response_type = XCB_CLIENT_MESSAGE;
    event.format = 32;
    event.window = id;
    event.type = atom("WM_PROTOCOLS");
    event.data.data32[0] = atom("WM_DELETE_WINDOW");
    event.data.data32[1] = XCB_CURRENT_TIME;
    xcb_send_event(connection_, 0, id, XCB_EVENT_MASK_NO_EVENT, reinterpret_cast<const char *>(&event));
    xcb_flush(connection_);
}

} // namespace sluice::test
