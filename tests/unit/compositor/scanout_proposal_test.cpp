// The scan-out ladder from described frames: which surface is proposed for
// the primary plane, every reason it cannot go there, the words the log
// uses for each reason, and which reasons earn a scanout tranche. Built
// without wlroots: the proposal needs none.
#include "compositor/output/scanout_proposal.hpp"

#include <ostream>
#include <vector>

#include <gtest/gtest.h>

namespace sluice {

// gtest prints the bits by name.
void PrintTo(ScanoutReasons reasons, std::ostream *out) { *out << reason_names(reasons); }

namespace {

constexpr int32_t normal = 0;     // WL_OUTPUT_TRANSFORM_NORMAL
constexpr int32_t rotated_90 = 1; // WL_OUTPUT_TRANSFORM_90

// A 1024x768 output at scale 1, nothing capturing, the cursor on its plane.
ScanoutOutput output_1024x768() {
    return {.width = 1024, .height = 768, .mode_width = 1024, .mode_height = 768, .transform = normal};
}

// A surface showing a buffer of its own size at the output's origin.
ScanoutSurface covering(int width = 1024, int height = 768) {
    return {.width = width,
            .height = height,
            .has_buffer = true,
            .buffer_width = width,
            .buffer_height = height,
            .transform = normal};
}

ScanoutProposal propose(std::vector<ScanoutSurface> visible, const ScanoutOutput &output = output_1024x768()) {
    return propose_scanout(visible, output);
}

TEST(ScanoutProposal, NothingVisibleProposesNothing) {
    const ScanoutProposal proposal = propose({});
    EXPECT_FALSE(proposal.candidate.has_value());
    EXPECT_EQ(proposal.reasons, ScanoutReasons(ScanoutReason::none_visible));
    EXPECT_EQ(proposal.visible, 0u);
    EXPECT_FALSE(proposal.ready());
}

TEST(ScanoutProposal, LoneSurfaceCoveringTheOutputIsReady) {
    const ScanoutProposal proposal = propose({covering()});
    ASSERT_TRUE(proposal.candidate.has_value());
    EXPECT_EQ(*proposal.candidate, 0u);
    EXPECT_TRUE(proposal.reasons.empty()) << reason_names(proposal.reasons);
    EXPECT_TRUE(proposal.ready());
}

TEST(ScanoutProposal, SeveralVisibleHaveNoCandidate) {
    ScanoutSurface popup = covering(40, 40);
    popup.x = popup.y = 100;
    const ScanoutProposal proposal = propose({covering(), popup});
    EXPECT_FALSE(proposal.candidate.has_value());
    EXPECT_EQ(proposal.reasons, ScanoutReasons(ScanoutReason::several_visible));
    EXPECT_EQ(proposal.visible, 2u);
    // Even two that each cover the output: only a lone surface goes.
    EXPECT_EQ(propose({covering(), covering(), covering()}).reasons, ScanoutReasons(ScanoutReason::several_visible));
}

TEST(ScanoutProposal, OffsetSurfaceDoesNotCover) {
    ScanoutSurface moved = covering();
    moved.x = 1;
    EXPECT_EQ(propose({moved}).reasons, ScanoutReasons(ScanoutReason::not_covering_output));
    moved.x = 0;
    moved.y = -1;
    EXPECT_EQ(propose({moved}).reasons, ScanoutReasons(ScanoutReason::not_covering_output));
}

TEST(ScanoutProposal, SmallWindowMissesOnSizeAndScale) {
    // Centered, smaller than the output: neither covering it nor a buffer
    // of the mode's size.
    ScanoutSurface window = covering(200, 150);
    window.x = 412;
    window.y = 309;
    const ScanoutProposal proposal = propose({window});
    ASSERT_TRUE(proposal.candidate.has_value()) << "a lone surface keeps its reasons as the candidate";
    EXPECT_EQ(proposal.reasons, ScanoutReason::not_covering_output | ScanoutReason::needs_transform);
}

TEST(ScanoutProposal, SurfaceWithoutBuffer) {
    ScanoutSurface empty = covering();
    empty.has_buffer = false;
    empty.buffer_width = empty.buffer_height = 0;
    EXPECT_EQ(propose({empty}).reasons, ScanoutReasons(ScanoutReason::no_buffer));
}

TEST(ScanoutProposal, ViewportCropNeedsTransform) {
    ScanoutSurface cropped = covering();
    cropped.cropped = true;
    EXPECT_EQ(propose({cropped}).reasons, ScanoutReasons(ScanoutReason::needs_transform));
}

TEST(ScanoutProposal, ViewportScaleNeedsTransform) {
    // A 512x384 buffer stretched to the output by a viewport destination.
    ScanoutSurface scaled = covering();
    scaled.buffer_width = 512;
    scaled.buffer_height = 384;
    EXPECT_EQ(propose({scaled}).reasons, ScanoutReasons(ScanoutReason::needs_transform));
}

TEST(ScanoutProposal, BufferTransformMustMatchTheOutputs) {
    ScanoutSurface turned = covering();
    turned.transform = rotated_90;
    EXPECT_EQ(propose({turned}).reasons, ScanoutReasons(ScanoutReason::needs_transform));

    // On an output turned by 90 degrees the layout sees 768x1024; a
    // buffer in the mode's orientation with the same transform goes as it
    // is.
    ScanoutOutput portrait = output_1024x768();
    portrait.transform = rotated_90;
    portrait.width = 768;
    portrait.height = 1024;
    ScanoutSurface matching = covering(768, 1024);
    matching.buffer_width = 1024;
    matching.buffer_height = 768;
    matching.transform = rotated_90;
    EXPECT_TRUE(propose({matching}, portrait).ready()) << reason_names(propose({matching}, portrait).reasons);
    matching.transform = normal;
    EXPECT_EQ(propose({matching}, portrait).reasons, ScanoutReasons(ScanoutReason::needs_transform));
}

TEST(ScanoutProposal, OutputScaleTakesABufferOfTheModesSize) {
    ScanoutOutput scaled = output_1024x768();
    scaled.width = 512;
    scaled.height = 384;
    ScanoutSurface hidpi = covering(512, 384);
    hidpi.buffer_width = 1024;
    hidpi.buffer_height = 768;
    EXPECT_TRUE(propose({hidpi}, scaled).ready());
    // A client drawing at scale 1 there: its buffer would need scaling.
    EXPECT_EQ(propose({covering(512, 384)}, scaled).reasons, ScanoutReasons(ScanoutReason::needs_transform));
}

TEST(ScanoutProposal, ScreenCaptureAndSoftwareCursorKeepAnEligibleSurfaceOff) {
    ScanoutOutput capturing = output_1024x768();
    capturing.capture_locks = 1;
    EXPECT_EQ(propose({covering()}, capturing).reasons, ScanoutReasons(ScanoutReason::screen_capture));

    ScanoutOutput cursor = output_1024x768();
    cursor.software_cursor = true;
    EXPECT_EQ(propose({covering()}, cursor).reasons, ScanoutReasons(ScanoutReason::software_cursor));

    capturing.software_cursor = true;
    EXPECT_EQ(propose({covering()}, capturing).reasons, ScanoutReason::screen_capture | ScanoutReason::software_cursor);
}

TEST(ScanoutProposal, OutputReasonsAreLeftOutForASurfaceThatCouldNotGoAnyway) {
    // A capture comes and goes with each screenshot; a window that is
    // composited for its own reasons keeps the same reasons meanwhile.
    ScanoutOutput capturing = output_1024x768();
    capturing.capture_locks = 2;
    capturing.software_cursor = true;
    EXPECT_EQ(propose({covering(200, 150)}, capturing).reasons,
              ScanoutReason::not_covering_output | ScanoutReason::needs_transform);
    EXPECT_EQ(propose({covering(), covering()}, capturing).reasons, ScanoutReasons(ScanoutReason::several_visible));
}

TEST(ScanoutProposal, SeveralSurfaceReasonsAtOnce) {
    ScanoutSurface everything = covering(300, 300);
    everything.x = 10;
    everything.cropped = true;
    EXPECT_EQ(propose({everything}).reasons, ScanoutReason::not_covering_output | ScanoutReason::needs_transform);
    everything.has_buffer = false;
    // Without a buffer there is nothing to crop or scale.
    EXPECT_EQ(propose({everything}).reasons, ScanoutReason::not_covering_output | ScanoutReason::no_buffer);
}

TEST(ScanoutRefusal, SaysWhatOfTheBufferThePlaneCouldNotTake) {
    EXPECT_EQ(refusal_reasons({.dmabuf = false}), ScanoutReason::plane_refused | ScanoutReason::not_dmabuf);
    EXPECT_EQ(refusal_reasons({.dmabuf = true, .plane_lists_format = false}),
              ScanoutReason::plane_refused | ScanoutReason::format_unsupported);
    // The plane lists the format: refused for something else (bandwidth,
    // stride, the driver's own limits).
    EXPECT_EQ(refusal_reasons({.dmabuf = true, .plane_lists_format = true}),
              ScanoutReasons(ScanoutReason::plane_refused));
    // The backend names no formats: nothing more is known.
    EXPECT_EQ(refusal_reasons({.dmabuf = true}), ScanoutReasons(ScanoutReason::plane_refused));
}

TEST(ScanoutTranche, OfferedWhenOnThePlaneOrOnlyTheBufferKeepsItOff) {
    EXPECT_TRUE(offer_scanout_tranche({}));
    EXPECT_TRUE(offer_scanout_tranche(ScanoutReason::commit_failed));
    EXPECT_TRUE(offer_scanout_tranche(ScanoutReason::plane_refused | ScanoutReason::not_dmabuf));
    EXPECT_TRUE(offer_scanout_tranche(ScanoutReason::plane_refused | ScanoutReason::format_unsupported));
}

TEST(ScanoutTranche, WithheldWhenAnotherBufferWouldNotHelp) {
    EXPECT_FALSE(offer_scanout_tranche(ScanoutReason::plane_refused));
    for (ScanoutReason reason :
         {ScanoutReason::none_visible, ScanoutReason::several_visible, ScanoutReason::not_covering_output,
          ScanoutReason::no_buffer, ScanoutReason::needs_transform, ScanoutReason::screen_capture,
          ScanoutReason::software_cursor}) {
        EXPECT_FALSE(offer_scanout_tranche(reason)) << reason_names(reason);
        EXPECT_FALSE(offer_scanout_tranche(reason | ScanoutReason::plane_refused | ScanoutReason::not_dmabuf))
            << reason_names(reason);
    }
    // A format alone, without a refusal, is no reason.
    EXPECT_FALSE(offer_scanout_tranche(ScanoutReason::format_unsupported));
}

TEST(ScanoutText, EachReasonInWords) {
    // The first six are what the log said before the reasons were bits.
    const std::pair<ScanoutReason, const char *> texts[] = {
        {ScanoutReason::several_visible, "2 surfaces are visible"},
        {ScanoutReason::not_covering_output, "the surface does not cover the output exactly"},
        {ScanoutReason::no_buffer, "the surface has no buffer"},
        {ScanoutReason::needs_transform, "the buffer would need scaling, cropping or rotating"},
        {ScanoutReason::screen_capture, "a screen capture needs a composited frame"},
        {ScanoutReason::plane_refused, "the primary plane refused the buffer (test commit failed)"},
        {ScanoutReason::commit_failed, "the commit failed"},
        {ScanoutReason::none_visible, "no surface is visible"},
        {ScanoutReason::software_cursor, "a software cursor is drawn over the frame"},
        {ScanoutReason::not_dmabuf, "the buffer is not a dma-buf"},
        {ScanoutReason::format_unsupported, "the plane does not list the buffer's format and modifier"},
    };
    for (const auto &[reason, words] : texts) {
        EXPECT_EQ(describe(reason, 2), words) << reason_names(reason);
    }
    EXPECT_EQ(describe(ScanoutReason::several_visible, 5), "5 surfaces are visible");
    EXPECT_EQ(describe({}, 0), "");
}

TEST(ScanoutText, SeveralReasonsInTheOrderOfTheBits) {
    // The log's first words stay those of the reason that came first
    // before, so that "not scanned out: the surface does not cover..."
    // and "... the primary plane refused the buffer" are still found.
    EXPECT_EQ(describe(ScanoutReason::needs_transform | ScanoutReason::not_covering_output, 1),
              "the surface does not cover the output exactly; the buffer would need scaling, cropping or rotating");
    EXPECT_EQ(describe(ScanoutReason::plane_refused | ScanoutReason::format_unsupported, 1),
              "the primary plane refused the buffer (test commit failed); the plane does not list the buffer's "
              "format and modifier");
    EXPECT_EQ(describe(ScanoutReason::software_cursor | ScanoutReason::screen_capture, 1),
              "a screen capture needs a composited frame; a software cursor is drawn over the frame");
}

TEST(ScanoutText, Names) {
    EXPECT_EQ(reason_names({}), "none");
    EXPECT_EQ(reason_names(ScanoutReason::plane_refused | ScanoutReason::not_dmabuf), "plane_refused|not_dmabuf");
    EXPECT_EQ(reason_names(ScanoutReason::several_visible), "several_visible");
}

TEST(ScanoutReasonsValue, BitOperations) {
    ScanoutReasons reasons;
    EXPECT_TRUE(reasons.empty());
    reasons |= ScanoutReason::screen_capture;
    EXPECT_TRUE(reasons.has(ScanoutReason::screen_capture));
    EXPECT_FALSE(reasons.has(ScanoutReason::software_cursor));
    EXPECT_TRUE(reasons.only(ScanoutReason::screen_capture | ScanoutReason::software_cursor));
    EXPECT_FALSE((reasons | ScanoutReason::no_buffer).only(ScanoutReason::screen_capture));
    EXPECT_TRUE(reasons.any_of(ScanoutReason::screen_capture | ScanoutReason::no_buffer));
    EXPECT_FALSE(reasons.any_of(ScanoutReason::no_buffer));
    EXPECT_EQ(reasons.bits(), static_cast<uint32_t>(ScanoutReason::screen_capture));
}

} // namespace
} // namespace sluice
