// The bench owns its fds (DRM nodes, dma-bufs, sync_files, memfds) with the
// same type as the compositor does.
#pragma once

#include "sync/unique_fd.hpp"

namespace bench {

using sluice::sync::UniqueFd;

} // namespace bench
