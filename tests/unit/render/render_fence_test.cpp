// Render-done fences on the host's own EGL: Mesa's surfaceless platform
// (llvmpipe; no GPU and no /dev/dri needed). A fence made after a frame's
// commands signals once they are done, a WaitThread can wait for it off the
// calling thread, and a fence needs a current context. Where the fences
// decide what the display shows (llvmpipe on vkms) is tested in the VM:
// kms-screenshots' ExportedFrameIsFinishedWhenReady.
#include <poll.h>

#include <GLES2/gl2.h>
#include <gtest/gtest.h>

#include "render/render_fence.hpp"
#include "sync/wait_thread.hpp"

namespace sluice::render {
namespace {

// A GLES2 context on the surfaceless platform, current, drawing into an
// offscreen framebuffer.
class SurfacelessGl {
public:
    SurfacelessGl() {
        const char *client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
        if (client == nullptr ||
            std::string_view(client).find("EGL_MESA_platform_surfaceless") == std::string_view::npos) {
            why_ = "EGL has no EGL_MESA_platform_surfaceless";
            return;
        }
        auto get_display =
            reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(eglGetProcAddress("eglGetPlatformDisplayEXT"));
        display_ = get_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
        if (display_ == EGL_NO_DISPLAY || !eglInitialize(display_, nullptr, nullptr)) {
            why_ = "cannot initialise Mesa's surfaceless EGL display (is libegl-mesa0 installed?)";
            display_ = EGL_NO_DISPLAY;
            return;
        }
        eglBindAPI(EGL_OPENGL_ES_API);
        const EGLint attributes[] = {EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE};
        context_ = eglCreateContext(display_, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attributes);
        if (context_ == EGL_NO_CONTEXT || !eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, context_)) {
            why_ = "cannot make a surfaceless GLES2 context current";
            return;
        }
        glGenRenderbuffers(1, &renderbuffer_);
        glBindRenderbuffer(GL_RENDERBUFFER, renderbuffer_);
        glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA4, size, size);
        glGenFramebuffers(1, &framebuffer_);
        glBindFramebuffer(GL_FRAMEBUFFER, framebuffer_);
        glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, renderbuffer_);
        if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE)
            why_ = "the offscreen framebuffer is incomplete";
    }
    ~SurfacelessGl() {
        if (display_ == EGL_NO_DISPLAY)
            return;
        if (context_ != EGL_NO_CONTEXT) {
            glDeleteFramebuffers(1, &framebuffer_);
            glDeleteRenderbuffers(1, &renderbuffer_);
            eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
            eglDestroyContext(display_, context_);
        }
        // No eglTerminate: Mesa would unload its driver, and LeakSanitizer
        // could no longer tell its exit-time allocations (suppressed in
        // tests/lsan.supp by library name) from ours.
    }

    // Empty when usable, else why not.
    const std::string &why_not() const { return why_; }
    EGLDisplay display() const { return display_; }

    // Enough work that llvmpipe is still at it when the calls return.
    void draw_frame() {
        glViewport(0, 0, size, size);
        for (int i = 0; i < 8; ++i) {
            glClearColor(i / 8.0f, 0.5f, 1.0f - i / 8.0f, 1.0f);
            glClear(GL_COLOR_BUFFER_BIT);
        }
    }

    static constexpr int size = 2048;

private:
    std::string why_;
    EGLDisplay display_ = EGL_NO_DISPLAY;
    EGLContext context_ = EGL_NO_CONTEXT;
    GLuint renderbuffer_ = 0, framebuffer_ = 0;
};

class RenderFenceTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!gl_.why_not().empty())
            GTEST_SKIP() << gl_.why_not();
        std::string why;
        fences_ = RenderFences::for_display(gl_.display(), why);
        ASSERT_NE(fences_, nullptr) << "Mesa's EGL offers EGL_KHR_fence_sync, but: " << why;
    }

    SurfacelessGl gl_;
    std::unique_ptr<RenderFences> fences_;
};

TEST_F(RenderFenceTest, SignalsOnceTheFrameIsDrawn) {
    gl_.draw_frame();
    auto fence = fences_->after_frame();
    ASSERT_TRUE(fence.ok()) << fence.error().message;
    const RenderFence *raw = fence->get();
    auto thread = sync::WaitThread::start({.step = [raw](std::chrono::nanoseconds limit) { return raw->wait(limit); }},
                                          std::chrono::milliseconds{20});
    ASSERT_TRUE(thread.ok()) << thread.error().message;
    pollfd done{.fd = (*thread)->done_fd().get(), .events = POLLIN, .revents = 0};
    ASSERT_EQ(::poll(&done, 1, 30'000), 1) << "the fence thread never saw the frame finish";
    auto outcome = (*thread)->finish();
    EXPECT_TRUE(outcome.ok()) << outcome.error().message;
    // Signaled for good: a wait with no time left says so at once.
    auto now = (*fence)->wait(std::chrono::nanoseconds{0});
    ASSERT_TRUE(now.ok()) << now.error().message;
    EXPECT_TRUE(*now);
    // And the frame is what was drawn last.
    GLubyte pixel[4] = {};
    glReadPixels(SurfacelessGl::size - 1, SurfacelessGl::size - 1, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, pixel);
    EXPECT_NEAR(pixel[0], 7 * 255 / 8, 17);
    EXPECT_NEAR(pixel[2], 255 / 8, 17);
}

TEST_F(RenderFenceTest, EachFrameGetsItsOwnFence) {
    for (int frame = 0; frame < 3; ++frame) {
        gl_.draw_frame();
        auto fence = fences_->after_frame();
        ASSERT_TRUE(fence.ok()) << fence.error().message;
        auto signaled = (*fence)->wait(std::chrono::seconds{30});
        ASSERT_TRUE(signaled.ok()) << signaled.error().message;
        EXPECT_TRUE(*signaled) << "frame " << frame;
    }
}

TEST_F(RenderFenceTest, NeedsTheDisplaysContextCurrent) {
    eglMakeCurrent(gl_.display(), EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    auto fence = fences_->after_frame();
    ASSERT_FALSE(fence.ok());
    EXPECT_NE(fence.error().message.find("no context"), std::string::npos) << fence.error().message;
}

TEST_F(RenderFenceTest, SyncFilesOnlyFromNativeFences) {
    gl_.draw_frame();
    auto fence = fences_->after_frame();
    ASSERT_TRUE(fence.ok()) << fence.error().message;
    auto file = (*fence)->sync_file();
    if (fences_->native()) {
        ASSERT_TRUE(file.ok()) << file.error().message;
    } else {
        ASSERT_FALSE(file.ok());
        EXPECT_EQ(file.error().errno_value, EOPNOTSUPP) << file.error().message;
    }
}

} // namespace
} // namespace sluice::render
