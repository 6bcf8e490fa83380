// Reading the words of a control request: numbers, counts and the WINDOW
// selectors (title=, app-id=, id=, focused) that many commands take. No
// Wayland here: what a selector finds is window_facts.hpp's business.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sluice::control {

using Args = std::vector<std::string>;

// A finite number, the whole word.
[[nodiscard]] bool parse_number(const std::string &text, double &out);
// A decimal integer in [min, max], the whole word.
[[nodiscard]] bool parse_count(const std::string &text, long min, long max, long &out);

// The error reply for a command that takes no arguments and got some, or
// nullopt when there are none.
[[nodiscard]] std::optional<std::string> refuse_arguments(const char *command, const Args &args);

// Which windows a command means: title=T, app-id=A, id=C.S or focused.
struct Selector {
    enum class Kind { title, app_id, id, focused } kind;
    std::string value;

    [[nodiscard]] std::string describe() const;
};

// Whether a word is meant as a selector (so it is not an X coordinate).
[[nodiscard]] bool looks_like_selector(const std::string &word);
[[nodiscard]] std::optional<Selector> parse_selector(const std::string &word);
// Why `word` is no selector, for the error reply.
[[nodiscard]] std::string bad_selector(const std::string &word);

inline constexpr const char *selector_help = "a window is title=TITLE, app-id=APP_ID, id=ID or focused";

} // namespace sluice::control
