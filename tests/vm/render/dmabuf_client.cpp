#include "dmabuf_client.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <drm_fourcc.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <linux/udmabuf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

namespace sluice::render::vmtest {

namespace {

std::runtime_error system_failure(const std::string &what) {
    return std::runtime_error(what + ": " + std::strerror(errno));
}

dev_t dev_from_array(const wl_array *array) {
    dev_t device = 0;
    std::memcpy(&device, array->data, std::min(array->size, sizeof(device)));
    return device;
}

// A format table entry as the protocol lays it out.
struct TableEntry {
    uint32_t format;
    uint32_t padding;
    uint64_t modifier;
};
static_assert(sizeof(TableEntry) == 16);

} // namespace

// --- LinuxDmabuf ----------------------------------------------------------------

LinuxDmabuf::LinuxDmabuf(Client &client) : client_(client) {
    dmabuf_ = static_cast<zwp_linux_dmabuf_v1 *>(client.bind_raw(&zwp_linux_dmabuf_v1_interface, 4));
    // Below v4 the formats come as events; sluice's wlroots offers v4.
    static const zwp_linux_dmabuf_v1_listener listener = {
        .format = [](void *, zwp_linux_dmabuf_v1 *, uint32_t) {},
        .modifier = [](void *, zwp_linux_dmabuf_v1 *, uint32_t, uint32_t, uint32_t) {},
    };
    zwp_linux_dmabuf_v1_add_listener(dmabuf_, &listener, this);
    if (version() < 4) {
        client.roundtrip();
        return;
    }

    static const zwp_linux_dmabuf_feedback_v1_listener feedback_listener = {
        .done = [](void *data,
                   zwp_linux_dmabuf_feedback_v1 *) { static_cast<LinuxDmabuf *>(data)->feedback_done_ = true; },
        .format_table =
            [](void *data, zwp_linux_dmabuf_feedback_v1 *, int32_t fd, uint32_t size) {
                auto *self = static_cast<LinuxDmabuf *>(data);
                UniqueFd owned(fd);
                void *map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
                if (map == MAP_FAILED) {
                    return;
                }
                const auto *entries = static_cast<const TableEntry *>(map);
                for (uint32_t i = 0; i < size / sizeof(TableEntry); ++i) {
                    self->table_.push_back({entries[i].format, entries[i].modifier});
                }
                munmap(map, size);
            },
        .main_device =
            [](void *data, zwp_linux_dmabuf_feedback_v1 *, wl_array *device) {
                static_cast<LinuxDmabuf *>(data)->main_device_ = dev_from_array(device);
            },
        .tranche_done = [](void *, zwp_linux_dmabuf_feedback_v1 *) {},
        .tranche_target_device = [](void *, zwp_linux_dmabuf_feedback_v1 *, wl_array *) {},
        .tranche_formats =
            [](void *data, zwp_linux_dmabuf_feedback_v1 *, wl_array *indices) {
                auto *self = static_cast<LinuxDmabuf *>(data);
                const auto *index = static_cast<const uint16_t *>(indices->data);
                for (size_t i = 0; i < indices->size / sizeof(uint16_t); ++i) {
                    if (index[i] < self->table_.size()) {
                        self->formats_.push_back(self->table_[index[i]]);
                    }
                }
            },
        .tranche_flags = [](void *, zwp_linux_dmabuf_feedback_v1 *, uint32_t) {},
    };
    zwp_linux_dmabuf_feedback_v1 *feedback = zwp_linux_dmabuf_v1_get_default_feedback(dmabuf_);
    zwp_linux_dmabuf_feedback_v1_add_listener(feedback, &feedback_listener, this);
    const bool done = client.dispatch_until([this] { return feedback_done_; });
    zwp_linux_dmabuf_feedback_v1_destroy(feedback);
    if (!done) {
        throw std::runtime_error("no default dma-buf feedback: " + client.describe_error());
    }
}

LinuxDmabuf::~LinuxDmabuf() {
    if (dmabuf_ != nullptr) {
        zwp_linux_dmabuf_v1_destroy(dmabuf_);
    }
}

uint32_t LinuxDmabuf::version() const { return zwp_linux_dmabuf_v1_get_version(dmabuf_); }

bool LinuxDmabuf::offers(uint32_t format, uint64_t modifier) const {
    return std::find(formats_.begin(), formats_.end(), FormatModifier{format, modifier}) != formats_.end();
}

// --- buffers ----------------------------------------------------------------------

namespace {

zwp_linux_buffer_params_v1 *make_params(LinuxDmabuf &dmabuf, uint64_t modifier, const std::vector<Plane> &planes) {
    zwp_linux_buffer_params_v1 *params = zwp_linux_dmabuf_v1_create_params(dmabuf.get());
    for (size_t i = 0; i < planes.size(); ++i) {
        zwp_linux_buffer_params_v1_add(params, planes[i].fd, static_cast<uint32_t>(i), planes[i].offset,
                                       planes[i].stride, static_cast<uint32_t>(modifier >> 32),
                                       static_cast<uint32_t>(modifier & 0xffffffff));
    }
    return params;
}

} // namespace

DmabufBuffer::DmabufBuffer(zwp_linux_buffer_params_v1 *params, wl_buffer *buffer, int32_t width, int32_t height)
    : params_(params), buffer_(buffer), width_(width), height_(height) {
    static const wl_buffer_listener listener = {
        .release = [](void *data, wl_buffer *) { ++static_cast<DmabufBuffer *>(data)->releases_; },
    };
    wl_buffer_add_listener(buffer_, &listener, this);
}

DmabufBuffer::~DmabufBuffer() {
    wl_buffer_destroy(buffer_);
    zwp_linux_buffer_params_v1_destroy(params_);
}

std::unique_ptr<DmabufBuffer> DmabufBuffer::create_immed(LinuxDmabuf &dmabuf, int32_t width, int32_t height,
                                                         uint32_t format, uint64_t modifier,
                                                         const std::vector<Plane> &planes) {
    zwp_linux_buffer_params_v1 *params = make_params(dmabuf, modifier, planes);
    wl_buffer *buffer = zwp_linux_buffer_params_v1_create_immed(params, width, height, format, 0);
    return std::unique_ptr<DmabufBuffer>(new DmabufBuffer(params, buffer, width, height));
}

ParamsOutcome create_and_wait(Client &client, LinuxDmabuf &dmabuf, int32_t width, int32_t height, uint32_t format,
                              uint64_t modifier, const std::vector<Plane> &planes) {
    struct State {
        ParamsOutcome outcome = ParamsOutcome::timeout;
    } state;
    static const zwp_linux_buffer_params_v1_listener listener = {
        .created =
            [](void *data, zwp_linux_buffer_params_v1 *, wl_buffer *buffer) {
                static_cast<State *>(data)->outcome = ParamsOutcome::created;
                wl_buffer_destroy(buffer);
            },
        .failed = [](void *data,
                     zwp_linux_buffer_params_v1 *) { static_cast<State *>(data)->outcome = ParamsOutcome::failed; },
    };
    zwp_linux_buffer_params_v1 *params = make_params(dmabuf, modifier, planes);
    zwp_linux_buffer_params_v1_add_listener(params, &listener, &state);
    zwp_linux_buffer_params_v1_create(params, width, height, format, 0);
    client.dispatch_until([&] { return state.outcome != ParamsOutcome::timeout; });
    zwp_linux_buffer_params_v1_destroy(params);
    return state.outcome;
}

// --- allocation -----------------------------------------------------------------------

std::string driver_of(dev_t device) {
    drmDevicePtr info = nullptr;
    if (drmGetDeviceFromDevId(device, 0, &info) != 0) {
        return "";
    }
    std::string name;
    for (int node : {DRM_NODE_RENDER, DRM_NODE_PRIMARY}) {
        if ((info->available_nodes & (1 << node)) == 0) {
            continue;
        }
        UniqueFd fd(open(info->nodes[node], O_RDWR | O_CLOEXEC));
        if (drmVersionPtr version = fd ? drmGetVersion(fd.get()) : nullptr) {
            name.assign(version->name, version->name_len);
            drmFreeVersion(version);
            break;
        }
    }
    drmFreeDevice(&info);
    return name;
}

Allocation allocate_dumb(dev_t device, int32_t width, int32_t height) {
    drmDevicePtr info = nullptr;
    if (drmGetDeviceFromDevId(device, 0, &info) != 0) {
        throw std::runtime_error("drmGetDeviceFromDevId: no DRM device for the advertised dev_t");
    }
    if ((info->available_nodes & (1 << DRM_NODE_PRIMARY)) == 0) {
        drmFreeDevice(&info);
        throw std::runtime_error("the advertised device has no primary node to make dumb buffers on");
    }
    const std::string path = info->nodes[DRM_NODE_PRIMARY];
    drmFreeDevice(&info);
    UniqueFd card(open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!card) {
        throw system_failure("open " + path);
    }
    drm_mode_create_dumb create{};
    create.width = static_cast<uint32_t>(width);
    create.height = static_cast<uint32_t>(height);
    create.bpp = 32;
    if (drmIoctl(card.get(), DRM_IOCTL_MODE_CREATE_DUMB, &create) != 0) {
        throw system_failure("DRM_IOCTL_MODE_CREATE_DUMB on " + path);
    }
    int fd = -1;
    const int exported = drmPrimeHandleToFD(card.get(), create.handle, DRM_CLOEXEC | DRM_RDWR, &fd);
    // The dma-buf keeps the memory; the GEM handle is not needed any more.
    drm_mode_destroy_dumb destroy{};
    destroy.handle = create.handle;
    drmIoctl(card.get(), DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
    if (exported != 0) {
        throw system_failure("drmPrimeHandleToFD on " + path);
    }
    return Allocation{UniqueFd(fd), create.pitch, create.size, "dumb buffer on " + path};
}

Allocation allocate_udmabuf(int32_t width, int32_t height) {
    const uint32_t stride = static_cast<uint32_t>(width) * 4;
    const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    const uint64_t size = (uint64_t{stride} * height + page - 1) / page * page;
    UniqueFd memfd(memfd_create("sluice-vm-udmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!memfd) {
        throw system_failure("memfd_create");
    }
    if (ftruncate(memfd.get(), static_cast<off_t>(size)) != 0) {
        throw system_failure("ftruncate");
    }
    // udmabuf insists: the pages must not go away under the dma-buf.
    if (fcntl(memfd.get(), F_ADD_SEALS, F_SEAL_SHRINK) != 0) {
        throw system_failure("F_ADD_SEALS");
    }
    UniqueFd device(open("/dev/udmabuf", O_RDWR | O_CLOEXEC));
    if (!device) {
        throw system_failure("open /dev/udmabuf");
    }
    udmabuf_create create{};
    create.memfd = static_cast<uint32_t>(memfd.get());
    create.flags = UDMABUF_FLAGS_CLOEXEC;
    create.offset = 0;
    create.size = size;
    const int fd = ioctl(device.get(), UDMABUF_CREATE, &create);
    if (fd < 0) {
        throw system_failure("UDMABUF_CREATE");
    }
    return Allocation{UniqueFd(fd), stride, size, "udmabuf"};
}

void fill(const Allocation &allocation, int32_t width, int32_t height, uint32_t value) {
    void *map = mmap(nullptr, allocation.size, PROT_READ | PROT_WRITE, MAP_SHARED, allocation.dmabuf.get(), 0);
    if (map == MAP_FAILED) {
        throw system_failure("mmap of the " + allocation.source);
    }
    dma_buf_sync sync{DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE};
    if (ioctl(allocation.dmabuf.get(), DMA_BUF_IOCTL_SYNC, &sync) != 0) {
        munmap(map, allocation.size);
        throw system_failure("DMA_BUF_IOCTL_SYNC start");
    }
    for (int32_t y = 0; y < height; ++y) {
        auto *row = reinterpret_cast<uint32_t *>(static_cast<uint8_t *>(map) + uint64_t{allocation.stride} * y);
        std::fill(row, row + width, value);
    }
    sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE;
    const int ended = ioctl(allocation.dmabuf.get(), DMA_BUF_IOCTL_SYNC, &sync);
    munmap(map, allocation.size);
    if (ended != 0) {
        throw system_failure("DMA_BUF_IOCTL_SYNC end");
    }
}

} // namespace sluice::render::vmtest
