#include "gpu_producer.hpp"

#include <cstring>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <GLES2/gl2ext.h>
#include <drm_fourcc.h>
#include <fcntl.h>
#include <gbm.h>
#include <unistd.h>

namespace sluice::test {

namespace {

bool has_extension(const char *list, std::string_view name) {
    if (list == nullptr)
        return false;
    for (std::string_view rest(list); !rest.empty();) {
        const size_t end = rest.find(' ');
        if (rest.substr(0, end) == name)
            return true;
        if (end == std::string_view::npos)
            break;
        rest.remove_prefix(end + 1);
    }
    return false;
}

template <typename Proc>
Proc lookup(const char *name) {
    return reinterpret_cast<Proc>(eglGetProcAddress(name));
}

EGLDisplay as_display(void *display) { return static_cast<EGLDisplay>(display); }

// The colour comes from a uniform; the loop before it only costs time. Its
// result is folded in as a term that is always 0 but that the compiler
// cannot prove to be, so the loop is not optimised away.
constexpr const char *vertex_shader = R"(
attribute vec2 position;
void main() { gl_Position = vec4(position, 0.0, 1.0); }
)";
constexpr const char *fragment_shader = R"(
precision highp float;
uniform vec3 colour;
uniform int work;
void main() {
    float a = gl_FragCoord.x * 0.001;
    for (int i = 0; i < 100000; ++i) {
        if (i >= work)
            break;
        a = fract(sin(a + float(i)) * 43758.5453);
    }
    gl_FragColor = vec4(colour + vec3(step(2.0, a)), 1.0);
}
)";

// Bands drawn one after another, so that work in flight leaves the
// buffer part new and part old.
constexpr int bands = 8;

GLuint compile(GLenum type, const char *source, std::string *why) {
    GLuint shader = glCreateShader(type);
    glShaderSource(shader, 1, &source, nullptr);
    glCompileShader(shader);
    GLint ok = GL_FALSE;
    glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
    if (ok != GL_TRUE) {
        char log[512] = {};
        glGetShaderInfoLog(shader, sizeof log, nullptr, log);
        *why = std::string("compiling a shader: ") + log;
        glDeleteShader(shader);
        return 0;
    }
    return shader;
}

} // namespace

GpuBuffer::~GpuBuffer() {
    if (framebuffer_ != 0)
        glDeleteFramebuffers(1, &framebuffer_);
    if (renderbuffer_ != 0)
        glDeleteRenderbuffers(1, &renderbuffer_);
    if (image_ != nullptr) {
        auto destroy_image = lookup<PFNEGLDESTROYIMAGEKHRPROC>("eglDestroyImageKHR");
        destroy_image(as_display(display_), static_cast<EGLImageKHR>(image_));
    }
    if (bo_ != nullptr)
        gbm_bo_destroy(bo_);
}

DmaBuf GpuBuffer::export_dmabuf() const {
    sync::UniqueFd fd(gbm_bo_get_fd(bo_));
    if (!fd)
        throw std::runtime_error("gbm_bo_get_fd failed");
    DmaBufLayout layout;
    layout.width = width_;
    layout.height = height_;
    layout.drm_format = DRM_FORMAT_XRGB8888;
    layout.stride = gbm_bo_get_stride(bo_);
    layout.size = static_cast<uint64_t>(layout.stride) * static_cast<uint64_t>(height_);
    return DmaBuf::adopt(DmaBufSource::gpu, layout, std::move(fd));
}

std::unique_ptr<GpuProducer> GpuProducer::open(std::string *why) {
    std::unique_ptr<GpuProducer> producer(new GpuProducer());
    if (!producer->init(why))
        return nullptr;
    return producer;
}

