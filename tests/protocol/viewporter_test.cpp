// wp_viewporter as a user sees it: a tiny buffer of four coloured quadrants
// shown scaled to its destination size, cropped to one quadrant by its
// source rectangle (whole and fractional), checked pixel by pixel through
// screencopy; and the protocol errors the XML names (bad_value,
// out_of_buffer, no_surface) reaching the offending client while a
// bystander keeps its frames and its pixels.
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "bystander.hpp"

namespace sluice::test {
namespace {

constexpr uint32_t white = 0xfff0f0f0;

// A size x size buffer: red and green on top, blue and white below.
std::unique_ptr<ShmBuffer> quadrants(Client &c, int32_t size) {
    auto buffer = std::make_unique<ShmBuffer>(c.shm(), size, size);
    const int32_t half = size / 2;
    buffer->fill_rect({0, 0, half, half}, red);
    buffer->fill_rect({half, 0, half, half}, green);
    buffer->fill_rect({0, half, half, half}, blue);
    buffer->fill_rect({half, half, half, half}, white);
    return buffer;
}

Rect inset(const Rect &r, int32_t x, int32_t y, int32_t w, int32_t h) { return {r.x + x, r.y + y, w, h}; }

class Viewporter : public BystanderTest {
protected:
    struct Window {
        std::unique_ptr<Toplevel> toplevel;
        Proxy<wp_viewport> viewport;
        std::unique_ptr<ShmBuffer> buffer;
    };

    void SetUp() override {
        BystanderTest::SetUp();
        if (HasFatalFailure())
            return;
        client_ = connect();
        if (client_->viewporter() == nullptr)
            GTEST_SKIP() << "sluice offers no wp_viewporter";
    }

    void TearDown() override {
        window_.viewport.reset();
        window_.toplevel.reset();
        window_.buffer.reset();
        stop_bystander();
        client_.reset();
        BystanderTest::TearDown();
    }

    // Maps a toplevel showing `buffer` through a viewport that `setup`
    // configures before the first buffer is committed.
    void map_with_viewport(std::unique_ptr<ShmBuffer> buffer, const std::function<void(wp_viewport *)> &setup) {
        window_.buffer = std::move(buffer);
        window_.toplevel = std::make_unique<Toplevel>(*client_);
        window_.viewport.reset(wp_viewporter_get_viewport(client_->viewporter(), window_.toplevel->surface()));
        setup(window_.viewport.get());
        ASSERT_TRUE(window_.toplevel->map(*window_.buffer)) << client_->describe_error();
    }

    // Captures until every area shows its colour, then checks each (and
    // that the window's box holds nothing of the background).
    void expect_areas(const Rect &window, const std::vector<std::pair<Rect, uint32_t>> &areas) {
        const auto shot = capture_until(
            *client_, client_->output().proxy.get(),
            [&](const Image &img) {
                for (const auto &[area, color] : areas) {
                    if (!img.all(area, color))
                        return false;
                }
                return true;
            },
            default_timeout);
        for (const auto &[area, color] : areas) {
            EXPECT_TRUE(shot.last.all(area, color))
                << area << ": " << shot.last.mismatch(area, color) << "; " << keep_image(shot.last, "viewport");
        }
        EXPECT_EQ(shot.last.count(window, background_argb), 0u)
            << "background inside the window " << window << "; " << keep_image(shot.last, "viewport");
        const Rect outside_right{window.x + window.width, 0, out_w - window.x - window.width, out_h};
        EXPECT_TRUE(shot.last.all(outside_right, background_argb))
            << "right of the window: " << shot.last.mismatch(outside_right, background_argb) << "; "
            << keep_image(shot.last, "viewport");
        const Rect below{0, window.y + window.height, out_w, out_h - window.y - window.height};
        EXPECT_TRUE(shot.last.all(below, background_argb))
            << "below the window: " << shot.last.mismatch(below, background_argb) << "; "
            << keep_image(shot.last, "viewport");
    }

    // Sends what `misbehave` sends on a fresh surface's viewport and
    // expects `code` on that viewport.
    using Misbehaviour = std::function<void(Client &, Proxy<wl_surface> &, wp_viewport *)>;
    void expect_viewport_error(const Misbehaviour &misbehave, uint32_t code) {
        start_bystander(100, 80);
        if (HasFatalFailure())
            return;
        Proxy<wl_surface> surface(wl_compositor_create_surface(client_->compositor()));
        Proxy<wp_viewport> viewport(wp_viewporter_get_viewport(client_->viewporter(), surface.get()));
        const uint32_t viewport_id = id_of(viewport.get());
        misbehave(*client_, surface, viewport.get());
        expect_error_alone(*client_, ProtocolError{"wp_viewport", viewport_id, code});
    }

