// An xdg-shell toplevel as a View. Its popups are scene nodes under it,
// constrained to the output the toplevel is on.
#pragma once

#include "common/listener.hpp"
#include "compositor/shell/view.hpp"

namespace sluice {

class Seat;

class XdgView final : public View {
public:
    XdgView(wlr_xdg_surface *xdg_surface, Desktop &desktop, Seat &seat);
    ~XdgView() override;

    wlr_surface *surface() const override { return xdg_surface_->surface; }
    wlr_box geometry() const override;
    void set_activated(bool activated) override;
    void request_size(int width, int height) override;
    void close() override;
    std::string title() const override;
    void set_fullscreen_state(bool fullscreen) override;
    void set_maximized_state(bool maximized) override;

    // Keeps a new popup (of this toplevel or of one of its popups) inside
    // the output the toplevel is on.
    void constrain_popup(wlr_xdg_popup *popup) const;

private:
    // A client may ask for fullscreen or maximized before it maps.
    void apply_requested_state();

    Seat &seat_;
    wlr_xdg_surface *xdg_surface_;

    Listener map_;
    Listener unmap_;
    Listener destroy_;
    Listener request_move_;
    Listener request_resize_;
    Listener request_maximize_;
    Listener request_fullscreen_;
};

} // namespace sluice
