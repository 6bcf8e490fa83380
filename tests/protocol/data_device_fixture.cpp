#include "data_device_fixture.hpp"

namespace sluice::test {

Peer::Peer(std::unique_ptr<Client> connection, uint32_t color) : client(std::move(connection)) {
    seat = std::make_unique<SeatObserver>(*client);
    data_manager = client->bind<wl_data_device_manager>(&wl_data_device_manager_interface, 3);
    primary_manager =
        client->bind<zwp_primary_selection_device_manager_v1>(&zwp_primary_selection_device_manager_v1_interface, 1);
    data = std::make_unique<DataDevice>(data_manager.get(), seat->seat());
    primary = std::make_unique<PrimaryDevice>(primary_manager.get(), seat->seat());
    buffer = std::make_unique<ShmBuffer>(client->shm(), 160, 120);
    buffer->fill(color);
    window = std::make_unique<Toplevel>(*client);
}

Peer::~Peer() { release_proxies(); }

void Peer::release_proxies() {
    // Children before the objects they were made from.
    window.reset();
    buffer.reset();
    primary.reset();
    data.reset();
    primary_manager.reset();
    data_manager.reset();
    seat.reset();
}

void Peer::disconnect() {
    client->sever();
    release_proxies();
    client.reset();
}

void DataDeviceTest::SetUp() {
    InjectedInputTest::SetUp();
    if (HasFatalFailure()) {
        return;
    }
    user = connect();
    keyboard = std::make_unique<VirtualKeyboard>(*user);
    pointer = std::make_unique<VirtualPointer>(*user, out_w, out_h);
    a = std::make_unique<Peer>(connect(), 0xffd02020);
    b = std::make_unique<Peer>(connect(), 0xff20c040);
    for (Peer *peer : {a.get(), b.get()}) {
        ASSERT_TRUE(peer->seat->wait_for_keyboard() && peer->seat->wait_for_pointer())
            << "a client's seat never got a keyboard and a pointer";
    }
    ASSERT_TRUE(a->window->map(*a->buffer)) << a->client->describe_error();
    ASSERT_TRUE(b->window->map(*b->buffer)) << b->client->describe_error();
    // B, mapped last, starts with keyboard focus.
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->seat->keyboard_focus() == b->surface(); }))
        << "the newest window gets keyboard focus";
}

void DataDeviceTest::TearDown() {
    b.reset();
    a.reset();
    pointer.reset();
    keyboard.reset();
    user.reset();
    InjectedInputTest::TearDown();
}

void DataDeviceTest::click_into(Peer &peer, int32_t x, int32_t y) {
    const size_t presses = peer.seat->buttons_pressed().size();
    pointer->move_to(static_cast<uint32_t>(x), static_cast<uint32_t>(y));
    pointer->click(BTN_LEFT);
    ASSERT_TRUE(peer.client->dispatch_until([&] {
        return peer.seat->keyboard_focus() == peer.surface() && peer.seat->buttons_pressed().size() > presses;
    })) << "clicking at "
        << x << "," << y << " focuses the window under it";
}

bool DataDeviceTest::settle() {
    for (Client *client : {user.get(), a ? a->client.get() : nullptr, b ? b->client.get() : nullptr}) {
        // A peer that disconnected on purpose has no client left.
        if (client != nullptr && !client->roundtrip()) {
            return false;
        }
    }
    return true;
}

} // namespace sluice::test
