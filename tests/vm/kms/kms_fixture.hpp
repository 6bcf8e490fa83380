// The fixture of the KMS tests: a sluice session on vkms (SessionTest from
// tests/vm/session), the test's own reader of the KMS state
// (kms_state.hpp), and clients whose buffers are allocated on vkms itself,
// so that KMS can scan them out as they are.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "dmabuf.hpp"
#include "drm_device.hpp"
#include "frame.hpp"
#include "kms_state.hpp"
#include "linux_dmabuf.hpp"
#include "session_fixture.hpp"
#include "xdg.hpp"

namespace sluice::test {

using kms::KmsDevice;
using kms::PlaneType;
using kms::Snapshot;

// Colours of the test windows (0x00RRGGBB in a buffer; opaque on screen).
inline constexpr uint32_t kms_red = 0x00ff0000;
inline constexpr uint32_t kms_green = 0x0000ff00;
inline constexpr uint32_t kms_blue = 0x000000ff;
inline constexpr uint32_t kms_yellow = 0x00ffff00;
inline constexpr uint32_t kms_magenta = 0x00ff00ff;
inline constexpr uint32_t opaque_of(uint32_t xrgb) { return 0xff000000u | xrgb; }

class KmsSessionTest : public SessionTest {
protected:
    void SetUp() override;

    [[nodiscard]] KmsDevice &kms() { return *kms_; }
    // The test's own open of vkms, for client buffers (dumb buffers shared
    // through PRIME: what KMS takes as it is).
    [[nodiscard]] const std::shared_ptr<const DrmDevice> &vkms_alloc() const { return vkms_alloc_; }

    // Reads the planes until `done` holds (at least every 20 ms); false on
    // timeout. *last gets the last snapshot.
    bool wait_kms(const std::function<bool(const Snapshot &)> &done, Snapshot *last = nullptr,
                  std::chrono::milliseconds timeout = session_timeout);
    // The same while dispatching `client`'s events between reads.
    bool wait_kms(Client &client, const std::function<bool(const Snapshot &)> &done, Snapshot *last = nullptr,
                  std::chrono::milliseconds timeout = session_timeout);
    // Whether the primary plane scans out `dmabuf` itself (same dma-buf).
    [[nodiscard]] bool primary_shows(const Snapshot &snapshot, const DmaBuf &dmabuf);
    // Which lit plane scans out `dmabuf`, if any (0: none).
    [[nodiscard]] uint32_t plane_with(const Snapshot &snapshot, const DmaBuf &dmabuf);
    // The primary plane's framebuffer described, for failure messages.
    [[nodiscard]] std::string describe_primary(const Snapshot &snapshot);

private:
    bool poll_kms(Client *client, const std::function<bool(const Snapshot &)> &done, Snapshot *last,
                  std::chrono::milliseconds timeout);

    std::unique_ptr<KmsDevice> kms_;
    std::shared_ptr<const DrmDevice> vkms_alloc_;
};

// The same, started with the renderer named by the test parameter
// ("pixman", "gles2"); instantiate with kms_renderers.
class KmsRendererTest : public KmsSessionTest, public ::testing::WithParamInterface<const char *> {
protected:
    void SetUp() override;
};
// The same with one client connected once sluice runs. It is a member of
// the base, so it outlives a derived fixture's objects on its connection.
class KmsRendererClientTest : public KmsRendererTest {
protected:
    void SetUp() override;

    std::unique_ptr<Client> client_;
};
#define SLUICE_KMS_RENDERERS(fixture)                             \
    INSTANTIATE_TEST_SUITE_P(                                     \
        Renderers, fixture, ::testing::Values("pixman", "gles2"), \
        [](const ::testing::TestParamInfo<const char *> &info) { return std::string(info.param); })

// A toplevel that goes fullscreen and then shows dma-bufs from vkms. Not
// movable: the listeners point here.
class FullscreenWindow {
public:
    // Maps a small shm window, asks for fullscreen and waits for the
    // fullscreen configure (the output's size). Throws on timeout.
    FullscreenWindow(Client &client, LinuxDmabuf &dmabuf, const std::string &title = "fullscreen");

    [[nodiscard]] Toplevel &toplevel() { return toplevel_; }
    [[nodiscard]] wl_surface *surface() const { return toplevel_.surface(); }
    [[nodiscard]] int32_t width() const { return toplevel_.configured_width(); }
    [[nodiscard]] int32_t height() const { return toplevel_.configured_height(); }
    [[nodiscard]] bool fullscreen() const;

    // A buffer of the configured size on vkms, filled with `xrgb`.
    [[nodiscard]] std::unique_ptr<DmaBufBuffer> make_buffer(const std::shared_ptr<const DrmDevice> &card,
                                                            uint32_t xrgb);
    // Attaches `buffer`, damages all of it, asks for presentation feedback
    // and commits (flushed).
    [[nodiscard]] std::unique_ptr<PresentationFeedback> commit(wl_buffer *buffer);

    // Leaves fullscreen and waits for the configure that says so.
    bool unset_fullscreen(std::chrono::milliseconds timeout = session_timeout);

private:
    Client &client_;
    LinuxDmabuf &dmabuf_;
    Toplevel toplevel_;
    std::unique_ptr<ShmBuffer> first_;
};

// Writes ShmBuffer::pattern_pixel(x, y, seed) into every pixel of an
// XRGB8888 dma-buf (a picture in which an offset or a flip shows).
void fill_pattern(const DmaBuf &dmabuf, uint32_t seed);
// The same picture as an Image of `width` x `height`.
Image pattern_image(int32_t width, int32_t height, uint32_t seed);

// Waits for `feedback` to resolve while dispatching `client`.
bool wait_resolved(Client &client, const PresentationFeedback &feedback,
                   std::chrono::milliseconds timeout = session_timeout);
// "presented (flags 0x...)" / "discarded" / "pending".
std::string describe(const PresentationFeedback &feedback);
bool zero_copy(const PresentationFeedback &feedback);

} // namespace sluice::test
