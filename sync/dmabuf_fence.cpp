#include "sync/dmabuf_fence.hpp"

#include <cerrno>
#include <string>

#include <sys/ioctl.h>
#include <sys/vfs.h>

#include "sync/kernel_uapi.hpp"

static_assert(static_cast<std::uint32_t>(sluice::sync::DmaBufAccess::Read) == DMA_BUF_SYNC_READ);
static_assert(static_cast<std::uint32_t>(sluice::sync::DmaBufAccess::Write) == DMA_BUF_SYNC_WRITE);

namespace sluice::sync {
namespace {

constexpr const char *kExport = "DMA_BUF_IOCTL_EXPORT_SYNC_FILE";
constexpr const char *kImport = "DMA_BUF_IOCTL_IMPORT_SYNC_FILE";

Error unsupported_error(const char *operation) {
    return errno_error(operation, EOPNOTSUPP, "the kernel lacks it; Linux 6.0 added it");
}

} // namespace

Error DmaBufFences::classify_failure(const char *operation, BorrowedFd dmabuf, int err) {
    if (err != ENOTTY)
        return errno_error(operation, err);

    // ENOTTY means either "not a dma-buf" or "a dma-buf, but the kernel has no
    // such ioctl". The filesystem a dma-buf lives on tells which.
    struct statfs fs {};
    if (::fstatfs(dmabuf.get(), &fs) == 0 && fs.f_type == uapi::kDmaBufFsMagic) {
        support_.store(ImplicitSyncSupport::Unsupported);
        return unsupported_error(operation);
    }
    return errno_error(operation, err, "fd " + std::to_string(dmabuf.get()) + " is not a dma-buf");
}

Result<SyncFile> DmaBufFences::export_sync_file(BorrowedFd dmabuf, DmaBufAccess access) {
    if (support() == ImplicitSyncSupport::Unsupported)
        return unsupported_error(kExport);

    dma_buf_export_sync_file args{};
    args.flags = static_cast<std::uint32_t>(access);
    args.fd = -1;
    if (::ioctl(dmabuf.get(), DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &args) != 0)
        return classify_failure(kExport, dmabuf, errno);
    support_.store(ImplicitSyncSupport::Supported);
    return SyncFile::adopt_unchecked(UniqueFd{args.fd});
}

Result<void> DmaBufFences::import_sync_file(BorrowedFd dmabuf, const SyncFile &fence, DmaBufAccess access) {
    if (support() == ImplicitSyncSupport::Unsupported)
        return unsupported_error(kImport);

    dma_buf_import_sync_file args{};
    args.flags = static_cast<std::uint32_t>(access);
    args.fd = fence.fd().get();
    if (::ioctl(dmabuf.get(), DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &args) != 0)
        return classify_failure(kImport, dmabuf, errno);
    support_.store(ImplicitSyncSupport::Supported);
    return {};
}

} // namespace sluice::sync
