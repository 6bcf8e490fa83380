// An X11 window through Xwayland as a View. Override-redirect windows
// (menus, tooltips) sit where X put them and never take focus.
#pragma once

#include "common/listener.hpp"
#include "compositor/shell/view.hpp"

namespace sluice {

class Seat;

class XwaylandView final : public View {
public:
    XwaylandView(wlr_xwayland_surface *xsurface, Desktop &desktop, Seat &seat);
    ~XwaylandView() override = default;

    wlr_surface *surface() const override { return xsurface_->surface; }
    wlr_box geometry() const override { return {0, 0, xsurface_->width, xsurface_->height}; }
    void set_activated(bool activated) override;
    void request_size(int width, int height) override;
    void close() override { wlr_xwayland_surface_close(xsurface_); }
    std::string title() const override;

private:
    void moved() override;
    void handle_map();

    Seat &seat_;
    wlr_xwayland_surface *xsurface_;

    Listener map_;
    Listener unmap_;
    Listener destroy_;
    Listener request_configure_;
    Listener request_activate_;
    Listener request_move_;
    Listener request_resize_;
};

} // namespace sluice
