#include "gate_fixture.hpp"

#include <cstdlib>
#include <ostream>
#include <set>
#include <thread>

#include "screencopy.hpp"

namespace sluice::test {

ServerOptions GateTest::server_options() const {
    ServerOptions options;
    options.mode = "640x480@60";
    // sluice under ASan in a TCG guest takes a while to come up.
    options.ready_timeout = std::chrono::milliseconds{60000};
    // For digging into a failure: SLUICE_GATE_LOG_LEVEL=debug (run-in-vm
    // passes SLUICE_* into the guest) makes the log printed on failure
    // tell what the gate did with each commit.
    if (const char *level = std::getenv("SLUICE_GATE_LOG_LEVEL"); level != nullptr && *level != '\0')
        options.extra_args = {"--log-level", level};
    return options;
}

void GateTest::SetUp() {
    // Devices first: outside the guest there is nothing to test, and no
    // sluice needs starting to find that out.
    kit_.vgem_card = DrmDevice::open("vgem", DrmNodeType::primary);
    if (!kit_.vgem_card)
        GTEST_SKIP() << "no vgem card node in /dev/dri (run through tests/vm/run-in-vm)";
    kit_.syncobj = SyncobjContext::open();
    if (!kit_.syncobj)
        GTEST_SKIP() << "vgem's render node lacks timeline syncobjs (the VM kernel's test patch is missing)";
    if (!SwSyncTimeline::available())
        GTEST_SKIP() << sw_sync_path << " is missing (needs debugfs and CONFIG_SW_SYNC)";
    SluiceTest::SetUp();
}

std::unique_ptr<Client> GateTest::connect_client() {
    return std::make_unique<Client>(server().socket_path().string(), gate_timeout);
}

bool GateTest::dmabuf_offered() {
    auto probe = connect_client();
    return LinuxDmabuf::offered(*probe);
}

std::unique_ptr<Animator> GateTest::start_animator() { return std::make_unique<Animator>(server().socket_path()); }

size_t GateTest::visible(Client &observer, uint32_t xrgb) {
    const Image image = capture_output(observer, observer.output(0).proxy.get(), gate_timeout);
    return image.count(image.bounds(), opaque(xrgb));
}

bool GateTest::wait_shown(Client &observer, uint32_t xrgb, std::string *why, std::chrono::milliseconds timeout) {
    const size_t enough = static_cast<size_t>(gate_win_w * gate_win_h / 2);
    auto result = capture_until(
        observer, observer.output(0).proxy.get(),
        [&](const Image &image) { return image.count(image.bounds(), opaque(xrgb)) >= enough; }, timeout);
    if (!result.matched && why != nullptr) {
        *why = "only " + std::to_string(result.last.count(result.last.bounds(), opaque(xrgb))) + " pixels of " +
               argb_to_string(opaque(xrgb)) + " on screen";
    }
    return result.matched;
}

bool GateTest::wait_for(Client &client, const std::function<bool()> &done, std::chrono::milliseconds timeout) {
    // Short slices: some conditions (a timeline point, a sync_file) change
    // in the kernel without any Wayland event to wake the client up.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (done())
            return true;
        if (client.error() != 0 || std::chrono::steady_clock::now() >= deadline)
            return false;
        client.dispatch_once(std::chrono::milliseconds{20});
    }
}

std::map<int, std::string> GateTest::sluice_fds(const Client &any_client) const {
    return open_fds(peer_pid(any_client));
}

std::map<int, std::string> GateTest::stable_fds(Client &observer) const {
    auto look = [&] {
        EXPECT_TRUE(observer.roundtrip(gate_timeout)) << observer.describe_error();
        return sluice_fds(observer);
    };
    auto last = look();
    const auto deadline = std::chrono::steady_clock::now() + gate_timeout;
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds{100});
        auto now = look();
        if (now == last || std::chrono::steady_clock::now() > deadline)
            return now;
        last = std::move(now);
    }
}

bool GateTest::has_extra_fds(const std::map<int, std::string> &baseline, const std::map<int, std::string> &now) {
    if (now.size() > baseline.size())
        return true;
    for (const auto &[fd, target] : now) {
        auto it = baseline.find(fd);
        if (it == baseline.end() || it->second != target)
            return true;
    }
    return false;
}

