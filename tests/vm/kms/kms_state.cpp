#include "kms_state.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <sstream>
#include <stdexcept>

#include <drm_fourcc.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <wayland-client-protocol.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

namespace sluice::test::kms {

namespace {

[[noreturn]] void fail(const std::string &what, int error) {
    throw std::runtime_error(what + ": " + std::strerror(error));
}

// libdrm's allocations, freed with the matching drmModeFree*.
template <typename T, void (*Free)(T *)>
struct DrmFree {
    void operator()(T *p) const { Free(p); }
};
template <typename T, void (*Free)(T *)>
using DrmPtr = std::unique_ptr<T, DrmFree<T, Free>>;
using PlaneResPtr = DrmPtr<drmModePlaneRes, drmModeFreePlaneResources>;
using PlanePtr = DrmPtr<drmModePlane, drmModeFreePlane>;
using PropsPtr = DrmPtr<drmModeObjectProperties, drmModeFreeObjectProperties>;
using PropPtr = DrmPtr<drmModePropertyRes, drmModeFreeProperty>;
using BlobPtr = DrmPtr<drmModePropertyBlobRes, drmModeFreePropertyBlob>;
using Fb2Ptr = DrmPtr<drmModeFB2, drmModeFreeFB2>;
using ResPtr = DrmPtr<drmModeRes, drmModeFreeResources>;
using CrtcPtr = DrmPtr<drmModeCrtc, drmModeFreeCrtc>;
using ConnectorPtr = DrmPtr<drmModeConnector, drmModeFreeConnector>;

// name -> (property id, value) of one KMS object.
struct Properties {
    std::map<std::string, std::pair<uint32_t, uint64_t>> values;

