// The fixture of the gate tests: one headless sluice (pixman) per test in
// the VM guest, the test's own handles on vgem (dumb buffers, fences,
// syncobj timelines) and sw_sync, and helpers that look at what a user
// would see. Without those devices (outside the guest) every test skips.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "animator.hpp"
#include "fenced_window.hpp"
#include "fixture.hpp"
#include "process_probe.hpp"

namespace sluice::test {

// Under TCG everything is slow, under ASan slower still; a wait that runs
// out is a failure, so the waits are long and only bound hangs.
inline constexpr std::chrono::milliseconds gate_timeout{30000};

inline constexpr int32_t gate_out_w = 640;
inline constexpr int32_t gate_out_h = 480;
// Gated windows are larger than the animator's, so that part of them
// stays visible whatever the stacking.
inline constexpr int32_t gate_win_w = 200;
inline constexpr int32_t gate_win_h = 150;

// Window colours (0x00RRGGBB in the dma-buf; opaque on screen).
inline constexpr uint32_t red = 0x00ff0000;
inline constexpr uint32_t green = 0x0000ff00;
inline constexpr uint32_t yellow = 0x00ffff00;
inline constexpr uint32_t magenta = 0x00ff00ff;

inline constexpr uint32_t opaque(uint32_t xrgb) { return 0xff000000u | xrgb; }

class GateTest : public SluiceTest {
protected:
    ServerOptions server_options() const override;
    void SetUp() override;

    [[nodiscard]] const FenceKit &kit() const { return kit_; }
    [[nodiscard]] std::unique_ptr<Client> connect_client();
    // Whether this sluice takes dma-bufs (linux-dmabuf). The gate tests need
    // it; a renderer that cannot import dma-bufs does not offer it.
    [[nodiscard]] bool dmabuf_offered();
    [[nodiscard]] std::unique_ptr<Animator> start_animator();

    // Pixels of `xrgb` on the output now (one screencopy through `observer`).
    [[nodiscard]] size_t visible(Client &observer, uint32_t xrgb);
    // Captures until `xrgb` covers at least half a gated window; false on
    // timeout (with the last capture described in *why).
    bool wait_shown(Client &observer, uint32_t xrgb, std::string *why = nullptr,
                    std::chrono::milliseconds timeout = gate_timeout);
    // Dispatches `client` until `done` (checked at least every 20 ms); false
    // on timeout or connection error.
    static bool wait_for(Client &client, const std::function<bool()> &done,
                         std::chrono::milliseconds timeout = gate_timeout);
    // The fd table of the sluice process.
    [[nodiscard]] std::map<int, std::string> sluice_fds(const Client &any_client) const;
    // sluice's fds once `observer`'s roundtrip is done and two looks 100 ms
    // apart agree: a client that just disconnected may not have been
    // handled yet when another one's roundtrip returns.
    [[nodiscard]] std::map<int, std::string> stable_fds(Client &observer) const;
    // Polls until sluice holds no fd that `baseline` lacks and no more fds
    // than it (or the timeout); returns the last look.
    [[nodiscard]] std::map<int, std::string> wait_fds_back_to(Client &observer,
                                                              const std::map<int, std::string> &baseline) const;
    // Whether `now` has an fd `baseline` lacks, or more of them.
    [[nodiscard]] static bool has_extra_fds(const std::map<int, std::string> &baseline,
                                            const std::map<int, std::string> &now);

private:
    FenceKit kit_;
};

// Attaches `buffer` to `surface`, damages a gated window's size of it and
// names the acquire and release points of the next commit (which is the
// caller's to make).
void attach_with_points(wl_surface *surface, wp_linux_drm_syncobj_surface_v1 *extension, wl_buffer *buffer,
                        const ImportedTimeline &acquire, uint64_t acquire_point, const ImportedTimeline &release,
                        uint64_t release_point);

// Checks that the animator had feedback presented at every sequence in
// (after, upto] and none discarded in between: every output frame of that
// stretch showed a new frame of it. Empty when so, else what is missing.
//
// The sequence counts vblanks of sluice's frame clock, so a vblank sluice
// itself missed (its loop late on a loaded TCG guest) shows here as a gap
// too: under load a stretch rarely has none, with or without a fence held
// (the stall test's control stretches measure how often). Tests print it;
// what they assert is animator_discarded() and that frames keep coming.
std::string animator_gaps(const std::vector<AnimatorFrame> &frames, uint64_t after, uint64_t upto);
// The animator's commits discarded (replaced before any output frame
// showed them) between the presentations at `after` and `upto`: each is a
// frame it drew that no output frame showed, which a held commit of
// another client must never cause.
size_t animator_discarded(const std::vector<AnimatorFrame> &frames, uint64_t after, uint64_t upto);
// Output frames that happened strictly between the sequences `after` and
// `before`, as the animator (which commits for every frame) saw them
// presented. A held commit signaled at `after` and shown at `before` waited
// this many frames that sluice did draw; vblanks sluice missed in between
// do not count.
size_t animator_frames_between(const std::vector<AnimatorFrame> &frames, uint64_t after, uint64_t before);

// One way of synchronizing, with buffers from one source.
struct GateCase {
    SyncKind kind;
    DmaBufSource source;
};
std::ostream &operator<<(std::ostream &os, const GateCase &c);
// Every kind with vgem buffers, then every kind with udmabufs.
std::vector<GateCase> all_gate_cases();
// Every kind, vgem buffers only.
std::vector<GateCase> vgem_gate_cases();
std::string gate_case_name(const ::testing::TestParamInfo<GateCase> &info);

// A new client with a window of the test's case and two buffers for it, a
// red `a` and a green `b`; nothing mapped yet. Meant to be unpacked,
// `auto [client, window, a, b] = ...`: the members go in reverse order,
// the connection last.
struct TwoBufferWindow {
    std::unique_ptr<Client> client;
    std::unique_ptr<FencedWindow> window;
    std::unique_ptr<DmaBufBuffer> a;
    std::unique_ptr<DmaBufBuffer> b;
};

// For the tests that run once per case.
class GateCaseTest : public GateTest, public ::testing::WithParamInterface<GateCase> {
protected:
    [[nodiscard]] std::unique_ptr<FencedWindow> make_window(Client &client) const {
        return make_fenced_window(GetParam().kind, client, kit(), GetParam().source);
    }
    [[nodiscard]] TwoBufferWindow two_buffer_window() {
        TwoBufferWindow w;
        w.client = connect_client();
        w.window = make_window(*w.client);
        w.a = w.window->buffers().make(gate_win_w, gate_win_h, red);
        w.b = w.window->buffers().make(gate_win_w, gate_win_h, green);
        return w;
    }
};

// Skips the test (from the test body) when sluice offers no linux-dmabuf.
#define GATE_REQUIRE_DMABUF()                                                                        \
    do {                                                                                             \
        if (!dmabuf_offered())                                                                       \
            GTEST_SKIP() << "sluice offers no zwp_linux_dmabuf_v1 here (its renderer cannot import " \
                            "dma-bufs), so no client can hand it a fenced buffer";                   \
    } while (0)

} // namespace sluice::test
