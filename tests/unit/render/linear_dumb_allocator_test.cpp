// LinearDumbAllocator around a stand-in for wlroots' DRM dumb allocator
// (made here: the real one needs a DRM primary node and DRM master): the
// modifier its buffers report, data-pointer access reaching the inner
// buffer, and every inner buffer and the inner allocator destroyed exactly
// once, also when buffers outlive the allocator. Plus the choice of where
// sluice wraps at all, and the cursor-plane format pick it exists for.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include <drm_fourcc.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fake_buffers.hpp"
#include "render/linear_dumb_allocator.hpp"
#include "render/software_renderer.hpp"
#include "sync/unique_fd.hpp"

namespace sluice::render::test {
namespace {

constexpr uint32_t kDumbCaps = WLR_BUFFER_CAP_DATA_PTR | WLR_BUFFER_CAP_DMABUF;

// What the stand-in allocator and its buffers saw.
struct Stats {
    int buffers_created = 0;
    int buffers_destroyed = 0;
    // The dma-buf fd of the last buffer made.
    int last_fd = -1;
    int allocators_destroyed = 0;
    int begins = 0;
    int ends = 0;
    uint32_t last_flags = 0;
    // The modifiers the last create_buffer was asked for.
    std::vector<uint64_t> asked;
    bool fail_next = false;
};

// A dumb buffer as wlroots 0.15 makes one: memory with a data pointer,
// exported as a single-plane dma-buf labelled with the implicit modifier.
class FakeDumbBuffer {
public:
    static wlr_buffer *create(Stats &stats, int width, int height, uint32_t format) {
        auto *buffer = new FakeDumbBuffer(stats, width, height, format);
        return &buffer->handle_.base;
    }

    static FakeDumbBuffer *from(wlr_buffer *buffer) { return reinterpret_cast<Handle *>(buffer)->owner; }

    uint32_t *pixels() const { return pixels_; }
    int fd() const { return fd_.get(); }

private:
    struct Handle {
        wlr_buffer base;
        FakeDumbBuffer *owner;
    };

    FakeDumbBuffer(Stats &stats, int width, int height, uint32_t format)
        : stats_(stats), fd_(memfd_create("sluice-test-dumb", MFD_CLOEXEC)), stride_(static_cast<uint32_t>(width) * 4),
          size_(static_cast<size_t>(stride_) * height), format_(format) {
        if (!fd_.valid() || ftruncate(fd_.get(), static_cast<off_t>(size_)) != 0) {
            abort();
        }
        pixels_ = static_cast<uint32_t *>(mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0));
        wlr_buffer_init(&handle_.base, &impl, width, height);
        handle_.owner = this;
        ++stats_.buffers_created;
        stats_.last_fd = fd_.get();
    }
    ~FakeDumbBuffer() {
        munmap(pixels_, size_);
        ++stats_.buffers_destroyed;
    }

    static void handle_destroy(wlr_buffer *buffer) { delete from(buffer); }
    static bool handle_get_dmabuf(wlr_buffer *buffer, wlr_dmabuf_attributes *attribs) {
        FakeDumbBuffer *self = from(buffer);
        *attribs = wlr_dmabuf_attributes{};
        attribs->width = buffer->width;
        attribs->height = buffer->height;
        attribs->format = self->format_;
        attribs->modifier = DRM_FORMAT_MOD_INVALID;
        attribs->n_planes = 1;
        attribs->stride[0] = self->stride_;
        attribs->fd[0] = self->fd_.get();
        return true;
    }
    static bool handle_begin(wlr_buffer *buffer, uint32_t flags, void **data, uint32_t *format, size_t *stride) {
        FakeDumbBuffer *self = from(buffer);
        ++self->stats_.begins;
        self->stats_.last_flags = flags;
        *data = self->pixels_;
        *format = self->format_;
        *stride = self->stride_;
        return true;
    }
    static void handle_end(wlr_buffer *buffer) { ++from(buffer)->stats_.ends; }
    static const wlr_buffer_impl impl;

