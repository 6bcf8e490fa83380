// render/ logs through wlroots' logger like the rest of sluice (one stream,
// one --log-level), every line tagged "[render]" so it can be grepped. It
// cannot use compositor/log.hpp: render/ does not depend on compositor/.
#pragma once

#include "wlroots/wlr.hpp"

#define RENDER_LOG(verbosity, fmt, ...) wlr_log(verbosity, "[render] " fmt, ##__VA_ARGS__)
