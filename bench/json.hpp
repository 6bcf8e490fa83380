// The smallest JSON value that serves the records: objects keep insertion
// order, so a record reads in the order the workload wrote it, and
// non-finite numbers become null (a measurement that could not be taken).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace bench {

class Json {
public:
    using Array = std::vector<Json>;
    using Object = std::vector<std::pair<std::string, Json>>;

    Json() : value_(nullptr) {}
    Json(std::nullptr_t) : value_(nullptr) {}
    Json(bool b) : value_(b) {}
    Json(int i) : value_(int64_t(i)) {}
    Json(unsigned i) : value_(int64_t(i)) {}
    Json(long i) : value_(int64_t(i)) {}
    Json(long long i) : value_(int64_t(i)) {}
    Json(unsigned long i) : value_(int64_t(i)) {}
    Json(unsigned long long i) : value_(int64_t(i)) {}
    Json(double d) : value_(d) {}
    Json(const char *s) : value_(std::string(s)) {}
    Json(std::string s) : value_(std::move(s)) {}
    Json(Array a) : value_(std::move(a)) {}
    Json(Object o) : value_(std::move(o)) {}

    static Json object() { return Json(Object{}); }
    static Json array() { return Json(Array{}); }

    // Adds (or replaces) a key of an object; returns *this to chain.
    Json &set(const std::string &key, Json value);
    // Appends to an array.
    Json &push(Json value);
    bool is_null() const { return std::holds_alternative<std::nullptr_t>(value_); }

    std::string dump() const;

private:
    void write(std::string &out) const;
    std::variant<std::nullptr_t, bool, int64_t, double, std::string, Array, Object> value_;
};

} // namespace bench
