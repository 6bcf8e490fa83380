#include "sync/sync_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include <linux/sync_file.h>
#include <poll.h>
#include <sys/ioctl.h>

namespace sluice::sync {
namespace {

std::string fd_detail(BorrowedFd fd, const char *what) { return "fd " + std::to_string(fd.get()) + " " + what; }

// Bounded copy of a fixed-size, possibly unterminated kernel name field.
template <std::size_t N>
std::string name_from(const char (&field)[N]) {
    return std::string(field, ::strnlen(field, N));
}

FenceStatus status_from(std::int32_t kernel_status) {
    if (kernel_status > 0)
        return FenceStatus::Signaled;
    if (kernel_status < 0)
        return FenceStatus::SignaledWithError;
    return FenceStatus::Pending;
}

Result<sync_file_info> query_header(BorrowedFd fd) {
    sync_file_info header{};
    if (::ioctl(fd.get(), SYNC_IOC_FILE_INFO, &header) != 0) {
        const int err = errno;
        if (err == ENOTTY)
            return errno_error("SYNC_IOC_FILE_INFO", err, fd_detail(fd, "is not a sync_file"));
        return errno_error("SYNC_IOC_FILE_INFO", err);
    }
    return header;
}

} // namespace

Result<SyncFile> SyncFile::adopt(UniqueFd fd) {
    // SYNC_IOC_FILE_INFO with num_fences == 0 only reads the header, which is
    // the cheapest way to ask the kernel "is this a sync_file?".
    auto header = query_header(fd.borrow());
    if (!header)
        return std::move(header).error();
    return SyncFile{std::move(fd)};
}

Result<SyncFile> SyncFile::duplicate_from(BorrowedFd fd) {
    auto copy = duplicate_fd(fd);
    if (!copy)
        return std::move(copy).error();
    return adopt(std::move(copy).value());
}

Result<SyncFile> SyncFile::merge(const SyncFile &a, const SyncFile &b, std::string_view name) {
    sync_merge_data data{};
    const std::size_t len = std::min(name.size(), sizeof(data.name) - 1);
    std::memcpy(data.name, name.data(), len);
    data.fd2 = b.fd().get();
    if (::ioctl(a.fd().get(), SYNC_IOC_MERGE, &data) != 0)
        return errno_error("SYNC_IOC_MERGE", errno);
    return SyncFile{UniqueFd{data.fence}};
}

Result<SyncFile> SyncFile::duplicate() const {
    auto copy = duplicate_fd(fd());
    if (!copy)
        return std::move(copy).error();
    return SyncFile{std::move(copy).value()};
}

Result<SyncFileInfo> SyncFile::info() const {
    auto header = query_header(fd());
    if (!header)
        return std::move(header).error();

    // The fence set of a sync_file is immutable, so the count from the first
    // call is still right for the second.
    std::vector<sync_fence_info> raw(header->num_fences);
    sync_file_info full{};
    full.num_fences = header->num_fences;
    full.sync_fence_info = reinterpret_cast<std::uintptr_t>(raw.data());
    if (!raw.empty() && ::ioctl(fd().get(), SYNC_IOC_FILE_INFO, &full) != 0)
        return errno_error("SYNC_IOC_FILE_INFO", errno);
    if (raw.empty())
        full = *header;

    SyncFileInfo info;
    info.name = name_from(full.name);
    info.status = status_from(full.status);
    info.error = full.status < 0 ? full.status : 0;
    info.fences.reserve(raw.size());
    std::chrono::nanoseconds latest{0};
    for (const sync_fence_info &f : raw) {
        FenceInfo fence;
        fence.timeline_name = name_from(f.obj_name);
        fence.driver_name = name_from(f.driver_name);
        fence.status = status_from(f.status);
        fence.error = f.status < 0 ? f.status : 0;
        if (fence.status != FenceStatus::Pending) {
            fence.timestamp = std::chrono::nanoseconds{static_cast<std::int64_t>(f.timestamp_ns)};
            latest = std::max(latest, *fence.timestamp);
        }
        info.fences.push_back(std::move(fence));
    }
    // A sync_file can hold no fences at all (a merge of already-signaled
    // fences may collapse to nothing): then there is no time to report.
    if (info.status != FenceStatus::Pending && !raw.empty())
        info.signal_time = latest;
    return info;
}

Result<bool> SyncFile::is_signaled() const {
    // poll() silently skips negative fds, which would read as "pending".
    if (!fd().valid())
        return errno_error("poll", EBADF, "no fd (moved-from sync_file)");
    pollfd pfd{fd().get(), POLLIN, 0};
    int n;
    do {
        n = ::poll(&pfd, 1, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno_error("poll", errno);
    if (pfd.revents & POLLNVAL)
        return errno_error("poll", EBADF, fd_detail(fd(), "is not open"));
    return (pfd.revents & POLLIN) != 0;
}

Result<std::optional<std::chrono::nanoseconds>> SyncFile::signal_time() const {
    auto details = info();
    if (!details)
        return std::move(details).error();
    return details->signal_time;
}

} // namespace sluice::sync
