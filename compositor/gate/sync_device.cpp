#include "compositor/gate/sync_device.hpp"

#include <cstring>

#include <algorithm>
#include <dirent.h>
#include <fcntl.h>
#include <vector>

#include "common/log.hpp"
#include "sync/drm_syncobj.hpp"

namespace sluice {

namespace {

std::shared_ptr<const sync::SyncobjDevice> open_path(const std::string &path, bool report) {
    int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        if (report) {
            LOG_ERROR(sync, "--sync-device %s: cannot open it: %s", path.c_str(), strerror(errno));
        }
        return nullptr;
    }
    auto device = sync::SyncobjDevice::adopt(sync::UniqueFd(fd));
    if (!device) {
        if (report) {
            LOG_ERROR(sync, "--sync-device %s: %s", path.c_str(), device.error().message.c_str());
        }
        return nullptr;
    }
    if (!(*device)->supports_timeline()) {
        if (report) {
            LOG_ERROR(sync, "--sync-device %s has syncobjs but no timelines (DRM_CAP_SYNCOBJ_TIMELINE)", path.c_str());
        }
        return nullptr;
    }
    return std::move(device).value();
}

// A timeline that can be created, signaled and queried is the least a
// device must do before clients are told they may use it.
bool self_test(const std::shared_ptr<const sync::SyncobjDevice> &device) {
    auto timeline = sync::DrmSyncobjTimeline::create(device);
    if (!timeline || !timeline->signal(1)) {
        return false;
    }
    auto state = timeline->query(1);
    return state && *state == sync::PointState::Signaled;
}

} // namespace

std::shared_ptr<const sync::SyncobjDevice> find_sync_device(const std::string &choice, int renderer_fd) {
    if (choice == "none") {
        LOG_INFO(sync, "linux-drm-syncobj-v1 disabled by --sync-device none");
        return nullptr;
    }
    std::shared_ptr<const sync::SyncobjDevice> device;
    std::string where;
    if (!choice.empty()) {
        device = open_path(choice, true);
        where = choice;
    } else {
        if (renderer_fd >= 0) {
            auto opened = sync::SyncobjDevice::open(sync::BorrowedFd(renderer_fd));
            if (opened && (*opened)->supports_timeline()) {
                device = std::move(opened).value();
                where = "the renderer's DRM device";
            }
        }
        if (!device) {
            std::vector<std::string> nodes;
            if (DIR *dir = opendir("/dev/dri")) {
                while (dirent *entry = readdir(dir)) {
                    std::string name = entry->d_name;
                    if (name.rfind("renderD", 0) == 0 || name.rfind("card", 0) == 0) {
                        nodes.push_back("/dev/dri/" + name);
                    }
                }
                closedir(dir);
            }
            // Render nodes first: they need no DRM master and are meant for this.
            std::sort(nodes.begin(), nodes.end(), [](const std::string &a, const std::string &b) {
                bool ra = a.find("renderD") != std::string::npos;
                bool rb = b.find("renderD") != std::string::npos;
                return ra != rb ? ra : a < b;
            });
            for (const auto &node : nodes) {
                if ((device = open_path(node, false))) {
                    where = node;
                    break;
                }
            }
        }
    }
    if (!device) {
        if (choice.empty()) {
            LOG_INFO(sync, "linux-drm-syncobj-v1 not offered: no DRM device with timeline syncobjs "
                           "(DRM_CAP_SYNCOBJ_TIMELINE) in /dev/dri");
        }
        return nullptr;
    }
    if (!self_test(device)) {
        LOG_ERROR(sync,
                  "linux-drm-syncobj-v1 not offered: timelines on %s fail a create/signal/query "
                  "self-test",
                  where.c_str());
        return nullptr;
    }
    LOG_INFO(sync, "linux-drm-syncobj-v1 offered: timelines imported on %s", where.c_str());
    return device;
}

} // namespace sluice
