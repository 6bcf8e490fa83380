#include "compositor/core/server.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <unistd.h>

#include "compositor/core/backend.hpp"
#include "compositor/core/clients.hpp"
#include "compositor/core/region_bound.hpp"
#include "compositor/core/renderer.hpp"
#include "compositor/gate/commit_gate.hpp"
#include "compositor/output/dmabuf_feedback.hpp"
#include "compositor/control/control.hpp"
#include "protocols/commit_timing_v1.hpp"
#include "protocols/fifo_v1.hpp"
#include "protocols/linux_drm_syncobj.hpp"
#include "protocols/tearing_control_v1.hpp"
#include "protocols/linux_explicit_sync_v1.hpp"
#include "sync/sync_context.hpp"
#include "compositor/gate/sync_device.hpp"
#include "common/log.hpp"
#include "compositor/output/output.hpp"
#include "compositor/output/presentation.hpp"
#include "compositor/input/input_injection.hpp"
#include "compositor/input/seat.hpp"
#include "compositor/core/startup.hpp"
#include "compositor/shell/desktop.hpp"
#include "compositor/shell/view.hpp"
#include "compositor/shell/viewporter.hpp"
#include "compositor/shell/xdg_view.hpp"
#include "compositor/shell/xwayland_view.hpp"

namespace sluice {

namespace {

template <typename T>
void erase_owned(std::list<std::unique_ptr<T>> &list, T *item) {
    list.remove_if([item](const std::unique_ptr<T> &owned) { return owned.get() == item; });
}

int on_terminate_signal(int signal, void *data) {
    LOG_INFO(core, "caught signal %d, shutting down", signal);
    static_cast<Server *>(data)->terminate(0);
    return 0;
}

bool program_in_path(const char *name) {
    const char *path = getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
    size_t start = 0;
    while (start <= dirs.size()) {
        size_t end = dirs.find(':', start);
        std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!dir.empty() && access((dir + "/" + name).c_str(), X_OK) == 0) {
            return true;
        }
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    return false;
}

} // namespace

Server::Server(const Options &options, sync::UniqueFd ready_fd) : options_(options), ready_fd_(std::move(ready_fd)) {}

std::unique_ptr<Server> Server::create(const Options &options, sync::UniqueFd ready_fd) {
    std::unique_ptr<Server> server(new Server(options, std::move(ready_fd)));
    if (!server->init()) {
        return nullptr;
    }
    return server;
}

bool Server::init() {
    display_ = wl_display_create();
    if (display_ == nullptr) {
        LOG_ERROR(core, "cannot create the Wayland display");
        return false;
    }
    sigint_ = wl_event_loop_add_signal(event_loop(), SIGINT, on_terminate_signal, this);
    sigterm_ = wl_event_loop_add_signal(event_loop(), SIGTERM, on_terminate_signal, this);

    std::string why;
    backend_ = Backend::create(display_, options_.backend, why);
    if (backend_ == nullptr) {
        LOG_ERROR(core, "%s", why.c_str());
        return false;
    }
    renderer_ = Renderer::create(backend_->wlr(), options_.renderer);
    if (renderer_ == nullptr) {
        return false;
    }
    create_globals();
    return true;
}

void Server::create_globals() {
    create_buffer_globals();

    compositor_ = wlr_compositor_create(display_, renderer());
    wlr_data_device_manager_create(display_);
    wlr_primary_selection_v1_device_manager_create(display_);

    output_layout_ = wlr_output_layout_create();
    wlr_xdg_output_manager_v1_create(display_, output_layout_);
    scene_ = wlr_scene_create();
    wlr_scene_attach_output_layout(scene_, output_layout_);
    view_layer_ = &wlr_scene_tree_create(&scene_->node)->node;
    desktop_ = std::make_unique<Desktop>(view_layer_, output_layout_, dmabuf_feedback_.get());

    presentation_ = std::make_unique<Presentation>(display_);
    viewporter_ = std::make_unique<Viewporter>(display_);

    xdg_shell_ = wlr_xdg_shell_create(display_);
    new_xdg_surface_.connect(&xdg_shell_->events.new_surface,
                             [this](void *data) { on_new_xdg_surface(static_cast<wlr_xdg_surface *>(data)); });
    new_output_.connect(&backend_->wlr()->events.new_output,
                        [this](void *data) { on_new_output(static_cast<wlr_output *>(data)); });

    seat_ = std::make_unique<Seat>(display_, backend(), output_layout_, scene_, *desktop_,
                                   [this](int exit_code) { terminate(exit_code); });
    desktop_->attach_seat(seat_.get());
    create_privileged_globals();
    clients_ = std::make_unique<Clients>(display_);
    region_bound_ = std::make_unique<RegionBound>(display_);
    create_sync_globals();

    if (options_.xwayland) {
        if (!program_in_path("Xwayland")) {
            LOG_ERROR(core, "--xwayland: the Xwayland binary is not installed (Debian package xwayland); "
                            "continuing without X11 clients");
        } else if ((xwayland_ = wlr_xwayland_create(display_, compositor_, true)) == nullptr) {
            LOG_ERROR(core, "--xwayland: cannot start Xwayland; continuing without X11 clients");
        } else {
            wlr_xwayland_set_seat(xwayland_, seat_->wlr());
            new_xwayland_surface_.connect(&xwayland_->events.new_surface, [this](void *data) {
                auto *xsurface = static_cast<wlr_xwayland_surface *>(data);
                desktop_->add_view(std::make_unique<XwaylandView>(xsurface, *desktop_, *seat_));
            });
            LOG_INFO(core, "Xwayland on DISPLAY=%s (started on first X11 client)", xwayland_->display_name);
        }
    }
}

Server::~Server() {
    // Clients first, so their surfaces and views go while everything they
    // point at still exists. Then each listener before the object it
    // listens to, and each object before the ones it points into.
    shutting_down_ = true;
    // First, so that clients leaving now count as no --exit-when-empty.
    control_.reset();
    if (clients_ != nullptr) {
        clients_->set_on_empty(nullptr);
    }
    if (display_ != nullptr) {
        wl_display_destroy_clients(display_);
    }
    startup_.reset();
    new_xwayland_surface_.disconnect();
    if (xwayland_ != nullptr) {
        wlr_xwayland_destroy(xwayland_);
    }
    if (desktop_ != nullptr) {
        desktop_->clear_views();
        desktop_->attach_seat(nullptr);
    }
    // The seat lets go of input devices before the backend destroys them.
    input_injection_.reset();
    seat_.reset();
    new_output_.disconnect();
    // Destroys the outputs, which take themselves out of the layout, the
    // scene and the presentation bookkeeping on the way.
    backend_.reset();
    outputs_.clear();
    presentation_.reset();
    viewporter_.reset();
    dmabuf_feedback_.reset();
    gate_.reset();
    fifo_manager_.reset();
    commit_timing_manager_.reset();
    tearing_control_.reset();
    syncobj_manager_.reset();
    explicit_sync_v1_.reset();
    region_bound_.reset();
    clients_.reset();
    // After everything that waits on it: outputs, the gate, the protocols.
    sync_.reset();
    new_xdg_surface_.disconnect();
    // The scene listens to the layout: the layout goes first.
    if (output_layout_ != nullptr) {
        wlr_output_layout_destroy(output_layout_);
    }
    if (scene_ != nullptr) {
        wlr_scene_node_destroy(&scene_->node);
    }
    renderer_.reset();
    if (sigint_ != nullptr) {
        wl_event_source_remove(sigint_);
    }
    if (sigterm_ != nullptr) {
        wl_event_source_remove(sigterm_);
    }
    if (display_ != nullptr) {
        wl_display_destroy(display_);
    }
}

void Server::create_buffer_globals() {
    // What wlr_renderer_init_wl_display does, but keeping the linux-dmabuf
    // global: sluice sets per-surface feedback on it.
    wl_display_init_shm(display_);
    size_t count = 0;
    const uint32_t *formats = wlr_renderer_get_shm_texture_formats(renderer(), &count);
    for (size_t i = 0; formats != nullptr && i < count; ++i) {
        // ARGB8888 and XRGB8888 are always there, and are the two whose
        // wl_shm codes differ from their DRM fourcc.
        if (formats[i] != DRM_FORMAT_ARGB8888 && formats[i] != DRM_FORMAT_XRGB8888) {
            wl_display_add_shm_format(display_, formats[i]);
        }
    }
    if (wlr_renderer_get_dmabuf_texture_formats(renderer()) == nullptr || wlr_renderer_get_drm_fd(renderer()) < 0) {
        LOG_INFO(render, "linux-dmabuf not offered: the renderer has no DRM device to import dma-bufs with");
        return;
    }
    // wl_drm too, for the EGL clients of older Mesa that still look for it.
    wlr_drm_create(display_, renderer());
    linux_dmabuf_ = wlr_linux_dmabuf_v1_create(display_, renderer());
    if (linux_dmabuf_ == nullptr) {
        LOG_ERROR(render, "cannot create the linux-dmabuf global");
        return;
    }
    dmabuf_feedback_ = std::make_unique<DmabufFeedback>(linux_dmabuf_, renderer());
    LOG_INFO(render, "linux-dmabuf v4 offered: the renderer imports dma-bufs");
}

void Server::create_privileged_globals() {
    // What gives one client power over the others' windows: screen capture
    // reads them, input injection drives them. The log names what is
    // offered, so that whoever starts sluice knows what its clients may do.
    wlr_screencopy_manager_v1_create(display_);
    wlr_export_dmabuf_manager_v1_create(display_);
    LOG_INFO(core, "screen capture offered to every client: zwlr_screencopy_manager_v1, "
                   "zwlr_export_dmabuf_manager_v1 (always)");
    if (!options_.allow_input_injection) {
        LOG_INFO(core, "input injection not offered: %s (--allow-input-injection offers them)",
                 InputInjection::globals);
        return;
    }
    input_injection_ = std::make_unique<InputInjection>(display_, *seat_);
    LOG_INFO(core, "input injection offered to every client: %s (%s)", InputInjection::globals,
             options_.test_server ? "--test-server" : "--allow-input-injection");
}

void Server::create_sync_globals() {
    sync_ = std::make_unique<sync::SyncContext>(event_loop());
    gate_ = std::make_unique<CommitGate>(display_, *sync_);
    // sync_files need nothing but the kernel's sync_file support, which
    // every kernel sluice runs on has.
    explicit_sync_v1_ = std::make_unique<protocols::LinuxExplicitSyncV1>(display_);
    if (auto device = find_sync_device(options_.sync_device, wlr_renderer_get_drm_fd(renderer()))) {
        syncobj_manager_ = std::make_unique<protocols::LinuxDrmSyncobjManager>(display_, std::move(device));
    }
    gate_->set_protocols(syncobj_manager_.get(), explicit_sync_v1_.get());
    if (options_.frame_pacing) {
        fifo_manager_ = std::make_unique<protocols::FifoManagerV1>(display_);
        commit_timing_manager_ = std::make_unique<protocols::CommitTimingManagerV1>(display_);
        gate_->set_timing_protocols(fifo_manager_.get(), commit_timing_manager_.get());
    }
    tearing_control_ = std::make_unique<protocols::TearingControlManagerV1>(display_);
    gate_->set_tearing_control(tearing_control_.get());
}

const char *Server::presentation_hint(wlr_surface *surface) const {
    return protocols::to_string(tearing_control_->hint(surface->resource));
}

void Server::on_new_output(wlr_output *output) {
    LOG_INFO(output, "new output %s", output->name);
    OutputContext context{renderer(),
                          allocator(),
                          scene_,
                          output_layout_,
                          wlr_backend_get_session(backend()),
                          *presentation_,
                          renderer_->fences(),
                          sync_->dmabuf_fences(),
                          options_.mode,
                          dmabuf_feedback_.get(),
                          gate_.get(),
                          options_.own_frame_clock};
    outputs_.push_back(std::make_unique<Output>(output, context, [this](Output *gone) { remove_output(gone); }));
    desktop_->output_added(outputs_.back().get());
}

void Server::remove_output(Output *output) {
    LOG_INFO(output, "output %s removed", output->wlr()->name);
    desktop_->output_removed(output);
    erase_owned(outputs_, output);
    if (outputs_.empty() && !shutting_down_ && backend_->nested()) {
        // Nested: the last window closing is the user closing sluice.
        LOG_INFO(core, "the last nested output closed; exiting");
        terminate(0);
    }
}

void Server::on_new_xdg_surface(wlr_xdg_surface *surface) {
    if (surface->role == WLR_XDG_SURFACE_ROLE_POPUP) {
        // A popup is drawn under its parent's scene node, which both
        // toplevels and popups keep in data.
        wlr_xdg_surface *parent = wlr_xdg_surface_from_wlr_surface(surface->popup->parent);
        if (parent == nullptr || parent->data == nullptr) {
            return;
        }
        surface->data = wlr_scene_xdg_surface_create(static_cast<wlr_scene_node *>(parent->data), surface);
        wlr_xdg_surface *root = parent;
        while (root->role == WLR_XDG_SURFACE_ROLE_POPUP) {
            root = wlr_xdg_surface_from_wlr_surface(root->popup->parent);
        }
        auto *root_node = static_cast<wlr_scene_node *>(root->data);
        if (root_node != nullptr && root_node->data != nullptr) {
            static_cast<XdgView *>(static_cast<View *>(root_node->data))->constrain_popup(surface->popup);
        }
        return;
    }
    if (surface->role == WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
        desktop_->add_view(std::make_unique<XdgView>(surface, *desktop_, *seat_));
    }
}

std::list<std::unique_ptr<View>> &Server::views() { return desktop_->views(); }

void Server::focus_view(View *view) { desktop_->focus_view(view); }

bool Server::surface_position(wlr_surface *surface, int &lx, int &ly) const {
    return desktop_->surface_position(surface, lx, ly);
}

bool Server::open_socket() {
    if (!options_.socket.empty()) {
        if (wl_display_add_socket(display_, options_.socket.c_str()) != 0) {
            LOG_ERROR(core,
                      "cannot open the Wayland socket '%s' in $XDG_RUNTIME_DIR (in use, or "
                      "XDG_RUNTIME_DIR unset?)",
                      options_.socket.c_str());
            return false;
        }
        socket_ = options_.socket;
        return true;
    }
    const char *name = wl_display_add_socket_auto(display_);
    if (name == nullptr) {
        LOG_ERROR(core, "cannot open a Wayland socket in $XDG_RUNTIME_DIR (is it set?)");
        return false;
    }
    socket_ = name;
    return true;
}

void Server::announce_ready() {
    LOG_INFO(core, "serving on WAYLAND_DISPLAY=%s with %zu output(s)", socket_.c_str(), outputs_.size());
    (void)ready_fd_.announce(socket_); // logged; sluice serves either way
}

int Server::run() {
    // Before the socket opens, so that it sees every client.
    control_ = std::make_unique<control::Control>(*this);
    if (options_.wayland_socket) {
        if (!open_socket()) {
            return 1;
        }
    }

    LOG_INFO(core, "starting the %s backend", to_string(options_.backend));
    if (!wlr_backend_start(backend_->wlr())) {
        LOG_ERROR(core, "cannot start the backend");
        return 1;
    }
    backend_->add_configured_outputs(options_.outputs, options_.mode.value_or(Mode{}));
    if (outputs_.empty()) {
        LOG_INFO(core, "no outputs yet; clients can connect and will be shown when one appears");
    }
    if (!control_->start(socket_)) {
        return 1;
    }
    announce_ready();

    if (!options_.startup.empty()) {
        std::function<void(int)> on_exit;
        if (options_.exit_with_startup) {
            on_exit = [this](int status) { terminate(status); };
        }
        // Its clients find sluice here; sluice's own environment stays as
        // it was (nested backends read it when they were created).
        std::vector<std::string> environment;
        if (!socket_.empty()) {
            environment.push_back("WAYLAND_DISPLAY=" + socket_);
        }
        if (xwayland_ != nullptr) {
            environment.push_back(std::string("DISPLAY=") + xwayland_->display_name);
        }
        startup_ = std::make_unique<Startup>(event_loop(), options_.startup, std::move(environment),
                                             options_.inherited_fd_limit, std::move(on_exit));
        if (!startup_->spawn() && options_.exit_with_startup) {
            return 1;
        }
    }
    wl_display_run(display_);
    LOG_INFO(core, "stopped; exit code %d", exit_code_);
    return exit_code_;
}

void Server::terminate(int exit_code) {
    exit_code_ = exit_code;
    wl_display_terminate(display_);
}

} // namespace sluice
