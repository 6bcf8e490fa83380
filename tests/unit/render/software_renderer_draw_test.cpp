// What the software renderer draws, pixel by pixel: known textures through
// wlr_render_subtexture_with_matrix with source crops (whole and
// fractional), scaling, the eight output transforms, alpha, translucent and
// opaque formats and the scissor, into a plain memory target. The matrices
// are made the way wlr_scene makes them: wlr_matrix_project_box with the
// output's transform matrix as projection.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>

#include "fake_buffers.hpp"
#include "render/software_renderer.hpp"

namespace sluice::render::test {
namespace {

constexpr float kIdentity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
constexpr float kClearBlack[4] = {0, 0, 0, 1};
constexpr uint32_t kBlack = 0x000000;
constexpr uint32_t kRed = 0xff0000, kGreen = 0x00ff00, kBlue = 0x0000ff, kWhite = 0xffffff;

uint32_t rgb(uint32_t xrgb) { return xrgb & 0xffffff; }

std::string hex(uint32_t value) {
    std::ostringstream out;
    out << "0x" << std::hex << value;
    return out.str();
}

// Each channel within `tolerance` of the expected one.
::testing::AssertionResult near_rgb(uint32_t actual, uint32_t expected, int tolerance = 2) {
    for (int shift : {0, 8, 16}) {
        const int a = static_cast<int>((actual >> shift) & 0xff), e = static_cast<int>((expected >> shift) & 0xff);
        if (std::abs(a - e) > tolerance) {
            return ::testing::AssertionFailure() << hex(rgb(actual)) << " is not " << hex(expected);
        }
    }
    return ::testing::AssertionSuccess();
}

struct RendererDeleter {
    void operator()(wlr_renderer *r) const { wlr_renderer_destroy(r); }
};
struct TextureDeleter {
    void operator()(wlr_texture *t) const { wlr_texture_destroy(t); }
};
using RendererPtr = std::unique_ptr<wlr_renderer, RendererDeleter>;
using TexturePtr = std::unique_ptr<wlr_texture, TextureDeleter>;

// A width x height texture of four quadrants: red, green (top), blue,
// white (bottom), in ARGB8888 unless told.
void paint_quadrants(MemoryBuffer &buffer, int32_t width, int32_t height) {
    for (int32_t y = 0; y < height; ++y) {
        for (int32_t x = 0; x < width; ++x) {
            const bool right = x >= width / 2, bottom = y >= height / 2;
            const uint32_t color = bottom ? (right ? kWhite : kBlue) : (right ? kGreen : kRed);
            buffer.set_pixel(x, y, 0xff000000 | color);
        }
    }
}

uint32_t quadrant_color(double u, double v) { return v < 0.5 ? (u < 0.5 ? kRed : kGreen) : (u < 0.5 ? kBlue : kWhite); }

// The target pixel position that the matrix sends unit point (u, v) to.
std::pair<int, int> unit_to_pixel(const float m[9], double u, double v) {
    const double x = m[0] * u + m[1] * v + m[2], y = m[3] * u + m[4] * v + m[5];
    return {static_cast<int>(std::floor(x)), static_cast<int>(std::floor(y))};
}

// wlr_output's transform_matrix for an output of buffer size width x height
// (wlroots 0.15 output_update_matrix).
struct Projection {
    float m[9];
};
Projection output_projection(int width, int height, wl_output_transform transform) {
    Projection p{};
    wlr_matrix_identity(p.m);
    if (transform != WL_OUTPUT_TRANSFORM_NORMAL) {
        const bool swapped = (transform % 2) == 1;
        const int tr_width = swapped ? height : width, tr_height = swapped ? width : height;
        wlr_matrix_translate(p.m, width / 2.0f, height / 2.0f);
        wlr_matrix_transform(p.m, transform);
        wlr_matrix_translate(p.m, -tr_width / 2.0f, -tr_height / 2.0f);
    }
    return p;
}

class SoftwareRendererDrawTest : public ::testing::Test {
protected:
    void SetUp() override {
        wlr_log_init(WLR_ERROR, nullptr);
        renderer.reset(create_software_renderer({}));
        ASSERT_NE(renderer, nullptr);
    }