    std::unique_ptr<Client> client_;
    Window window_;
};

TEST_F(Viewporter, DestinationScalesATinyBufferUp) {
    map_with_viewport(quadrants(*client_, 2), [](wp_viewport *v) { wp_viewport_set_destination(v, 200, 200); });
    if (HasFatalFailure())
        return;
    // 100 pixels per texel: the filter mixes colours within 50 pixels of
    // the seams only; the corners are pure.
    const Rect win = centered(out_w, out_h, 200, 200);
    expect_areas(win, {{inset(win, 0, 0, 45, 45), red},
                       {inset(win, 155, 0, 45, 45), green},
                       {inset(win, 0, 155, 45, 45), blue},
                       {inset(win, 155, 155, 45, 45), white}});
}

TEST_F(Viewporter, OnePixelBufferFillsItsDestination) {
    auto buffer = std::make_unique<ShmBuffer>(client_->shm(), 1, 1);
    buffer->fill(green);
    map_with_viewport(std::move(buffer), [](wp_viewport *v) { wp_viewport_set_destination(v, 120, 90); });
    if (HasFatalFailure())
        return;
    const Rect win = centered(out_w, out_h, 120, 90);
    expect_areas(win, {{win, green}});
}

TEST_F(Viewporter, SourceCropsToOneQuadrant) {
    // The green quadrant of a 4x4 buffer, stretched: nothing of its red
    // or white neighbours may bleed in at the edges.
    map_with_viewport(quadrants(*client_, 4), [](wp_viewport *v) {
        wp_viewport_set_source(v, wl_fixed_from_int(2), wl_fixed_from_int(0), wl_fixed_from_int(2),
                               wl_fixed_from_int(2));
        wp_viewport_set_destination(v, 160, 120);
    });
    if (HasFatalFailure())
        return;
    const Rect win = centered(out_w, out_h, 160, 120);
    expect_areas(win, {{win, green}});
}

TEST_F(Viewporter, SourceWithoutDestinationSetsTheSurfaceSize) {
    // The white quadrant of an 8x8 buffer at its own size: a 4x4 surface.
    map_with_viewport(quadrants(*client_, 8), [](wp_viewport *v) {
        wp_viewport_set_source(v, wl_fixed_from_int(4), wl_fixed_from_int(4), wl_fixed_from_int(4),
                               wl_fixed_from_int(4));
    });
    if (HasFatalFailure())
        return;
    const Rect win = centered(out_w, out_h, 4, 4);
    expect_areas(win, {{win, white}});
}

TEST_F(Viewporter, FractionalSourceIsHonoured) {
    // Texels 2.5 .. 5.5 of an 8x8 buffer whose quadrants meet at texel 4,
    // onto 200x200: the seam lands at pixel 100 (not at 4/3 of the width,
    // where a renderer ignoring the crop's offset would put it), and the
    // colours are pure up to a texel (66 pixels) from the seam.
    map_with_viewport(quadrants(*client_, 8), [](wp_viewport *v) {
        wp_viewport_set_source(v, wl_fixed_from_double(2.5), wl_fixed_from_double(2.5), wl_fixed_from_int(3),
                               wl_fixed_from_int(3));
        wp_viewport_set_destination(v, 200, 200);
    });
    if (HasFatalFailure())
        return;
    const Rect win = centered(out_w, out_h, 200, 200);
    expect_areas(win, {{inset(win, 0, 0, 60, 60), red},
                       {inset(win, 140, 0, 60, 60), green},
                       {inset(win, 0, 140, 60, 60), blue},
                       {inset(win, 140, 140, 60, 60), white}});
}

TEST_F(Viewporter, UnsettingTheViewportRestoresTheBufferSize) {
    map_with_viewport(quadrants(*client_, 2), [](wp_viewport *v) { wp_viewport_set_destination(v, 200, 200); });
    if (HasFatalFailure())
        return;
    // -1, -1 unsets the destination: the next buffer shows at its own
    // size, where the window already is (its top-left corner stays).
    wp_viewport_set_destination(window_.viewport.get(), -1, -1);
    auto next = quadrants(*client_, 40);
    window_.toplevel->commit_buffer(*next);
    ASSERT_TRUE(client_->roundtrip()) << client_->describe_error();
    const Rect placed = centered(out_w, out_h, 200, 200);
    const Rect win{placed.x, placed.y, 40, 40};
    expect_areas(win, {{inset(win, 0, 0, 20, 20), red},
                       {inset(win, 20, 0, 20, 20), green},
                       {inset(win, 0, 20, 20, 20), blue},
                       {inset(win, 20, 20, 20, 20), white}});
    EXPECT_EQ(client_->error(), 0) << client_->describe_error();
}

TEST_F(Viewporter, ZeroDestinationIsBadValue) {
    expect_viewport_error([](Client &, Proxy<wl_surface> &, wp_viewport *v) { wp_viewport_set_destination(v, 0, 100); },
                          WP_VIEWPORT_ERROR_BAD_VALUE);
}

TEST_F(Viewporter, NegativeDestinationIsBadValue) {
    // Only -1, -1 means "unset"; any other negative size is an error.
    expect_viewport_error([](Client &, Proxy<wl_surface> &, wp_viewport *v) { wp_viewport_set_destination(v, -5, 20); },
                          WP_VIEWPORT_ERROR_BAD_VALUE);
}

TEST_F(Viewporter, NegativeSourceOriginIsBadValue) {
    expect_viewport_error(
        [](Client &, Proxy<wl_surface> &, wp_viewport *v) {
            wp_viewport_set_source(v, wl_fixed_from_int(-2), wl_fixed_from_int(0), wl_fixed_from_int(2),
                                   wl_fixed_from_int(2));
        },
        WP_VIEWPORT_ERROR_BAD_VALUE);
}

TEST_F(Viewporter, ZeroSourceSizeIsBadValue) {
    expect_viewport_error(
        [](Client &, Proxy<wl_surface> &, wp_viewport *v) {
            wp_viewport_set_source(v, wl_fixed_from_int(0), wl_fixed_from_int(0), wl_fixed_from_int(0),
                                   wl_fixed_from_int(2));
        },
        WP_VIEWPORT_ERROR_BAD_VALUE);
}

TEST_F(Viewporter, SourceOutsideTheBufferAtCommitIsOutOfBuffer) {
    std::unique_ptr<ShmBuffer> buffer;
    expect_viewport_error(
        [&](Client &c, Proxy<wl_surface> &surface, wp_viewport *v) {
            buffer = quadrants(c, 2);
            // Legal on its own; wrong for the 2x2 buffer it is committed with.
            wp_viewport_set_source(v, wl_fixed_from_int(1), wl_fixed_from_int(1), wl_fixed_from_int(2),
                                   wl_fixed_from_int(2));
            wp_viewport_set_destination(v, 50, 50);
            wl_surface_attach(surface.get(), buffer->get(), 0, 0);
            wl_surface_damage_buffer(surface.get(), 0, 0, 2, 2);
            wl_surface_commit(surface.get());
        },
        WP_VIEWPORT_ERROR_OUT_OF_BUFFER);
}

TEST_F(Viewporter, RequestAfterTheSurfaceIsGoneIsNoSurface) {
    expect_viewport_error(
        [](Client &, Proxy<wl_surface> &surface, wp_viewport *v) {
            surface.reset(); // wl_surface.destroy; the viewport stays
            wp_viewport_set_destination(v, 10, 10);
        },
        WP_VIEWPORT_ERROR_NO_SURFACE);
}

TEST_F(Viewporter, SecondViewportForASurfaceIsViewportExists) {
    start_bystander(100, 80);
    if (HasFatalFailure())
        return;
    Proxy<wl_surface> surface(wl_compositor_create_surface(client_->compositor()));
    Proxy<wp_viewport> first(wp_viewporter_get_viewport(client_->viewporter(), surface.get()));
    Proxy<wp_viewport> second(wp_viewporter_get_viewport(client_->viewporter(), surface.get()));
    expect_error_alone(
        *client_, ProtocolError{"wp_viewporter", id_of(client_->viewporter()), WP_VIEWPORTER_ERROR_VIEWPORT_EXISTS});
}

TEST_F(Viewporter, ANewViewportAfterTheOldOneIsDestroyedIsFine) {
    Proxy<wl_surface> surface(wl_compositor_create_surface(client_->compositor()));
    Proxy<wp_viewport> first(wp_viewporter_get_viewport(client_->viewporter(), surface.get()));
    first.reset();
    Proxy<wp_viewport> second(wp_viewporter_get_viewport(client_->viewporter(), surface.get()));
    wp_viewport_set_destination(second.get(), 10, 10);
    ASSERT_TRUE(client_->roundtrip()) << client_->describe_error();
    EXPECT_EQ(client_->error(), 0) << client_->describe_error();
}

} // namespace
} // namespace sluice::test
