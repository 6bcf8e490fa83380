#include "render/dmabuf_device.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <xf86drm.h>

#include "common/log.hpp"

namespace sluice::render {

namespace {

struct NodeName {
    int kind; // 0 render, 1 primary
    long number;
    std::string name;
};

std::optional<NodeName> parse_node(const std::string &name) {
    for (auto [kind, prefix] : {std::pair{0, std::string_view("renderD")}, std::pair{1, std::string_view("card")}}) {
        if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0) {
            const std::string digits = name.substr(prefix.size());
            if (std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                digits.size() <= 9) {
                return NodeName{kind, std::strtol(digits.c_str(), nullptr, 10), name};
            }
        }
    }
    return std::nullopt;
}

// The same question wl_drm asks of the renderer's fd (drmGetDevice2): a fd
// that fails it would make wlroots give up on wl_drm and, with it, on
// linux-dmabuf.
bool is_drm_device(int fd) {
    drmDevicePtr device = nullptr;
    if (drmGetDevice2(fd, 0, &device) != 0) {
        return false;
    }
    drmFreeDevice(&device);
    return true;
}

std::string device_path(int fd) {
    char *name = drmGetDeviceNameFromFd2(fd);
    if (name == nullptr) {
        return "(unnamed DRM device)";
    }
    std::string path = name;
    free(name);
    return path;
}

} // namespace

std::vector<std::string> order_dri_nodes(std::vector<std::string> names) {
    std::vector<NodeName> nodes;
    for (const auto &name : names) {
        if (auto node = parse_node(name)) {
            nodes.push_back(*node);
        }
    }
    std::sort(nodes.begin(), nodes.end(), [](const NodeName &a, const NodeName &b) {
        return a.kind != b.kind ? a.kind < b.kind : a.number < b.number;
    });
    std::vector<std::string> ordered;
    for (auto &node : nodes) {
        ordered.push_back(std::move(node.name));
    }
    return ordered;
}

std::optional<DmabufDevice> find_dmabuf_device(wlr_backend *backend, const std::filesystem::path &dri_dir) {
    if (int backend_fd = backend != nullptr ? wlr_backend_get_drm_fd(backend) : -1; backend_fd >= 0) {
        auto fd = sync::duplicate_fd(sync::BorrowedFd(backend_fd));
        if (fd) {
            std::string path = device_path(fd->get());
            return DmabufDevice{std::move(fd).value(), std::move(path), "the backend's DRM device"};
        }
        LOG_ERROR(render, "cannot keep the backend's DRM fd: %s", fd.error().message.c_str());
    }

    std::error_code error;
    std::vector<std::string> names;
    for (const auto &entry : std::filesystem::directory_iterator(dri_dir, error)) {
        names.push_back(entry.path().filename().string());
    }
    for (const auto &name : order_dri_nodes(std::move(names))) {
        const std::filesystem::path path = dri_dir / name;
        sync::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
        if (!fd.valid()) {
            LOG_DEBUG(render, "%s: cannot open it: %s", path.c_str(), strerror(errno));
            continue;
        }
        if (!is_drm_device(fd.get())) {
            LOG_DEBUG(render, "%s: not a DRM device libdrm knows", path.c_str());
            continue;
        }
        return DmabufDevice{std::move(fd), path.string(), "the first usable node in " + dri_dir.string()};
    }
    return std::nullopt;
}

} // namespace sluice::render
