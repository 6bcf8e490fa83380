// The software renderer on the host: no DRM device, so memfds stand in for
// dma-bufs (mmap works the same) and the DMA_BUF_IOCTL_SYNC bracket is
// injected, which also lets the tests see when the bracket opens and closes
// relative to pixman's reads.
#include <gtest/gtest.h>

#include <algorithm>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <vector>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>

#include "fake_buffers.hpp"
#include "render/cpu_access.hpp"
#include "render/software_renderer.hpp"

namespace sluice::render::test {
namespace {

constexpr float kIdentity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
constexpr float kClearColor[4] = {0, 0, 1, 1}; // blue
constexpr uint32_t kBlue = 0x0000ff;

uint32_t rgb(uint32_t xrgb) { return xrgb & 0xffffff; }

// Records every bracket call; optionally writes into the fake dma-buf at
// START and END, the way a device's writes would land, so that what pixman
// read tells when it read.
struct SyncRecorder {
    std::vector<uint64_t> calls;
    FakeDmabuf *paint_on_start = nullptr;
    uint32_t start_color = 0;
    uint32_t end_color = 0;
    bool fail_start = false;

    CpuAccessSync hook() {
        return [this](sync::BorrowedFd, uint64_t flags) -> sync::Result<void> {
            calls.push_back(flags);
            const bool start = (flags & DMA_BUF_SYNC_END) == 0;
            if (start && fail_start) {
                return sync::Error{EIO, "DMA_BUF_IOCTL_SYNC: injected failure"};
            }
            if (paint_on_start != nullptr) {
                paint_on_start->fill(start ? start_color : end_color);
            }
            return {};
        };
    }
    size_t starts() const {
        return std::count(calls.begin(), calls.end(), uint64_t{DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ});
    }
    size_t ends() const {
        return std::count(calls.begin(), calls.end(), uint64_t{DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ});
    }
};

struct RendererDeleter {
    void operator()(wlr_renderer *r) const { wlr_renderer_destroy(r); }
};
using RendererPtr = std::unique_ptr<wlr_renderer, RendererDeleter>;

struct TextureDeleter {
    void operator()(wlr_texture *t) const { wlr_texture_destroy(t); }
};
using TexturePtr = std::unique_ptr<wlr_texture, TextureDeleter>;

class SoftwareRendererTest : public ::testing::Test {
protected:
    void SetUp() override {
        wlr_log_init(WLR_ERROR, nullptr);
        SoftwareRendererOptions options;
        options.cpu_access_sync = recorder.hook();
        renderer.reset(create_software_renderer(std::move(options)));
        ASSERT_NE(renderer, nullptr);
    }

    // Clears a 64x64 target to blue and draws `texture` at (x, y).
    bool draw(wlr_texture *texture, int x, int y) {
        if (!wlr_renderer_begin_with_buffer(renderer.get(), target.wlr())) {
            return false;
        }
        wlr_renderer_clear(renderer.get(), kClearColor);
        bool ok = wlr_render_texture(renderer.get(), texture, kIdentity, x, y, 1.0f);
        wlr_renderer_end(renderer.get());
        return ok;
    }

