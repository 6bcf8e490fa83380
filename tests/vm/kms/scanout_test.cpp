// Direct scan-out on vkms, proven from both ends: the client's presentation
// feedback says ZERO_COPY, and the primary plane's framebuffer, read back
// from KMS, is the client's own dma-buf (the same dma-buf, not a copy) with
// the client's pixels. When the window stops being eligible (it leaves
// fullscreen, another window covers part of it, its format is one the
// plane cannot take) sluice composites again: no ZERO_COPY, the primary
// plane shows sluice's own buffer with the composited scene, and the log
// says why.
#include <algorithm>

#include <drm_fourcc.h>

#include "fixture.hpp"
#include "kms_fixture.hpp"
#include "shm.hpp"
#include "tests/vm/base_set_up.hpp"

namespace sluice::test {
namespace {

constexpr uint32_t background = 0xff262a33;

class DirectScanout : public KmsRendererClientTest {
protected:
    void SetUp() override {
        SLUICE_VM_BASE_SET_UP(KmsRendererClientTest);
        if (!LinuxDmabuf::offered(*client_))
            GTEST_SKIP() << "sluice offers no linux-dmabuf with the " << GetParam()
                         << " renderer here (wlroots 0.15's gles2 renderer on Mesa's kms_swrast has no DRM "
                            "device to import with), so no client can hand it a buffer to scan out";
        dmabuf_ = std::make_unique<LinuxDmabuf>(*client_);
        window_ = std::make_unique<FullscreenWindow>(*client_, *dmabuf_);
        ASSERT_EQ(window_->width(), vkms_width);
        ASSERT_EQ(window_->height(), vkms_height);
    }

    // Commits `buffer` on the fullscreen window and waits for its feedback.
    std::unique_ptr<PresentationFeedback> show(DmaBufBuffer &buffer) {
        auto feedback = window_->commit(buffer.get());
        EXPECT_TRUE(wait_resolved(*client_, *feedback)) << client_->describe_error();
        return feedback;
    }

    // Commits `buffer` and checks that it went onto the primary plane as it
    // is: ZERO_COPY, and the plane's framebuffer is its dma-buf, holding
    // `xrgb` everywhere.
    void expect_scanned_out(DmaBufBuffer &buffer, uint32_t xrgb) {
        auto feedback = show(buffer);
        EXPECT_TRUE(zero_copy(*feedback)) << "feedback " << describe(*feedback) << "\n" << server().log();
        Snapshot snapshot;
        ASSERT_TRUE(wait_kms([&](const Snapshot &s) { return primary_shows(s, buffer.dmabuf()); }, &snapshot))
            << "the primary plane does not scan out the client's dma-buf: " << describe_primary(snapshot) << "; "
            << snapshot.describe();
        const kms::Plane &primary = *snapshot.first(PlaneType::primary);
        EXPECT_EQ(primary.crtc, (Rect{0, 0, vkms_width, vkms_height}));
        EXPECT_EQ(primary.src, (Rect{0, 0, vkms_width, vkms_height}));
        const auto [fb, image] = kms().read_with_info(primary.fb_id);
        EXPECT_EQ(fb.width, static_cast<uint32_t>(buffer.width()));
        EXPECT_EQ(fb.height, static_cast<uint32_t>(buffer.height()));
        EXPECT_EQ(fb.format, buffer.dmabuf().layout().drm_format) << kms::fourcc(fb.format);
        EXPECT_EQ(fb.pitch, buffer.dmabuf().layout().stride);
        EXPECT_TRUE(image.all(image.bounds(), opaque_of(xrgb))) << image.mismatch(image.bounds(), opaque_of(xrgb));
        // Nothing else is lit: no overlay or cursor drawn over it.
        EXPECT_EQ(snapshot.lit().size(), 1u) << snapshot.describe();
    }

    // Waits for sluice to composite again (the primary plane shows a buffer
    // that is not `buffer`) and returns what the plane shows.
    Image expect_composited(DmaBufBuffer &buffer, const PresentationFeedback &feedback) {
        EXPECT_EQ(feedback.state(), PresentationFeedback::State::presented) << describe(feedback);
        EXPECT_FALSE(zero_copy(feedback)) << "feedback " << describe(feedback);
        Snapshot snapshot;
        EXPECT_TRUE(wait_kms([&](const Snapshot &s) { return !primary_shows(s, buffer.dmabuf()); }, &snapshot))
            << "the client's buffer stays on the primary plane: " << describe_primary(snapshot);
        const kms::Plane *primary = snapshot.first(PlaneType::primary);
        if (primary == nullptr || !primary->on()) {
            ADD_FAILURE() << "the primary plane is off";
            return {};
        }
        const auto [fb, image] = kms().read_with_info(primary->fb_id);
        EXPECT_FALSE(fb.same_dmabuf(buffer.dmabuf().fd())) << fb.describe();
        return image;
    }

