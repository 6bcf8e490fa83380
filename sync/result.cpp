#include "sync/result.hpp"

#include <system_error>

namespace sluice::sync {

Error errno_error(std::string_view operation, int errno_value) {
    std::string message{operation};
    message += ": ";
    // generic_category().message() is thread-safe, unlike strerror().
    message += std::generic_category().message(errno_value);
    return Error{errno_value, std::move(message)};
}

Error errno_error(std::string_view operation, int errno_value, std::string_view detail) {
    Error error = errno_error(operation, errno_value);
    error.message += " (";
    error.message += detail;
    error.message += ')';
    return error;
}

} // namespace sluice::sync