bool GpuProducer::init(std::string *why) {
    node_ = DrmDevice::open("virtio_gpu", DrmNodeType::render);
    if (!node_) {
        *why = "no virtio_gpu render node in /dev/dri (the VM runs with a GPU only under run-in-vm --gpu)";
        return false;
    }
    auto syncobjs = sync::SyncobjDevice::open(node_->fd());
    if (!syncobjs) {
        *why = node_->path() + " has no syncobjs: " + syncobjs.error().message;
        return false;
    }
    syncobjs_ = std::move(syncobjs).value();
    gbm_ = gbm_create_device(node_->fd().get());
    if (gbm_ == nullptr) {
        *why = "gbm_create_device failed on " + node_->path();
        return false;
    }
    const char *client_exts = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
    if (!has_extension(client_exts, "EGL_KHR_platform_gbm") && !has_extension(client_exts, "EGL_MESA_platform_gbm")) {
        *why = "EGL has no GBM platform";
        return false;
    }
    auto get_platform_display = lookup<PFNEGLGETPLATFORMDISPLAYEXTPROC>("eglGetPlatformDisplayEXT");
    display_ = get_platform_display(EGL_PLATFORM_GBM_KHR, gbm_, nullptr);
    if (display_ == EGL_NO_DISPLAY || eglInitialize(as_display(display_), nullptr, nullptr) != EGL_TRUE) {
        *why = "eglInitialize failed on the GBM device of " + node_->path();
        display_ = nullptr;
        return false;
    }
    const char *exts = eglQueryString(as_display(display_), EGL_EXTENSIONS);
    for (const char *needed : {"EGL_KHR_surfaceless_context", "EGL_KHR_no_config_context",
                               "EGL_EXT_image_dma_buf_import", "EGL_ANDROID_native_fence_sync"}) {
        if (!has_extension(exts, needed)) {
            *why = std::string("the GPU's EGL display has no ") + needed;
            return false;
        }
    }
    eglBindAPI(EGL_OPENGL_ES_API);
    const EGLint context_attribs[] = {EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE};
    context_ = eglCreateContext(as_display(display_), EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, context_attribs);
    if (context_ == EGL_NO_CONTEXT || eglMakeCurrent(as_display(display_), EGL_NO_SURFACE, EGL_NO_SURFACE,
                                                     static_cast<EGLContext>(context_)) != EGL_TRUE) {
        *why = "cannot make a GLES2 context current on the GPU";
        return false;
    }
    if (!has_extension(reinterpret_cast<const char *>(glGetString(GL_EXTENSIONS)), "GL_OES_EGL_image")) {
        *why = "GLES2 on the GPU has no GL_OES_EGL_image";
        return false;
    }
    gl_renderer_ = reinterpret_cast<const char *>(glGetString(GL_RENDERER));
    return build_program(why);
}

bool GpuProducer::build_program(std::string *why) {
    GLuint vs = compile(GL_VERTEX_SHADER, vertex_shader, why);
    GLuint fs = vs != 0 ? compile(GL_FRAGMENT_SHADER, fragment_shader, why) : 0;
    if (fs == 0)
        return false;
    program_ = glCreateProgram();
    glAttachShader(program_, vs);
    glAttachShader(program_, fs);
    glBindAttribLocation(program_, 0, "position");
    glLinkProgram(program_);
    glDeleteShader(vs);
    glDeleteShader(fs);
    GLint ok = GL_FALSE;
    glGetProgramiv(program_, GL_LINK_STATUS, &ok);
    if (ok != GL_TRUE) {
        *why = "linking the producer's shader failed";
        return false;
    }
    colour_uniform_ = glGetUniformLocation(program_, "colour");
    work_uniform_ = glGetUniformLocation(program_, "work");
    return true;
}

GpuProducer::~GpuProducer() {
    if (display_ != nullptr) {
        if (program_ != 0)
            glDeleteProgram(program_);
        eglMakeCurrent(as_display(display_), EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
        if (context_ != nullptr)
            eglDestroyContext(as_display(display_), static_cast<EGLContext>(context_));
        eglTerminate(as_display(display_));
    }
    if (gbm_ != nullptr)
        gbm_device_destroy(gbm_);
}

std::unique_ptr<GpuBuffer> GpuProducer::allocate(int32_t width, int32_t height) {
    std::unique_ptr<GpuBuffer> buffer(new GpuBuffer());
    buffer->display_ = display_;
    buffer->width_ = width;
    buffer->height_ = height;
    // Linear, so that linux-dmabuf can describe it as one plane with no
    // modifier the compositor must know; scan-out too, as a client that
    // hopes for a plane asks.
    buffer->bo_ = gbm_bo_create(gbm_, static_cast<uint32_t>(width), static_cast<uint32_t>(height), GBM_FORMAT_XRGB8888,
                                GBM_BO_USE_RENDERING | GBM_BO_USE_LINEAR | GBM_BO_USE_SCANOUT);
    if (buffer->bo_ == nullptr)
        throw std::runtime_error("gbm_bo_create (linear XRGB8888) failed on " + node_->path());

    sync::UniqueFd fd(gbm_bo_get_fd(buffer->bo_));
    if (!fd)
        throw std::runtime_error("gbm_bo_get_fd failed");
    const EGLAttrib attribs[] = {EGL_WIDTH,
                                 width,
                                 EGL_HEIGHT,
                                 height,
                                 EGL_LINUX_DRM_FOURCC_EXT,
                                 DRM_FORMAT_XRGB8888,
                                 EGL_DMA_BUF_PLANE0_FD_EXT,
                                 fd.get(),
                                 EGL_DMA_BUF_PLANE0_OFFSET_EXT,
                                 0,
                                 EGL_DMA_BUF_PLANE0_PITCH_EXT,
                                 static_cast<EGLAttrib>(gbm_bo_get_stride(buffer->bo_)),
                                 EGL_NONE};
    EGLImage image = eglCreateImage(as_display(display_), EGL_NO_CONTEXT, EGL_LINUX_DMA_BUF_EXT, nullptr, attribs);
    if (image == EGL_NO_IMAGE)
        throw std::runtime_error("eglCreateImage of the GBM buffer failed");
    buffer->image_ = image;

    auto image_target = lookup<PFNGLEGLIMAGETARGETRENDERBUFFERSTORAGEOESPROC>("glEGLImageTargetRenderbufferStorageOES");
    glGenRenderbuffers(1, &buffer->renderbuffer_);
    glBindRenderbuffer(GL_RENDERBUFFER, buffer->renderbuffer_);
    image_target(GL_RENDERBUFFER, image);
    glGenFramebuffers(1, &buffer->framebuffer_);
    glBindFramebuffer(GL_FRAMEBUFFER, buffer->framebuffer_);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, buffer->renderbuffer_);
    if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE)
        throw std::runtime_error("the GBM buffer is not a complete framebuffer");
    return buffer;
}

