// Screenshots of what KMS shows on vkms: the planes read back and composed
// as vkms composes them equal the picture the clients drew where sluice
// placed them; sluice's screencopy agrees with KMS pixel for pixel, and so
// does the frame a client gets as a dma-buf through wlr-export-dmabuf (on
// the DRM output, where the frame is a real KMS framebuffer). Also for a
// frame scanned out directly.
#include <iterator>
#include <sstream>
#include <vector>

#include "export_dmabuf_client.hpp"
#include "fixture.hpp"
#include "kms_fixture.hpp"
#include "screencopy.hpp"
#include "shm.hpp"

namespace sluice::test {
namespace {

constexpr uint32_t background = 0xff262a33;
constexpr uint32_t pattern_seed = 7;

// "" when equal, else how they differ.
std::string difference(const Image &a, const Image &b) {
    if (a.width() != b.width() || a.height() != b.height()) {
        std::ostringstream os;
        os << "sizes differ: " << a.width() << "x" << a.height() << " vs " << b.width() << "x" << b.height();
        return os.str();
    }
    size_t count = 0;
    std::ostringstream first;
    for (int32_t y = 0; y < a.height(); ++y) {
        for (int32_t x = 0; x < a.width(); ++x) {
            // X channels are undefined: compare as opaque.
            const uint32_t pa = a.pixel(x, y) | 0xff000000u, pb = b.pixel(x, y) | 0xff000000u;
            if (pa != pb && ++count <= 5)
                first << " (" << x << "," << y << "): " << argb_to_string(pa) << " vs " << argb_to_string(pb);
        }
    }
    return count == 0 ? "" : std::to_string(count) + " pixels differ:" + first.str();
}

// The pointer never moves: no cursor image, nothing on the cursor plane,
// nothing a screencopy without cursor would leave out.
class Screenshots : public KmsRendererClientTest {
protected:
    // Two windows, a patterned one and a green one over it, both
    // shown; returns the picture they make with the background.
    Image two_windows(Client &client) {
        pattern_ = std::make_unique<ShmBuffer>(client.shm(), 300, 200, WL_SHM_FORMAT_XRGB8888);
        pattern_->fill_pattern(pattern_seed);
        green_ = std::make_unique<ShmBuffer>(client.shm(), 200, 150, WL_SHM_FORMAT_XRGB8888);
        green_->fill(opaque_of(kms_green));
        first_ = std::make_unique<Toplevel>(client, Toplevel::Options{.title = "pattern"});
        EXPECT_TRUE(first_->map(*pattern_, session_timeout));
        second_ = std::make_unique<Toplevel>(client, Toplevel::Options{.title = "green"});
        EXPECT_TRUE(second_->map(*green_, session_timeout));

        const Rect a = centered(vkms_width, vkms_height, 300, 200);
        const Rect b = centered(vkms_width, vkms_height, 200, 150);
        // Not cascaded: only a window at exactly the same place would be.
        const Rect b_placed = b;
        Image expected(vkms_width, vkms_height, background);
        for (int32_t y = 0; y < a.height; ++y) {
            for (int32_t x = 0; x < a.width; ++x)
                expected.set_pixel(a.x + x, a.y + y, ShmBuffer::pattern_pixel(x, y, pattern_seed));
        }
        for (int32_t y = b_placed.y; y < b_placed.y + b_placed.height; ++y) {
            for (int32_t x = b_placed.x; x < b_placed.x + b_placed.width; ++x)
                expected.set_pixel(x, y, opaque_of(kms_green));
        }
        return expected;
    }

    // What KMS shows once it shows `expected` (reading until it does).
    Image kms_shows(Client &client, const Image &expected) {
        Image shown;
        Snapshot snapshot;
        const bool same = wait_kms(
            client,
            [&](const Snapshot &s) {
                try {
                    shown = kms().compose(s);
                } catch (const std::exception &) {
                    return false; // a framebuffer went away mid-read
                }
                return difference(shown, expected).empty();
            },
            &snapshot);
        EXPECT_TRUE(same) << "KMS does not show the expected picture: " << difference(shown, expected) << "; "
                          << snapshot.describe();
        return shown;
    }

