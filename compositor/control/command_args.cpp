#include "compositor/control/command_args.hpp"

#include <cmath>
#include <cstdlib>

#include "compositor/control/wire.hpp"

namespace sluice::control {

bool parse_number(const std::string &text, double &out) {
    if (text.empty()) {
        return false;
    }
    char *end = nullptr;
    double value = strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !std::isfinite(value)) {
        return false;
    }
    out = value;
    return true;
}

bool parse_count(const std::string &text, long min, long max, long &out) {
    if (text.empty()) {
        return false;
    }
    char *end = nullptr;
    long value = strtol(text.c_str(), &end, 10);
    if (end != text.c_str() + text.size() || value < min || value > max) {
        return false;
    }
    out = value;
    return true;
}

std::optional<std::string> refuse_arguments(const char *command, const Args &args) {
    if (args.empty()) {
        return std::nullopt;
    }
    return error_reply(std::string(command) + " takes no arguments");
}

std::string Selector::describe() const {
    switch (kind) {
    case Kind::title: return "title '" + value + "'";
    case Kind::app_id: return "app id '" + value + "'";
    case Kind::id: return "id " + value;
    case Kind::focused: return "keyboard focus";
    }
    return "?";
}

bool looks_like_selector(const std::string &word) {
    return word == "focused" || word.rfind("title=", 0) == 0 || word.rfind("app-id=", 0) == 0 ||
           word.rfind("app_id=", 0) == 0 || word.rfind("id=", 0) == 0;
}

std::optional<Selector> parse_selector(const std::string &word) {
    if (word == "focused") {
        return Selector{Selector::Kind::focused, {}};
    }
    auto eq = word.find('=');
    if (eq == std::string::npos) {
        return std::nullopt;
    }
    std::string key = word.substr(0, eq);
    std::string value = word.substr(eq + 1);
    if (key == "title") {
        return Selector{Selector::Kind::title, value};
    }
    if (key == "app-id" || key == "app_id") {
        return Selector{Selector::Kind::app_id, value};
    }
    if (key == "id") {
        return Selector{Selector::Kind::id, value};
    }
    return std::nullopt;
}

std::string bad_selector(const std::string &word) { return "bad window '" + word + "' (" + selector_help + ")"; }

} // namespace sluice::control