    Handle handle_{};
    Stats &stats_;
    sync::UniqueFd fd_;
    uint32_t stride_;
    size_t size_;
    uint32_t format_;
    uint32_t *pixels_ = nullptr;
};

const wlr_buffer_impl FakeDumbBuffer::impl = {
    .destroy = FakeDumbBuffer::handle_destroy,
    .get_dmabuf = FakeDumbBuffer::handle_get_dmabuf,
    .get_shm = nullptr,
    .begin_data_ptr_access = FakeDumbBuffer::handle_begin,
    .end_data_ptr_access = FakeDumbBuffer::handle_end,
};

// The stand-in allocator; wlr_allocator_destroy frees it.
struct FakeAllocator {
    wlr_allocator base;
    Stats *stats;

    static wlr_allocator *create(Stats &stats, uint32_t caps = kDumbCaps) {
        auto *allocator = new FakeAllocator{{}, &stats};
        wlr_allocator_init(&allocator->base, &impl, caps);
        return &allocator->base;
    }
    static FakeAllocator *from(wlr_allocator *allocator) { return reinterpret_cast<FakeAllocator *>(allocator); }
    static wlr_buffer *create_buffer(wlr_allocator *allocator, int width, int height, const wlr_drm_format *format) {
        Stats &stats = *from(allocator)->stats;
        stats.asked.assign(format->modifiers, format->modifiers + format->len);
        if (stats.fail_next) {
            stats.fail_next = false;
            return nullptr;
        }
        return FakeDumbBuffer::create(stats, width, height, format->format);
    }
    static void destroy(wlr_allocator *allocator) {
        ++from(allocator)->stats->allocators_destroyed;
        delete from(allocator);
    }
    static const wlr_allocator_interface impl;
};

const wlr_allocator_interface FakeAllocator::impl = {
    .create_buffer = FakeAllocator::create_buffer,
    .destroy = FakeAllocator::destroy,
};

// One format with the given modifiers, as wlroots' swapchains ask for them.
class Format {
public:
    Format(uint32_t fourcc, std::initializer_list<uint64_t> modifiers) {
        for (uint64_t modifier : modifiers) {
            wlr_drm_format_set_add(&set_, fourcc, modifier);
        }
        if (modifiers.size() == 0) {
            // A format with no modifier at all: add then strip one.
            wlr_drm_format_set_add(&set_, fourcc, DRM_FORMAT_MOD_INVALID);
            const_cast<wlr_drm_format *>(get())->len = 0;
        }
    }
    ~Format() { wlr_drm_format_set_finish(&set_); }
    Format(const Format &) = delete;
    Format &operator=(const Format &) = delete;

    const wlr_drm_format *get() const { return set_.formats[0]; }

private:
    wlr_drm_format_set set_{};
};

struct AllocatorDeleter {
    void operator()(wlr_allocator *a) const { wlr_allocator_destroy(a); }
};
using AllocatorPtr = std::unique_ptr<wlr_allocator, AllocatorDeleter>;

struct RendererDeleter {
    void operator()(wlr_renderer *r) const { wlr_renderer_destroy(r); }
};
using RendererPtr = std::unique_ptr<wlr_renderer, RendererDeleter>;

uint64_t modifier_of(wlr_buffer *buffer) {
    wlr_dmabuf_attributes attribs{};
    EXPECT_TRUE(wlr_buffer_get_dmabuf(buffer, &attribs));
    return attribs.modifier;
}

class LinearDumbAllocatorTest : public ::testing::Test {
protected:
    void SetUp() override { wlr_log_init(WLR_ERROR, nullptr); }

    wlr_buffer *create(const Format &format, int width = 64, int height = 32) {
        return wlr_allocator_create_buffer(allocator.get(), width, height, format.get());
    }