    // Declared first: the windows and buffers die before their connection.
    std::unique_ptr<ShmBuffer> pattern_, green_;
    std::unique_ptr<Toplevel> first_, second_;
};

TEST_P(Screenshots, KmsShowsTheClientsAndScreencopyAgrees) {
    Client *client = client_.get();
    const Image expected = two_windows(*client);
    const Image on_kms = kms_shows(*client, expected);
    const Image captured = capture_output(*client, client->output().proxy.get(), session_timeout);
    EXPECT_EQ(difference(captured, on_kms), "") << "screencopy and KMS disagree";
    // Only sluice's own framebuffer is lit: no overlay planes in use.
    const Snapshot snapshot = kms().snapshot();
    EXPECT_EQ(snapshot.lit().size(), 1u) << snapshot.describe();
}

TEST_P(Screenshots, ExportedDmabufFrameMatchesTheScreen) {
    Client *client = client_.get();
    const Image expected = two_windows(*client);
    const Image on_kms = kms_shows(*client, expected);
    ExportedFrame frame;
    try {
        frame = export_output_frame(*client, client->output().proxy.get(), session_timeout);
    } catch (const std::exception &e) {
        FAIL() << e.what() << "\n" << server().log();
    }
    EXPECT_EQ(frame.width, static_cast<uint32_t>(vkms_width));
    EXPECT_EQ(frame.height, static_cast<uint32_t>(vkms_height));
    EXPECT_EQ(frame.num_objects, 1u);
    EXPECT_EQ(difference(frame.pixels, on_kms), "") << "the exported frame differs from what KMS shows ("
                                                    << kms::fourcc(frame.format) << ", stride " << frame.stride << ")";
    const Image captured = capture_output(*client, client->output().proxy.get(), session_timeout);
    EXPECT_EQ(difference(frame.pixels, captured), "") << "the exported frame differs from screencopy";
}

// A screen recorder reads an exported frame the moment it is ready, and
// `ready` follows the KMS commit: so a frame may reach KMS only once it is
// drawn. Each round repaints most of the output in a new colour and reads
// exported frames at once until the new colour shows: each must hold one
// colour in full (a frame drawn before the change may still come first),
// never a part of one and a part of the other (the renderer still drawing).
TEST_P(Screenshots, ExportedFrameIsFinishedWhenReady) {
    Client *client = client_.get();
    // Not the output's size: composited, never a scan-out candidate.
    constexpr int32_t width = 1000, height = 700;
    constexpr uint32_t colours[] = {kms_red, kms_blue, kms_yellow, kms_magenta};
    std::vector<std::unique_ptr<ShmBuffer>> buffers;
    for (uint32_t colour : colours) {
        buffers.push_back(std::make_unique<ShmBuffer>(client->shm(), width, height, WL_SHM_FORMAT_XRGB8888));
        buffers.back()->fill(opaque_of(colour));
    }
    Toplevel window(*client, Toplevel::Options{.title = "repainted"});
    ASSERT_TRUE(window.map(*buffers[0], session_timeout)) << client->describe_error();
    const Rect placed = centered(vkms_width, vkms_height, width, height);
    ASSERT_TRUE(wait_kms(*client, [&](const Snapshot &s) {
        try {
            return kms().compose(s).all(placed, opaque_of(colours[0]));
        } catch (const std::exception &) {
            return false;
        }
    })) << "the first colour never reached KMS";

    constexpr int rounds = 12, reads_per_round = 4;
    int frames_read = 0, unfinished = 0, rounds_without_new = 0;
    std::string first_unfinished;
    for (int round = 1; round <= rounds; ++round) {
        ShmBuffer &next = *buffers[round % std::size(colours)];
        const uint32_t before = opaque_of(colours[(round - 1) % std::size(colours)]);
        const uint32_t after = opaque_of(colours[round % std::size(colours)]);
        ASSERT_TRUE(client->dispatch_until([&] { return !next.busy(); }, session_timeout))
            << "sluice never released a buffer it showed four frames ago";
        bool shown = false;
        for (int read = 0; read < reads_per_round && !shown; ++read) {
            ExportedFrame frame;
            try {
                frame = export_output_frame(*client, client->output().proxy.get(), session_timeout, [&] {
                    if (read > 0)
                        return;
                    wl_surface_attach(window.surface(), next.get(), 0, 0);
                    next.mark_busy();
                    wl_surface_damage_buffer(window.surface(), 0, 0, width, height);
                    wl_surface_commit(window.surface());
                });
            } catch (const std::exception &e) {
                FAIL() << "round " << round << ": " << e.what() << "\n" << server().log();
            }
            ASSERT_EQ(frame.pixels.width(), vkms_width);
            ++frames_read;
            shown = frame.pixels.all(placed, after);
            if (!shown && !frame.pixels.all(placed, before) && ++unfinished == 1)
                first_unfinished = "round " + std::to_string(round) + ": " + frame.pixels.mismatch(placed, after);
        }
        if (!shown)
            ++rounds_without_new;
    }
    EXPECT_EQ(unfinished, 0) << unfinished << " of " << frames_read
                             << " exported frames were read unfinished; first: " << first_unfinished;
    EXPECT_EQ(rounds_without_new, 0) << "in " << rounds_without_new << " of " << rounds << " rounds no exported frame "
                                     << "showed the new colour within " << reads_per_round << " frames";
}

TEST_P(Screenshots, ScannedOutFrameMatchesScreencopy) {
    Client *client = client_.get();
    if (!LinuxDmabuf::offered(*client))
        GTEST_SKIP() << "sluice offers no linux-dmabuf with the " << GetParam() << " renderer here";
    LinuxDmabuf dmabuf(*client);
    FullscreenWindow window(*client, dmabuf);
    DmaBufBuffer buffer(dmabuf, DmaBuf::vgem(vkms_alloc(), window.width(), window.height()));
    fill_pattern(buffer.dmabuf(), pattern_seed);
    auto feedback = window.commit(buffer.get());
    ASSERT_TRUE(wait_resolved(*client, *feedback));
    EXPECT_TRUE(zero_copy(*feedback)) << describe(*feedback);
    const Image expected = pattern_image(vkms_width, vkms_height, pattern_seed);
    const Image on_kms = kms_shows(*client, expected);
    EXPECT_TRUE(primary_shows(kms().snapshot(), buffer.dmabuf())) << describe_primary(kms().snapshot());
    // A capture needs a composited frame; it must look the same.
    const Image captured = capture_output(*client, client->output().proxy.get(), session_timeout);
    EXPECT_EQ(difference(captured, on_kms), "") << "screencopy differs from the scanned-out buffer";
}

SLUICE_KMS_RENDERERS(Screenshots);

} // namespace
} // namespace sluice::test
