#include "compositor/output/scanout_proposal.hpp"

#include <array>
#include <utility>

namespace sluice {

namespace {

// In the order of the bits; the texts of the reasons sluice logged before
// they were bits are kept word for word, so that logs (and the tests that
// read them) still find them.
constexpr std::array<std::pair<ScanoutReason, const char *>, 11> reason_texts = {{
    {ScanoutReason::none_visible, "no surface is visible"},
    {ScanoutReason::several_visible, nullptr}, // "N surfaces are visible"
    {ScanoutReason::not_covering_output, "the surface does not cover the output exactly"},
    {ScanoutReason::no_buffer, "the surface has no buffer"},
    {ScanoutReason::needs_transform, "the buffer would need scaling, cropping or rotating"},
    {ScanoutReason::screen_capture, "a screen capture needs a composited frame"},
    {ScanoutReason::software_cursor, "a software cursor is drawn over the frame"},
    {ScanoutReason::plane_refused, "the primary plane refused the buffer (test commit failed)"},
    {ScanoutReason::not_dmabuf, "the buffer is not a dma-buf"},
    {ScanoutReason::format_unsupported, "the plane does not list the buffer's format and modifier"},
    {ScanoutReason::commit_failed, "the commit failed"},
}};

constexpr std::array<std::pair<ScanoutReason, const char *>, 11> reason_identifiers = {{
    {ScanoutReason::none_visible, "none_visible"},
    {ScanoutReason::several_visible, "several_visible"},
    {ScanoutReason::not_covering_output, "not_covering_output"},
    {ScanoutReason::no_buffer, "no_buffer"},
    {ScanoutReason::needs_transform, "needs_transform"},
    {ScanoutReason::screen_capture, "screen_capture"},
    {ScanoutReason::software_cursor, "software_cursor"},
    {ScanoutReason::plane_refused, "plane_refused"},
    {ScanoutReason::not_dmabuf, "not_dmabuf"},
    {ScanoutReason::format_unsupported, "format_unsupported"},
    {ScanoutReason::commit_failed, "commit_failed"},
}};

// What another buffer from the scanout tranche would avoid.
constexpr ScanoutReasons fixed_by_another_buffer = ScanoutReason::not_dmabuf | ScanoutReason::format_unsupported;

} // namespace

ScanoutProposal propose_scanout(std::span<const ScanoutSurface> visible, const ScanoutOutput &output) {
    ScanoutProposal proposal;
    proposal.visible = visible.size();
    if (visible.empty()) {
        proposal.reasons = ScanoutReason::none_visible;
        return proposal;
    }
    if (visible.size() > 1) {
        proposal.reasons = ScanoutReason::several_visible;
        return proposal;
    }
    proposal.candidate = 0;
    const ScanoutSurface &surface = visible.front();
    if (surface.x != 0 || surface.y != 0 || surface.width != output.width || surface.height != output.height) {
        proposal.reasons |= ScanoutReason::not_covering_output;
    }
    if (!surface.has_buffer) {
        proposal.reasons |= ScanoutReason::no_buffer;
    } else if (surface.cropped || surface.transform != output.transform || surface.buffer_width != output.mode_width ||
               surface.buffer_height != output.mode_height) {
        proposal.reasons |= ScanoutReason::needs_transform;
    }
    // What the output asks of its frames only matters to a surface that
    // could go on the plane otherwise: a capture comes and goes with every
    // screenshot, and the log should not follow it for a window that is
    // composited anyway. wlroots' own test refuses the buffer for these
    // two before the backend sees it (output_basic_test), so checking them
    // here instead changes no outcome.
    if (proposal.reasons.empty()) {
        if (output.capture_locks > 0) {
            proposal.reasons |= ScanoutReason::screen_capture;
        }
        if (output.software_cursor) {
            proposal.reasons |= ScanoutReason::software_cursor;
        }
    }
    return proposal;
}

ScanoutReasons refusal_reasons(const ScanoutBuffer &buffer) {
    ScanoutReasons reasons = ScanoutReason::plane_refused;
    if (!buffer.dmabuf) {
        reasons |= ScanoutReason::not_dmabuf;
    } else if (buffer.plane_lists_format == false) {
        reasons |= ScanoutReason::format_unsupported;
    }
    return reasons;
}

bool offer_scanout_tranche(ScanoutReasons reasons) {
    if (reasons.only(ScanoutReason::commit_failed)) {
        return true; // scanned out, or the buffer passed the test
    }
    return reasons.has(ScanoutReason::plane_refused) &&
           reasons.only(ScanoutReason::plane_refused | fixed_by_another_buffer) &&
           reasons.any_of(fixed_by_another_buffer);
}

std::string describe(ScanoutReasons reasons, size_t visible) {
    std::string text;
    for (const auto &[reason, words] : reason_texts) {
        if (!reasons.has(reason)) {
            continue;
        }
        if (!text.empty()) {
            text += "; ";
        }
        if (reason == ScanoutReason::several_visible) {
            text += std::to_string(visible) + " surfaces are visible";
        } else {
            text += words;
        }
    }
    return text;
}

std::string reason_names(ScanoutReasons reasons) {
    std::string names;
    for (const auto &[reason, name] : reason_identifiers) {
        if (reasons.has(reason)) {
            if (!names.empty()) {
                names += '|';
            }
            names += name;
        }
    }
    return names.empty() ? "none" : names;
}

} // namespace sluice
