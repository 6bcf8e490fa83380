#include "xdg.hpp"

#include <stdexcept>

namespace sluice::test {

// --- XdgSurface ------------------------------------------------------------------

XdgSurface::XdgSurface(Client &client, bool auto_ack) : client_(client), auto_ack_(auto_ack) {
    static const xdg_surface_listener listener = {.configure = &XdgSurface::handle_configure};
    surface_.reset(wl_compositor_create_surface(client.compositor()));
    xdg_surface_.reset(xdg_wm_base_get_xdg_surface(client.wm_base(), surface_.get()));
    xdg_surface_add_listener(xdg_surface_.get(), &listener, this);
}

XdgSurface::~XdgSurface() { destroy_surfaces(); }

void XdgSurface::destroy_surfaces() {
    xdg_surface_.reset();
    surface_.reset();
}

void XdgSurface::handle_configure(void *data, xdg_surface *surface, uint32_t serial) {
    auto *self = static_cast<XdgSurface *>(data);
    ++self->configure_count_;
    self->last_serial_ = serial;
    if (self->auto_ack_) {
        xdg_surface_ack_configure(surface, serial);
        self->acked_serial_ = serial;
    }
}

bool XdgSurface::wait_for_configure(uint32_t count, std::chrono::milliseconds timeout) {
    return client_.dispatch_until([this, count] { return configure_count_ >= count; }, timeout);
}

void XdgSurface::ack() {
    xdg_surface_ack_configure(xdg_surface_.get(), last_serial_);
    acked_serial_ = last_serial_;
}

void XdgSurface::set_window_geometry(const Rect &g) {
    xdg_surface_set_window_geometry(xdg_surface_.get(), g.x, g.y, g.width, g.height);
}

void XdgSurface::commit_buffer(ShmBuffer &buffer) {
    wl_surface_attach(surface_.get(), buffer.get(), 0, 0);
    wl_surface_damage_buffer(surface_.get(), 0, 0, buffer.width(), buffer.height());
    buffer.mark_busy();
    wl_surface_commit(surface_.get());
}

void XdgSurface::commit() { wl_surface_commit(surface_.get()); }

// --- Toplevel ----------------------------------------------------------------------

Toplevel::Toplevel(Client &client, const Options &options) : XdgSurface(client, options.auto_ack) {
    static const xdg_toplevel_listener listener = {
        .configure = &Toplevel::handle_configure,
        .close = &Toplevel::handle_close,
        .configure_bounds = [](void *, xdg_toplevel *, int32_t, int32_t) {},
        .wm_capabilities = [](void *, xdg_toplevel *, wl_array *) {},
    };
    toplevel_.reset(xdg_surface_get_toplevel(xdg()));
    xdg_toplevel_add_listener(toplevel_.get(), &listener, this);
    set_title(options.title);
    set_app_id(options.app_id);
    commit();
    client.flush();
}

Toplevel::~Toplevel() {
    toplevel_.reset();
    destroy_surfaces();
}

void Toplevel::handle_configure(void *data, xdg_toplevel *, int32_t width, int32_t height, wl_array *states) {
    auto *self = static_cast<Toplevel *>(data);
    self->configured_width_ = width;
    self->configured_height_ = height;
    self->states_.clear();
    const auto *begin = static_cast<const uint32_t *>(states->data);
    self->states_.assign(begin, begin + states->size / sizeof(uint32_t));
}

void Toplevel::handle_close(void *data, xdg_toplevel *) { static_cast<Toplevel *>(data)->close_requested_ = true; }

bool Toplevel::map(ShmBuffer &buffer, std::chrono::milliseconds timeout) {
    if (!wait_for_configure(1, timeout))
        return false;
    commit_buffer(buffer);
    return client().roundtrip(timeout);
}

void Toplevel::set_title(const std::string &title) { xdg_toplevel_set_title(toplevel_.get(), title.c_str()); }

void Toplevel::set_app_id(const std::string &app_id) { xdg_toplevel_set_app_id(toplevel_.get(), app_id.c_str()); }

// --- Positioner ---------------------------------------------------------------------

Proxy<xdg_positioner> make_positioner(xdg_wm_base *wm_base, const PositionerRules &rules) {
    Proxy<xdg_positioner> p(xdg_wm_base_create_positioner(wm_base));
    if (rules.width != 0 || rules.height != 0)
        xdg_positioner_set_size(p.get(), rules.width, rules.height);
    if (!rules.anchor_rect.empty())
        xdg_positioner_set_anchor_rect(p.get(), rules.anchor_rect.x, rules.anchor_rect.y, rules.anchor_rect.width,
                                       rules.anchor_rect.height);
    xdg_positioner_set_anchor(p.get(), rules.anchor);
    xdg_positioner_set_gravity(p.get(), rules.gravity);
    xdg_positioner_set_constraint_adjustment(p.get(), rules.constraint_adjustment);
    xdg_positioner_set_offset(p.get(), rules.offset_x, rules.offset_y);
    return p;
}

// --- Popup ---------------------------------------------------------------------------

Popup::Popup(Client &client, xdg_surface *parent, const PositionerRules &rules, bool auto_ack)
    : XdgSurface(client, auto_ack) {
    static const xdg_popup_listener listener = {
        .configure = &Popup::handle_configure,
        .popup_done = &Popup::handle_done,
        .repositioned = &Popup::handle_repositioned,
    };
    // The positioner is copied into the popup at creation; it may go at once.
    const Proxy<xdg_positioner> positioner = make_positioner(client.wm_base(), rules);
    popup_.reset(xdg_surface_get_popup(xdg(), parent, positioner.get()));
    xdg_popup_add_listener(popup_.get(), &listener, this);
    commit();
    client.flush();
}

Popup::~Popup() {
    popup_.reset();
    destroy_surfaces();
}

void Popup::handle_configure(void *data, xdg_popup *, int32_t x, int32_t y, int32_t width, int32_t height) {
    static_cast<Popup *>(data)->geometry_ = {x, y, width, height};
}

void Popup::handle_done(void *data, xdg_popup *) { static_cast<Popup *>(data)->done_ = true; }

void Popup::handle_repositioned(void *, xdg_popup *, uint32_t) {}

bool Popup::map(ShmBuffer &buffer, std::chrono::milliseconds timeout) {
    if (!wait_for_configure(1, timeout))
        return false;
    commit_buffer(buffer);
    return client().roundtrip(timeout);
}

} // namespace sluice::test