    TexturePtr texture_of(MemoryBuffer &buffer) {
        return TexturePtr(wlr_texture_from_buffer(renderer.get(), buffer.wlr()));
    }

    // Clears the target to black, then runs `draw` inside begin/end.
    template <typename Draw>
    void render(Draw &&draw) {
        ASSERT_TRUE(wlr_renderer_begin_with_buffer(renderer.get(), target.wlr()));
        wlr_renderer_clear(renderer.get(), kClearBlack);
        draw();
        wlr_renderer_end(renderer.get());
    }

    // Draws `src` of `texture` into `box` with `transform`, as wlr_scene does.
    bool draw_box(wlr_texture *texture, const wlr_fbox &src, const wlr_box &box,
                  wl_output_transform transform = WL_OUTPUT_TRANSFORM_NORMAL, float alpha = 1.0f,
                  const float *projection = kIdentity) {
        wlr_matrix_project_box(matrix, &box, transform, 0, projection);
        return wlr_render_subtexture_with_matrix(renderer.get(), texture, &src, matrix, alpha);
    }

    // Pixels of `area` in the target that are not `color`, as text.
    std::string mismatches(const wlr_box &area, uint32_t color, int tolerance = 0) {
        std::ostringstream out;
        int count = 0;
        for (int y = area.y; y < area.y + area.height; ++y) {
            for (int x = area.x; x < area.x + area.width; ++x) {
                if (!near_rgb(target.pixel(x, y), color, tolerance)) {
                    if (count++ < 5) {
                        out << " (" << x << "," << y << ")=" << hex(rgb(target.pixel(x, y)));
                    }
                }
            }
        }
        return count == 0 ? std::string() : std::to_string(count) + " pixels not " + hex(color) + ":" + out.str();
    }

    // A `size`x`size` XRGB8888 texture of paint_quadrants, its buffer kept
    // until the fixture goes.
    TexturePtr quadrant_texture(int32_t size) {
        sources.push_back(std::make_unique<MemoryBuffer>(size, size, DRM_FORMAT_XRGB8888));
        paint_quadrants(*sources.back(), size, size);
        return texture_of(*sources.back());
    }

    struct Area {
        wlr_box box;
        uint32_t color;
        int tolerance = 0;
    };
    // Every pixel of each area is its colour; a failure names the area.
    void expect_areas(std::initializer_list<Area> areas, const std::string &context = {}) {
        for (const Area &a : areas) {
            EXPECT_EQ(mismatches(a.box, a.color, a.tolerance), "")
                << context << " in " << a.box.x << "," << a.box.y << " " << a.box.width << "x" << a.box.height;
        }
    }

