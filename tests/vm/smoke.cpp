// Smoke test of the VM test rig. Runs inside the guest (through
// tests/vm/run-in-vm) and checks that the kernel gives the vm suite what it
// relies on: vgem with timeline syncobjs (the test patch), vkms with primary,
// overlay and cursor planes and a writeback connector, udmabuf, sw_sync in
// debugfs, a dma-buf heap, uinput, and the guest environment run-in-vm
// promises. Outside the VM it exits 77 (skipped).

#include <gtest/gtest.h>

#include <xf86drm.h>
#include <xf86drmMode.h>
#include <drm_fourcc.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/uapi/test_only_uapi.hpp"

namespace {

using sluice::test_uapi::SwSyncCreateFence;
constexpr unsigned long kSwSyncCreateFence = sluice::test_uapi::kIoctlSwSyncCreateFence;
constexpr unsigned long kSwSyncInc = sluice::test_uapi::kIoctlSwSyncInc;

constexpr const char *kVgemCard = "/dev/dri/card0";
constexpr const char *kVgemRender = "/dev/dri/renderD128";
constexpr const char *kVkmsCard = "/dev/dri/card1";
constexpr const char *kSwSync = sluice::test_uapi::kSwSyncPath;

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    ~Fd() {
        if (fd_ >= 0)
            close(fd_);
    }
    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }

private:
    int fd_;
};

class Mapping {
public:
    Mapping(int fd, size_t size, int prot) : size_(size), ptr_(mmap(nullptr, size, prot, MAP_SHARED, fd, 0)) {}
    Mapping(const Mapping &) = delete;
    Mapping &operator=(const Mapping &) = delete;
    ~Mapping() {
        if (ok())
            munmap(ptr_, size_);
    }
    bool ok() const { return ptr_ != MAP_FAILED; }
    uint8_t *bytes() const { return static_cast<uint8_t *>(ptr_); }

private:
    size_t size_;
    void *ptr_;
};

std::string errstr() { return std::string(strerror(errno)); }

std::string driver_name(int fd) {
    drmVersionPtr v = drmGetVersion(fd);
    if (!v)
        return "(drmGetVersion failed: " + errstr() + ")";
    std::string name(v->name, v->name_len);
    drmFreeVersion(v);
    return name;
}

bool is_char_device(const char *path) {
    struct stat st {};
    return stat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

// The value of the "type" property of a KMS plane, or -1.
int64_t plane_type(int fd, uint32_t plane_id) {
    drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, plane_id, DRM_MODE_OBJECT_PLANE);
    if (!props)
        return -1;
    int64_t type = -1;
    for (uint32_t i = 0; i < props->count_props; ++i) {
        drmModePropertyPtr prop = drmModeGetProperty(fd, props->props[i]);
        if (!prop)
            continue;
        if (strcmp(prop->name, "type") == 0)
            type = static_cast<int64_t>(props->prop_values[i]);
        drmModeFreeProperty(prop);
    }
    drmModeFreeObjectProperties(props);
    return type;
}

