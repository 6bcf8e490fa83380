// The one logger of every layer: sync/ (no Wayland), protocols/, render/
// and the compositor write through it, and wlroots' own lines are routed
// into it (install_wlroots_sink), so a log is one stream in one format:
//
//   00:00:01.234 [INFO] [render] renderer: pixman
//   00:00:01.240 [ERROR] [sync] [sync/fence_waiter.cpp:88] cannot ...
//
// Each line names its category, and each category has its own level,
// switchable at run time (--log-level info,sync=debug; sluicectl log).
// The levels are process-wide state on purpose: the fence waiter's threads
// log too, and a logger handed to every constructor would only be noise.
#pragma once

#include <cstdarg>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::log {

// Same numbers as wlroots' wlr_log_importance.
enum class Level : int { silent = 0, error = 1, info = 2, debug = 3 };

enum class Category : int { core, client, control, input, output, protocol, render, sync, view, wlroots, count };

inline constexpr int category_count = static_cast<int>(Category::count);

[[nodiscard]] const char *name(Category category);
[[nodiscard]] const char *name(Level level);
[[nodiscard]] std::optional<Category> category_named(std::string_view name);
[[nodiscard]] std::optional<Level> level_named(std::string_view name);

// Every category at once, or one.
void set_level(Level level);
void set_level(Category category, Level level);
[[nodiscard]] Level level(Category category);
[[nodiscard]] bool enabled(Category category, Level level);

// Applies "LEVEL[,CATEGORY=LEVEL...]" (e.g. "info,sync=debug"); on a bad
// spec changes nothing and returns the reason.
[[nodiscard]] std::optional<std::string> apply_spec(std::string_view spec);
// The same check without applying anything.
[[nodiscard]] std::optional<std::string> check_spec(std::string_view spec);
// The levels now, in the form apply_spec takes ("info,sync=debug").
[[nodiscard]] std::string describe_levels();

// `file` may be null (wlroots' lines carry their own); errors name it.
void write(Category category, Level level, const char *file, int line, const char *format, ...)
    __attribute__((format(printf, 5, 6)));
void vwrite(Category category, Level level, const char *file, int line, const char *format, va_list args);

} // namespace sluice::log

#define SLUICE_LOG(lvl, category, fmt, ...)                                                                        \
    do {                                                                                                           \
        if (::sluice::log::enabled(::sluice::log::Category::category, ::sluice::log::Level::lvl)) {                \
            ::sluice::log::write(::sluice::log::Category::category, ::sluice::log::Level::lvl, __FILE__, __LINE__, \
                                 fmt, ##__VA_ARGS__);                                                              \
        }                                                                                                          \
    } while (0)

#define LOG_ERROR(category, fmt, ...) SLUICE_LOG(error, category, fmt, ##__VA_ARGS__)
#define LOG_INFO(category, fmt, ...) SLUICE_LOG(info, category, fmt, ##__VA_ARGS__)
#define LOG_DEBUG(category, fmt, ...) SLUICE_LOG(debug, category, fmt, ##__VA_ARGS__)
