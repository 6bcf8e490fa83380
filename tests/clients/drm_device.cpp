#include "drm_device.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <xf86drm.h>

namespace sluice::test {

void throw_errno(std::string_view what, int error) {
    throw std::runtime_error(std::string(what) + ": " + std::strerror(error));
}

std::shared_ptr<const DrmDevice> DrmDevice::open(std::string_view driver, DrmNodeType type) {
    std::vector<std::string> names;
    if (DIR *dir = ::opendir("/dev/dri")) {
        const std::string_view prefix = type == DrmNodeType::render ? "renderD" : "card";
        while (const dirent *entry = ::readdir(dir)) {
            if (std::string_view(entry->d_name).starts_with(prefix))
                names.emplace_back(entry->d_name);
        }
        ::closedir(dir);
    }
    // Sorted, so that with two devices of one driver the choice is stable.
    std::sort(names.begin(), names.end());
    for (const auto &name : names) {
        std::string path = "/dev/dri/" + name;
        sync::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
        if (!fd)
            continue;
        drmVersionPtr version = drmGetVersion(fd.get());
        const bool match = version != nullptr && std::string_view(version->name, version->name_len) == driver;
        drmFreeVersion(version);
        if (match)
            return std::shared_ptr<const DrmDevice>(new DrmDevice(std::move(fd), std::move(path), std::string(driver)));
    }
    return nullptr;
}

} // namespace sluice::test
