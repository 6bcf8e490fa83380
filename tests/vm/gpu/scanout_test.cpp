// Direct scan-out on virtio-gpu: a fullscreen window whose GPU-drawn GBM
// buffer goes onto the primary plane as it is (ZERO_COPY, and the plane's
// framebuffer is the client's own dma-buf, read back from KMS), and
// composition again once the window stops being eligible.
#include <chrono>
#include <string>
#include <thread>

#include <xf86drm.h>

#include "gpu_fixture.hpp"
#include "tests/vm/base_set_up.hpp"

namespace sluice::test {
namespace {

class GpuScanout : public GpuSessionTest {
protected:
    void SetUp() override {
        SLUICE_VM_BASE_SET_UP(GpuSessionTest);
        kms_ = KmsDevice::open("virtio_gpu");
        ASSERT_TRUE(kms_) << "virtio_gpu's primary node went away";
        // The first open of a card with no master makes the opener master:
        // sluice must be, not the test, which reads as root without it.
        (void)drmDropMaster(kms_->fd().get());
        ASSERT_NO_FATAL_FAILURE(start_on_gpu());
    }

    // Whether the primary plane scans out `dmabuf` itself, reading KMS until
    // it does or the session timeout passes.
    bool wait_primary_shows(const DmaBuf &dmabuf, bool shows, std::string *state) {
        const auto deadline = std::chrono::steady_clock::now() + session_timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            const Snapshot snapshot = kms_->snapshot();
            const kms::Plane *primary = snapshot.first(PlaneType::primary);
            bool same = false;
            if (primary != nullptr && primary->on()) {
                try {
                    same = kms_->framebuffer(primary->fb_id).same_dmabuf(dmabuf.fd());
                } catch (const std::exception &) {}
            }
            *state = snapshot.describe();
            if (same == shows)
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds{20});
        }
        return false;
    }

    std::unique_ptr<KmsDevice> kms_;
};

TEST_F(GpuScanout, FullscreenGpuBufferIsOnThePrimaryPlane) {
    auto client = connect_client();
    GpuWindow window(*client, gpu(), GpuSync::sync_file);
    auto feedback = window.draw_and_commit(kms_green);
    ASSERT_TRUE(wait_resolved(*client, *feedback)) << client->describe_error();
    EXPECT_TRUE(zero_copy(*feedback)) << "feedback " << describe(*feedback) << "\n" << server().log();
    std::string state;
    EXPECT_TRUE(wait_primary_shows(window.last_buffer().dmabuf(), true, &state))
        << "the primary plane does not scan out the client's dma-buf: " << state;

    // A second buffer goes on the plane in place of the first.
    feedback = window.draw_and_commit(kms_blue);
    ASSERT_TRUE(wait_resolved(*client, *feedback)) << client->describe_error();
    EXPECT_TRUE(zero_copy(*feedback)) << "feedback " << describe(*feedback);
    EXPECT_TRUE(wait_primary_shows(window.last_buffer().dmabuf(), true, &state)) << state;

    // Out of fullscreen the window no longer covers the output: composited.
    ASSERT_TRUE(window.window().unset_fullscreen()) << client->describe_error();
    feedback = window.draw_and_commit(kms_red);
    ASSERT_TRUE(wait_resolved(*client, *feedback)) << client->describe_error();
    EXPECT_EQ(feedback->state(), PresentationFeedback::State::presented) << describe(*feedback);
    EXPECT_FALSE(zero_copy(*feedback)) << "feedback " << describe(*feedback);
    EXPECT_TRUE(wait_primary_shows(window.last_buffer().dmabuf(), false, &state))
        << "the client's buffer stays on the primary plane: " << state;
}

} // namespace
} // namespace sluice::test
