// Which DRM device linux-dmabuf tells clients to allocate on when sluice
// composites in software: the KMS device when sluice drives one (its buffers
// can also go to a plane), else a node in /dev/dri that any client may open
// (render nodes first: allocating there needs no DRM master). The device is
// only advertised; sluice itself never renders with it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sync/unique_fd.hpp"
#include "wlroots/wlr.hpp"

namespace sluice::render {

struct DmabufDevice {
    sync::UniqueFd fd;
    std::string path;   // "/dev/dri/renderD128"
    std::string origin; // why this one, for the log
};

// DRM node names in the order they are tried: renderD* then card*, each by
// number; anything else is dropped.
[[nodiscard]] std::vector<std::string> order_dri_nodes(std::vector<std::string> names);

// The backend's DRM device (a duplicate fd, so the renderer owns its own and
// never depends on the backend's lifetime), else the first node of `dri_dir`
// that opens read-write and that libdrm recognises as a DRM device, else
// nullopt.
[[nodiscard]] std::optional<DmabufDevice> find_dmabuf_device(wlr_backend *backend,
                                                             const std::filesystem::path &dri_dir = "/dev/dri");

} // namespace sluice::render