    [[nodiscard]] uint64_t value(const std::string &name, uint64_t fallback = 0) const {
        auto it = values.find(name);
        return it != values.end() ? it->second.second : fallback;
    }
    [[nodiscard]] uint32_t id(const std::string &name) const {
        auto it = values.find(name);
        if (it == values.end())
            throw std::runtime_error("KMS object has no property " + name);
        return it->second.first;
    }
};

Properties properties(int fd, uint32_t object, uint32_t type) {
    Properties out;
    PropsPtr props(drmModeObjectGetProperties(fd, object, type));
    if (!props)
        fail("drmModeObjectGetProperties", errno);
    for (uint32_t i = 0; i < props->count_props; ++i) {
        PropPtr prop(drmModeGetProperty(fd, props->props[i]));
        if (prop)
            out.values[prop->name] = {prop->prop_id, props->prop_values[i]};
    }
    return out;
}

std::map<uint32_t, std::vector<uint64_t>> in_formats(int fd, uint32_t blob_id) {
    std::map<uint32_t, std::vector<uint64_t>> out;
    if (blob_id == 0)
        return out;
    BlobPtr blob(drmModeGetPropertyBlob(fd, blob_id));
    if (!blob)
        return out;
    drmModeFormatModifierIterator iter{};
    while (drmModeFormatModifierBlobIterNext(blob.get(), &iter))
        out[iter.fmt].push_back(iter.mod);
    return out;
}

// A GEM handle on our own open file, closed with this object.
class GemHandle {
public:
    GemHandle(int fd, uint32_t handle) : fd_(fd), handle_(handle) {}
    ~GemHandle() {
        if (handle_ != 0) {
            drm_gem_close close{.handle = handle_, .pad = 0};
            (void)drmIoctl(fd_, DRM_IOCTL_GEM_CLOSE, &close);
        }
    }
    GemHandle(const GemHandle &) = delete;
    GemHandle &operator=(const GemHandle &) = delete;
    [[nodiscard]] uint32_t get() const { return handle_; }

private:
    int fd_;
    uint32_t handle_;
};

// The handles drmModeGetFB2 made on our file (one per distinct object).
struct Fb2 {
    Fb2Ptr info;
    std::vector<std::unique_ptr<GemHandle>> handles;
};

Fb2 get_fb2(int fd, uint32_t fb_id) {
    Fb2 out;
    out.info.reset(drmModeGetFB2(fd, fb_id));
    if (!out.info)
        fail("drmModeGetFB2(" + std::to_string(fb_id) + ")", errno);
    std::set<uint32_t> seen;
    for (uint32_t handle : out.info->handles) {
        if (handle != 0 && seen.insert(handle).second)
            out.handles.push_back(std::make_unique<GemHandle>(fd, handle));
    }
    if (out.info->handles[0] == 0)
        throw std::runtime_error("drmModeGetFB2(" + std::to_string(fb_id) +
                                 ") gave no handle: the reader needs DRM master or CAP_SYS_ADMIN");
    return out;
}

// A read-only CPU mapping of `length` bytes of `fd` at `offset`.
class Mapping {
public:
    Mapping(int fd, size_t length, off_t offset) : length_(length) {
        map_ = ::mmap(nullptr, length_, PROT_READ, MAP_SHARED, fd, offset);
        if (map_ == MAP_FAILED)
            fail("mmap of a framebuffer", errno);
    }
    ~Mapping() { ::munmap(map_, length_); }
    Mapping(const Mapping &) = delete;
    Mapping &operator=(const Mapping &) = delete;
    [[nodiscard]] const uint8_t *bytes() const { return static_cast<const uint8_t *>(map_); }

private:
    size_t length_;
    void *map_;
};

int retry_ioctl(int fd, unsigned long request, void *arg) {
    int r;
    do {
        r = ::ioctl(fd, request, arg);
    } while (r < 0 && (errno == EINTR || errno == EAGAIN));
    return r;
}

Image image_from(const uint8_t *bytes, const drmModeFB2 &info) {
    return Image::from_shm(bytes + info.offsets[0], static_cast<int32_t>(info.width), static_cast<int32_t>(info.height),
                           static_cast<int32_t>(info.pitches[0]), wl_shm_format(info.pixel_format), false);
}

// Pixels of the framebuffer through its dma-buf (works for buffers KMS
// imported from a client, which MAP_DUMB refuses) or else MAP_DUMB.
Image read_pixels(int fd, const Fb2 &fb) {
    const drmModeFB2 &info = *fb.info;
    const size_t length = static_cast<size_t>(info.offsets[0]) + static_cast<size_t>(info.pitches[0]) * info.height;
    int prime = -1;
    if (drmPrimeHandleToFD(fd, info.handles[0], DRM_CLOEXEC, &prime) == 0) {
        sync::UniqueFd dmabuf(prime);
        Mapping map(dmabuf.get(), length, 0);
        dma_buf_sync sync{.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ};
        if (retry_ioctl(dmabuf.get(), DMA_BUF_IOCTL_SYNC, &sync) < 0)
            fail("DMA_BUF_IOCTL_SYNC (start)", errno);
        Image image = image_from(map.bytes(), info);
        sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
        (void)retry_ioctl(dmabuf.get(), DMA_BUF_IOCTL_SYNC, &sync);
        return image;
    }
    const int prime_error = errno;
    drm_mode_map_dumb map_dumb{};
    map_dumb.handle = info.handles[0];
    if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map_dumb) != 0)
        throw std::runtime_error(std::string("framebuffer cannot be mapped: PRIME export: ") +
                                 std::strerror(prime_error) + ", MAP_DUMB: " + std::strerror(errno));
    Mapping map(fd, length, static_cast<off_t>(map_dumb.offset));
    return image_from(map.bytes(), info);
}

Framebuffer describe_fb(int fd, const Fb2 &fb) {
    const drmModeFB2 &info = *fb.info;
    Framebuffer out;
    out.id = info.fb_id;
    out.width = info.width;
    out.height = info.height;
    out.format = info.pixel_format;
    if (info.flags & DRM_MODE_FB_MODIFIERS)
        out.modifier = info.modifier;
    out.pitch = info.pitches[0];
    out.offset = info.offsets[0];
    int prime = -1;
    if (drmPrimeHandleToFD(fd, info.handles[0], DRM_CLOEXEC, &prime) == 0) {
        sync::UniqueFd dmabuf(prime);
        struct stat st {};
        if (::fstat(dmabuf.get(), &st) == 0) {
            out.dmabuf_dev = st.st_dev;
            out.dmabuf_ino = st.st_ino;
        }
    }
    return out;
}

uint8_t channel(uint32_t argb, int shift) { return static_cast<uint8_t>((argb >> shift) & 0xffu); }

// `top` over `bottom`, both premultiplied ARGB8888 (what KMS assumes for
// ARGB framebuffers by default).
uint32_t over(uint32_t top, uint32_t bottom) {
    const uint32_t alpha = channel(top, 24);
    if (alpha == 0xff)
        return top;
    uint32_t out = 0;
    for (int shift = 0; shift <= 24; shift += 8) {
        const uint32_t value = channel(top, shift) + (channel(bottom, shift) * (255u - alpha) + 127u) / 255u;
        out |= std::min(value, 255u) << shift;
    }
    return out;
}

} // namespace

