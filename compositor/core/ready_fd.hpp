// --ready-fd: the fd on which sluice tells whoever started it that it
// serves, by writing the socket name and a newline, then closing it.
#pragma once

#include <string_view>

#include "sync/unique_fd.hpp"

namespace sluice {

class ReadyFd {
public:
    ReadyFd() = default;
    // Takes ownership of `fd` (invalid: nobody is waiting).
    explicit ReadyFd(sync::UniqueFd fd) : fd_(std::move(fd)) {}

    // Writes "<socket>\n" whole (retrying interrupted and short writes),
    // then closes the fd; later calls do nothing. False (logged) if the
    // line could not be written.
    bool announce(std::string_view socket);

private:
    sync::UniqueFd fd_;
};

} // namespace sluice
