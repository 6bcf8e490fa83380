#include "compositor/core/wlroots_log.hpp"

#include "common/log.hpp"
#include "wlroots/wlr.hpp"

namespace sluice {

namespace {

void forward(wlr_log_importance importance, const char *format, va_list args) {
    // wlroots' lines already start with their own [file:line].
    log::vwrite(log::Category::wlroots, static_cast<log::Level>(importance), nullptr, 0, format, args);
}

} // namespace

void route_wlroots_log() {
    wlr_log_init(static_cast<wlr_log_importance>(log::level(log::Category::wlroots)), &forward);
}

} // namespace sluice