std::map<int, std::string> GateTest::wait_fds_back_to(Client &observer,
                                                      const std::map<int, std::string> &baseline) const {
    const auto deadline = std::chrono::steady_clock::now() + gate_timeout;
    for (;;) {
        EXPECT_TRUE(observer.roundtrip(gate_timeout)) << observer.describe_error();
        auto now = sluice_fds(observer);
        if (!has_extra_fds(baseline, now) || std::chrono::steady_clock::now() > deadline)
            return now;
        std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
}

void attach_with_points(wl_surface *surface, wp_linux_drm_syncobj_surface_v1 *extension, wl_buffer *buffer,
                        const ImportedTimeline &acquire, uint64_t acquire_point, const ImportedTimeline &release,
                        uint64_t release_point) {
    wl_surface_attach(surface, buffer, 0, 0);
    wl_surface_damage_buffer(surface, 0, 0, gate_win_w, gate_win_h);
    set_acquire_point(extension, acquire, acquire_point);
    set_release_point(extension, release, release_point);
}

namespace {

// The sequences presented in (after, upto], and the commits discarded
// among them.
struct AnimatorTally {
    std::set<uint64_t> seen;
    size_t discarded = 0;
};

AnimatorTally tally(const std::vector<AnimatorFrame> &frames, uint64_t after, uint64_t upto) {
    AnimatorTally t;
    bool inside = false;
    for (const auto &frame : frames) {
        if (frame.presented) {
            inside = frame.seq > after && frame.seq <= upto;
            if (inside)
                t.seen.insert(frame.seq);
        } else if (inside) {
            ++t.discarded;
        }
    }
    return t;
}

} // namespace

size_t animator_discarded(const std::vector<AnimatorFrame> &frames, uint64_t after, uint64_t upto) {
    return tally(frames, after, upto).discarded;
}

size_t animator_frames_between(const std::vector<AnimatorFrame> &frames, uint64_t after, uint64_t before) {
    return before > after + 1 ? tally(frames, after, before - 1).seen.size() : 0;
}

std::string animator_gaps(const std::vector<AnimatorFrame> &frames, uint64_t after, uint64_t upto) {
    const auto [seen, discarded] = tally(frames, after, upto);
    std::string missing;
    size_t missing_count = 0;
    for (uint64_t seq = after + 1; seq <= upto; ++seq) {
        if (seen.count(seq) == 0 && ++missing_count <= 10)
            missing += (missing.empty() ? "" : ", ") + std::to_string(seq);
    }
    std::string out;
    if (missing_count > 0)
        out += std::to_string(missing_count) + " output frames without a new frame of the animating client (seq " +
               missing + (missing_count > 10 ? ", ..." : "") + ")";
    if (discarded > 0)
        out += (out.empty() ? "" : "; ") + std::to_string(discarded) + " of its commits discarded";
    return out;
}

std::ostream &operator<<(std::ostream &os, const GateCase &c) {
    return os << to_string(c.kind) << (c.source == DmaBufSource::vgem ? " on vgem" : " on udmabuf");
}

std::vector<GateCase> vgem_gate_cases() {
    return {{SyncKind::syncobj, DmaBufSource::vgem},
            {SyncKind::sync_file, DmaBufSource::vgem},
            {SyncKind::implicit, DmaBufSource::vgem}};
}

std::vector<GateCase> all_gate_cases() {
    auto cases = vgem_gate_cases();
    cases.push_back({SyncKind::syncobj, DmaBufSource::udmabuf});
    cases.push_back({SyncKind::sync_file, DmaBufSource::udmabuf});
    cases.push_back({SyncKind::implicit, DmaBufSource::udmabuf});
    return cases;
}

std::string gate_case_name(const ::testing::TestParamInfo<GateCase> &info) {
    return std::string(to_string(info.param.kind)) + (info.param.source == DmaBufSource::vgem ? "_vgem" : "_udmabuf");
}

} // namespace sluice::test
