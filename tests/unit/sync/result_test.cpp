#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "sync/result.hpp"
#include "sync/unique_fd.hpp"

namespace sluice::sync {
namespace {

Result<int> parse(bool good) {
    if (good)
        return 42;
    return errno_error("DRM_IOCTL_SYNCOBJ_CREATE", EINVAL);
}

TEST(Result, HoldsAValue) {
    auto r = parse(true);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(static_cast<bool>(r));
    EXPECT_EQ(r.value(), 42);
    EXPECT_EQ(*r, 42);
}

TEST(Result, HoldsAnErrorWithTheKernelsWording) {
    auto r = parse(false);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().errno_value, EINVAL);
    EXPECT_EQ(r.error().message, "DRM_IOCTL_SYNCOBJ_CREATE: Invalid argument");
}

TEST(Result, ErrorsCanCarryADetail) {
    const Error e = errno_error("SYNC_IOC_FILE_INFO", ENOTTY, "fd 7 is not a sync_file");
    EXPECT_EQ(e.errno_value, ENOTTY);
    EXPECT_EQ(e.message, "SYNC_IOC_FILE_INFO: Inappropriate ioctl for device (fd 7 is not a sync_file)");
}

TEST(Result, VoidResults) {
    Result<void> good;
    EXPECT_TRUE(good.ok());
    Result<void> bad = errno_error("x", EBADF);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().errno_value, EBADF);
}

TEST(Result, HoldsMoveOnlyValues) {
    Result<UniqueFd> r = UniqueFd{};
    ASSERT_TRUE(r);
    UniqueFd taken = std::move(r).value();
    EXPECT_FALSE(taken.valid());
}

TEST(Result, ErrorsMoveOut) {
    Result<std::string> r = errno_error("op", ENOENT);
    Error e = std::move(r).error();
    EXPECT_EQ(e.message, "op: No such file or directory");
}

} // namespace
} // namespace sluice::sync
