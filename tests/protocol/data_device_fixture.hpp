// Two real clients, A and B, each with one window on a headless sluice, and
// a third connection playing the user's keyboard and pointer: what the
// clipboard, primary selection and drag-and-drop tests share.
#pragma once

#include <memory>

#include <linux/input-event-codes.h>

#include "data_device.hpp"
#include "fixture.hpp"
#include "input.hpp"

namespace sluice::test {

// One client with a window, its seat (and the serials it got), a data
// device and a primary selection device.
struct Peer {
    Peer(std::unique_ptr<Client> connection, uint32_t color);
    ~Peer();

    Peer(const Peer &) = delete;
    Peer &operator=(const Peer &) = delete;

    std::unique_ptr<Client> client;
    std::unique_ptr<SeatObserver> seat;
    Proxy<wl_data_device_manager> data_manager;
    Proxy<zwp_primary_selection_device_manager_v1> primary_manager;
    std::unique_ptr<DataDevice> data;
    std::unique_ptr<PrimaryDevice> primary;
    std::unique_ptr<ShmBuffer> buffer;
    std::unique_ptr<Toplevel> window;

    [[nodiscard]] wl_surface *surface() const { return window->surface(); }
    // Drops the connection as a crashed client would, after letting go of
    // every proxy locally.
    void disconnect();

private:
    void release_proxies();
};

// The user's devices are virtual ones.
class DataDeviceTest : public InjectedInputTest {
protected:
    // The output, and where the windows land: sluice centres a new
    // toplevel and cascades the second 32 px down-right of the first.
    static constexpr int32_t out_w = 640;
    static constexpr int32_t out_h = 480;
    static constexpr int32_t win_w = 160;
    static constexpr int32_t win_h = 120;
    // Points inside one window only (A's top-left corner, B's bottom-right
    // corner), whichever of them is raised, and a point on no window.
    static constexpr int32_t a_x = (out_w - win_w) / 2 + 10, a_y = (out_h - win_h) / 2 + 10;
    static constexpr int32_t b_x = (out_w - win_w) / 2 + 32 + win_w - 12, b_y = (out_h - win_h) / 2 + 32 + win_h - 12;
    static constexpr int32_t nowhere_x = 20, nowhere_y = 20;

    void SetUp() override;
    void TearDown() override;

    // Clicks `peer`'s window at (x, y) and waits until it has keyboard
    // focus and the press.
    void click_into(Peer &peer, int32_t x, int32_t y);
    // Lets every client see what the others' requests caused.
    bool settle();

    std::unique_ptr<Client> user;
    std::unique_ptr<VirtualKeyboard> keyboard;
    std::unique_ptr<VirtualPointer> pointer;
    std::unique_ptr<Peer> a;
    std::unique_ptr<Peer> b;
};

} // namespace sluice::test
