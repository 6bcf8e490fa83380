// One Wayland client connection for tests: its own wl_display, the globals
// a test needs bound up front, dispatching that always gives up after a
// timeout, and the protocol error the compositor sent, if any.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <time.h>

#include "image.hpp"
#include "proxy.hpp"

namespace sluice::test {

// Long enough for a loaded two-core machine, short enough that a hang shows
// up as a failure rather than a meson timeout.
inline constexpr std::chrono::milliseconds default_timeout{5000};

struct ProtocolError {
    std::string interface; // e.g. "xdg_wm_base"
    uint32_t object_id = 0;
    uint32_t code = 0;
    friend bool operator==(const ProtocolError &, const ProtocolError &) = default;
};
std::ostream &operator<<(std::ostream &os, const ProtocolError &e);

struct Global {
    uint32_t name = 0;
    std::string interface;
    uint32_t version = 0;
};

// A wl_output as the client sees it after its `done` event.
struct Output {
    Proxy<wl_output> proxy;
    uint32_t global_name = 0;
    int32_t width = 0, height = 0; // current mode, pixels
    int32_t refresh_mhz = 0;       // current mode
    int32_t scale = 1;
    std::string name; // wl_output v4
    bool done = false;
    // Where the output sits in the layout. wl_output.geometry's x/y are
    // always 0 from wlroots 0.15, so this comes from xdg-output; it stays
    // nullopt when the compositor has no zxdg_output_manager_v1.
    Proxy<zxdg_output_v1> xdg_output;
    std::optional<Rect> logical;
};

class Client {
public:
    // Connects to `socket_name` (resolved by libwayland against
    // $XDG_RUNTIME_DIR, or an absolute path) and binds the common globals.
    // Throws std::runtime_error if the connection or the initial roundtrips
    // fail.
    explicit Client(const std::string &socket_name, std::chrono::milliseconds timeout = default_timeout);
    ~Client();

    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;
    Client(Client &&) = delete;
    Client &operator=(Client &&) = delete;

    [[nodiscard]] wl_display *display() const { return display_.get(); }
    [[nodiscard]] const std::string &socket_name() const { return socket_name_; }

    // --- registry ---------------------------------------------------------
    [[nodiscard]] const std::vector<Global> &globals() const { return globals_; }
    [[nodiscard]] const Global *find_global(std::string_view interface, size_t nth = 0) const;
    // Binds the nth global of `interface` at min(advertised, max_version).
    // Throws std::runtime_error if there is no such global.
    void *bind_raw(const wl_interface *interface, uint32_t max_version, size_t nth = 0);
    template <typename T>
    Proxy<T> bind(const wl_interface *interface, uint32_t max_version, size_t nth = 0) {
        return Proxy<T>(static_cast<T *>(bind_raw(interface, max_version, nth)));
    }

    // Globals bound at connection time; null when the compositor lacks one
    // of the optional ones (all but compositor, shm and xdg_wm_base).
    [[nodiscard]] wl_compositor *compositor() const { return compositor_.get(); }
    [[nodiscard]] wl_subcompositor *subcompositor() const { return subcompositor_.get(); }
    [[nodiscard]] wl_shm *shm() const { return shm_.get(); }
    [[nodiscard]] xdg_wm_base *wm_base() const { return wm_base_.get(); }
    [[nodiscard]] wp_presentation *presentation() const { return presentation_.get(); }
    [[nodiscard]] wp_viewporter *viewporter() const { return viewporter_.get(); }
    [[nodiscard]] zwlr_screencopy_manager_v1 *screencopy() const { return screencopy_.get(); }
    [[nodiscard]] zxdg_output_manager_v1 *xdg_output_manager() const { return xdg_output_manager_.get(); }
    [[nodiscard]] const std::vector<uint32_t> &shm_formats() const { return shm_formats_; }
    // wp_presentation.clock_id; -1 until received.
    [[nodiscard]] clockid_t presentation_clock() const { return presentation_clock_; }
    [[nodiscard]] const std::vector<std::unique_ptr<Output>> &outputs() const { return outputs_; }
    // Throws std::out_of_range when there are fewer outputs.
    [[nodiscard]] Output &output(size_t index = 0) const;

    // --- dispatching --------------------------------------------------------
    // Every wait below returns false on timeout or on a connection error
    // (see error()); none of them blocks longer than its timeout.

    // Sends queued requests. False on a fatal error.
    bool flush();
    // Waits up to `timeout` for events and dispatches what arrived.
    bool dispatch_once(std::chrono::milliseconds timeout);
    // Dispatches until `done()` is true, checking it before each wait.
    bool dispatch_until(const std::function<bool()> &done, std::chrono::milliseconds timeout = default_timeout);
    // wl_display.sync and wait for its callback: every request sent before
    // has been processed by the compositor when this returns true.
    bool roundtrip(std::chrono::milliseconds timeout = default_timeout);
    // Waits until the connection breaks (a protocol error is the usual
    // reason); true if it did within the timeout.
    bool wait_for_error(std::chrono::milliseconds timeout = default_timeout);

    // --- errors ----------------------------------------------------------------
    // errno-style code of the fatal connection error, 0 while healthy
    // (EPROTO for a protocol error).
    [[nodiscard]] int error() const;
    [[nodiscard]] std::optional<ProtocolError> protocol_error() const;
    // One line for failure messages: "healthy", the protocol error, or errno.
    [[nodiscard]] std::string describe_error() const;

    // --- misbehaving on purpose -------------------------------------------------
    // Sends xdg_wm_base.destroy, whatever still lives on it.
    void destroy_wm_base();
    // Shuts the socket down without a word to the compositor, like a client
    // that crashed. Proxies stay valid locally; requests go nowhere.
    void sever();

private:
    static void handle_global(void *data, wl_registry *registry, uint32_t name, const char *interface,
                              uint32_t version);
    static void handle_global_remove(void *data, wl_registry *registry, uint32_t name);
    void bind_output(const Global &global);
    void watch_layout(Output &output);

    struct Disconnect {
        void operator()(wl_display *d) const { wl_display_disconnect(d); }
    };

    std::string socket_name_;
    // Declared first so that it dies last: every proxy below must be
    // destroyed while the display they were created on still exists.
    std::unique_ptr<wl_display, Disconnect> display_;
    Proxy<wl_registry> registry_;
    std::vector<Global> globals_;
    Proxy<wl_compositor> compositor_;
    Proxy<wl_subcompositor> subcompositor_;
    Proxy<wl_shm> shm_;
    Proxy<xdg_wm_base> wm_base_;
    Proxy<wp_presentation> presentation_;
    Proxy<wp_viewporter> viewporter_;
    Proxy<zwlr_screencopy_manager_v1> screencopy_;
    Proxy<zxdg_output_manager_v1> xdg_output_manager_;
    std::vector<uint32_t> shm_formats_;
    clockid_t presentation_clock_ = -1;
    std::vector<std::unique_ptr<Output>> outputs_;
};

} // namespace sluice::test
