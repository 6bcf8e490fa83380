// Tests own their fds with the same type as the compositor does.
#pragma once

#include "sync/unique_fd.hpp"

namespace sluice::test {

using sync::UniqueFd;

} // namespace sluice::test
