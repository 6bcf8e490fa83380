// The clipboard (wl_data_device selection) between two real clients: a copy
// made with a real serial reaches the client focused next, a request with a
// serial the client never got is refused, replacing or clearing the
// selection tells everyone, and an owner that goes away takes its selection
// with it without harm to the others.
#include "data_device_fixture.hpp"

namespace sluice::test {
namespace {

using Clipboard = DataDeviceTest;

TEST_F(Clipboard, CopyReachesTheClientFocusedNext) {
    click_into(*a, a_x, a_y);
    DataSource source(a->data_manager.get(), {{text_mime, "copied by A"}});
    a->data->set_selection(source.get(), a->seat->keyboard_enter_serial());
    ASSERT_TRUE(settle());

    click_into(*b, b_x, b_y);
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->data->selection() != nullptr; }))
        << "the focused client is told the selection";
    DataOffer *offer = b->data->selection();
    EXPECT_TRUE(offer->offers(text_mime)) << "the offer lists the mime type A offered";
    EXPECT_EQ(receive(*b->client, offer->proxy.get(), text_mime, {a->client.get()}), "copied by A");
    EXPECT_EQ(source.log().sends, std::vector<std::string>{text_mime}) << "A's source was asked for the type B read";
    EXPECT_EQ(source.log().write_failures, 0u);
    EXPECT_FALSE(source.log().cancelled);
}

TEST_F(Clipboard, SelectionWithAnotherClientsSerialIsRefused) {
    // B's keyboard serial was never given to A: wlroots refuses the request
    // without a word to A (no error, no `cancelled`), and nothing changes.
    click_into(*a, a_x, a_y);
    DataSource first(a->data_manager.get(), {{text_mime, "first"}});
    a->data->set_selection(first.get(), a->seat->keyboard_enter_serial());
    ASSERT_TRUE(settle());
    click_into(*b, b_x, b_y);
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->data->selection() != nullptr; }));
    const uint32_t b_selections = b->data->selection_events();

    DataSource forged(a->data_manager.get(), {{text_mime, "forged"}});
    a->data->set_selection(forged.get(), b->seat->keyboard_enter_serial());
    DataSource zero(a->data_manager.get(), {{text_mime, "serial zero"}});
    a->data->set_selection(zero.get(), 0);
    ASSERT_TRUE(settle());
    EXPECT_EQ(a->client->error(), 0) << "a refused selection is no protocol error: " << a->client->describe_error();
    EXPECT_EQ(b->data->selection_events(), b_selections) << "B is told of no new selection";
    EXPECT_EQ(receive(*b->client, b->data->selection()->proxy.get(), text_mime, {a->client.get()}), "first")
        << "the selection is still A's first copy";
    EXPECT_FALSE(first.log().cancelled);
    EXPECT_TRUE(forged.log().sends.empty());
    EXPECT_TRUE(zero.log().sends.empty());
}

TEST_F(Clipboard, SelectionWithASupersededSerialIsRefused) {
    // A click gives A two serials: keyboard enter first, then the press.
    click_into(*a, a_x, a_y);
    const uint32_t older = a->seat->keyboard_enter_serial();
    const uint32_t newer = a->seat->press_serial();
    ASSERT_LT(older, newer);
    DataSource current(a->data_manager.get(), {{text_mime, "newer"}});
    a->data->set_selection(current.get(), newer);
    DataSource stale(a->data_manager.get(), {{text_mime, "older"}});
    a->data->set_selection(stale.get(), older);
    ASSERT_TRUE(settle());

    click_into(*b, b_x, b_y);
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->data->selection() != nullptr; }));
    EXPECT_EQ(receive(*b->client, b->data->selection()->proxy.get(), text_mime, {a->client.get()}), "newer");
    EXPECT_FALSE(current.log().cancelled);
    EXPECT_TRUE(stale.log().sends.empty());
}

