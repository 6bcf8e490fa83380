#pragma once

// Kernel calls fail in ways the caller must handle (a client hands us a
// memfd where a sync_file belongs, a kernel lacks an ioctl), so failures
// travel as values rather than exceptions: these types cross C callbacks
// from the event loop, where an exception would be fatal.

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sluice::sync {

struct Error {
    // The errno the kernel reported, or the closest one where the library
    // decides on its own (ENOTTY for "not a dma-buf", EOPNOTSUPP for "this
    // kernel lacks the ioctl").
    int errno_value = 0;
    // "<operation>: <strerror>", optionally followed by " (<detail>)".
    std::string message;
};

// errno must be captured by the caller right after the failing call: building
// strings may allocate, and allocation may clobber errno.
[[nodiscard]] Error errno_error(std::string_view operation, int errno_value);
[[nodiscard]] Error errno_error(std::string_view operation, int errno_value, std::string_view detail);

template <typename T>
class [[nodiscard]] Result {
public:
    // Implicit on purpose: `return value;` and `return error;` read naturally.
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

    [[nodiscard]] bool ok() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    // Precondition: ok(). Reading the value of a failed result is a bug in
    // the caller, not a runtime condition, so it is only asserted.
    [[nodiscard]] T &value() & {
        assert(ok());
        return *std::get_if<0>(&state_);
    }
    [[nodiscard]] const T &value() const & {
        assert(ok());
        return *std::get_if<0>(&state_);
    }
    [[nodiscard]] T &&value() && {
        assert(ok());
        return std::move(*std::get_if<0>(&state_));
    }

    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }

    // Precondition: !ok().
    [[nodiscard]] const Error &error() const & {
        assert(!ok());
        return *std::get_if<1>(&state_);
    }
    [[nodiscard]] Error &&error() && {
        assert(!ok());
        return std::move(*std::get_if<1>(&state_));
    }

private:
    std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)) {}

    [[nodiscard]] bool ok() const noexcept { return !error_.has_value(); }
    explicit operator bool() const noexcept { return ok(); }

    [[nodiscard]] const Error &error() const & {
        assert(!ok());
        return *error_;
    }
    [[nodiscard]] Error &&error() && {
        assert(!ok());
        return std::move(*error_);
    }

private:
    std::optional<Error> error_;
};

} // namespace sluice::sync