    SyncRecorder recorder;
    MemoryBuffer target{64, 64};
    RendererPtr renderer;
};

TEST_F(SoftwareRendererTest, IsRecognisedAndDescribed) {
    EXPECT_TRUE(is_software_renderer(renderer.get()));
    EXPECT_STREQ(renderer_description(renderer.get()), "pixman with software dma-buf import");
    RendererPtr plain(wlr_pixman_renderer_create());
    EXPECT_FALSE(is_software_renderer(plain.get()));
    EXPECT_STREQ(renderer_description(plain.get()), "pixman");
}

TEST_F(SoftwareRendererTest, WithoutDrmFdReportsNoDmabufFormats) {
    EXPECT_EQ(wlr_renderer_get_dmabuf_texture_formats(renderer.get()), nullptr);
    EXPECT_EQ(wlr_renderer_get_drm_fd(renderer.get()), -1);
}

TEST_F(SoftwareRendererTest, ForwardsShmFormatsAndBufferCaps) {
    size_t len = 0;
    const uint32_t *formats = wlr_renderer_get_shm_texture_formats(renderer.get(), &len);
    ASSERT_NE(formats, nullptr);
    std::vector<uint32_t> list(formats, formats + len);
    EXPECT_NE(std::find(list.begin(), list.end(), DRM_FORMAT_ARGB8888), list.end());
    EXPECT_NE(std::find(list.begin(), list.end(), DRM_FORMAT_XRGB8888), list.end());
    // The allocator picks its kind of buffer from these caps.
    EXPECT_EQ(renderer->impl->get_render_buffer_caps(renderer.get()), uint32_t{WLR_BUFFER_CAP_DATA_PTR});
    // What outputs may be allocated in: exactly plain pixman's list.
    const wlr_drm_format_set *render_formats = renderer->impl->get_render_formats(renderer.get());
    ASSERT_NE(render_formats, nullptr);
    EXPECT_NE(wlr_drm_format_set_get(render_formats, DRM_FORMAT_XRGB8888), nullptr);
    RendererPtr plain(wlr_pixman_renderer_create());
    EXPECT_EQ(render_formats->len, plain->impl->get_render_formats(plain.get())->len);
}

TEST_F(SoftwareRendererTest, DrawsAndReadsBackDataPointerBuffersWithoutSync) {
    MemoryBuffer shm(8, 8);
    shm.fill(0xffff0000); // red
    TexturePtr texture(wlr_texture_from_buffer(renderer.get(), shm.wlr()));
    ASSERT_NE(texture, nullptr);
    ASSERT_TRUE(draw(texture.get(), 10, 20));
    EXPECT_EQ(rgb(target.pixel(10, 20)), 0xff0000u);
    EXPECT_EQ(rgb(target.pixel(17, 27)), 0xff0000u);
    EXPECT_EQ(rgb(target.pixel(18, 28)), kBlue);
    EXPECT_EQ(rgb(target.pixel(9, 20)), kBlue);
    EXPECT_TRUE(recorder.calls.empty());

    // read_pixels and preferred_read_format reach the inner renderer.
    ASSERT_TRUE(wlr_renderer_begin_with_buffer(renderer.get(), target.wlr()));
    EXPECT_EQ(renderer->impl->preferred_read_format(renderer.get()), uint32_t{DRM_FORMAT_XRGB8888});
    std::vector<uint32_t> readback(4 * 4);
    uint32_t flags = 0;
    EXPECT_TRUE(wlr_renderer_read_pixels(renderer.get(), DRM_FORMAT_XRGB8888, &flags, 4 * 4, 4, 4, 10, 20, 0, 0,
                                         readback.data()));
    wlr_renderer_end(renderer.get());
    EXPECT_EQ(rgb(readback[0]), 0xff0000u);
}

TEST_F(SoftwareRendererTest, DrawsAMappedDmabufAtItsPlace) {
    FakeDmabuf dmabuf(16, 8);
    dmabuf.fill(0xff00ff00); // green
    TexturePtr texture(wlr_texture_from_buffer(renderer.get(), dmabuf.wlr()));
    ASSERT_NE(texture, nullptr);
    EXPECT_EQ(texture->width, 16u);
    EXPECT_EQ(texture->height, 8u);
    ASSERT_TRUE(draw(texture.get(), 5, 6));
    EXPECT_EQ(rgb(target.pixel(5, 6)), 0x00ff00u);
    EXPECT_EQ(rgb(target.pixel(20, 13)), 0x00ff00u);
    EXPECT_EQ(rgb(target.pixel(21, 13)), kBlue);
    EXPECT_EQ(rgb(target.pixel(20, 14)), kBlue);
    EXPECT_EQ(recorder.starts(), recorder.ends());
}

// The check the design rests on: wlroots 0.15's pixman texture asks for the
// data pointer around every composite, so every read is inside a SYNC
// START/END pair. The fake device writes one colour at START and another at
// END: a read inside the bracket sees the START colour.
TEST_F(SoftwareRendererTest, EveryCompositeReadsInsideItsOwnSyncBracket) {
    FakeDmabuf dmabuf(8, 8);
    dmabuf.fill(0xff000000);
    TexturePtr texture(wlr_texture_from_buffer(renderer.get(), dmabuf.wlr()));
    ASSERT_NE(texture, nullptr);
    const size_t starts_at_import = recorder.starts();
    EXPECT_EQ(recorder.ends(), starts_at_import);

    recorder.paint_on_start = &dmabuf;
    const uint32_t colors[] = {0xffff0000, 0xff00ff00, 0xffffff00};
    for (size_t i = 0; i < std::size(colors); ++i) {
        recorder.start_color = colors[i];
        recorder.end_color = 0xff808080; // what a read outside the bracket would see
        ASSERT_TRUE(draw(texture.get(), 0, 0));
        EXPECT_EQ(rgb(target.pixel(3, 3)), rgb(colors[i])) << "composite " << i;
        EXPECT_EQ(recorder.starts(), starts_at_import + i + 1);
        EXPECT_EQ(recorder.ends(), starts_at_import + i + 1);
    }
    // Strictly alternating START, END.
    for (size_t i = 0; i < recorder.calls.size(); ++i) {
        EXPECT_EQ(recorder.calls[i] & DMA_BUF_SYNC_END, i % 2 == 0 ? 0u : uint64_t{DMA_BUF_SYNC_END}) << i;
        EXPECT_NE(recorder.calls[i] & DMA_BUF_SYNC_READ, 0u);
    }
}

TEST_F(SoftwareRendererTest, ReadsAPlaneAtAnUnalignedOffsetWithPaddedRows) {
    // 100 bytes into the memfd, rows of 40 bytes for 6 pixels.
    FakeDmabuf dmabuf(6, 5, DRM_FORMAT_XRGB8888, 40, 100);
    dmabuf.fill(0xffffffff);
    TexturePtr texture(wlr_texture_from_buffer(renderer.get(), dmabuf.wlr()));
    ASSERT_NE(texture, nullptr);
    ASSERT_TRUE(draw(texture.get(), 1, 1));
    EXPECT_EQ(rgb(target.pixel(1, 1)), 0xffffffu);
    EXPECT_EQ(rgb(target.pixel(6, 5)), 0xffffffu);
    EXPECT_EQ(rgb(target.pixel(7, 5)), kBlue);
}

TEST_F(SoftwareRendererTest, TextureKeepsClientBufferLockedAndMappedUntilItDies) {
    const int fds_before = open_fd_count();
    BufferEvents events;
    {
        FakeDmabuf dmabuf(8, 8);
        events.watch(dmabuf.wlr());
        // As wlr_surface does: lock for the commit, make the texture, unlock.
        wlr_buffer_lock(dmabuf.wlr());
        TexturePtr texture(wlr_texture_from_buffer(renderer.get(), dmabuf.wlr()));
        ASSERT_NE(texture, nullptr);
        wlr_buffer_unlock(dmabuf.wlr());
        EXPECT_EQ(events.releases, 0) << "released while the texture still reads it";
        EXPECT_EQ(dmabuf.wlr()->n_locks, 1u);
        EXPECT_EQ(memfd_mapping_count(), 2) << "the test's own mapping plus the renderer's";
        // The client destroys its wl_buffer: still locked, so still alive.
        dmabuf.drop();
        EXPECT_FALSE(dmabuf.destroyed());

        texture.reset();
        EXPECT_EQ(events.releases, 1);
        EXPECT_TRUE(dmabuf.destroyed());
        EXPECT_EQ(memfd_mapping_count(), 1);
    }
    EXPECT_EQ(open_fd_count(), fds_before);
}

TEST_F(SoftwareRendererTest, DestroyingTheRendererReleasesLiveTextures) {
    BufferEvents events;
    FakeDmabuf dmabuf(8, 8);
    events.watch(dmabuf.wlr());
    wlr_texture *texture = wlr_texture_from_buffer(renderer.get(), dmabuf.wlr());
    ASSERT_NE(texture, nullptr);
    renderer.reset(); // the inner pixman renderer destroys its textures
    EXPECT_EQ(events.releases, 1);
    EXPECT_EQ(dmabuf.wlr()->n_locks, 0u);
}

struct Refusal {
    const char *name;
    // Spoils the layout; returns whatever must live as long as the buffer.
    sync::UniqueFd (*spoil)(FakeDmabuf &);
};

class RefusedDmabufTest : public SoftwareRendererTest, public ::testing::WithParamInterface<Refusal> {};

TEST_P(RefusedDmabufTest, ReturnsNoTextureAndLeavesNothingBehind) {
    const int fds_before = open_fd_count();
    BufferEvents events;
    {
        FakeDmabuf dmabuf(8, 8);
        events.watch(dmabuf.wlr());
        sync::UniqueFd keep = GetParam().spoil(dmabuf);
        EXPECT_EQ(wlr_texture_from_buffer(renderer.get(), dmabuf.wlr()), nullptr);
        EXPECT_EQ(dmabuf.wlr()->n_locks, 0u);
        EXPECT_EQ(memfd_mapping_count(), 1);
    }
    EXPECT_EQ(recorder.starts(), recorder.ends());
    EXPECT_EQ(open_fd_count(), fds_before);
}

INSTANTIATE_TEST_SUITE_P(Layouts, RefusedDmabufTest,
                         ::testing::Values(Refusal{"TwoPlanes",
                                                   [](FakeDmabuf &b) {
                                                       b.attribs().n_planes = 2;
                                                       b.attribs().fd[1] = b.fd();
                                                       b.attribs().stride[1] = 32;
                                                       return sync::UniqueFd();
                                                   }},
                                           Refusal{"TiledModifier",
                                                   [](FakeDmabuf &b) {
                                                       b.attribs().modifier = I915_FORMAT_MOD_X_TILED;
                                                       return sync::UniqueFd();
                                                   }},
                                           Refusal{"YuvFormat",
                                                   [](FakeDmabuf &b) {
                                                       b.attribs().format = DRM_FORMAT_YUYV;
                                                       return sync::UniqueFd();
                                                   }},
                                           Refusal{"TwoPlaneFormat",
                                                   [](FakeDmabuf &b) {
                                                       b.attribs().format = DRM_FORMAT_NV12;
                                                       return sync::UniqueFd();
                                                   }},
                                           Refusal{"StrideShorterThanARow",
                                                   [](FakeDmabuf &b) {
                                                       b.attribs().stride[0] = 28;
                                                       return sync::UniqueFd();
                                                   }},
                                           Refusal{"StrideNotWordAligned",
                                                   [](FakeDmabuf &b) {
                                                       b.attribs().stride[0] = 34;
                                                       return sync::UniqueFd();
                                                   }},
                                           Refusal{"PlanePastTheEnd",
                                                   [](FakeDmabuf &b) {
                                                       b.attribs().offset[0] = 4096;
                                                       return sync::UniqueFd();
                                                   }},
                                           Refusal{"UnmappableFd",
                                                   [](FakeDmabuf &b) {
                                                       // A pipe: no size to check, and mmap refuses it.
                                                       int fds[2];
                                                       if (pipe2(fds, O_CLOEXEC) != 0) {
                                                           abort();
                                                       }
                                                       ::close(fds[1]);
                                                       b.attribs().fd[0] = fds[0];
                                                       return sync::UniqueFd(fds[0]);
                                                   }}),
                         [](const ::testing::TestParamInfo<Refusal> &info) { return std::string(info.param.name); });

TEST_F(SoftwareRendererTest, RefusesADmabufWhoseSyncFails) {
    recorder.fail_start = true;
    BufferEvents events;
    FakeDmabuf dmabuf(8, 8);
    events.watch(dmabuf.wlr());
    EXPECT_EQ(wlr_texture_from_buffer(renderer.get(), dmabuf.wlr()), nullptr);
    EXPECT_EQ(dmabuf.wlr()->n_locks, 0u);
    EXPECT_EQ(recorder.ends(), 0u) << "no END for a START that failed";
}

TEST(CpuAccessSync, RealIoctlRefusesAnFdThatIsNoDmabuf) {
    sync::UniqueFd memfd(memfd_create("not-a-dmabuf", MFD_CLOEXEC));
    ASSERT_TRUE(memfd.valid());
    auto result = dma_buf_cpu_access_sync(memfd.borrow(), cpu_read_start_flags());
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().errno_value, ENOTTY);
    EXPECT_EQ(cpu_read_start_flags(), uint64_t{DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ});
    EXPECT_EQ(cpu_read_end_flags(), uint64_t{DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ});
}

// --- what wlroots offers clients -------------------------------------------

// The globals a client sees on `display`, through an in-process connection.
std::vector<std::string> advertised_globals(wl_display *display) {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        return {};
    }
    wl_client *server_side = wl_client_create(display, fds[0]);
    wl_display *client = wl_display_connect_to_fd(fds[1]);
    struct State {
        std::vector<std::string> names;
        bool done = false;
    } state;
    static const wl_registry_listener registry_listener = {
        .global = [](void *data, wl_registry *, uint32_t, const char *interface,
                     uint32_t) { static_cast<State *>(data)->names.emplace_back(interface); },
        .global_remove = [](void *, wl_registry *, uint32_t) {},
    };
    static const wl_callback_listener done_listener = {
        .done = [](void *data, wl_callback *, uint32_t) { static_cast<State *>(data)->done = true; },
    };
    wl_registry *registry = wl_display_get_registry(client);
    wl_registry_add_listener(registry, &registry_listener, &state);
    wl_callback *callback = wl_display_sync(client);
    wl_callback_add_listener(callback, &done_listener, &state);
    for (int i = 0; i < 100 && !state.done; ++i) {
        wl_display_flush(client);
        wl_event_loop_dispatch(wl_display_get_event_loop(display), 0);
        wl_display_flush_clients(display);
        while (wl_display_prepare_read(client) != 0) {
            wl_display_dispatch_pending(client);
        }
        pollfd pfd{wl_display_get_fd(client), POLLIN, 0};
        if (poll(&pfd, 1, 10) > 0) {
            wl_display_read_events(client);
        } else {
            wl_display_cancel_read(client);
        }
        wl_display_dispatch_pending(client);
    }
    wl_callback_destroy(callback);
    wl_registry_destroy(registry);
    wl_display_disconnect(client);
    wl_client_destroy(server_side);
    return state.names;
}

