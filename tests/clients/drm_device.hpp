// A DRM node a test client opens for itself: found by driver name (the
// numbering of /dev/dri depends on probe order), shared by everything that
// holds handles on it — GEM handles and syncobj handles only mean something
// on the open file that made them.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "sync/unique_fd.hpp"

namespace sluice::test {

enum class DrmNodeType { primary, render };

class DrmDevice {
public:
    // The first /dev/dri node of `driver` ("vgem", "vkms") of `type`, or
    // null when there is none (outside the VM).
    static std::shared_ptr<const DrmDevice> open(std::string_view driver, DrmNodeType type);

    DrmDevice(const DrmDevice &) = delete;
    DrmDevice &operator=(const DrmDevice &) = delete;

    [[nodiscard]] sync::BorrowedFd fd() const { return fd_.borrow(); }
    [[nodiscard]] const std::string &path() const { return path_; }
    [[nodiscard]] const std::string &driver() const { return driver_; }

private:
    DrmDevice(sync::UniqueFd fd, std::string path, std::string driver)
        : fd_(std::move(fd)), path_(std::move(path)), driver_(std::move(driver)) {}

    sync::UniqueFd fd_;
    std::string path_;
    std::string driver_;
};

// "what: strerror(errno)" for exceptions thrown right after a failed call.
[[noreturn]] void throw_errno(std::string_view what, int error);

} // namespace sluice::test