    Stats stats;
    AllocatorPtr allocator{LinearDumbAllocator::wrap(FakeAllocator::create(stats))};
};

TEST_F(LinearDumbAllocatorTest, KeepsTheInnerCapsAndOwnsTheInnerAllocator) {
    EXPECT_EQ(allocator->buffer_caps, kDumbCaps);
    LinearDumbAllocator *wrapper = LinearDumbAllocator::from(allocator.get());
    ASSERT_NE(wrapper, nullptr);
    EXPECT_EQ(wrapper->inner()->impl, &FakeAllocator::impl);
    EXPECT_EQ(LinearDumbAllocator::from(wrapper->inner()), nullptr);
    allocator.reset();
    EXPECT_EQ(stats.allocators_destroyed, 1);
}

TEST_F(LinearDumbAllocatorTest, ReportsLinearWhenLinearIsAskedFor) {
    // The cursor plane's case: LINEAR alone.
    const Format cursor(DRM_FORMAT_ARGB8888, {DRM_FORMAT_MOD_LINEAR});
    wlr_buffer *buffer = create(cursor);
    ASSERT_NE(buffer, nullptr);
    EXPECT_EQ(stats.asked, std::vector<uint64_t>{DRM_FORMAT_MOD_LINEAR}) << "the request reaches the inner allocator";

    wlr_dmabuf_attributes attribs{};
    ASSERT_TRUE(wlr_buffer_get_dmabuf(buffer, &attribs));
    EXPECT_EQ(attribs.modifier, DRM_FORMAT_MOD_LINEAR);
    // Everything else is the inner buffer's, fd included (not a copy).
    ASSERT_EQ(stats.buffers_created, 1);
    EXPECT_EQ(attribs.width, 64);
    EXPECT_EQ(attribs.height, 32);
    EXPECT_EQ(attribs.format, DRM_FORMAT_ARGB8888);
    EXPECT_EQ(attribs.n_planes, 1);
    EXPECT_EQ(attribs.stride[0], 64u * 4);
    EXPECT_EQ(attribs.fd[0], stats.last_fd);
    EXPECT_EQ(buffer->width, 64);
    EXPECT_EQ(buffer->height, 32);
    wlr_buffer_drop(buffer);

    // The primary plane's case: both, and LINEAR is the truth.
    const Format primary(DRM_FORMAT_XRGB8888, {DRM_FORMAT_MOD_INVALID, DRM_FORMAT_MOD_LINEAR});
    buffer = create(primary);
    ASSERT_NE(buffer, nullptr);
    EXPECT_EQ(modifier_of(buffer), DRM_FORMAT_MOD_LINEAR);
    wlr_buffer_drop(buffer);
    EXPECT_EQ(stats.buffers_destroyed, 2);
}

TEST_F(LinearDumbAllocatorTest, KeepsTheImplicitModifierWhenOnlyThatIsAskedFor) {
    // wlroots' retry without modifiers asks for INVALID alone: the buffer
    // must then go to KMS without modifiers, as one labelled INVALID does.
    const Format implicit(DRM_FORMAT_XRGB8888, {DRM_FORMAT_MOD_INVALID});
    wlr_buffer *buffer = create(implicit);
    ASSERT_NE(buffer, nullptr);
    EXPECT_EQ(modifier_of(buffer), DRM_FORMAT_MOD_INVALID);
    wlr_buffer_drop(buffer);

    const Format none(DRM_FORMAT_XRGB8888, {});
    ASSERT_EQ(none.get()->len, 0u);
    buffer = create(none);
    ASSERT_NE(buffer, nullptr);
    EXPECT_EQ(modifier_of(buffer), DRM_FORMAT_MOD_INVALID);
    wlr_buffer_drop(buffer);
}

TEST_F(LinearDumbAllocatorTest, DataPointerAccessReachesTheInnerBuffer) {
    const Format cursor(DRM_FORMAT_ARGB8888, {DRM_FORMAT_MOD_LINEAR});
    wlr_buffer *buffer = create(cursor, 4, 2);
    ASSERT_NE(buffer, nullptr);

    void *data = nullptr;
    uint32_t format = 0;
    size_t stride = 0;
    ASSERT_TRUE(wlr_buffer_begin_data_ptr_access(buffer, WLR_BUFFER_DATA_PTR_ACCESS_WRITE, &data, &format, &stride));
    EXPECT_EQ(stats.begins, 1);
    EXPECT_EQ(stats.ends, 0);
    EXPECT_EQ(stats.last_flags, uint32_t{WLR_BUFFER_DATA_PTR_ACCESS_WRITE});
    EXPECT_EQ(format, DRM_FORMAT_ARGB8888);
    EXPECT_EQ(stride, 16u);
    ASSERT_NE(data, nullptr);
    // What is written through the wrapper lands in the dma-buf's memory.
    static_cast<uint32_t *>(data)[5] = 0xff00ff00;
    wlr_buffer_end_data_ptr_access(buffer);
    EXPECT_EQ(stats.ends, 1);

    wlr_dmabuf_attributes attribs{};
    ASSERT_TRUE(wlr_buffer_get_dmabuf(buffer, &attribs));
    void *mapped = mmap(nullptr, 32, PROT_READ, MAP_SHARED, attribs.fd[0], 0);
    ASSERT_NE(mapped, MAP_FAILED);
    EXPECT_EQ(static_cast<const uint32_t *>(mapped)[5], 0xff00ff00u);
    munmap(mapped, 32);

    // A second bracket works: the inner's access flag was closed.
    ASSERT_TRUE(wlr_buffer_begin_data_ptr_access(buffer, WLR_BUFFER_DATA_PTR_ACCESS_READ, &data, &format, &stride));
    EXPECT_EQ(stats.last_flags, uint32_t{WLR_BUFFER_DATA_PTR_ACCESS_READ});
    EXPECT_EQ(static_cast<const uint32_t *>(data)[5], 0xff00ff00u);
    wlr_buffer_end_data_ptr_access(buffer);
    EXPECT_EQ(stats.begins, 2);
    EXPECT_EQ(stats.ends, 2);
    wlr_buffer_drop(buffer);
}

TEST_F(LinearDumbAllocatorTest, TheInnerBufferGoesExactlyOnceWithTheLastLock) {
    const Format cursor(DRM_FORMAT_ARGB8888, {DRM_FORMAT_MOD_LINEAR});
    wlr_buffer *buffer = create(cursor);
    ASSERT_NE(buffer, nullptr);
    BufferEvents wrapper;
    wrapper.watch(buffer);

    // A consumer (the DRM backend scanning it out) locks it; the producer
    // (the swapchain) drops it: nothing may go yet.
    wlr_buffer_lock(buffer);
    wlr_buffer_drop(buffer);
    EXPECT_EQ(wrapper.destroys, 0);
    EXPECT_EQ(stats.buffers_destroyed, 0);

    // Destroying the allocator leaves its live buffers working.
    allocator.reset();
    EXPECT_EQ(stats.allocators_destroyed, 1);
    EXPECT_EQ(stats.buffers_destroyed, 0);
    EXPECT_EQ(modifier_of(buffer), DRM_FORMAT_MOD_LINEAR);

    wlr_buffer_unlock(buffer);
    EXPECT_EQ(wrapper.destroys, 1);
    EXPECT_EQ(stats.buffers_created, 1);
    EXPECT_EQ(stats.buffers_destroyed, 1);
}

TEST_F(LinearDumbAllocatorTest, AFailedInnerAllocationFailsCleanly) {
    const Format cursor(DRM_FORMAT_ARGB8888, {DRM_FORMAT_MOD_LINEAR});
    stats.fail_next = true;
    EXPECT_EQ(create(cursor), nullptr);
    EXPECT_EQ(stats.buffers_created, 0);
    wlr_buffer *buffer = create(cursor);
    ASSERT_NE(buffer, nullptr);
    wlr_buffer_drop(buffer);
    EXPECT_EQ(stats.buffers_destroyed, 1);
}

TEST(WithLinearDumbBuffers, WrapsOnlyDumbBuffersOfTheSoftwareRenderer) {
    wlr_log_init(WLR_ERROR, nullptr);
    RendererPtr software(create_software_renderer({}));
    ASSERT_NE(software, nullptr);
    RendererPtr plain(wlr_pixman_renderer_create());
    ASSERT_NE(plain, nullptr);
    Stats stats;

    EXPECT_EQ(with_linear_dumb_buffers(software.get(), nullptr), nullptr);

    // Dumb buffers under sluice's software renderer: wrapped.
    wlr_allocator *dumb = FakeAllocator::create(stats);
    AllocatorPtr wrapped(with_linear_dumb_buffers(software.get(), dumb));
    ASSERT_NE(LinearDumbAllocator::from(wrapped.get()), nullptr);
    EXPECT_EQ(LinearDumbAllocator::from(wrapped.get())->inner(), dumb);
    wrapped.reset();
    EXPECT_EQ(stats.allocators_destroyed, 1);

    // Anything else is left as it is: gbm's (dma-buf only) and shm's
    // buffers, and wlroots' plain pixman (sluice does not run it).
    for (uint32_t caps : {uint32_t{WLR_BUFFER_CAP_DMABUF}, uint32_t{WLR_BUFFER_CAP_SHM | WLR_BUFFER_CAP_DATA_PTR}}) {
        AllocatorPtr other(FakeAllocator::create(stats, caps));
        EXPECT_FALSE(makes_dumb_buffers(other.get()));
        EXPECT_EQ(with_linear_dumb_buffers(software.get(), other.get()), other.get());
    }
    AllocatorPtr plain_dumb(FakeAllocator::create(stats));
    EXPECT_TRUE(makes_dumb_buffers(plain_dumb.get()));
    EXPECT_EQ(with_linear_dumb_buffers(plain.get(), plain_dumb.get()), plain_dumb.get());
}

TEST(WithLinearDumbBuffers, ACursorFormatCanBePickedAndAllocated) {
    // What wlroots 0.15 does for a cursor on a KMS cursor plane, which its
    // DRM backend lists with LINEAR only: intersect that with the
    // renderer's render formats, allocate with the result, and import the
    // buffer only if its modifier is one the plane lists.
    wlr_log_init(WLR_ERROR, nullptr);
    RendererPtr software(create_software_renderer({}));
    ASSERT_NE(software, nullptr);
    wlr_drm_format_set plane{};
    wlr_drm_format_set_add(&plane, DRM_FORMAT_ARGB8888, DRM_FORMAT_MOD_LINEAR);
    const wlr_drm_format_set *render = software->impl->get_render_formats(software.get());
    ASSERT_NE(render, nullptr);
    EXPECT_TRUE(wlr_drm_format_set_has(render, DRM_FORMAT_ARGB8888, DRM_FORMAT_MOD_LINEAR));
    // The implicit modifier stays for outputs that take nothing else.
    EXPECT_TRUE(wlr_drm_format_set_has(render, DRM_FORMAT_ARGB8888, DRM_FORMAT_MOD_INVALID));
    EXPECT_TRUE(wlr_drm_format_set_has(render, DRM_FORMAT_XRGB8888, DRM_FORMAT_MOD_LINEAR));
    EXPECT_TRUE(wlr_drm_format_set_has(render, DRM_FORMAT_XRGB8888, DRM_FORMAT_MOD_INVALID));

    wlr_drm_format_set cursor{};
    ASSERT_TRUE(wlr_drm_format_set_intersect(&cursor, &plane, render));
    const wlr_drm_format *format = wlr_drm_format_set_get(&cursor, DRM_FORMAT_ARGB8888);
    ASSERT_NE(format, nullptr);

    Stats stats;
    AllocatorPtr allocator(with_linear_dumb_buffers(software.get(), FakeAllocator::create(stats)));
    wlr_buffer *buffer = wlr_allocator_create_buffer(allocator.get(), 64, 64, format);
    ASSERT_NE(buffer, nullptr);
    wlr_dmabuf_attributes attribs{};
    ASSERT_TRUE(wlr_buffer_get_dmabuf(buffer, &attribs));
    EXPECT_TRUE(wlr_drm_format_set_has(&plane, attribs.format, attribs.modifier))
        << "the cursor plane refuses modifier 0x" << std::hex << attribs.modifier;

    // And the renderer can draw into it (wlroots renders the cursor image).
    ASSERT_TRUE(wlr_renderer_begin_with_buffer(software.get(), buffer));
    const float red[4] = {1, 0, 0, 1};
    wlr_renderer_clear(software.get(), red);
    wlr_renderer_end(software.get());
    void *data = nullptr;
    uint32_t fourcc = 0;
    size_t stride = 0;
    ASSERT_TRUE(wlr_buffer_begin_data_ptr_access(buffer, WLR_BUFFER_DATA_PTR_ACCESS_READ, &data, &fourcc, &stride));
    EXPECT_EQ(static_cast<const uint32_t *>(data)[0], 0xffff0000u);
    wlr_buffer_end_data_ptr_access(buffer);

    wlr_buffer_drop(buffer);
    wlr_drm_format_set_finish(&cursor);
    wlr_drm_format_set_finish(&plane);
    allocator.reset();
    EXPECT_EQ(stats.buffers_destroyed, 1);
    EXPECT_EQ(stats.allocators_destroyed, 1);
}

} // namespace
} // namespace sluice::render::test