const char *to_string(PlaneType type) {
    switch (type) {
    case PlaneType::overlay: return "overlay";
    case PlaneType::primary: return "primary";
    case PlaneType::cursor: return "cursor";
    }
    return "?";
}

std::string fourcc(uint32_t format) {
    std::string name;
    for (int i = 0; i < 4; ++i)
        name += static_cast<char>((format >> (8 * i)) & 0xff);
    return name;
}

uint32_t wl_shm_format(uint32_t drm_format) {
    switch (drm_format) {
    case DRM_FORMAT_ARGB8888: return WL_SHM_FORMAT_ARGB8888;
    case DRM_FORMAT_XRGB8888: return WL_SHM_FORMAT_XRGB8888;
    default: return drm_format;
    }
}

bool Plane::takes(uint32_t format, uint64_t modifier) const {
    if (modifiers.empty())
        return std::find(formats.begin(), formats.end(), format) != formats.end();
    auto it = modifiers.find(format);
    return it != modifiers.end() && std::find(it->second.begin(), it->second.end(), modifier) != it->second.end();
}

bool Framebuffer::same_dmabuf(sync::BorrowedFd dmabuf) const {
    struct stat st {};
    return dmabuf_ino != 0 && ::fstat(dmabuf.get(), &st) == 0 && st.st_dev == dmabuf_dev && st.st_ino == dmabuf_ino;
}

std::string Framebuffer::describe() const {
    std::ostringstream os;
    os << "FB " << id << " " << width << "x" << height << " " << fourcc(format);
    if (modifier)
        os << " modifier 0x" << std::hex << *modifier << std::dec;
    os << " pitch " << pitch << " dma-buf inode " << dmabuf_ino;
    return os.str();
}

const Plane *Snapshot::first(PlaneType type) const {
    for (const auto &plane : planes) {
        if (plane.type == type)
            return &plane;
    }
    return nullptr;
}

std::vector<const Plane *> Snapshot::lit() const {
    std::vector<const Plane *> out;
    for (const auto &plane : planes) {
        if (plane.on())
            out.push_back(&plane);
    }
    return out;
}

std::string Snapshot::describe() const {
    std::ostringstream os;
    for (const auto &plane : planes) {
        if (!plane.on() && plane.type == PlaneType::overlay)
            continue; // eight idle overlays say nothing
        os << "plane " << plane.id << " (" << to_string(plane.type) << "): ";
        if (plane.on())
            os << "FB " << plane.fb_id << " on CRTC " << plane.crtc_id << " src " << plane.src << " crtc "
               << plane.crtc;
        else
            os << "off";
        os << "; ";
    }
    return os.str();
}

std::unique_ptr<KmsDevice> KmsDevice::open(std::string_view driver) {
    std::shared_ptr<const DrmDevice> node = DrmDevice::open(driver, DrmNodeType::primary);
    if (!node)
        return nullptr;
    const int fd = node->fd().get();
    // Atomic: every plane with its properties, and the writeback connector
    // (which the kernel shows only to atomic clients).
    if (drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) != 0 ||
        drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1) != 0)
        fail(node->path() + ": atomic client cap", errno);
    (void)drmSetClientCap(fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1);
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        fail("fstat " + node->path(), errno);
    return std::unique_ptr<KmsDevice>(new KmsDevice(std::move(node), st.st_rdev));
}