    RendererPtr renderer;
    std::vector<std::unique_ptr<MemoryBuffer>> sources;
    MemoryBuffer target{128, 128};
    float matrix[9] = {};
};

TEST_F(SoftwareRendererDrawTest, OnePixelStretchedFillsItsWholeDestination) {
    MemoryBuffer one(1, 1, DRM_FORMAT_ARGB8888);
    one.fill(0xff00ff00);
    TexturePtr texture = texture_of(one);
    ASSERT_NE(texture, nullptr);
    render([&] { EXPECT_TRUE(draw_box(texture.get(), {0, 0, 1, 1}, {10, 20, 100, 100})); });
    expect_areas({{{10, 20, 100, 100}, kGreen},
                  {{0, 0, 128, 20}, kBlack},
                  {{0, 20, 10, 100}, kBlack},
                  {{110, 20, 18, 100}, kBlack},
                  {{0, 120, 128, 8}, kBlack}});
}

TEST_F(SoftwareRendererDrawTest, QuadrantsScaleUpWithCleanEdges) {
    TexturePtr texture = quadrant_texture(2);
    render([&] { EXPECT_TRUE(draw_box(texture.get(), {0, 0, 2, 2}, {8, 8, 80, 80})); });
    // Bilinear blends only across the middle seams; the outer edges clamp.
    expect_areas({{{8, 8, 20, 20}, kRed},
                  {{68, 8, 20, 20}, kGreen},
                  {{8, 68, 20, 20}, kBlue},
                  {{68, 68, 20, 20}, kWhite},
                  {{0, 0, 8, 128}, kBlack},
                  {{88, 0, 40, 128}, kBlack},
                  {{0, 88, 128, 40}, kBlack}});
}

TEST_F(SoftwareRendererDrawTest, CropToOneQuadrantShowsOnlyIt) {
    TexturePtr texture = quadrant_texture(4);
    // The green quadrant, stretched: no red from its left neighbour or blue
    // from below may bleed in through the filter.
    render([&] { EXPECT_TRUE(draw_box(texture.get(), {2, 0, 2, 2}, {0, 0, 50, 50})); });
    expect_areas({{{0, 0, 50, 50}, kGreen}, {{50, 0, 78, 128}, kBlack}});
    // Unscaled: a plain copy of the white quadrant.
    render([&] { EXPECT_TRUE(draw_box(texture.get(), {2, 2, 2, 2}, {30, 40, 2, 2})); });
    expect_areas({{{30, 40, 2, 2}, kWhite}, {{0, 0, 30, 128}, kBlack}, {{32, 0, 96, 128}, kBlack}});
}

TEST_F(SoftwareRendererDrawTest, FractionalCropSamplesBetweenTexels) {
    TexturePtr texture = quadrant_texture(8);
    // Texels 1.5 .. 6.5 onto 50 pixels: 10 pixels per texel, the seams at
    // texel 4, i.e. pixel 25. Pure colours at least half a texel away.
    render([&] { EXPECT_TRUE(draw_box(texture.get(), {1.5, 1.5, 5, 5}, {0, 0, 50, 50})); });
    expect_areas(
        {{{0, 0, 20, 20}, kRed}, {{30, 0, 20, 20}, kGreen}, {{0, 30, 20, 20}, kBlue}, {{30, 30, 20, 20}, kWhite}});
    // Between texels the filter mixes: at the seam, half red half green.
    EXPECT_TRUE(near_rgb(target.pixel(24, 5), 0x808000, 40)) << hex(rgb(target.pixel(24, 5)));
    EXPECT_EQ(mismatches({50, 0, 78, 128}, kBlack), "");

    // A half-texel shift at unit scale: every pixel a mix of two texels.
    MemoryBuffer stripes(4, 1, DRM_FORMAT_XRGB8888);
    stripes.set_pixel(0, 0, 0xff000000);
    stripes.set_pixel(1, 0, 0xffc8c8c8);
    stripes.set_pixel(2, 0, 0xff000000);
    stripes.set_pixel(3, 0, 0xffc8c8c8);
    TexturePtr striped = texture_of(stripes);
    render([&] { EXPECT_TRUE(draw_box(striped.get(), {0.5, 0, 3, 1}, {0, 0, 3, 1})); });
    for (int x = 0; x < 3; ++x) {
        EXPECT_TRUE(near_rgb(target.pixel(x, 0), 0x646464, 2)) << x << ": " << hex(rgb(target.pixel(x, 0)));
    }
}

TEST_F(SoftwareRendererDrawTest, EveryTransformFollowsTheMatrixExactlyAtUnitScale) {
    // A texture with no two texels alike: each target pixel must show
    // exactly the texel the matrix sends there, with no filtering.
    constexpr int kW = 6, kH = 4;
    MemoryBuffer pattern(kW, kH, DRM_FORMAT_XRGB8888);
    auto texel = [](int x, int y) { return 0xff000000u | static_cast<uint32_t>(x * 40 << 16 | y * 60 << 8 | 7); };
    for (int y = 0; y < kH; ++y) {
        for (int x = 0; x < kW; ++x) {
            pattern.set_pixel(x, y, texel(x, y));
        }
    }
    TexturePtr texture = texture_of(pattern);
    for (int t = WL_OUTPUT_TRANSFORM_NORMAL; t <= WL_OUTPUT_TRANSFORM_FLIPPED_270; ++t) {
        const auto transform = static_cast<wl_output_transform>(t);
        const bool swapped = (t % 2) == 1;
        const wlr_box box{20, 30, swapped ? kH : kW, swapped ? kW : kH};
        render([&] { EXPECT_TRUE(draw_box(texture.get(), {0, 0, kW, kH}, box, transform)); });
        // Walk the texels and look where the matrix puts each centre.
        for (int y = 0; y < kH; ++y) {
            for (int x = 0; x < kW; ++x) {
                auto [px, py] = unit_to_pixel(matrix, (x + 0.5) / kW, (y + 0.5) / kH);
                EXPECT_EQ(rgb(target.pixel(px, py)), rgb(texel(x, y)))
                    << "transform " << t << " texel " << x << "," << y << " at " << px << "," << py;
            }
        }
        expect_areas({{{0, 0, 20, 128}, kBlack}, {{box.x + box.width, 0, 128 - box.x - box.width, 128}, kBlack}},
                     "transform " + std::to_string(t));
    }
}

TEST_F(SoftwareRendererDrawTest, Transform90PutsTheTopLeftQuadrantBottomLeft) {
    TexturePtr texture = quadrant_texture(2);
    render([&] { EXPECT_TRUE(draw_box(texture.get(), {0, 0, 2, 2}, {0, 0, 40, 40}, WL_OUTPUT_TRANSFORM_90)); });
    // wlroots' 90 is (u, v) -> (v, 1 - u), as GL draws it. 20 pixels per
    // texel: pure colours up to 10 pixels from the seams.
    expect_areas(
        {{{0, 0, 10, 10}, kGreen}, {{30, 0, 10, 10}, kWhite}, {{0, 30, 10, 10}, kRed}, {{30, 30, 10, 10}, kBlue}});
}

TEST_F(SoftwareRendererDrawTest, ScaledAndTransformedQuadrantsLandWhereTheMatrixSays) {
    TexturePtr texture = quadrant_texture(2);
    for (int t = WL_OUTPUT_TRANSFORM_NORMAL; t <= WL_OUTPUT_TRANSFORM_FLIPPED_270; ++t) {
        const auto transform = static_cast<wl_output_transform>(t);
        render([&] { EXPECT_TRUE(draw_box(texture.get(), {0, 0, 2, 2}, {10, 10, 60, 40}, transform)); });
        for (double u : {0.2, 0.8}) {
            for (double v : {0.2, 0.8}) {
                auto [px, py] = unit_to_pixel(matrix, u, v);
                EXPECT_EQ(rgb(target.pixel(px, py)), quadrant_color(u, v))
                    << "transform " << t << " unit " << u << "," << v;
            }
        }
        expect_areas({{{0, 0, 128, 10}, kBlack}, {{0, 50, 128, 78}, kBlack}, {{70, 0, 58, 128}, kBlack}},
                     "transform " + std::to_string(t));
    }
}

TEST_F(SoftwareRendererDrawTest, RotatedOutputProjectionPlacesTheSurfaceInBufferPixels) {
    // A 128x128 output buffer turned 90: layout (x, y) lands at buffer
    // (y, 128 - x), where the scene's damage boxes go too (wlr_box_transform
    // with the inverse transform). A 10x20 red box at layout (5, 7).
    MemoryBuffer red(1, 1, DRM_FORMAT_XRGB8888);
    red.fill(0xffff0000);
    TexturePtr texture = texture_of(red);
    const Projection p = output_projection(128, 128, WL_OUTPUT_TRANSFORM_90);
    render([&] {
        EXPECT_TRUE(draw_box(texture.get(), {0, 0, 1, 1}, {5, 7, 10, 20}, WL_OUTPUT_TRANSFORM_NORMAL, 1.0f, p.m));
    });
    wlr_box expected{};
    const wlr_box layout{5, 7, 10, 20};
    wlr_box_transform(&expected, &layout, wlr_output_transform_invert(WL_OUTPUT_TRANSFORM_90), 128, 128);
    EXPECT_EQ(mismatches(expected, kRed), "")
        << expected.x << "," << expected.y << " " << expected.width << "x" << expected.height;
    EXPECT_EQ(expected.width, 20);
    int red_pixels = 0;
    for (int y = 0; y < 128; ++y) {
        for (int x = 0; x < 128; ++x) {
            red_pixels += rgb(target.pixel(x, y)) == kRed;
        }
    }
    EXPECT_EQ(red_pixels, 200);
}

TEST_F(SoftwareRendererDrawTest, AlphaBlendsOpaqueAndTranslucentTextures) {
    MemoryBuffer opaque(4, 4, DRM_FORMAT_XRGB8888);
    opaque.fill(0x00ff0000); // X byte zero: still opaque red
    MemoryBuffer half(4, 4, DRM_FORMAT_ARGB8888);
    half.fill(0x80800000); // premultiplied 50 % red
    TexturePtr opaque_texture = texture_of(opaque);
    TexturePtr half_texture = texture_of(half);
    EXPECT_TRUE(wlr_texture_is_opaque(opaque_texture.get()));
    EXPECT_FALSE(wlr_texture_is_opaque(half_texture.get()));
    const float blue[4] = {0, 0, 1, 1};
    ASSERT_TRUE(wlr_renderer_begin_with_buffer(renderer.get(), target.wlr()));
    wlr_renderer_clear(renderer.get(), blue);
    EXPECT_TRUE(draw_box(opaque_texture.get(), {0, 0, 4, 4}, {0, 0, 4, 4}));
    EXPECT_TRUE(draw_box(opaque_texture.get(), {0, 0, 4, 4}, {10, 0, 4, 4}, WL_OUTPUT_TRANSFORM_NORMAL, 0.5f));
    EXPECT_TRUE(draw_box(half_texture.get(), {0, 0, 4, 4}, {20, 0, 4, 4}));
    EXPECT_TRUE(draw_box(half_texture.get(), {0, 0, 4, 4}, {30, 0, 4, 4}, WL_OUTPUT_TRANSFORM_NORMAL, 0.5f));
    // Scaled, with alpha: the filtered path blends too.
    EXPECT_TRUE(draw_box(opaque_texture.get(), {0, 0, 4, 4}, {40, 0, 16, 16}, WL_OUTPUT_TRANSFORM_NORMAL, 0.5f));
    EXPECT_TRUE(draw_box(opaque_texture.get(), {0, 0, 4, 4}, {60, 0, 16, 16}, WL_OUTPUT_TRANSFORM_NORMAL, 0.0f));
    wlr_renderer_end(renderer.get());
    expect_areas({{{0, 0, 4, 4}, kRed},
                  {{10, 0, 4, 4}, 0x80007f, 2},
                  {{20, 0, 4, 4}, 0x80007f, 2},
                  {{30, 0, 4, 4}, 0x4000bf, 2},
                  {{40, 0, 16, 16}, 0x80007f, 2},
                  {{60, 0, 16, 16}, kBlue}});
}

TEST_F(SoftwareRendererDrawTest, ScissorLimitsEveryKindOfDraw) {
    MemoryBuffer green(4, 4, DRM_FORMAT_XRGB8888);
    green.fill(0xff00ff00);
    TexturePtr texture = texture_of(green);
    wlr_box scissor{10, 10, 20, 20};
    render([&] {
        wlr_renderer_scissor(renderer.get(), &scissor);
        const float red[4] = {1, 0, 0, 1};
        wlr_renderer_clear(renderer.get(), red);
        EXPECT_TRUE(draw_box(texture.get(), {0, 0, 4, 4}, {0, 0, 4, 4}));     // outside: nothing
        EXPECT_TRUE(draw_box(texture.get(), {0, 0, 4, 4}, {8, 8, 4, 4}));     // copy, half inside
        EXPECT_TRUE(draw_box(texture.get(), {0, 0, 4, 4}, {20, 20, 40, 40})); // scaled, corner inside
        const float white[4] = {1, 1, 1, 1};
        wlr_box quad{25, 0, 2, 100};
        float quad_matrix[9];
        wlr_matrix_project_box(quad_matrix, &quad, WL_OUTPUT_TRANSFORM_NORMAL, 0, kIdentity);
        wlr_render_quad_with_matrix(renderer.get(), white, quad_matrix);
        wlr_renderer_scissor(renderer.get(), nullptr);
    });
    expect_areas({{{0, 0, 128, 10}, kBlack},
                  {{0, 0, 10, 128}, kBlack},
                  {{30, 0, 98, 128}, kBlack},
                  {{0, 30, 128, 98}, kBlack},
                  {{10, 10, 2, 2}, kGreen},
                  {{12, 12, 8, 8}, kRed},
                  {{20, 20, 5, 10}, kGreen},
                  {{25, 10, 2, 20}, kWhite}});
}

TEST_F(SoftwareRendererDrawTest, QuadsFillRectanglesAndTurnedSquares) {
    const float half_white[4] = {0.5f, 0.5f, 0.5f, 0.5f}; // premultiplied
    const float red[4] = {1, 0, 0, 1};
    render([&] {
        wlr_box box{4, 4, 10, 6};
        float m[9];
        wlr_matrix_project_box(m, &box, WL_OUTPUT_TRANSFORM_NORMAL, 0, kIdentity);
        wlr_render_quad_with_matrix(renderer.get(), red, m);
        wlr_render_quad_with_matrix(renderer.get(), half_white, m);
        // A 20x20 square turned by 45 degrees around its centre (60, 60).
        wlr_box turned{50, 50, 20, 20};
        wlr_matrix_project_box(m, &turned, WL_OUTPUT_TRANSFORM_NORMAL, static_cast<float>(M_PI / 4), kIdentity);
        wlr_render_quad_with_matrix(renderer.get(), red, m);
    });
    expect_areas({{{4, 4, 10, 6}, 0xff8080, 2}, {{0, 0, 4, 50}, kBlack}, {{14, 0, 30, 40}, kBlack}});
    // The turned square's centre and its tips, not its bounding box's corners.
    EXPECT_EQ(mismatches({56, 56, 8, 8}, kRed), "");
    EXPECT_EQ(rgb(target.pixel(60, 47)), kRed);
    EXPECT_EQ(rgb(target.pixel(73, 60)), kRed);
    EXPECT_EQ(rgb(target.pixel(47, 47)), kBlack);
    EXPECT_EQ(rgb(target.pixel(73, 73)), kBlack);
}

TEST_F(SoftwareRendererDrawTest, SourcePastTheBufferDrawsOnlyWhatExists) {
    TexturePtr texture = quadrant_texture(2);
    render([&] {
        EXPECT_TRUE(draw_box(texture.get(), {1, 1, 2, 2}, {0, 0, 2, 2}));     // copy
        EXPECT_TRUE(draw_box(texture.get(), {1, 1, 2, 2}, {10, 10, 40, 40})); // scaled
        EXPECT_TRUE(draw_box(texture.get(), {4, 4, 1, 1}, {60, 60, 10, 10})); // entirely outside
    });
    EXPECT_EQ(rgb(target.pixel(0, 0)), kWhite);
    expect_areas(
        {{{1, 0, 1, 2}, kBlack}, {{10, 10, 20, 20}, kWhite}, {{30, 10, 20, 40}, kBlack}, {{60, 60, 10, 10}, kBlack}});
}

// A dma-buf's data is read only inside its DMA_BUF_IOCTL_SYNC bracket, one
// per composite, and not at all for a draw that shows nothing.
TEST_F(SoftwareRendererDrawTest, DmabufReadsAreBracketedAndSkippedWhenClippedAway) {
    std::vector<uint64_t> calls;
    SoftwareRendererOptions options;
    options.cpu_access_sync = [&calls](sync::BorrowedFd, uint64_t flags) -> sync::Result<void> {
        calls.push_back(flags);
        return {};
    };
    renderer.reset(create_software_renderer(std::move(options)));
    FakeDmabuf dmabuf(2, 2);
    dmabuf.fill(0xff00ff00);
    TexturePtr texture(wlr_texture_from_buffer(renderer.get(), dmabuf.wlr()));
    ASSERT_NE(texture, nullptr);
    const size_t at_import = calls.size();
    EXPECT_EQ(at_import, 2u) << "one START/END pair when the texture is made";
    render([&] {
        EXPECT_TRUE(draw_box(texture.get(), {0, 0, 2, 2}, {10, 10, 40, 40}));
        wlr_box scissor{100, 100, 10, 10};
        wlr_renderer_scissor(renderer.get(), &scissor);
        EXPECT_TRUE(draw_box(texture.get(), {0, 0, 2, 2}, {10, 10, 40, 40}));
    });
    EXPECT_EQ(calls.size(), at_import + 2);
    EXPECT_EQ(mismatches({10, 10, 40, 40}, kGreen), "");
}

} // namespace
} // namespace sluice::render::test
