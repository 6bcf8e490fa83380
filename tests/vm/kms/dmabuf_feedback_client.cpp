#include "dmabuf_feedback_client.hpp"

#include <cstring>
#include <sstream>
#include <stdexcept>

#include <sys/mman.h>
#include <sys/sysmacros.h>

#include "kms_state.hpp"

namespace sluice::test {

namespace {

dev_t device_from(const wl_array *array) {
    dev_t device = 0;
    if (array->size == sizeof(device))
        std::memcpy(&device, array->data, sizeof(device));
    return device;
}

} // namespace

std::string DmabufFeedback::describe() const {
    std::ostringstream os;
    os << "main device " << major(main_device) << ":" << minor(main_device) << ", " << tranches.size()
       << " tranche(s):";
    for (const auto &tranche : tranches) {
        os << " [device " << major(tranche.target_device) << ":" << minor(tranche.target_device) << " flags "
           << tranche.flags << ", " << tranche.formats.size() << " formats:";
        size_t shown = 0;
        for (const auto &[format, modifier] : tranche.formats) {
            if (++shown > 12) {
                os << " ...";
                break;
            }
            os << " " << kms::fourcc(format) << "/0x" << std::hex << modifier << std::dec;
        }
        os << "]";
    }
    return os.str();
}

SurfaceFeedback::SurfaceFeedback(Client &client, wl_surface *surface) : client_(client) {
    const Global *global = client.find_global("zwp_linux_dmabuf_v1");
    if (global == nullptr || global->version < 4)
        throw std::runtime_error("no zwp_linux_dmabuf_v1 of version 4");
    dmabuf_ = client.bind<zwp_linux_dmabuf_v1>(&zwp_linux_dmabuf_v1_interface, 4);
    feedback_ = zwp_linux_dmabuf_v1_get_surface_feedback(dmabuf_.get(), surface);
    static const zwp_linux_dmabuf_feedback_v1_listener listener = {
        .done = &SurfaceFeedback::handle_done,
        .format_table = &SurfaceFeedback::handle_format_table,
        .main_device = &SurfaceFeedback::handle_main_device,
        .tranche_done = &SurfaceFeedback::handle_tranche_done,
        .tranche_target_device = &SurfaceFeedback::handle_tranche_target_device,
        .tranche_formats = &SurfaceFeedback::handle_tranche_formats,
        .tranche_flags = &SurfaceFeedback::handle_tranche_flags,
    };
    zwp_linux_dmabuf_feedback_v1_add_listener(feedback_, &listener, this);
    client.flush();
}

SurfaceFeedback::~SurfaceFeedback() {
    if (feedback_ != nullptr)
        zwp_linux_dmabuf_feedback_v1_destroy(feedback_);
}

bool SurfaceFeedback::wait_for_more_than(size_t count, std::chrono::milliseconds timeout) {
    return client_.dispatch_until([&] { return received_.size() > count; }, timeout);
}

void SurfaceFeedback::handle_done(void *data, zwp_linux_dmabuf_feedback_v1 *) {
    auto *self = static_cast<SurfaceFeedback *>(data);
    self->received_.push_back(self->pending_);
    // A later feedback resends the tranches; the main device and the table
    // stay unless sent again.
    self->pending_.tranches.clear();
}

void SurfaceFeedback::handle_format_table(void *data, zwp_linux_dmabuf_feedback_v1 *, int32_t fd, uint32_t size) {
    auto *self = static_cast<SurfaceFeedback *>(data);
    UniqueFd owned(fd);
    self->table_.clear();
    void *map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, owned.get(), 0);
    if (map == MAP_FAILED)
        return; // the tranches will name indices the test cannot resolve
    // 16 bytes per entry: u32 format, u32 padding, u64 modifier.
    for (uint32_t offset = 0; offset + 16 <= size; offset += 16) {
        uint32_t format = 0;
        uint64_t modifier = 0;
        std::memcpy(&format, static_cast<const uint8_t *>(map) + offset, sizeof(format));
        std::memcpy(&modifier, static_cast<const uint8_t *>(map) + offset + 8, sizeof(modifier));
        self->table_.emplace_back(format, modifier);
    }
    ::munmap(map, size);
}

void SurfaceFeedback::handle_main_device(void *data, zwp_linux_dmabuf_feedback_v1 *, wl_array *device) {
    static_cast<SurfaceFeedback *>(data)->pending_.main_device = device_from(device);
}

void SurfaceFeedback::handle_tranche_done(void *data, zwp_linux_dmabuf_feedback_v1 *) {
    auto *self = static_cast<SurfaceFeedback *>(data);
    self->pending_.tranches.push_back(std::move(self->tranche_));
    self->tranche_ = {};
}

void SurfaceFeedback::handle_tranche_target_device(void *data, zwp_linux_dmabuf_feedback_v1 *, wl_array *device) {
    static_cast<SurfaceFeedback *>(data)->tranche_.target_device = device_from(device);
}

void SurfaceFeedback::handle_tranche_formats(void *data, zwp_linux_dmabuf_feedback_v1 *, wl_array *indices) {
    auto *self = static_cast<SurfaceFeedback *>(data);
    const auto *index = static_cast<const uint16_t *>(indices->data);
    for (size_t i = 0; i < indices->size / sizeof(uint16_t); ++i) {
        if (index[i] < self->table_.size())
            self->tranche_.formats.push_back(self->table_[index[i]]);
        else
            self->tranche_.formats.emplace_back(0, 0); // an index outside the table: shows as "\0\0\0\0"
    }
}

void SurfaceFeedback::handle_tranche_flags(void *data, zwp_linux_dmabuf_feedback_v1 *, uint32_t flags) {
    static_cast<SurfaceFeedback *>(data)->tranche_.flags = flags;
}

} // namespace sluice::test
