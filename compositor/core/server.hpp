// The composition root: creates the display, the backend and renderer, the
// globals, the desktop, the seat and the outputs, in order, and wires them;
// each part is given only what it uses. The accessors below serve
// control/ and the wlcs module.
#pragma once

#include <list>
#include <memory>

#include "common/listener.hpp"
#include "compositor/core/backend.hpp"
#include "compositor/core/options.hpp"
#include "compositor/core/ready_fd.hpp"
#include "compositor/core/renderer.hpp"
#include "wlroots/wlr.hpp"

namespace sluice::sync {
class SyncContext;
}

namespace sluice {

namespace protocols {
class CommitTimingManagerV1;
class FifoManagerV1;
class LinuxDrmSyncobjManager;
class LinuxExplicitSyncV1;
class TearingControlManagerV1;
} // namespace protocols

namespace control {
class Control;
} // namespace control

class Clients;
class RegionBound;
class CommitGate;
class Desktop;
class DmabufFeedback;
class InputInjection;
class Presentation;
class Output;
class Seat;
class Startup;
class View;
class Viewporter;

class Server {
public:
    // Builds everything up to, not including, starting the backend. Logs
    // the reason and returns null when something essential is missing.
    // `ready_fd` (--ready-fd, owned from here on) hears the socket name
    // once sluice serves.
    static std::unique_ptr<Server> create(const Options &options, sync::UniqueFd ready_fd = {});
    ~Server();

    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;

    // Starts the backend, opens the socket, runs until terminate().
    // Returns the process exit code.
    int run();
    void terminate(int exit_code);

    const Options &options() const { return options_; }
    wl_display *display() const { return display_; }
    wl_event_loop *event_loop() const { return wl_display_get_event_loop(display_); }
    wlr_backend *backend() const { return backend_ != nullptr ? backend_->wlr() : nullptr; }
    wlr_renderer *renderer() const { return renderer_ != nullptr ? renderer_->wlr() : nullptr; }
    wlr_allocator *allocator() const { return renderer_ != nullptr ? renderer_->allocator() : nullptr; }
    wlr_scene *scene() const { return scene_; }
    wlr_output_layout *output_layout() const { return output_layout_; }
    Seat &seat() const { return *seat_; }
    CommitGate &gate() const { return *gate_; }
    // The surface's tearing-control-v1 hint, "vsync" or "async".
    const char *presentation_hint(wlr_surface *surface) const;

    // Window management. The forwarders below are what control/ calls.
    Desktop &desktop() const { return *desktop_; }
    // Who is connected; control/ will move onto it.
    Clients &clients() const { return *clients_; }
    std::list<std::unique_ptr<View>> &views();
    void focus_view(View *view);
    bool surface_position(wlr_surface *surface, int &lx, int &ly) const;

    const std::list<std::unique_ptr<Output>> &outputs() const { return outputs_; }

private:
    Server(const Options &options, sync::UniqueFd ready_fd);
    bool init();
    void create_globals();
    void create_sync_globals();
    void create_buffer_globals();
    void create_privileged_globals();
    void on_new_output(wlr_output *output);
    void remove_output(Output *output);
    void on_new_xdg_surface(wlr_xdg_surface *surface);
    bool open_socket();
    void announce_ready();

    const Options options_;
    ReadyFd ready_fd_;
    int exit_code_ = 0;
    bool shutting_down_ = false;

    wl_display *display_ = nullptr;
    std::unique_ptr<Backend> backend_;
    std::unique_ptr<Renderer> renderer_;
    wlr_compositor *compositor_ = nullptr;
    wlr_scene *scene_ = nullptr;
    wlr_scene_node *view_layer_ = nullptr;
    wlr_output_layout *output_layout_ = nullptr;
    wlr_xdg_shell *xdg_shell_ = nullptr;
    wlr_xwayland *xwayland_ = nullptr;
    std::string socket_;

    std::list<std::unique_ptr<Output>> outputs_;
    std::unique_ptr<Desktop> desktop_;
    std::unique_ptr<Seat> seat_;
    // Only with --allow-input-injection; feeds the seat.
    std::unique_ptr<InputInjection> input_injection_;
    std::unique_ptr<sync::SyncContext> sync_;
    std::unique_ptr<CommitGate> gate_;
    std::unique_ptr<Presentation> presentation_;
    std::unique_ptr<Viewporter> viewporter_;
    wlr_linux_dmabuf_v1 *linux_dmabuf_ = nullptr;
    std::unique_ptr<DmabufFeedback> dmabuf_feedback_;
    std::unique_ptr<protocols::LinuxExplicitSyncV1> explicit_sync_v1_;
    std::unique_ptr<protocols::LinuxDrmSyncobjManager> syncobj_manager_;
    std::unique_ptr<protocols::FifoManagerV1> fifo_manager_;
    std::unique_ptr<protocols::CommitTimingManagerV1> commit_timing_manager_;
    std::unique_ptr<protocols::TearingControlManagerV1> tearing_control_;
    std::unique_ptr<Clients> clients_;
    std::unique_ptr<RegionBound> region_bound_;
    std::unique_ptr<Startup> startup_;
    // sluicectl's control socket, virtual input, --exit-when-empty.
    std::unique_ptr<control::Control> control_;

    Listener new_output_;
    Listener new_xdg_surface_;
    Listener new_xwayland_surface_;
    wl_event_source *sigint_ = nullptr;
    wl_event_source *sigterm_ = nullptr;
};

} // namespace sluice