Snapshot KmsDevice::snapshot() const {
    const int fd = node_->fd().get();
    Snapshot out;
    PlaneResPtr resources(drmModeGetPlaneResources(fd));
    if (!resources)
        fail("drmModeGetPlaneResources", errno);
    for (uint32_t i = 0; i < resources->count_planes; ++i) {
        const uint32_t id = resources->planes[i];
        PlanePtr info(drmModeGetPlane(fd, id));
        if (!info)
            fail("drmModeGetPlane", errno);
        const Properties props = properties(fd, id, DRM_MODE_OBJECT_PLANE);
        Plane plane;
        plane.id = id;
        switch (props.value("type", DRM_PLANE_TYPE_OVERLAY)) {
        case DRM_PLANE_TYPE_PRIMARY: plane.type = PlaneType::primary; break;
        case DRM_PLANE_TYPE_CURSOR: plane.type = PlaneType::cursor; break;
        default: plane.type = PlaneType::overlay;
        }
        plane.fb_id = static_cast<uint32_t>(props.value("FB_ID"));
        plane.crtc_id = static_cast<uint32_t>(props.value("CRTC_ID"));
        plane.src = {static_cast<int32_t>(props.value("SRC_X") >> 16), static_cast<int32_t>(props.value("SRC_Y") >> 16),
                     static_cast<int32_t>(props.value("SRC_W") >> 16),
                     static_cast<int32_t>(props.value("SRC_H") >> 16)};
        // CRTC_X/Y are signed 32-bit values in a 64-bit property.
        plane.crtc = {static_cast<int32_t>(static_cast<uint32_t>(props.value("CRTC_X"))),
                      static_cast<int32_t>(static_cast<uint32_t>(props.value("CRTC_Y"))),
                      static_cast<int32_t>(props.value("CRTC_W")), static_cast<int32_t>(props.value("CRTC_H"))};
        plane.formats.assign(info->formats, info->formats + info->count_formats);
        plane.modifiers = in_formats(fd, static_cast<uint32_t>(props.value("IN_FORMATS")));
        out.planes.push_back(std::move(plane));
    }
    return out;
}

std::optional<Rect> KmsDevice::active_crtc_size() const {
    ResPtr resources(drmModeGetResources(fd().get()));
    if (!resources)
        return std::nullopt;
    for (int i = 0; i < resources->count_crtcs; ++i) {
        CrtcPtr crtc(drmModeGetCrtc(fd().get(), resources->crtcs[i]));
        if (crtc && crtc->mode_valid)
            return Rect{0, 0, crtc->mode.hdisplay, crtc->mode.vdisplay};
    }
    return std::nullopt;
}

Framebuffer KmsDevice::framebuffer(uint32_t fb_id) const { return describe_fb(fd().get(), get_fb2(fd().get(), fb_id)); }

Image KmsDevice::read(uint32_t fb_id) const { return read_pixels(fd().get(), get_fb2(fd().get(), fb_id)); }

std::pair<Framebuffer, Image> KmsDevice::read_with_info(uint32_t fb_id) const {
    const Fb2 fb = get_fb2(fd().get(), fb_id);
    return {describe_fb(fd().get(), fb), read_pixels(fd().get(), fb)};
}

Image KmsDevice::compose(const Snapshot &snapshot) const {
    const Plane *primary = nullptr;
    for (const Plane *plane : snapshot.lit()) {
        if (plane->type == PlaneType::primary)
            primary = plane;
    }
    if (primary == nullptr)
        throw std::runtime_error("no primary plane is lit: " + snapshot.describe());
    const std::optional<Rect> size = active_crtc_size();
    Image out(size ? size->width : primary->crtc.width, size ? size->height : primary->crtc.height, 0xff000000u);
    auto blend = [&](const Plane &plane) {
        const Image source = read(plane.fb_id);
        for (int32_t y = 0; y < plane.crtc.height; ++y) {
            for (int32_t x = 0; x < plane.crtc.width; ++x) {
                const int32_t ox = plane.crtc.x + x, oy = plane.crtc.y + y;
                const int32_t sx = plane.src.x + x, sy = plane.src.y + y;
                if (!out.bounds().contains(ox, oy) || !source.bounds().contains(sx, sy))
                    continue;
                // The primary plane is the bottom: opaque whatever its alpha.
                const uint32_t pixel = source.pixel(sx, sy);
                out.set_pixel(ox, oy, &plane == primary ? (pixel | 0xff000000u) : over(pixel, out.pixel(ox, oy)));
            }
        }
    };
    blend(*primary);
    // vkms blends by zpos, which for its planes follows this order:
    // primary, overlays, cursor.
    for (PlaneType type : {PlaneType::overlay, PlaneType::cursor}) {
        for (const Plane *plane : snapshot.lit()) {
            if (plane->type == type)
                blend(*plane);
        }
    }
    return out;
}

std::optional<uint32_t> KmsDevice::writeback_connector() const {
    ResPtr resources(drmModeGetResources(fd().get()));
    if (!resources)
        return std::nullopt;
    for (int i = 0; i < resources->count_connectors; ++i) {
        ConnectorPtr connector(drmModeGetConnector(fd().get(), resources->connectors[i]));
        if (connector && connector->connector_type == DRM_MODE_CONNECTOR_WRITEBACK)
            return connector->connector_id;
    }
    return std::nullopt;
}

