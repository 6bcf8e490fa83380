// The control protocol's wire format, shared by sluice and sluicectl (so it
// has no Wayland or wlroots in it).
//
// A request is one line of words separated by spaces; a word holding spaces,
// quotes, backslashes or nothing at all is written in double quotes with
// backslash escapes. The reply is one line of JSON, an object that always has
// "ok" (true or false) and, when ok is false, "error" (a sentence for people).
// See docs in compositor/control/README.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sluice::control {

// Splits a request line into words. nullopt (and a reason) on an unbalanced
// quote or a bad escape.
[[nodiscard]] std::optional<std::vector<std::string>> split_words(std::string_view line, std::string *error);
// The inverse: one request line (without the newline) for these words.
[[nodiscard]] std::string join_words(const std::vector<std::string> &words);

// A JSON string literal, quotes included.
[[nodiscard]] std::string json_quote(std::string_view text);

// Builds one JSON object, fields in the order they were added.
class JsonObject {
public:
    JsonObject &add(std::string_view key, std::string_view value);
    JsonObject &add(std::string_view key, const char *value) { return add(key, std::string_view(value)); }
    JsonObject &add(std::string_view key, bool value);
    JsonObject &add(std::string_view key, int64_t value);
    JsonObject &add(std::string_view key, int value) { return add(key, static_cast<int64_t>(value)); }
    JsonObject &add(std::string_view key, uint64_t value);
    JsonObject &add(std::string_view key, uint32_t value) { return add(key, static_cast<uint64_t>(value)); }
    JsonObject &add(std::string_view key, double value);
    // `json` is already JSON (an object, an array...).
    JsonObject &add_raw(std::string_view key, std::string_view json);
    [[nodiscard]] std::string str() const { return "{" + body_ + "}"; }

private:
    void key(std::string_view key);
    std::string body_;
};

// A JSON array of already-encoded values.
[[nodiscard]] std::string json_array(const std::vector<std::string> &values);

// {"ok":true} plus fields / {"ok":false,"error":...}.
[[nodiscard]] std::string ok_reply(JsonObject fields = {});
[[nodiscard]] std::string error_reply(std::string_view message);

// A parsed JSON value, for reading replies (sluicectl, the tests).
struct JsonValue {
    using Array = std::vector<JsonValue>;
    using Object = std::map<std::string, JsonValue, std::less<>>;
    std::variant<std::nullptr_t, bool, double, std::string, std::shared_ptr<Array>, std::shared_ptr<Object>> value;

    [[nodiscard]] bool is_null() const { return std::holds_alternative<std::nullptr_t>(value); }
    [[nodiscard]] const bool *as_bool() const { return std::get_if<bool>(&value); }
    [[nodiscard]] const double *as_number() const { return std::get_if<double>(&value); }
    [[nodiscard]] const std::string *as_string() const { return std::get_if<std::string>(&value); }
    [[nodiscard]] const Array *as_array() const;
    [[nodiscard]] const Object *as_object() const;
    // A member of an object, or null when this is no object or has no such key.
    [[nodiscard]] const JsonValue *get(std::string_view key) const;
};

[[nodiscard]] std::optional<JsonValue> parse_json(std::string_view text, std::string *error);

// The commands, one or two lines each, for `help` and sluicectl --help.
[[nodiscard]] const char *command_summary();

[[nodiscard]] std::string base64_encode(const std::vector<uint8_t> &bytes);
[[nodiscard]] std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);

} // namespace sluice::control