bool has(const std::vector<std::string> &names, const char *name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

TEST(SoftwareRendererGlobals, WithoutDrmFdOnlyShmIsOffered) {
    wl_display *display = wl_display_create();
    RendererPtr renderer(create_software_renderer({}));
    ASSERT_TRUE(wlr_renderer_init_wl_display(renderer.get(), display));
    auto globals = advertised_globals(display);
    EXPECT_TRUE(has(globals, "wl_shm"));
    EXPECT_FALSE(has(globals, "zwp_linux_dmabuf_v1"));
    EXPECT_FALSE(has(globals, "wl_drm"));
    renderer.reset();
    wl_display_destroy(display);
}

TEST(SoftwareRendererFormats, WithDrmFdReportsLinearAndImplicitPackedFormats) {
    SoftwareRendererOptions options;
    // Any fd will do: the renderer only hands it to wlroots.
    options.drm_fd = sync::UniqueFd(memfd_create("stand-in-drm-fd", MFD_CLOEXEC));
    const int fd = options.drm_fd.get();
    RendererPtr renderer(create_software_renderer(std::move(options)));
    EXPECT_EQ(wlr_renderer_get_drm_fd(renderer.get()), fd);
    const wlr_drm_format_set *formats = wlr_renderer_get_dmabuf_texture_formats(renderer.get());
    ASSERT_NE(formats, nullptr);
    for (uint32_t format : {DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888, DRM_FORMAT_XBGR8888, DRM_FORMAT_ABGR8888}) {
        const wlr_drm_format *entry = wlr_drm_format_set_get(formats, format);
        ASSERT_NE(entry, nullptr) << std::hex << format;
        std::vector<uint64_t> modifiers(entry->modifiers, entry->modifiers + entry->len);
        EXPECT_NE(std::find(modifiers.begin(), modifiers.end(), DRM_FORMAT_MOD_LINEAR), modifiers.end());
        EXPECT_NE(std::find(modifiers.begin(), modifiers.end(), DRM_FORMAT_MOD_INVALID), modifiers.end());
        EXPECT_EQ(modifiers.size(), 2u);
    }
    for (size_t i = 0; i < formats->len; ++i) {
        const uint32_t format = formats->formats[i]->format;
        EXPECT_NE(format, uint32_t{DRM_FORMAT_NV12});
        EXPECT_NE(format, uint32_t{DRM_FORMAT_YUYV});
    }
}

} // namespace
} // namespace sluice::render::test