Image KmsDevice::capture_writeback(std::string *error, bool take_crtc) const {
    const int fd = node_->fd().get();
    auto failed = [&](const std::string &why) {
        if (error != nullptr)
            *error = why;
        return Image{};
    };
    const std::optional<uint32_t> connector = writeback_connector();
    if (!connector)
        return failed("no writeback connector");
    ResPtr resources(drmModeGetResources(fd));
    if (!resources || resources->count_crtcs < 1)
        return failed("no CRTC");
    CrtcPtr crtc(drmModeGetCrtc(fd, resources->crtcs[0]));
    if (!crtc || !crtc->mode_valid)
        return failed("the CRTC is not active: nothing to capture");

    drm_mode_create_dumb create{};
    create.width = crtc->mode.hdisplay;
    create.height = crtc->mode.vdisplay;
    create.bpp = 32;
    if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) != 0)
        return failed(std::string("DRM_IOCTL_MODE_CREATE_DUMB: ") + std::strerror(errno));
    GemHandle handle(fd, create.handle);
    const uint32_t handles[4] = {create.handle};
    const uint32_t pitches[4] = {create.pitch};
    const uint32_t offsets[4] = {0};
    uint32_t fb_id = 0;
    if (drmModeAddFB2(fd, create.width, create.height, DRM_FORMAT_XRGB8888, handles, pitches, offsets, &fb_id, 0) != 0)
        return failed(std::string("drmModeAddFB2: ") + std::strerror(errno));
    struct RemoveFb {
        int fd;
        uint32_t id;
        ~RemoveFb() { drmModeRmFB(fd, id); }
    } remove_fb{fd, fb_id};

    const Properties props = properties(fd, *connector, DRM_MODE_OBJECT_CONNECTOR);
    // The display connectors on this CRTC, with their CRTC_ID property.
    std::vector<std::pair<uint32_t, uint32_t>> displays;
    for (int i = 0; take_crtc && i < resources->count_connectors; ++i) {
        const uint32_t id = resources->connectors[i];
        const Properties other = properties(fd, id, DRM_MODE_OBJECT_CONNECTOR);
        if (id != *connector && other.value("CRTC_ID") == crtc->crtc_id)
            displays.emplace_back(id, other.id("CRTC_ID"));
    }
    int32_t fence = -1;
    auto commit = [&](bool attach) {
        drmModeAtomicReq *req = drmModeAtomicAlloc();
        for (const auto &[id, prop] : displays)
            drmModeAtomicAddProperty(req, id, prop, attach ? 0 : crtc->crtc_id);
        drmModeAtomicAddProperty(req, *connector, props.id("CRTC_ID"), attach ? crtc->crtc_id : 0);
        if (attach) {
            drmModeAtomicAddProperty(req, *connector, props.id("WRITEBACK_FB_ID"), fb_id);
            drmModeAtomicAddProperty(req, *connector, props.id("WRITEBACK_OUT_FENCE_PTR"),
                                     reinterpret_cast<uintptr_t>(&fence));
        }
        const int r = drmModeAtomicCommit(fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET, nullptr);
        const int saved = errno;
        drmModeAtomicFree(req);
        errno = saved;
        return r == 0;
    };
    if (!commit(true)) {
        const int saved = errno;
        return failed(std::string("the writeback commit was refused: ") + std::strerror(saved) +
                      (saved == EACCES ? " (an atomic commit needs DRM master, which the compositor holds)"
                       : saved == EINVAL && !take_crtc
                           ? " (vkms cannot clone the display encoder onto the writeback one)"
                           : ""));
    }
    sync::UniqueFd done(fence);
    pollfd wait{.fd = done.get(), .events = POLLIN, .revents = 0};
    const int ready = done ? ::poll(&wait, 1, 10000) : 0;
    Image image;
    std::string read_error;
    if (ready == 1) {
        try {
            image = read(fb_id);
        } catch (const std::exception &e) {
            read_error = e.what();
        }
    }
    (void)commit(false);
    if (ready != 1)
        return failed("the writeback fence did not signal within 10 s");
    if (!read_error.empty())
        return failed(read_error);
    return image;
}

} // namespace sluice::test::kms
