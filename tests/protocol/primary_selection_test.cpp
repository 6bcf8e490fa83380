// The primary selection (zwp_primary_selection_device_manager_v1, the
// middle-click paste) between two real clients: the same rules as the
// clipboard, on its own protocol.
#include "data_device_fixture.hpp"

namespace sluice::test {
namespace {

using PrimarySelection = DataDeviceTest;

TEST_F(PrimarySelection, SelectionReachesTheClientFocusedNext) {
    click_into(*a, a_x, a_y);
    PrimarySource source(a->primary_manager.get(), {{text_mime, "selected in A"}});
    a->primary->set_selection(source.get(), a->seat->press_serial());
    ASSERT_TRUE(settle());

    click_into(*b, b_x, b_y);
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->primary->selection() != nullptr; }))
        << "the focused client is told the primary selection";
    PrimaryOffer *offer = b->primary->selection();
    EXPECT_TRUE(offer->offers(text_mime));
    EXPECT_EQ(receive(*b->client, offer->proxy.get(), text_mime, {a->client.get()}), "selected in A");
    EXPECT_EQ(source.log().sends, std::vector<std::string>{text_mime});
    EXPECT_FALSE(source.log().cancelled);
    // The clipboard is a different thing: it stays empty.
    EXPECT_EQ(b->data->selection(), nullptr);
}

TEST_F(PrimarySelection, SelectionWithAnotherClientsSerialIsRefused) {
    click_into(*a, a_x, a_y);
    PrimarySource first(a->primary_manager.get(), {{text_mime, "first"}});
    a->primary->set_selection(first.get(), a->seat->press_serial());
    ASSERT_TRUE(settle());
    click_into(*b, b_x, b_y);
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->primary->selection() != nullptr; }));
    const uint32_t b_selections = b->primary->selection_events();

    PrimarySource forged(a->primary_manager.get(), {{text_mime, "forged"}});
    a->primary->set_selection(forged.get(), b->seat->press_serial());
    ASSERT_TRUE(settle());
    EXPECT_EQ(a->client->error(), 0) << a->client->describe_error();
    EXPECT_EQ(b->primary->selection_events(), b_selections) << "B is told of no new primary selection";
    EXPECT_EQ(receive(*b->client, b->primary->selection()->proxy.get(), text_mime, {a->client.get()}), "first");
    EXPECT_FALSE(first.log().cancelled);
    EXPECT_TRUE(forged.log().sends.empty());
}

TEST_F(PrimarySelection, ReplacingCancelsTheOldSourceAndClearingReachesTheFocusedClient) {
    click_into(*a, a_x, a_y);
    const uint32_t serial = a->seat->press_serial();
    PrimarySource first(a->primary_manager.get(), {{text_mime, "first"}});
    a->primary->set_selection(first.get(), serial);
    ASSERT_TRUE(settle());
    click_into(*b, b_x, b_y);
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->primary->selection() != nullptr; }));
    PrimaryOffer *old_offer = b->primary->selection();

    PrimarySource second(a->primary_manager.get(), {{text_mime, "second"}});
    a->primary->set_selection(second.get(), serial);
    ASSERT_TRUE(a->client->roundtrip());
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->primary->selection() != old_offer; }));
    ASSERT_NE(b->primary->selection(), nullptr);
    EXPECT_TRUE(a->client->dispatch_until([&] { return first.log().cancelled; })) << "the replaced source is cancelled";
    EXPECT_EQ(receive(*b->client, b->primary->selection()->proxy.get(), text_mime, {a->client.get()}), "second");

    const uint32_t b_selections = b->primary->selection_events();
    a->primary->set_selection(nullptr, serial);
    ASSERT_TRUE(a->client->roundtrip());
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->primary->selection_events() > b_selections; }));
    EXPECT_EQ(b->primary->selection(), nullptr);
    EXPECT_TRUE(a->client->dispatch_until([&] { return second.log().cancelled; }));
}

TEST_F(PrimarySelection, OwnerDisconnectingClearsIt) {
    click_into(*a, a_x, a_y);
    PrimarySource source(a->primary_manager.get(), {{text_mime, "owner leaves"}});
    a->primary->set_selection(source.get(), a->seat->press_serial());
    ASSERT_TRUE(settle());
    click_into(*b, b_x, b_y);
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->primary->selection() != nullptr; }));

    a->client->sever();
    source.destroy();
    a->disconnect();
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->primary->selection() == nullptr; }));

    PrimarySource own(b->primary_manager.get(), {{text_mime, "still working"}});
    b->primary->set_selection(own.get(), b->seat->press_serial());
    ASSERT_TRUE(b->client->dispatch_until([&] { return b->primary->selection() != nullptr; }));
    EXPECT_EQ(receive(*b->client, b->primary->selection()->proxy.get(), text_mime, {}), "still working");
}

} // namespace
} // namespace sluice::test