TEST_F(Clipboard, ReplacingTheSelectionCancelsTheOldSource) {
    click_into(*a, a_x, a_y);
    const uint32_t serial = a->seat->press_serial();
    DataSource first(a->data_manager.get(), {{text_mime, "first"}});
    a->data->set_selection(first.get(), serial);
    ASSERT_TRUE(settle());
    click_into(*b, b_x, b_y);
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->data->selection() != nullptr; }));
    DataOffer *old_offer = b->data->selection();

    // A replaces it while B has focus: B hears of it at once.
    DataSource second(a->data_manager.get(), {{text_mime, "second"}, {"text/plain", "second, plain"}});
    a->data->set_selection(second.get(), serial);
    ASSERT_TRUE(a->client->roundtrip());
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->data->selection() != old_offer; }));
    ASSERT_NE(b->data->selection(), nullptr);
    EXPECT_TRUE(b->data->selection()->offers("text/plain"));
    EXPECT_TRUE(a->client->dispatch_until([&] { return first.log().cancelled; })) << "the replaced source is cancelled";
    EXPECT_EQ(receive(*b->client, b->data->selection()->proxy.get(), "text/plain", {a->client.get()}), "second, plain");
    EXPECT_FALSE(second.log().cancelled);
}

TEST_F(Clipboard, ClearingTheSelectionReachesTheFocusedClient) {
    click_into(*a, a_x, a_y);
    const uint32_t serial = a->seat->press_serial();
    DataSource source(a->data_manager.get(), {{text_mime, "short-lived"}});
    a->data->set_selection(source.get(), serial);
    ASSERT_TRUE(settle());
    click_into(*b, b_x, b_y);
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->data->selection() != nullptr; }));
    const uint32_t b_selections = b->data->selection_events();

    a->data->set_selection(nullptr, serial);
    ASSERT_TRUE(a->client->roundtrip());
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->data->selection_events() > b_selections; }));
    EXPECT_EQ(b->data->selection(), nullptr) << "wl_data_device.selection(NULL)";
    EXPECT_TRUE(a->client->dispatch_until([&] { return source.log().cancelled; }));
}

TEST_F(Clipboard, DestroyedSourceLeavesNoSelectionAndStaleOffersReadEmpty) {
    click_into(*a, a_x, a_y);
    DataSource source(a->data_manager.get(), {{text_mime, "gone soon"}});
    a->data->set_selection(source.get(), a->seat->press_serial());
    ASSERT_TRUE(settle());
    click_into(*b, b_x, b_y);
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->data->selection() != nullptr; }));
    DataOffer *stale = b->data->selection();

    source.destroy();
    ASSERT_TRUE(a->client->roundtrip());
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->data->selection() == nullptr; }))
        << "the selection goes with its source";
    // Reading the offer B still holds gives EOF at once, not a hang.
    EXPECT_EQ(receive(*b->client, stale->proxy.get(), text_mime, {a->client.get()}), "");

    // The clipboard still works: B copies, A pastes.
    DataSource from_b(b->data_manager.get(), {{text_mime, "from B"}});
    b->data->set_selection(from_b.get(), b->seat->press_serial());
    ASSERT_TRUE(settle());
    click_into(*a, a_x, a_y);
    ASSERT_TRUE(a->client->dispatch_until(
        [&] { return a->data->selection() != nullptr && a->data->selection()->offers(text_mime); }));
    EXPECT_EQ(receive(*a->client, a->data->selection()->proxy.get(), text_mime, {b->client.get()}), "from B");
}

TEST_F(Clipboard, OwnerDisconnectingClearsTheSelection) {
    click_into(*a, a_x, a_y);
    DataSource source(a->data_manager.get(), {{text_mime, "owner leaves"}});
    a->data->set_selection(source.get(), a->seat->press_serial());
    ASSERT_TRUE(settle());
    click_into(*b, b_x, b_y);
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->data->selection() != nullptr; }));

    // Gone without a word: the source dies with the connection (its
    // proxy is dropped after the socket is, so sluice never hears of it).
    a->client->sever();
    source.destroy();
    a->disconnect();
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->data->selection() == nullptr; }))
        << "a selection whose owner is gone is cleared";
    EXPECT_EQ(b->client->error(), 0) << b->client->describe_error();

    // B can still copy, and reads its own selection back.
    click_into(*b, b_x, b_y);
    DataSource own(b->data_manager.get(), {{text_mime, "still working"}});
    b->data->set_selection(own.get(), b->seat->press_serial());
    ASSERT_TRUE(b->client->dispatch_until(
        [&] { return b->data->selection() != nullptr && b->data->selection()->offers(text_mime); }));
    EXPECT_EQ(receive(*b->client, b->data->selection()->proxy.get(), text_mime, {}), "still working");
}

} // namespace
} // namespace sluice::test
