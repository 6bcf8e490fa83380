// wlroots' lines go through sluice's logger (common/log.hpp) under the
// "wlroots" category, so the whole log is one stream with one format.
#pragma once

namespace sluice {

// (Re)installs the route at the wlroots category's current level; call it
// again after that level changes, since wlroots skips its own work below it.
void route_wlroots_log();

} // namespace sluice