TEST(VmGuest, EnvironmentIsWhatRunInVmPromises) {
    EXPECT_STREQ(getenv("HOME"), "/tmp");
    EXPECT_STREQ(getenv("GALLIUM_OVERRIDE_CPU_CAPS"), "sse4.1");
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    ASSERT_NE(xdg, nullptr);
    EXPECT_STREQ(xdg, "/run/user/0");
    struct stat st {};
    ASSERT_EQ(stat(xdg, &st), 0) << xdg << ": " << errstr();
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0700u);
    EXPECT_EQ(getuid(), 0u);

    // writable tmpfs where programs expect it, the host's files read-only
    for (const char *dir : {"/tmp", "/run", "/dev/shm", "/var/tmp"}) {
        std::string path = std::string(dir) + "/sluice-vm-smoke-probe";
        Fd fd(open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
        EXPECT_TRUE(fd.valid()) << path << ": " << errstr();
        unlink(path.c_str());
    }
    Fd ro(open("/usr/sluice-vm-smoke-probe", O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    EXPECT_FALSE(ro.valid()) << "the host's root should be read-only in the guest";
    EXPECT_EQ(errno, EROFS);
}

TEST(VmGuest, VgemRenderNodeCreatesTimelineSyncobjs) {
    Fd card(open(kVgemCard, O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(card.valid()) << kVgemCard << ": " << errstr();
    EXPECT_EQ(driver_name(card.get()), "vgem") << kVgemCard;

    Fd render(open(kVgemRender, O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(render.valid()) << kVgemRender << ": " << errstr();
    EXPECT_EQ(driver_name(render.get()), "vgem") << kVgemRender;

    uint64_t cap = 0;
    ASSERT_EQ(drmGetCap(render.get(), DRM_CAP_SYNCOBJ, &cap), 0) << errstr();
    EXPECT_EQ(cap, 1u) << "DRM_CAP_SYNCOBJ";
    cap = 0;
    ASSERT_EQ(drmGetCap(render.get(), DRM_CAP_SYNCOBJ_TIMELINE, &cap), 0) << errstr();
    ASSERT_EQ(cap, 1u) << "DRM_CAP_SYNCOBJ_TIMELINE: is tests/vm/vgem-syncobj.patch applied?";

    uint32_t handle = 0;
    ASSERT_EQ(drmSyncobjCreate(render.get(), 0, &handle), 0) << errstr();
    uint64_t point = 5;
    EXPECT_EQ(drmSyncobjTimelineSignal(render.get(), &handle, &point, 1), 0) << errstr();
    uint64_t value = 0;
    EXPECT_EQ(drmSyncobjQuery(render.get(), &handle, &value, 1), 0) << errstr();
    EXPECT_EQ(value, 5u);
    uint32_t first = UINT32_MAX;
    EXPECT_EQ(drmSyncobjTimelineWait(render.get(), &handle, &point, 1, 0, 0, &first), 0) << errstr();
    EXPECT_EQ(drmSyncobjDestroy(render.get(), handle), 0);
}

TEST(VmGuest, VkmsCardHasPrimaryOverlayCursorPlanesAndWriteback) {
    Fd card(open(kVkmsCard, O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(card.valid()) << kVkmsCard << ": " << errstr();
    ASSERT_EQ(driver_name(card.get()), "vkms") << kVkmsCard;

    ASSERT_EQ(drmSetClientCap(card.get(), DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1), 0) << errstr();
    drmModePlaneResPtr planes = drmModeGetPlaneResources(card.get());
    ASSERT_NE(planes, nullptr) << errstr();
    std::map<int64_t, int> by_type;
    for (uint32_t i = 0; i < planes->count_planes; ++i)
        ++by_type[plane_type(card.get(), planes->planes[i])];
    drmModeFreePlaneResources(planes);
    printf("vkms planes: %d primary, %d overlay, %d cursor\n", by_type[DRM_PLANE_TYPE_PRIMARY],
           by_type[DRM_PLANE_TYPE_OVERLAY], by_type[DRM_PLANE_TYPE_CURSOR]);
    EXPECT_GE(by_type[DRM_PLANE_TYPE_PRIMARY], 1);
    EXPECT_GE(by_type[DRM_PLANE_TYPE_OVERLAY], 1) << "boot with vkms.enable_overlay=1";
    EXPECT_GE(by_type[DRM_PLANE_TYPE_CURSOR], 1) << "boot with vkms.enable_cursor=1";
    EXPECT_EQ(by_type[-1], 0) << "planes without a type property";

    ASSERT_EQ(drmSetClientCap(card.get(), DRM_CLIENT_CAP_ATOMIC, 1), 0) << errstr();
    ASSERT_EQ(drmSetClientCap(card.get(), DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1), 0) << errstr();
    drmModeResPtr res = drmModeGetResources(card.get());
    ASSERT_NE(res, nullptr) << errstr();
    int writeback = 0, connected = 0;
    for (int i = 0; i < res->count_connectors; ++i) {
        drmModeConnectorPtr conn = drmModeGetConnector(card.get(), res->connectors[i]);
        if (!conn)
            continue;
        if (conn->connector_type == DRM_MODE_CONNECTOR_WRITEBACK) {
            ++writeback;
        } else if (conn->connection == DRM_MODE_CONNECTED && conn->count_modes > 0) {
            ++connected;
            for (int m = 0; m < conn->count_modes; ++m)
                if (conn->modes[m].type & DRM_MODE_TYPE_PREFERRED)
                    printf("vkms connector %u: preferred mode %ux%u@%u\n", conn->connector_id, conn->modes[m].hdisplay,
                           conn->modes[m].vdisplay, conn->modes[m].vrefresh);
        }
        drmModeFreeConnector(conn);
    }
    drmModeFreeResources(res);
    EXPECT_GE(connected, 1) << "a connected output with modes";
    EXPECT_GE(writeback, 1) << "boot with vkms.enable_writeback=1";
}

TEST(VmGuest, UdmabufFromSealedMemfdImportsIntoVkms) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const uint32_t width = 64, height = 64, stride = width * 4;
    const size_t size = static_cast<size_t>(stride) * height;
    ASSERT_EQ(size % page, 0u);

    Fd memfd(memfd_create("sluice-vm-smoke", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    ASSERT_TRUE(memfd.valid()) << "memfd_create: " << errstr();
    ASSERT_EQ(ftruncate(memfd.get(), static_cast<off_t>(size)), 0) << errstr();

    Fd udmabuf(open("/dev/udmabuf", O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(udmabuf.valid()) << "/dev/udmabuf: " << errstr();
    udmabuf_create create{};
    create.memfd = static_cast<uint32_t>(memfd.get());
    create.flags = UDMABUF_FLAGS_CLOEXEC;
    create.offset = 0;
    create.size = size;

    // the kernel insists on F_SEAL_SHRINK
    errno = 0;
    EXPECT_LT(ioctl(udmabuf.get(), UDMABUF_CREATE, &create), 0) << "udmabuf accepted an unsealed memfd";
    ASSERT_EQ(fcntl(memfd.get(), F_ADD_SEALS, F_SEAL_SHRINK), 0) << errstr();
    Fd dmabuf(ioctl(udmabuf.get(), UDMABUF_CREATE, &create));
    ASSERT_TRUE(dmabuf.valid()) << "UDMABUF_CREATE: " << errstr();

    // what is written through the memfd is seen through the dma-buf
    {
        Mapping mem(memfd.get(), size, PROT_READ | PROT_WRITE);
        ASSERT_TRUE(mem.ok()) << errstr();
        for (size_t i = 0; i < size; ++i)
            mem.bytes()[i] = static_cast<uint8_t>(i * 7);
    }
    Mapping buf(dmabuf.get(), size, PROT_READ);
    ASSERT_TRUE(buf.ok()) << "mmap of the dma-buf: " << errstr();
    dma_buf_sync sync{};
    sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
    EXPECT_EQ(ioctl(dmabuf.get(), DMA_BUF_IOCTL_SYNC, &sync), 0) << errstr();
    bool same = true;
    for (size_t i = 0; i < size && same; ++i)
        same = buf.bytes()[i] == static_cast<uint8_t>(i * 7);
    EXPECT_TRUE(same) << "dma-buf contents differ from the memfd's";
    sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
    EXPECT_EQ(ioctl(dmabuf.get(), DMA_BUF_IOCTL_SYNC, &sync), 0) << errstr();

    // and it imports into vkms as a framebuffer
    Fd card(open(kVkmsCard, O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(card.valid()) << kVkmsCard << ": " << errstr();
    uint32_t handle = 0;
    ASSERT_EQ(drmPrimeFDToHandle(card.get(), dmabuf.get(), &handle), 0) << errstr();
    uint32_t handles[4] = {handle}, pitches[4] = {stride}, offsets[4] = {0};
    uint32_t fb = 0;
    EXPECT_EQ(drmModeAddFB2(card.get(), width, height, DRM_FORMAT_XRGB8888, handles, pitches, offsets, &fb, 0), 0)
        << errstr();
    if (fb)
        drmModeRmFB(card.get(), fb);
    drmCloseBufferHandle(card.get(), handle);
}

TEST(VmGuest, SwSyncTimelineInDebugfs) {
    ASSERT_TRUE(access(kSwSync, F_OK) == 0) << kSwSync << ": " << errstr();
    Fd timeline(open(kSwSync, O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(timeline.valid()) << kSwSync << ": " << errstr();

    SwSyncCreateFence data{};
    data.value = 1;
    snprintf(data.name, sizeof data.name, "sluice-vm-smoke");
    ASSERT_EQ(ioctl(timeline.get(), kSwSyncCreateFence, &data), 0) << errstr();
    Fd fence(data.fence);
    ASSERT_TRUE(fence.valid());

    pollfd pfd{fence.get(), POLLIN, 0};
    EXPECT_EQ(poll(&pfd, 1, 0), 0) << "a fence at point 1 signaled before the timeline advanced";
    uint32_t inc = 1;
    ASSERT_EQ(ioctl(timeline.get(), kSwSyncInc, &inc), 0) << errstr();
    pfd.revents = 0;
    EXPECT_EQ(poll(&pfd, 1, 1000), 1);
    EXPECT_TRUE(pfd.revents & POLLIN);
}

TEST(VmGuest, DmaHeapAndUinput) {
    Fd heap(open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(heap.valid()) << "/dev/dma_heap/system: " << errstr();
    dma_heap_allocation_data alloc{};
    alloc.len = 4096;
    alloc.fd_flags = O_RDWR | O_CLOEXEC;
    ASSERT_EQ(ioctl(heap.get(), DMA_HEAP_IOCTL_ALLOC, &alloc), 0) << errstr();
    Fd buf(static_cast<int>(alloc.fd));
    EXPECT_TRUE(buf.valid());

    EXPECT_TRUE(is_char_device("/dev/uinput")) << "/dev/uinput";
    Fd uinput(open("/dev/uinput", O_WRONLY | O_CLOEXEC));
    EXPECT_TRUE(uinput.valid()) << "/dev/uinput: " << errstr();
}

} // namespace

int main(int argc, char **argv) {
    if (!getenv("SLUICE_IN_VM")) {
        fprintf(stderr, "vm-smoke: skipping: not inside the test VM; run it through tests/vm/run-in-vm\n");
        return 77;
    }
    testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