    std::unique_ptr<LinuxDmabuf> dmabuf_;
    std::unique_ptr<FullscreenWindow> window_;
};

TEST_P(DirectScanout, FullscreenDmabufIsOnThePrimaryPlane) {
    // Before: the 64x64 window composited by sluice into a buffer of its own.
    Snapshot before = kms().snapshot();
    ASSERT_NE(before.first(PlaneType::primary), nullptr);
    ASSERT_TRUE(before.first(PlaneType::primary)->on()) << before.describe();
    const kms::Framebuffer composited = kms().framebuffer(before.first(PlaneType::primary)->fb_id);

    auto red = window_->make_buffer(vkms_alloc(), kms_red);
    ASSERT_FALSE(composited.same_dmabuf(red->dmabuf().fd()));
    ASSERT_NO_FATAL_FAILURE(expect_scanned_out(*red, kms_red));
    // A new buffer goes on the plane as well, in place of the first.
    auto green = window_->make_buffer(vkms_alloc(), kms_green);
    ASSERT_NO_FATAL_FAILURE(expect_scanned_out(*green, kms_green));
    EXPECT_TRUE(log_has("direct scan-out on")) << server().log();
}

TEST_P(DirectScanout, LeavingFullscreenBringsCompositionBack) {
    auto red = window_->make_buffer(vkms_alloc(), kms_red);
    ASSERT_NO_FATAL_FAILURE(expect_scanned_out(*red, kms_red));

    ASSERT_TRUE(window_->unset_fullscreen()) << client_->describe_error();
    const int32_t w = window_->width() > 0 ? window_->width() : 64;
    const int32_t h = window_->height() > 0 ? window_->height() : 64;
    DmaBufBuffer small(*dmabuf_, DmaBuf::vgem(vkms_alloc(), w, h));
    small.dmabuf().fill(kms_yellow);
    auto feedback = show(small);
    const Image shown = expect_composited(small, *feedback);
    ASSERT_EQ(shown.width(), vkms_width);
    const Rect place = shown.bounding_box(opaque_of(kms_yellow)).value_or(Rect{});
    EXPECT_EQ(place.width, w);
    EXPECT_EQ(place.height, h);
    EXPECT_EQ(shown.count(shown.bounds(), background), static_cast<size_t>(vkms_width * vkms_height - w * h))
        << "outside the window the plane should show sluice's background";
    EXPECT_TRUE(wait_for_log("not scanned out: the surface does not cover the output exactly")) << server().log();
    EXPECT_TRUE(log_has("direct scan-out off"));
}

TEST_P(DirectScanout, CoveredWindowIsComposited) {
    auto red = window_->make_buffer(vkms_alloc(), kms_red);
    ASSERT_NO_FATAL_FAILURE(expect_scanned_out(*red, kms_red));

    // Another client's window comes up on top of part of it.
    auto other = connect_client();
    ShmBuffer blue_pixels(other->shm(), 200, 150, WL_SHM_FORMAT_XRGB8888);
    blue_pixels.fill(opaque_of(kms_blue));
    auto cover = std::make_unique<Toplevel>(*other, Toplevel::Options{.title = "cover"});
    ASSERT_TRUE(cover->map(blue_pixels, session_timeout)) << other->describe_error();

    auto green = window_->make_buffer(vkms_alloc(), kms_green);
    auto feedback = show(*green);
    const Image shown = expect_composited(*green, *feedback);
    const Rect cover_place = centered(vkms_width, vkms_height, 200, 150);
    EXPECT_TRUE(shown.all(cover_place, opaque_of(kms_blue))) << shown.mismatch(cover_place, opaque_of(kms_blue));
    EXPECT_EQ(shown.count(shown.bounds(), opaque_of(kms_green)),
              static_cast<size_t>(vkms_width * vkms_height - 200 * 150));
    EXPECT_TRUE(wait_for_log("not scanned out: 2 surfaces are visible")) << server().log();

    // The cover goes: the fullscreen window is alone again and back on the
    // plane with its next frame.
    cover.reset();
    ASSERT_TRUE(other->roundtrip(session_timeout));
    auto yellow = window_->make_buffer(vkms_alloc(), kms_yellow);
    ASSERT_NO_FATAL_FAILURE(expect_scanned_out(*yellow, kms_yellow));
}

TEST_P(DirectScanout, FormatThePlaneCannotTakeIsComposited) {
    auto red = window_->make_buffer(vkms_alloc(), kms_red);
    ASSERT_NO_FATAL_FAILURE(expect_scanned_out(*red, kms_red));

    // A 32-bit format sluice's renderer reads and vkms' primary plane does
    // not take (vkms scans out only XRGB8888, ARGB8888, RGB565 and the
    // 16-bit-per-channel ones), with red spelled in its byte order.
    const Snapshot planes = kms().snapshot();
    const kms::Plane &plane = *planes.first(PlaneType::primary);
    const std::pair<uint32_t, uint32_t> candidates[] = {
        {DRM_FORMAT_XBGR8888, 0x000000ffu}, {DRM_FORMAT_ABGR8888, 0xff0000ffu}, {DRM_FORMAT_BGRX8888, 0x0000ff00u},
        {DRM_FORMAT_BGRA8888, 0x0000ffffu}, {DRM_FORMAT_RGBX8888, 0xff000000u}, {DRM_FORMAT_RGBA8888, 0xff0000ffu},
    };
    uint32_t format = 0, red_word = 0;
    uint64_t modifier = DRM_FORMAT_MOD_INVALID;
    std::string offered_text;
    for (const auto &[f, word] : candidates) {
        offered_text += " " + kms::fourcc(f);
        if (format != 0 || plane.takes(f, DRM_FORMAT_MOD_LINEAR))
            continue;
        try {
            // LINEAR, or INVALID (implicit: linear for a dumb buffer).
            modifier = dmabuf_->linear_modifier(f);
            format = f;
            red_word = word;
        } catch (const std::exception &) {}
    }
    if (format == 0) {
        std::string all;
        for (const auto &[f, modifier] : dmabuf_->modifiers())
            all += " " + kms::fourcc(f) + (modifier == DRM_FORMAT_MOD_LINEAR ? "/linear" : "");
        GTEST_SKIP() << "sluice's renderer imports none of the 32-bit formats vkms cannot scan out:" << offered_text
                     << "; it offers" << all;
    }
    DmaBuf other = DmaBuf::vgem(vkms_alloc(), vkms_width, vkms_height);
    other.fill(red_word);
    Proxy<zwp_linux_buffer_params_v1> params(zwp_linux_dmabuf_v1_create_params(dmabuf_->get()));
    zwp_linux_buffer_params_v1_add(params.get(), other.fd().get(), 0, 0, other.layout().stride,
                                   static_cast<uint32_t>(modifier >> 32),
                                   static_cast<uint32_t>(modifier & 0xffffffffu));
    Proxy<wl_buffer> buffer(zwp_linux_buffer_params_v1_create_immed(params.get(), vkms_width, vkms_height, format, 0));
    ASSERT_TRUE(client_->roundtrip(session_timeout)) << client_->describe_error();

    auto feedback = window_->commit(buffer.get());
    ASSERT_TRUE(wait_resolved(*client_, *feedback));
    EXPECT_FALSE(zero_copy(*feedback)) << kms::fourcc(format) << ": " << describe(*feedback);
    Snapshot snapshot;
    EXPECT_TRUE(wait_kms([&](const Snapshot &s) { return !primary_shows(s, red->dmabuf()); }, &snapshot));
    const kms::Plane &primary = *snapshot.first(PlaneType::primary);
    const auto [fb, image] = kms().read_with_info(primary.fb_id);
    EXPECT_FALSE(fb.same_dmabuf(other.fd())) << fb.describe();
    EXPECT_EQ(fb.format, DRM_FORMAT_XRGB8888) << "sluice's own buffer: " << fb.describe();
    EXPECT_TRUE(image.all(image.bounds(), opaque_of(kms_red))) << image.mismatch(image.bounds(), opaque_of(kms_red));
    EXPECT_TRUE(wait_for_log("not scanned out: the primary plane refused the buffer")) << server().log();
}

SLUICE_KMS_RENDERERS(DirectScanout);

} // namespace
} // namespace sluice::test
