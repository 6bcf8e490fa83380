#include "compositor/control/window_changes.hpp"

#include <cstring>

#include "compositor/control/window_facts.hpp"
#include "compositor/core/server.hpp"
#include "compositor/input/seat.hpp"

namespace sluice::control {

WindowChanges::WindowChanges(Server &server, const ClientDirectory &clients, std::function<void()> changed)
    : changed_(std::move(changed)) {
    // Surfaces that exist now may have a commit held in the gate already.
    for_each_surface(clients, [this](const ClientDirectory::Client &, wlr_surface *surface) { watch(surface); });
    logger_ = wl_display_add_protocol_logger(server.display(), &WindowChanges::on_protocol_message, this);
    focus_.connect(&server.seat().wlr()->keyboard_state.events.focus_change, [this](void *) { changed_(); });
}

WindowChanges::~WindowChanges() {
    if (logger_ != nullptr) {
        wl_protocol_logger_destroy(logger_);
    }
}

void WindowChanges::on_protocol_message(void *data, wl_protocol_logger_type type,
                                        const wl_protocol_logger_message *message) {
    if (type != WL_PROTOCOL_LOGGER_REQUEST) {
        return;
    }
    auto *self = static_cast<WindowChanges *>(data);
    // The logger hears a request before it is carried out, so a surface
    // seen committing here is watched in time for that very commit.
    if (strcmp(message->message->name, "commit") == 0 &&
        strcmp(wl_resource_get_class(message->resource), "wl_surface") == 0) {
        self->watch(wlr_surface_from_resource(message->resource));
    }
    self->changed_();
}

void WindowChanges::watch(wlr_surface *surface) {
    if (surface == nullptr || surfaces_.count(surface) != 0) {
        return;
    }
    auto &watched = surfaces_[surface];
    watched = std::make_unique<Watched>();
    watched->commit.connect(&surface->events.commit, [this](void *) { changed_(); });
    watched->destroy.connect(&surface->events.destroy, [this, surface](void *) { surfaces_.erase(surface); });
}

} // namespace sluice::control
