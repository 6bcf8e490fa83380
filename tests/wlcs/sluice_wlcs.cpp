// The wlcs integration: wlcs loads this module, and each test gets a sluice
// of its own, in-process, on the headless backend with the pixman renderer.
//
// wlcs calls in from its test thread; sluice runs its event loop on a
// thread of its own. Every call is marshalled onto that thread (a task
// queue and an eventfd the loop watches) and the caller waits for it to be
// done, so nothing touches wlroots off the server thread and the loop itself
// never waits on anyone.
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <wayland-client-core.h>

#include <wlcs/display_server.h>
#include <wlcs/pointer.h>
#include <wlcs/touch.h>

#include "compositor/control/virtual_input.hpp"
#include "common/listener.hpp"
#include "common/log.hpp"
#include "compositor/core/options.hpp"
#include "compositor/core/server.hpp"
#include "compositor/core/wlroots_log.hpp"
#include "sync/unique_fd.hpp"
#include "compositor/shell/view.hpp"

namespace sluice::wlcs {

namespace {

// What sluice serves, for wlcs to skip the tests of what it does not.
// wlcs asks before the server starts, so this is fixed here; versions are
// what `weston-info` shows against a --test-server sluice.
const WlcsExtensionDescriptor extensions[] = {
    {"wl_compositor", 4},
    {"wl_subcompositor", 1},
    {"wl_shm", 1},
    {"wl_seat", 7},
    {"wl_output", 4},
    {"wl_data_device_manager", 3},
    {"xdg_wm_base", 2},
    {"zxdg_output_manager_v1", 3},
    {"zwp_primary_selection_device_manager_v1", 1},
    {"wp_presentation", 1},
    {"wp_viewporter", 1},
    {"zwlr_screencopy_manager_v1", 3},
    {"zwlr_export_dmabuf_manager_v1", 1},
    {"zwlr_virtual_pointer_manager_v1", 2},
    {"zwp_virtual_keyboard_manager_v1", 1},
    {"zwp_linux_explicit_synchronization_v1", 2},
};

const WlcsIntegrationDescriptor descriptor = {
    1,
    sizeof(extensions) / sizeof(extensions[0]),
    extensions,
};

class WlcsServer;

struct DisplayServer {
    WlcsDisplayServer base; // first: wlcs hands this pointer back to us
    WlcsServer *self;
};

struct Pointer {
    WlcsPointer base;
    WlcsServer *owner;
};

struct Touch {
    WlcsTouch base;
    WlcsServer *owner;
    int32_t id;
};

class WlcsServer {
public:
    WlcsServer() {
        options_.backend = BackendChoice::headless;
        options_.renderer = RendererChoice::pixman;
        // Room for the windows wlcs places (it uses positions up to a few
        // hundred pixels, and sizes of a few hundred).
        options_.mode = Mode{1920, 1080, 60000};
        options_.wayland_socket = false;
        options_.sync_device = "none";
        // wlcs' VirtualPointerV1 tests bind the protocol.
        options_.allow_input_injection = true;
        display_.base.version = 2;
        display_.self = this;
        display_.base.start = [](WlcsDisplayServer *s) { self(s)->start(); };
        display_.base.stop = [](WlcsDisplayServer *s) { self(s)->stop(); };
        display_.base.create_client_socket = [](WlcsDisplayServer *s) { return self(s)->create_client_socket(); };
        display_.base.position_window_absolute = [](WlcsDisplayServer *s, wl_display *client, wl_surface *surface,
                                                    int x, int y) { self(s)->position_window(client, surface, x, y); };
        display_.base.create_pointer = [](WlcsDisplayServer *s) { return self(s)->create_pointer(); };
        display_.base.create_touch = [](WlcsDisplayServer *s) { return self(s)->create_touch(); };
        display_.base.get_descriptor = [](const WlcsDisplayServer *) { return &descriptor; };
    }

    ~WlcsServer() {
        if (thread_.joinable()) {
            stop();
        }
    }

