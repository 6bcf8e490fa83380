// What KMS shows, read back from the kernel while a compositor drives it:
// the planes of vkms with the framebuffer each one scans out, and those
// framebuffers' pixels. Works beside the DRM master because the guest's
// tests run as root: with CAP_SYS_ADMIN, drmModeGetFB2 returns GEM handles
// on our own open of the device, which PRIME turns into a dma-buf we can
// map. (For a framebuffer made from a client's dma-buf that is the client's
// very dma-buf, so a test can tell "the plane scans out the client's
// buffer" from "the plane scans out a composited copy" by identity, not only
// by pixels.)
//
// Careful: the state read here is the committed atomic state. A
// nonblocking commit makes its FB_ID current at once, also while the
// kernel still waits for the buffer's fences, so "on the plane" means "KMS
// was told to show it", which is what a test of sluice's gate wants to know.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "drm_device.hpp"
#include "image.hpp"
#include "sync/unique_fd.hpp"

namespace sluice::test::kms {

enum class PlaneType { overlay, primary, cursor };
const char *to_string(PlaneType type);

// One plane's committed state. Coordinates as KMS has them: SRC in whole
// pixels (the 16.16 fixed point rounded down), CRTC in pixels.
struct Plane {
    uint32_t id = 0;
    PlaneType type = PlaneType::overlay;
    uint32_t fb_id = 0;   // 0: the plane is off
    uint32_t crtc_id = 0; // 0: on no CRTC
    Rect src;
    Rect crtc;
    // Formats from drmModeGetPlane, and format -> modifiers from the
    // IN_FORMATS blob (empty when the plane has none).
    std::vector<uint32_t> formats;
    std::map<uint32_t, std::vector<uint64_t>> modifiers;

    [[nodiscard]] bool on() const { return fb_id != 0 && crtc_id != 0; }
    [[nodiscard]] bool takes(uint32_t format, uint64_t modifier) const;
};

// A framebuffer as drmModeGetFB2 describes it (first plane of the buffer;
// sluice's and the test clients' buffers have one).
struct Framebuffer {
    uint32_t id = 0;
    uint32_t width = 0;
    uint32_t height = 0;
    uint32_t format = 0;              // DRM fourcc
    std::optional<uint64_t> modifier; // set when the FB was made with one
    uint32_t pitch = 0;
    uint32_t offset = 0;
    // The dma-buf behind it (st_dev, st_ino of the PRIME export): equal for
    // two fds exactly when they are the same dma-buf. Zero when it could
    // not be exported.
    dev_t dmabuf_dev = 0;
    ino_t dmabuf_ino = 0;

    [[nodiscard]] bool same_dmabuf(sync::BorrowedFd dmabuf) const;
    [[nodiscard]] std::string describe() const;
};

// The whole of what the planes scan out at one moment.
struct Snapshot {
    std::vector<Plane> planes;
    [[nodiscard]] const Plane *first(PlaneType type) const;
    // Planes with a framebuffer on a CRTC.
    [[nodiscard]] std::vector<const Plane *> lit() const;
    [[nodiscard]] std::string describe() const;
};

class KmsDevice {
public:
    // The primary node of `driver` ("vkms", "virtio_gpu"), opened by the
    // test (not by the compositor), or null when there is none (outside the
    // VM). Throws when it exists but cannot be used (no atomic client cap).
    static std::unique_ptr<KmsDevice> open(std::string_view driver);
    static std::unique_ptr<KmsDevice> open_vkms() { return open("vkms"); }

    KmsDevice(const KmsDevice &) = delete;
    KmsDevice &operator=(const KmsDevice &) = delete;

    [[nodiscard]] const std::string &path() const { return node_->path(); }
    [[nodiscard]] sync::BorrowedFd fd() const { return node_->fd(); }
    // The device number (st_rdev) of the node, as linux-dmabuf feedback
    // names devices.
    [[nodiscard]] dev_t device() const { return device_; }

    [[nodiscard]] Snapshot snapshot() const;
    // The first enabled CRTC's mode size, if any.
    [[nodiscard]] std::optional<Rect> active_crtc_size() const;

    // drmModeGetFB2 plus the identity of the dma-buf behind it. Throws when
    // the framebuffer does not exist (any more) or gives no handle (not
    // root).
    [[nodiscard]] Framebuffer framebuffer(uint32_t fb_id) const;
    // Its pixels (XRGB8888/ARGB8888 and the other 32-bit formats Image
    // knows), through a CPU mapping of the dma-buf bracketed by
    // DMA_BUF_IOCTL_SYNC, or MAP_DUMB when PRIME export fails. Throws on
    // failure. A framebuffer that went away between the snapshot and this
    // call throws too: callers that race a compositor retry.
    [[nodiscard]] Image read(uint32_t fb_id) const;
    // read() and framebuffer() together.
    [[nodiscard]] std::pair<Framebuffer, Image> read_with_info(uint32_t fb_id) const;

    // What the CRTC shows as a user would see it: the primary plane's
    // framebuffer, with every lit overlay and cursor plane blended on top
    // (premultiplied ARGB "over", as vkms composes), in CRTC coordinates.
    // Throws when no primary plane is lit.
    [[nodiscard]] Image compose(const Snapshot &snapshot) const;

    // The writeback connector, if the driver has one.
    [[nodiscard]] std::optional<uint32_t> writeback_connector() const;
    // Captures the next composed frame through the writeback connector.
    // Needs DRM master (an atomic commit), so it fails while a compositor
    // holds the device; the error says why. vkms in Linux 6.12 cannot clone
    // its virtual encoder onto the writeback one (their possible_clones
    // exclude each other), so with the display connector on the CRTC the
    // commit is refused; `take_crtc` detaches the other connectors for the
    // capture and puts them back afterwards.
    [[nodiscard]] Image capture_writeback(std::string *error, bool take_crtc = false) const;

private:
    KmsDevice(std::shared_ptr<const DrmDevice> node, dev_t device) : node_(std::move(node)), device_(device) {}

    std::shared_ptr<const DrmDevice> node_;
    dev_t device_;
};

// "XR24"-style name of a DRM fourcc.
std::string fourcc(uint32_t format);
// The wl_shm code of a DRM fourcc (Image::from_shm takes those): the same
// number, except for wl_shm's two original formats.
uint32_t wl_shm_format(uint32_t drm_format);

} // namespace sluice::test::kms
