#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include <sys/mman.h>

#include "sync/drm_syncobj.hpp"
#include "sync/syncobj_device.hpp"
#include "test_support.hpp"

// Without a DRM device (none on the build hosts) only the ways in which a
// wrong fd is turned away can be tested; the vm suite covers the rest.

namespace sluice::sync {
namespace {

using test::make_eventfd;

class SyncobjDeviceTest : public test::LeakCheck {};

TEST_F(SyncobjDeviceTest, AMemfdIsNotADrmDevice) {
    UniqueFd memfd{::memfd_create("not-drm", MFD_CLOEXEC)};
    ASSERT_TRUE(memfd);
    auto device = SyncobjDevice::open(memfd);
    ASSERT_FALSE(device);
    EXPECT_EQ(device.error().errno_value, ENOTTY);
    EXPECT_EQ(device.error().message.rfind("DRM_IOCTL_GET_CAP: Inappropriate ioctl for device (fd ", 0), 0u)
        << device.error().message;
    EXPECT_NE(device.error().message.find("is not a DRM device"), std::string::npos);
    // open() duplicated the fd; the fixture checks the copy was closed.
    EXPECT_TRUE(test::fd_is_open(memfd.get()));
}

TEST_F(SyncobjDeviceTest, AnEventfdIsNotADrmDevice) {
    auto device = SyncobjDevice::adopt(make_eventfd());
    ASSERT_FALSE(device);
    EXPECT_EQ(device.error().errno_value, ENOTTY);
}

TEST_F(SyncobjDeviceTest, AClosedFdIsAnError) {
    int raw;
    {
        UniqueFd fd = make_eventfd();
        raw = fd.get();
    }
    auto device = SyncobjDevice::open(BorrowedFd{raw});
    ASSERT_FALSE(device);
    EXPECT_EQ(device.error().errno_value, EBADF);
}

} // namespace
} // namespace sluice::sync
