// Logging goes through wlroots' logger so sluice's lines and wlroots' lines
// share one stream, one format and one --log-level. Each line names its
// subsystem so a log can be read (and grepped) per subsystem.
#pragma once

#include "wlroots/wlr.hpp"

#define SLUICE_LOG(verbosity, category, fmt, ...) \
    wlr_log(verbosity, "[" category "] " fmt, ##__VA_ARGS__)

#define LOG_ERROR(category, fmt, ...) SLUICE_LOG(WLR_ERROR, category, fmt, ##__VA_ARGS__)
#define LOG_INFO(category, fmt, ...) SLUICE_LOG(WLR_INFO, category, fmt, ##__VA_ARGS__)
#define LOG_DEBUG(category, fmt, ...) SLUICE_LOG(WLR_DEBUG, category, fmt, ##__VA_ARGS__)
