#include "bystander.hpp"

#include <vector>

#include "frame.hpp"

namespace sluice::test {

void BystanderTest::start_bystander(int32_t w, int32_t h) {
    client_ = connect();
    Client &c = *client_;
    buffer_ = std::make_unique<ShmBuffer>(c.shm(), w, h);
    buffer_->fill(bystander_color);
    window_ = std::make_unique<Toplevel>(c);
    ASSERT_TRUE(window_->map(*buffer_)) << c.describe_error();
    rect_ = centered(out_w, out_h, w, h);
}

void BystanderTest::stop_bystander() {
    window_.reset();
    buffer_.reset();
    client_.reset();
}

void BystanderTest::TearDown() {
    stop_bystander();
    SluiceTest::TearDown();
}

void BystanderTest::expect_bystander_unharmed(bool check_pixels, std::optional<uint32_t> gone_color) {
    Client &c = *client_;
    ASSERT_EQ(c.error(), 0) << "the bystander lost its connection: " << c.describe_error();
    // Fresh buffers, kept to the end, so that none is redrawn or destroyed
    // while sluice may still read it.
    std::vector<std::unique_ptr<ShmBuffer>> frames;
    for (int i = 0; i < 3; ++i) {
        FrameCallback cb(window_->surface());
        frames.push_back(std::make_unique<ShmBuffer>(c.shm(), rect_.width, rect_.height));
        frames.back()->fill(bystander_color);
        window_->commit_buffer(*frames.back());
        ASSERT_TRUE(c.dispatch_until([&] { return cb.done(); }))
            << "bystander frame callback " << i << " never came (" << c.describe_error() << ")";
    }
    if (!check_pixels)
        return;
    const auto shot = capture_until(
        c, c.output().proxy.get(), [&](const Image &img) { return img.all(rect_, bystander_color); }, default_timeout);
    EXPECT_TRUE(shot.matched) << "bystander's window: " << shot.last.mismatch(rect_, bystander_color) << "; "
                              << keep_image(shot.last, "bystander");
    if (gone_color) {
        EXPECT_FALSE(shot.last.bounding_box(*gone_color).has_value())
            << "the offender's pixels stayed; " << keep_image(shot.last, "bystander");
    }
}

void BystanderTest::expect_error_alone(Client &offender, const ProtocolError &expected,
                                       std::optional<uint32_t> gone_color) {
    ASSERT_TRUE(offender.wait_for_error()) << "no protocol error; the connection is " << offender.describe_error();
    const auto error = offender.protocol_error();
    ASSERT_TRUE(error.has_value()) << "the connection failed without a protocol error: " << offender.describe_error();
    EXPECT_EQ(*error, expected);
    expect_bystander_unharmed(true, gone_color);
}

void MappedBystanderTest::SetUp() {
    BystanderTest::SetUp();
    if (HasFatalFailure())
        return;
    start_bystander(160, 120);
}

} // namespace sluice::test