    WlcsServer(const WlcsServer &) = delete;
    WlcsServer &operator=(const WlcsServer &) = delete;

    WlcsDisplayServer *wlcs() { return &display_.base; }
    static WlcsServer *self(WlcsDisplayServer *server) { return reinterpret_cast<DisplayServer *>(server)->self; }

    // Runs `task` on the server thread and waits until it has run. False
    // when the server is not running (it failed to start, or stopped).
    bool call(const std::function<void()> &task) {
        bool done = false;
        std::unique_lock lock(mutex_);
        if (finished_ || !wake_) {
            return false;
        }
        queue_.push_back([&] {
            task();
            std::lock_guard inner(mutex_);
            done = true;
            cv_.notify_all();
        });
        uint64_t one = 1;
        if (write(wake_.get(), &one, sizeof(one)) != sizeof(one)) {
            queue_.pop_back();
            return false;
        }
        cv_.wait(lock, [&] { return done || finished_; });
        return done;
    }

    void move_pointer(bool absolute, double x, double y) {
        call([&] {
            if (absolute) {
                input_->pointer_warp(x, y);
            } else {
                input_->pointer_move(x, y);
            }
        });
    }
    void press_button(int button, bool pressed) {
        call([&] { input_->pointer_button(static_cast<uint32_t>(button), pressed); });
    }
    void touch(int32_t id, int phase, double x, double y) {
        call([&] {
            if (phase == 0) {
                input_->touch_down(id, x, y);
            } else if (phase == 1) {
                input_->touch_motion(id, x, y);
            } else {
                input_->touch_up(id);
            }
        });
    }

private:
    void start() {
        wake_ = sync::UniqueFd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        if (!wake_) {
            fprintf(stderr, "sluice-wlcs: eventfd: %s\n", strerror(errno));
            abort();
        }
        finished_ = false;
        thread_ = std::thread([this] { run(); });
        // This comes back once the loop runs: backend started, output made,
        // ready for clients. The seat has a pointer, a keyboard and a touch
        // screen from the start: clients bind what the seat offers when they
        // connect, which in wlcs may be before the test asks for a device.
        if (!call([this] {
                if (input_->available(nullptr)) {
                    input_->create_all();
                }
            })) {
            fprintf(stderr, "sluice-wlcs: sluice did not start (see its log above)\n");
            abort();
        }
    }

    void stop() {
        call([this] { server_->terminate(0); });
        if (thread_.joinable()) {
            thread_.join();
        }
    }

    // The server thread.
    void run() {
        auto finish = [this] {
            std::lock_guard lock(mutex_);
            finished_ = true;
            cv_.notify_all();
        };
        server_ = Server::create(options_);
        if (!server_) {
            finish();
            return;
        }
        input_ = std::make_unique<control::VirtualInput>(*server_);
        wl_protocol_logger *shim = nullptr;
        const char *strict = getenv("SLUICE_WLCS_STRICT");
        if (strict == nullptr || strcmp(strict, "1") != 0) {
            shim = wl_display_add_protocol_logger(server_->display(), &WlcsServer::configure_shim, nullptr);
        }
        wl_event_source *wake_source =
            wl_event_loop_add_fd(server_->event_loop(), wake_.get(), WL_EVENT_READABLE, &WlcsServer::on_wake, this);
        server_->run();
        if (shim != nullptr) {
            wl_protocol_logger_destroy(shim);
        }
        wl_event_source_remove(wake_source);
        clients_.clear();
        input_.reset();
        server_.reset();
        // Tasks that came too late are dropped; their callers see finished_
        // and give up.
        std::lock_guard lock(mutex_);
        queue_.clear();
        wake_.reset();
        finished_ = true;
        cv_.notify_all();
    }

