// Which DRM device sluice imports client syncobj timelines on. The KMS
// device need not have syncobjs (vkms has none), so any DRM node with
// timeline syncobjs will do: the renderer's first, then every node in
// /dev/dri, or the one named by --sync-device.
#pragma once

#include <memory>
#include <string>

#include "sync/syncobj_device.hpp"

namespace sluice {

// `choice`: empty for automatic, "none" to disable, or a device path.
// `renderer_fd`: the renderer's DRM fd, or -1. Logs what it chose and why.
std::shared_ptr<const sync::SyncobjDevice> find_sync_device(const std::string &choice, int renderer_fd);

} // namespace sluice
