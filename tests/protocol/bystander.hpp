// The fixture of the tests that misbehave on purpose: a well-behaved client
// with a window, mapped before the offender shows up, must keep its frame
// callbacks and its pixels whatever error the offender gets.
#pragma once

#include <memory>
#include <optional>

#include "fixture.hpp"
#include "screen.hpp"

namespace sluice::test {

inline constexpr uint32_t bystander_color = 0xff30a0d0;

// The object id a ProtocolError names for this proxy.
inline uint32_t id_of(void *proxy) { return wl_proxy_get_id(static_cast<wl_proxy *>(proxy)); }

class BystanderTest : public SluiceTest {
protected:
    // Connects the bystander and maps its `w`x`h` window, which, being the
    // first, sits in the middle of the output. A fatal failure if it cannot.
    void start_bystander(int32_t w, int32_t h);
    // Newest first: window and buffer go while their connection lives.
    // Idempotent; TearDown calls it.
    void stop_bystander();
    void TearDown() override;

    // The bystander still gets frame callbacks for new content and, when
    // `check_pixels`, the screen still shows it where it was; nothing of
    // `gone_color` (the offender's) is left on screen.
    void expect_bystander_unharmed(bool check_pixels = true, std::optional<uint32_t> gone_color = std::nullopt);

    // `offender` gets exactly `expected`, and the bystander is unharmed (as
    // expect_bystander_unharmed(true, gone_color) checks).
    void expect_error_alone(Client &offender, const ProtocolError &expected,
                            std::optional<uint32_t> gone_color = std::nullopt);

    [[nodiscard]] bool has_bystander() const { return client_ != nullptr; }
    [[nodiscard]] Client &bystander() { return *client_; }
    [[nodiscard]] const Rect &bystander_rect() const { return rect_; }

private:
    std::unique_ptr<Client> client_;
    std::unique_ptr<ShmBuffer> buffer_;
    std::unique_ptr<Toplevel> window_;
    Rect rect_;
};

// A BystanderTest whose bystander has its 160x120 window mapped before the
// test body runs: the fixture of the protocol-error tests.
class MappedBystanderTest : public BystanderTest {
protected:
    void SetUp() override;
};

} // namespace sluice::test
