#include "common/log.hpp"

#include <array>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <unistd.h>
#include <vector>

namespace sluice::log {

namespace {

constexpr std::array<const char *, category_count> category_names = {
    "core", "client", "control", "input", "output", "protocol", "render", "sync", "view", "wlroots",
};
constexpr std::array<const char *, 4> level_names = {"silent", "error", "info", "debug"};

struct State {
    std::array<std::atomic<int>, category_count> levels;
    timespec start{};
    State() {
        for (auto &level : levels) {
            level.store(static_cast<int>(Level::info), std::memory_order_relaxed);
        }
        clock_gettime(CLOCK_MONOTONIC, &start);
    }
};

State &state() {
    static State instance;
    return instance;
}

// The source path from the top of the tree: __FILE__ is as the compiler
// was given it (../compositor/gate/commit_gate.cpp from the build dir).
const char *short_path(const char *file) {
    // The first path component that names one of sluice's top folders.
    for (const char *p = file; *p != '\0'; ++p) {
        if (p != file && p[-1] != '/') {
            continue;
        }
        for (std::string_view top : {"compositor/", "common/", "protocols/", "render/", "sync/", "tests/", "tools/"}) {
            if (std::string_view(p).starts_with(top)) {
                return p;
            }
        }
    }
    return file;
}

} // namespace

const char *name(Category category) {
    int i = static_cast<int>(category);
    return i >= 0 && i < category_count ? category_names[i] : "?";
}

const char *name(Level level) {
    int i = static_cast<int>(level);
    return i >= 0 && i < static_cast<int>(level_names.size()) ? level_names[i] : "?";
}

std::optional<Category> category_named(std::string_view text) {
    for (int i = 0; i < category_count; ++i) {
        if (text == category_names[i]) {
            return static_cast<Category>(i);
        }
    }
    return std::nullopt;
}

std::optional<Level> level_named(std::string_view text) {
    for (size_t i = 0; i < level_names.size(); ++i) {
        if (text == level_names[i]) {
            return static_cast<Level>(i);
        }
    }
    return std::nullopt;
}

void set_level(Level level) {
    for (auto &entry : state().levels) {
        entry.store(static_cast<int>(level), std::memory_order_relaxed);
    }
}

void set_level(Category category, Level level) {
    state().levels[static_cast<int>(category)].store(static_cast<int>(level), std::memory_order_relaxed);
}

Level level(Category category) {
    return static_cast<Level>(state().levels[static_cast<int>(category)].load(std::memory_order_relaxed));
}

bool enabled(Category category, Level wanted) {
    return wanted != Level::silent && static_cast<int>(wanted) <= static_cast<int>(level(category));
}

namespace {

struct Spec {
    std::optional<Level> all;
    std::vector<std::pair<Category, Level>> each;
};

std::optional<std::string> parse_spec(std::string_view spec, Spec &out) {
    size_t start = 0;
    while (start <= spec.size()) {
        size_t end = spec.find(',', start);
        std::string_view item =
            spec.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        size_t eq = item.find('=');
        std::string_view level_text = eq == std::string_view::npos ? item : item.substr(eq + 1);
        auto level = level_named(level_text);
        if (!level) {
            return "unknown log level '" + std::string(level_text) + "' (silent, error, info or debug)";
        }
        if (eq == std::string_view::npos) {
            out.all = level;
        } else {
            auto category = category_named(item.substr(0, eq));
            if (!category) {
                std::string known;
                for (const char *n : category_names) {
                    known += known.empty() ? n : std::string(", ") + n;
                }
                return "unknown log category '" + std::string(item.substr(0, eq)) + "' (" + known + ")";
            }
            out.each.emplace_back(*category, *level);
        }
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 1;
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> check_spec(std::string_view spec) {
    Spec parsed;
    return parse_spec(spec, parsed);
}

std::optional<std::string> apply_spec(std::string_view spec) {
    Spec parsed;
    if (auto error = parse_spec(spec, parsed)) {
        return error;
    }
    if (parsed.all) {
        set_level(*parsed.all);
    }
    for (auto [category, level] : parsed.each) {
        set_level(category, level);
    }
    return std::nullopt;
}

std::string describe_levels() {
    // The most common level first, then the categories that differ.
    std::array<int, 4> counts{};
    for (int i = 0; i < category_count; ++i) {
        ++counts[static_cast<int>(level(static_cast<Category>(i)))];
    }
    int common = 0;
    for (int l = 1; l < 4; ++l) {
        common = counts[l] > counts[common] ? l : common;
    }
    std::string text = level_names[common];
    for (int i = 0; i < category_count; ++i) {
        Level l = level(static_cast<Category>(i));
        if (static_cast<int>(l) != common) {
            text += std::string(",") + category_names[i] + "=" + name(l);
        }
    }
    return text;
}

void vwrite(Category category, Level level, const char *file, int line, const char *format, va_list args) {
    if (!enabled(category, level)) {
        return;
    }
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const timespec &start = state().start;
    long long ms = (now.tv_sec - start.tv_sec) * 1000LL + (now.tv_nsec - start.tv_nsec) / 1000000;
    static constexpr std::array<const char *, 4> headers = {"", "[ERROR]", "[INFO]", "[DEBUG]"};

    char prefix[256];
    int n = std::snprintf(prefix, sizeof prefix, "%02lld:%02lld:%02lld.%03lld %s [%s] ", ms / 3600000, ms / 60000 % 60,
                          ms / 1000 % 60, ms % 1000, headers[static_cast<int>(level)], name(category));
    if (file != nullptr && level == Level::error && n > 0 && n < static_cast<int>(sizeof prefix)) {
        std::snprintf(prefix + n, sizeof prefix - n, "[%s:%d] ", short_path(file), line);
    }
    va_list copy;
    va_copy(copy, args);
    char body[1024];
    int len = std::vsnprintf(body, sizeof body, format, copy);
    va_end(copy);
    std::string text(prefix);
    if (len >= static_cast<int>(sizeof body)) {
        std::vector<char> large(static_cast<size_t>(len) + 1);
        std::vsnprintf(large.data(), large.size(), format, args);
        text.append(large.data(), static_cast<size_t>(len));
    } else if (len > 0) {
        text.append(body, static_cast<size_t>(len));
    }
    text += '\n';
    // One write per line, so lines from the waiter threads never interleave.
    ssize_t ignored = ::write(STDERR_FILENO, text.data(), text.size());
    (void)ignored;
}

void write(Category category, Level level, const char *file, int line, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vwrite(category, level, file, line, format, args);
    va_end(args);
}

} // namespace sluice::log
