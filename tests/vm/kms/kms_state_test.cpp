// The KMS read-back library checked against a scene the test sets itself
// (no compositor: the test is DRM master): what it commits to the primary,
// an overlay and the cursor plane is what snapshot(), read() and compose()
// report, and the writeback connector captures the same picture.

#include <cstring>

#include <drm_fourcc.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "kms_state.hpp"

namespace sluice::test::kms {
namespace {

// A dumb buffer with a framebuffer on it, filled by the test.
class DumbFb {
public:
    DumbFb(int fd, uint32_t width, uint32_t height, uint32_t format) : fd_(fd) {
        drm_mode_create_dumb create{};
        create.width = width;
        create.height = height;
        create.bpp = 32;
        if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) != 0)
            throw std::runtime_error(std::string("CREATE_DUMB: ") + std::strerror(errno));
        handle_ = create.handle;
        pitch_ = create.pitch;
        size_ = create.size;
        width_ = width;
        height_ = height;
        const uint32_t handles[4] = {handle_};
        const uint32_t pitches[4] = {pitch_};
        const uint32_t offsets[4] = {0};
        if (drmModeAddFB2(fd, width, height, format, handles, pitches, offsets, &fb_id_, 0) != 0)
            throw std::runtime_error(std::string("AddFB2: ") + std::strerror(errno));
    }
    ~DumbFb() {
        drmModeRmFB(fd_, fb_id_);
        drm_gem_close close{.handle = handle_, .pad = 0};
        (void)drmIoctl(fd_, DRM_IOCTL_GEM_CLOSE, &close);
    }
    DumbFb(const DumbFb &) = delete;
    DumbFb &operator=(const DumbFb &) = delete;

    // Fills `area` (default: all of it) with `argb`.
    void fill(uint32_t argb, Rect area = {}) {
        if (area.empty())
            area = {0, 0, static_cast<int32_t>(width_), static_cast<int32_t>(height_)};
        drm_mode_map_dumb map{};
        map.handle = handle_;
        ASSERT_EQ(drmIoctl(fd_, DRM_IOCTL_MODE_MAP_DUMB, &map), 0) << std::strerror(errno);
        void *bytes = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, static_cast<off_t>(map.offset));
        ASSERT_NE(bytes, MAP_FAILED) << std::strerror(errno);
        for (int32_t y = area.y; y < area.y + area.height; ++y) {
            auto *row = reinterpret_cast<uint32_t *>(static_cast<uint8_t *>(bytes) + static_cast<size_t>(y) * pitch_);
            for (int32_t x = area.x; x < area.x + area.width; ++x)
                row[x] = argb;
        }
        ::munmap(bytes, size_);
    }
    [[nodiscard]] uint32_t id() const { return fb_id_; }

private:
    int fd_;
    uint32_t handle_ = 0, pitch_ = 0, fb_id_ = 0, width_ = 0, height_ = 0;
    uint64_t size_ = 0;
};

uint32_t prop_id(int fd, uint32_t object, uint32_t type, const char *name) {
    drmModeObjectProperties *props = drmModeObjectGetProperties(fd, object, type);
    uint32_t id = 0;
    for (uint32_t i = 0; props != nullptr && i < props->count_props; ++i) {
        drmModePropertyRes *prop = drmModeGetProperty(fd, props->props[i]);
        if (prop != nullptr && std::strcmp(prop->name, name) == 0)
            id = prop->prop_id;
        drmModeFreeProperty(prop);
    }
    drmModeFreeObjectProperties(props);
    if (id == 0)
        throw std::runtime_error(std::string("no property ") + name);
    return id;
}

class KmsStateTest : public ::testing::Test {
protected:
    void SetUp() override {
        device_ = KmsDevice::open_vkms();
        if (!device_)
            GTEST_SKIP() << "no vkms device in /dev/dri (run through tests/vm/run-in-vm)";
        if (drmIsMaster(fd()) == 0)
            GTEST_SKIP() << "another process is DRM master of " << device_->path();
    }

    [[nodiscard]] int fd() const { return device_->fd().get(); }

    void add_plane(drmModeAtomicReq *req, const Plane &plane, uint32_t crtc, uint32_t fb, Rect at) {
        auto set = [&](const char *name, uint64_t value) {
            drmModeAtomicAddProperty(req, plane.id, prop_id(fd(), plane.id, DRM_MODE_OBJECT_PLANE, name), value);
        };
        set("FB_ID", fb);
        set("CRTC_ID", crtc);
        set("SRC_X", 0);
        set("SRC_Y", 0);
        set("SRC_W", static_cast<uint64_t>(at.width) << 16);
        set("SRC_H", static_cast<uint64_t>(at.height) << 16);
        set("CRTC_X", static_cast<uint64_t>(static_cast<uint32_t>(at.x)));
        set("CRTC_Y", static_cast<uint64_t>(static_cast<uint32_t>(at.y)));
        set("CRTC_W", static_cast<uint64_t>(at.width));
        set("CRTC_H", static_cast<uint64_t>(at.height));
    }

    std::unique_ptr<KmsDevice> device_;
};

constexpr uint32_t blue = 0xff0000ffu, red = 0xffff0000u, white = 0xffffffffu;