void GpuProducer::draw(GpuBuffer &buffer, uint32_t xrgb, int work) {
    glBindFramebuffer(GL_FRAMEBUFFER, buffer.framebuffer_);
    glViewport(0, 0, buffer.width(), buffer.height());
    const float r = static_cast<float>((xrgb >> 16) & 0xff) / 255.0f;
    const float g = static_cast<float>((xrgb >> 8) & 0xff) / 255.0f;
    const float b = static_cast<float>(xrgb & 0xff) / 255.0f;
    if (work <= 0) {
        glClearColor(r, g, b, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
    } else {
        glUseProgram(program_);
        glUniform3f(colour_uniform_, r, g, b);
        glUniform1i(work_uniform_, work);
        glEnableVertexAttribArray(0);
        for (int band = 0; band < bands; ++band) {
            // Top to bottom in clip space: y from 1 down to -1.
            const float top = 1.0f - 2.0f * static_cast<float>(band) / bands;
            const float bottom = 1.0f - 2.0f * static_cast<float>(band + 1) / bands;
            const GLfloat quad[] = {-1.0f, bottom, 1.0f, bottom, -1.0f, top, 1.0f, top};
            glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, quad);
            glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
            glFlush();
        }
        glDisableVertexAttribArray(0);
    }
    glFlush();
}

sync::SyncFile GpuProducer::fence() {
    auto create_sync = lookup<PFNEGLCREATESYNCKHRPROC>("eglCreateSyncKHR");
    auto destroy_sync = lookup<PFNEGLDESTROYSYNCKHRPROC>("eglDestroySyncKHR");
    auto dup_fence = lookup<PFNEGLDUPNATIVEFENCEFDANDROIDPROC>("eglDupNativeFenceFDANDROID");
    const EGLint attribs[] = {EGL_SYNC_NATIVE_FENCE_FD_ANDROID, EGL_NO_NATIVE_FENCE_FD_ANDROID, EGL_NONE};
    EGLSyncKHR sync = create_sync(as_display(display_), EGL_SYNC_NATIVE_FENCE_ANDROID, attribs);
    if (sync == EGL_NO_SYNC_KHR)
        throw std::runtime_error("eglCreateSyncKHR(EGL_SYNC_NATIVE_FENCE_ANDROID) failed");
    // The fence fd exists once the sync's command has reached the kernel.
    glFlush();
    const int fd = dup_fence(as_display(display_), sync);
    destroy_sync(as_display(display_), sync);
    if (fd == EGL_NO_NATIVE_FENCE_FD_ANDROID)
        throw std::runtime_error("eglDupNativeFenceFDANDROID failed");
    auto file = sync::SyncFile::adopt(sync::UniqueFd(fd));
    if (!file)
        throw std::runtime_error("the EGL native fence is not a sync_file: " + file.error().message);
    return std::move(file).value();
}

void GpuProducer::finish() { glFinish(); }

} // namespace sluice::test
