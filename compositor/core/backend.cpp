#include "compositor/core/backend.hpp"

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "compositor/core/x11_atoms.hpp"

namespace sluice {

namespace {

bool has_drm_card() {
    std::error_code ec;
    for (const auto &entry : std::filesystem::directory_iterator("/dev/dri", ec)) {
        if (entry.path().filename().string().starts_with("card")) {
            return true;
        }
    }
    return false;
}

} // namespace

const char *wlroots_backends(BackendChoice choice) { return choice == BackendChoice::drm ? "drm,libinput" : nullptr; }

std::unique_ptr<Backend> Backend::create(wl_display *display, BackendChoice choice, std::string &why) {
    wlr_backend *backend = nullptr;
    switch (choice) {
    case BackendChoice::headless: backend = wlr_headless_backend_create(display); break;
    case BackendChoice::wayland:
        if (getenv("WAYLAND_DISPLAY") == nullptr && getenv("WAYLAND_SOCKET") == nullptr) {
            why = "--backend wayland needs a parent compositor: WAYLAND_DISPLAY is not set";
            return nullptr;
        }
        backend = wlr_wl_backend_create(display, nullptr);
        break;
    case BackendChoice::x11:
        if (getenv("DISPLAY") == nullptr) {
            why = "--backend x11 needs an X server: DISPLAY is not set";
            return nullptr;
        }
        {
            X11BackendAtoms atoms;
            backend = wlr_x11_backend_create(display, nullptr);
        }
        break;
    case BackendChoice::drm: {
        // wlroots' own session start-up (libseat, waiting for the seat to
        // become active, GPU discovery) is what a session needs; main()
        // asked it for exactly the DRM and libinput backends (see
        // wlroots_backends()).
        if (getenv("WLR_DRM_DEVICES") == nullptr && !has_drm_card()) {
            // wlroots would wait 10 s for one to be hot-plugged first.
            why = "cannot start a DRM session: no DRM device (/dev/dri/card*) on this machine; "
                  "use --backend headless, or run nested under a Wayland or X11 session";
            return nullptr;
        }
        const char *wanted = getenv("WLR_BACKENDS");
        if (wanted == nullptr || std::string(wanted) != wlroots_backends(choice)) {
            why = std::string("cannot start a DRM session: WLR_BACKENDS must be '") + wlroots_backends(choice) +
                  "' (sluice's main() sets it)";
            return nullptr;
        }
        backend = wlr_backend_autocreate(display);
        if (backend == nullptr) {
            why = "cannot start a DRM session: no seat could be opened (is seatd or logind "
                  "running, and may this user use it?) or no usable DRM device was found";
            return nullptr;
        }
        break;
    }
    case BackendChoice::automatic: {
        std::optional<X11BackendAtoms> atoms;
        if (getenv("WAYLAND_DISPLAY") == nullptr && getenv("WAYLAND_SOCKET") == nullptr &&
            getenv("DISPLAY") != nullptr) {
            atoms.emplace(); // wlroots will pick its x11 backend
        }
        backend = wlr_backend_autocreate(display);
        break;
    }
    }
    if (backend == nullptr) {
        why = std::string("cannot create the ") + to_string(choice) + " backend";
        return nullptr;
    }
    return std::unique_ptr<Backend>(new Backend(backend));
}

Backend::~Backend() { wlr_backend_destroy(backend_); }

bool Backend::nested() const { return wlr_backend_is_wl(backend_) || wlr_backend_is_x11(backend_); }

void Backend::add_configured_outputs(int count, const Mode &mode) {
    struct Request {
        int count;
        Mode mode;
    } request{count, mode};
    auto add = [](wlr_backend *backend, void *data) {
        const auto *request = static_cast<const Request *>(data);
        for (int i = 0; i < request->count; ++i) {
            if (wlr_backend_is_headless(backend)) {
                wlr_headless_add_output(backend, request->mode.width, request->mode.height);
            } else if (wlr_backend_is_wl(backend)) {
                wlr_wl_output_create(backend);
            } else if (wlr_backend_is_x11(backend)) {
                wlr_x11_output_create(backend);
            } else {
                return;
            }
        }
    };
    if (wlr_backend_is_multi(backend_)) {
        wlr_multi_for_each_backend(backend_, add, &request);
    } else {
        add(backend_, &request);
    }
}

} // namespace sluice