TEST_F(KmsStateTest, ReadsBackWhatWasCommitted) {
    drmModeRes *res = drmModeGetResources(fd());
    ASSERT_NE(res, nullptr);
    uint32_t connector_id = 0, crtc_id = res->crtcs[0];
    drmModeModeInfo mode{};
    for (int i = 0; i < res->count_connectors && connector_id == 0; ++i) {
        drmModeConnector *c = drmModeGetConnector(fd(), res->connectors[i]);
        if (c != nullptr && c->connector_type != DRM_MODE_CONNECTOR_WRITEBACK && c->count_modes > 0) {
            connector_id = c->connector_id;
            mode = c->modes[0];
            for (int m = 0; m < c->count_modes; ++m) {
                if (c->modes[m].type & DRM_MODE_TYPE_PREFERRED)
                    mode = c->modes[m];
            }
        }
        drmModeFreeConnector(c);
    }
    drmModeFreeResources(res);
    ASSERT_NE(connector_id, 0u);
    const int32_t w = mode.hdisplay, h = mode.vdisplay;

    const Snapshot before = device_->snapshot();
    ASSERT_NE(before.first(PlaneType::primary), nullptr);
    ASSERT_NE(before.first(PlaneType::overlay), nullptr);
    ASSERT_NE(before.first(PlaneType::cursor), nullptr);
    EXPECT_TRUE(before.first(PlaneType::primary)->takes(DRM_FORMAT_XRGB8888, DRM_FORMAT_MOD_LINEAR));
    EXPECT_FALSE(before.first(PlaneType::primary)->takes(DRM_FORMAT_XBGR8888, DRM_FORMAT_MOD_LINEAR));

    DumbFb primary(fd(), static_cast<uint32_t>(w), static_cast<uint32_t>(h), DRM_FORMAT_XRGB8888);
    primary.fill(0x000000ffu);
    primary.fill(0x00ff0000u, {10, 20, 30, 40});
    DumbFb overlay(fd(), 100, 50, DRM_FORMAT_XRGB8888);
    overlay.fill(0x00ffffffu);
    DumbFb cursor(fd(), 64, 64, DRM_FORMAT_ARGB8888);
    cursor.fill(0x00000000u);               // transparent
    cursor.fill(0xff00ff00u, {0, 0, 8, 8}); // an opaque green tip

    uint32_t mode_blob = 0;
    ASSERT_EQ(drmModeCreatePropertyBlob(fd(), &mode, sizeof(mode), &mode_blob), 0);
    drmModeAtomicReq *req = drmModeAtomicAlloc();
    drmModeAtomicAddProperty(req, connector_id, prop_id(fd(), connector_id, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID"),
                             crtc_id);
    drmModeAtomicAddProperty(req, crtc_id, prop_id(fd(), crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID"), mode_blob);
    drmModeAtomicAddProperty(req, crtc_id, prop_id(fd(), crtc_id, DRM_MODE_OBJECT_CRTC, "ACTIVE"), 1);
    add_plane(req, *before.first(PlaneType::primary), crtc_id, primary.id(), {0, 0, w, h});
    add_plane(req, *before.first(PlaneType::overlay), crtc_id, overlay.id(), {200, 100, 100, 50});
    add_plane(req, *before.first(PlaneType::cursor), crtc_id, cursor.id(), {300, 400, 64, 64});
    const int committed = drmModeAtomicCommit(fd(), req, DRM_MODE_ATOMIC_ALLOW_MODESET, nullptr);
    drmModeAtomicFree(req);
    ASSERT_EQ(committed, 0) << std::strerror(errno);

    const Snapshot now = device_->snapshot();
    const Plane *p = now.first(PlaneType::primary);
    const Plane *c = now.first(PlaneType::cursor);
    EXPECT_EQ(p->fb_id, primary.id()) << now.describe();
    EXPECT_EQ(p->crtc, (Rect{0, 0, w, h}));
    EXPECT_EQ(c->fb_id, cursor.id());
    EXPECT_EQ(c->crtc, (Rect{300, 400, 64, 64}));
    EXPECT_EQ(now.lit().size(), 3u) << now.describe();

    const Framebuffer info = device_->framebuffer(primary.id());
    EXPECT_EQ(info.width, static_cast<uint32_t>(w));
    EXPECT_EQ(info.format, DRM_FORMAT_XRGB8888);
    EXPECT_NE(info.dmabuf_ino, 0u) << info.describe();

    const Image image = device_->read(primary.id());
    EXPECT_EQ(image.count(image.bounds(), red), 30u * 40u);
    EXPECT_EQ(image.pixel(10, 20), red);
    EXPECT_EQ(image.pixel(0, 0), blue);

    const Image shown = device_->compose(now);
    EXPECT_EQ(shown.pixel(15, 25), red);
    EXPECT_EQ(shown.count(shown.bounds(), white), 100u * 50u);
    EXPECT_EQ(shown.pixel(300, 400), 0xff00ff00u);
    EXPECT_EQ(shown.pixel(320, 420), blue); // under the cursor's transparent part

    // Beside the display connector vkms refuses the writeback connector
    // (see capture_writeback); alone on the CRTC it captures.
    std::string error;
    EXPECT_EQ(device_->capture_writeback(&error).width(), 0);
    EXPECT_NE(error.find("Invalid argument"), std::string::npos) << error;
    error.clear();
    const Image captured = device_->capture_writeback(&error, true);
    ASSERT_TRUE(error.empty()) << error;
    EXPECT_EQ(device_->snapshot().first(PlaneType::primary)->fb_id, primary.id()) << "the scene was not restored";
    ASSERT_EQ(captured.width(), w);
    size_t differ = 0;
    for (int32_t y = 0; y < h; ++y) {
        for (int32_t x = 0; x < w; ++x)
            differ += (captured.pixel(x, y) | 0xff000000u) != shown.pixel(x, y);
    }
    EXPECT_EQ(differ, 0u) << "the writeback capture differs from the composed planes";
}

} // namespace
} // namespace sluice::test::kms
