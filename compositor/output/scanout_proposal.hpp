// Direct scan-out as a proposal: per frame, the surface to try on the
// primary plane (or none) and every reason it cannot go there, as bits
// (Weston's FAILURE_REASONS_* in backend-drm/state-propose.c). Decided
// from plain facts, with no wlroots in it, so that the ladder can be tested
// on the host; FrameRenderer gathers the facts and runs the test commit,
// the log prints the reasons, and DmabufFeedback offers a scanout tranche
// to a candidate that a buffer of another format would let through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace sluice {

enum class ScanoutReason : uint32_t {
    none_visible = 1u << 0,        // nothing to propose
    several_visible = 1u << 1,     // only a lone surface goes on the primary plane
    not_covering_output = 1u << 2, // not at the output's origin at the output's size
    no_buffer = 1u << 3,
    needs_transform = 1u << 4,    // crop, scale or rotation: the plane shows a buffer as it is
    screen_capture = 1u << 5,     // attach_render_locks: a capture reads the composited frame
    software_cursor = 1u << 6,    // a cursor drawn into the frame, not on a cursor plane
    plane_refused = 1u << 7,      // the test commit failed
    not_dmabuf = 1u << 8,         // ... and the buffer is no dma-buf (KMS needs one)
    format_unsupported = 1u << 9, // ... and the plane lists not its format and modifier
    commit_failed = 1u << 10,     // the test passed, the real commit did not
};

class ScanoutReasons {
public:
    constexpr ScanoutReasons() = default;
    constexpr ScanoutReasons(ScanoutReason reason) : bits_(static_cast<uint32_t>(reason)) {}

    [[nodiscard]] constexpr bool empty() const { return bits_ == 0; }
    [[nodiscard]] constexpr uint32_t bits() const { return bits_; }
    [[nodiscard]] constexpr bool has(ScanoutReason reason) const {
        return (bits_ & static_cast<uint32_t>(reason)) != 0;
    }
    // Whether any of `reasons` holds.
    [[nodiscard]] constexpr bool any_of(ScanoutReasons reasons) const { return (bits_ & reasons.bits_) != 0; }
    // Whether every reason that holds is one of `reasons`.
    [[nodiscard]] constexpr bool only(ScanoutReasons reasons) const { return (bits_ & ~reasons.bits_) == 0; }

    constexpr ScanoutReasons &operator|=(ScanoutReasons other) {
        bits_ |= other.bits_;
        return *this;
    }
    friend constexpr ScanoutReasons operator|(ScanoutReasons a, ScanoutReasons b) { return a |= b; }
    friend constexpr bool operator==(ScanoutReasons, ScanoutReasons) = default;

private:
    uint32_t bits_ = 0;
};

constexpr ScanoutReasons operator|(ScanoutReason a, ScanoutReason b) { return ScanoutReasons(a) | ScanoutReasons(b); }

// One surface the frame shows, as the scene lists them (output-local
// coordinates, logical size).
struct ScanoutSurface {
    int x = 0, y = 0;
    int width = 0, height = 0;
    bool has_buffer = false;
    int buffer_width = 0, buffer_height = 0;
    int32_t transform = 0; // the buffer's wl_output_transform
    bool cropped = false;  // a viewport source rectangle
};

struct ScanoutOutput {
    int width = 0, height = 0;           // effective resolution (after scale and transform)
    int mode_width = 0, mode_height = 0; // pixels
    int32_t transform = 0;
    int capture_locks = 0;        // wlr_output.attach_render_locks
    bool software_cursor = false; // an enabled, visible cursor that is not the hardware one
};

// The candidate's buffer, looked at once the plane refused it.
struct ScanoutBuffer {
    bool dmabuf = false;
    // Whether the primary plane lists the buffer's format and modifier;
    // unknown where the backend names no formats (headless).
    std::optional<bool> plane_lists_format;
};

struct ScanoutProposal {
    // Index into the visible surfaces of the one to try, if any: a lone
    // visible surface is the candidate even when it cannot go, so that its
    // reasons are its own.
    std::optional<size_t> candidate;
    ScanoutReasons reasons;
    size_t visible = 0;

    // Whether the test commit is worth making.
    [[nodiscard]] bool ready() const { return candidate.has_value() && reasons.empty(); }
};

// The ladder up to the test commit.
ScanoutProposal propose_scanout(std::span<const ScanoutSurface> visible, const ScanoutOutput &output);

// Why the plane refused a candidate's buffer: plane_refused, and what of
// the buffer the backend could not take.
ScanoutReasons refusal_reasons(const ScanoutBuffer &buffer);

// Whether the candidate should be offered the plane's formats: it is on the
// plane (or got past the test), or only its buffer kept it off, so that a
// buffer allocated from that tranche would go through.
bool offer_scanout_tranche(ScanoutReasons reasons);

// The reasons as the log says them ("2 surfaces are visible"), joined with
// "; " in the order of the bits; `visible` counts the surfaces for
// several_visible.
std::string describe(ScanoutReasons reasons, size_t visible);
// The bits' names ("several_visible|screen_capture"), for debugging.
std::string reason_names(ScanoutReasons reasons);

} // namespace sluice