    // wlcs 1.5 (Debian 12's) makes its xdg toplevels by committing and
    // then at once committing a buffer, without waiting for the initial
    // configure. xdg-shell forbids that, and wlroots answers with the
    // unconfigured_buffer error, which would end nearly every wlcs test
    // before it tests anything (later wlcs waits for the configure). So,
    // here only, a buffer commit on a never-configured xdg_surface marks it
    // configured just before wlroots checks. The tests of that very rule
    // are listed in expected-failures.txt; SLUICE_WLCS_STRICT=1 turns the
    // shim off.
    static void configure_shim(void *, wl_protocol_logger_type type, const wl_protocol_logger_message *message) {
        if (type != WL_PROTOCOL_LOGGER_REQUEST || strcmp(message->message->name, "commit") != 0 ||
            strcmp(wl_resource_get_class(message->resource), "wl_surface") != 0) {
            return;
        }
        wlr_surface *surface = wlr_surface_from_resource(message->resource);
        if (!wlr_surface_is_xdg_surface(surface)) {
            return;
        }
        wlr_xdg_surface *xdg = wlr_xdg_surface_from_wlr_surface(surface);
        bool buffer_coming =
            (surface->pending.committed & WLR_SURFACE_STATE_BUFFER) && surface->pending.buffer != nullptr;
        if (xdg != nullptr && !xdg->configured && (buffer_coming || wlr_surface_has_buffer(surface))) {
            xdg->configured = true;
        }
    }

    static int on_wake(int fd, uint32_t, void *data) {
        auto *self = static_cast<WlcsServer *>(data);
        uint64_t count = 0;
        (void)!read(fd, &count, sizeof(count));
        for (;;) {
            std::function<void()> task;
            {
                std::lock_guard lock(self->mutex_);
                if (self->queue_.empty()) {
                    break;
                }
                task = std::move(self->queue_.front());
                self->queue_.pop_front();
            }
            task();
        }
        return 0;
    }

    int create_client_socket() {
        int fds[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
            return -1;
        }
        sync::UniqueFd server_end(fds[0]);
        sync::UniqueFd client_end(fds[1]);
        const int client_fd = client_end.get();
        bool created = false;
        call([&] {
            wl_client *client = wl_client_create(server_->display(), server_end.get());
            if (client == nullptr) {
                return;
            }
            (void)server_end.release(); // the wl_client owns it now
            remember(client_fd, client);
            created = true;
        });
        return created ? client_end.release() : -1;
    }

    // Which server-side client wlcs means by its wl_display: the one whose
    // socket's other end that display reads.
    void remember(int client_fd, wl_client *client) {
        // A new socket may reuse the fd number of one whose client has not
        // been noticed gone yet: the newer entry wins.
        clients_.remove_if([client_fd](const std::unique_ptr<ClientEntry> &e) { return e->fd == client_fd; });
        auto &entry = clients_.emplace_back(std::make_unique<ClientEntry>());
        entry->fd = client_fd;
        entry->client = client;
        ClientEntry *raw = entry.get();
        raw->destroy.connect_with(&wl_client_add_destroy_listener, client, [this, raw](void *) {
            clients_.remove_if([raw](const std::unique_ptr<ClientEntry> &e) { return e.get() == raw; });
        });
    }

    void position_window(wl_display *display, wl_surface *surface, int x, int y) {
        // Client-side lookups, on the calling thread: they touch only the
        // client library's objects.
        const int fd = wl_display_get_fd(display);
        const uint32_t id = wl_proxy_get_id(reinterpret_cast<wl_proxy *>(surface));
        call([&] {
            wl_client *client = nullptr;
            for (const auto &entry : clients_) {
                if (entry->fd == fd) {
                    client = entry->client;
                }
            }
            wl_resource *resource = client != nullptr ? wl_client_get_object(client, id) : nullptr;
            if (resource == nullptr || strcmp(wl_resource_get_class(resource), "wl_surface") != 0) {
                LOG_ERROR(control, "position_window_absolute: no wl_surface %u for that client", id);
                return;
            }
            wlr_surface *target = wlr_surface_from_resource(resource);
            for (auto &view : server_->views()) {
                if (view->surface() == target) {
                    view->move_to(x, y);
                    return;
                }
            }
            LOG_ERROR(control, "position_window_absolute: wl_surface %u is no window", id);
        });
    }

    WlcsPointer *create_pointer() {
        auto *pointer = new Pointer{};
        pointer->owner = this;
        pointer->base.version = 1;
        pointer->base.move_absolute = [](WlcsPointer *p, wl_fixed_t x, wl_fixed_t y) {
            reinterpret_cast<Pointer *>(p)->owner->move_pointer(true, wl_fixed_to_double(x), wl_fixed_to_double(y));
        };
        pointer->base.move_relative = [](WlcsPointer *p, wl_fixed_t dx, wl_fixed_t dy) {
            reinterpret_cast<Pointer *>(p)->owner->move_pointer(false, wl_fixed_to_double(dx), wl_fixed_to_double(dy));
        };
        pointer->base.button_down = [](WlcsPointer *p, int button) {
            reinterpret_cast<Pointer *>(p)->owner->press_button(button, true);
        };
        pointer->base.button_up = [](WlcsPointer *p, int button) {
            reinterpret_cast<Pointer *>(p)->owner->press_button(button, false);
        };
        pointer->base.destroy = [](WlcsPointer *p) { delete reinterpret_cast<Pointer *>(p); };
        return &pointer->base;
    }

    // wlcs hands touch positions over as plain pixels, whatever the
    // header's wl_fixed_t says: its in-process server passes the test's ints
    // through unconverted, and its own Mir integration reads ints.
    WlcsTouch *create_touch() {
        auto *touch = new Touch{};
        touch->owner = this;
        touch->id = next_touch_id_++;
        touch->base.version = 1;
        touch->base.touch_down = [](WlcsTouch *t, wl_fixed_t x, wl_fixed_t y) {
            auto *self = reinterpret_cast<Touch *>(t);
            self->owner->touch(self->id, 0, x, y);
        };
        touch->base.touch_move = [](WlcsTouch *t, wl_fixed_t x, wl_fixed_t y) {
            auto *self = reinterpret_cast<Touch *>(t);
            self->owner->touch(self->id, 1, x, y);
        };
        touch->base.touch_up = [](WlcsTouch *t) {
            auto *self = reinterpret_cast<Touch *>(t);
            self->owner->touch(self->id, 2, 0, 0);
        };
        touch->base.destroy = [](WlcsTouch *t) { delete reinterpret_cast<Touch *>(t); };
        return &touch->base;
    }

    struct ClientEntry {
        int fd = -1; // the client's end, as wlcs's wl_display holds it
        wl_client *client = nullptr;
        Listener destroy;
    };

    Options options_;
    DisplayServer display_{};
    std::thread thread_;

    // Shared between the threads, under mutex_.
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> queue_;
    bool finished_ = false;
    sync::UniqueFd wake_;

    // Server thread only.
    std::unique_ptr<Server> server_;
    std::unique_ptr<control::VirtualInput> input_;
    std::list<std::unique_ptr<ClientEntry>> clients_;
    int32_t next_touch_id_ = 0;
};

WlcsDisplayServer *create_server(int, const char **) {
    // wlroots' logger is process-wide; quiet unless asked, since wlcs
    // prints its own account of each test.
    const char *level = getenv("SLUICE_WLCS_LOG");
    if (auto error = log::apply_spec(level != nullptr ? level : "error")) {
        fprintf(stderr, "SLUICE_WLCS_LOG: %s\n", error->c_str());
    }
    route_wlroots_log();
    return (new WlcsServer())->wlcs();
}

void destroy_server(WlcsDisplayServer *server) { delete WlcsServer::self(server); }

} // namespace

} // namespace sluice::wlcs

extern "C" {
// The one symbol wlcs looks for.
__attribute__((visibility("default"))) extern const WlcsServerIntegration wlcs_server_integration;
const WlcsServerIntegration wlcs_server_integration = {
    1,
    &sluice::wlcs::create_server,
    &sluice::wlcs::destroy_server,
};
}
