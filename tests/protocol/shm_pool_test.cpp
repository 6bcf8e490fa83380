// shm pools that claim more than their fd holds, and the errors the XML
// names for them, as libwayland-server 1.21 (whose wl_shm wlroots 0.15.1
// uses) posts them:
// - create_pool with a size past the end of the memfd is accepted (mmap
//   does not look at the file's size), and so is a buffer in the part
//   that has no file under it. Reading it would be SIGBUS: libwayland's
//   wl_shm_buffer_begin_access catches that, maps zeros over the hole and
//   posts invalid_fd on the wl_buffer at end_access. sluice reads shm
//   only inside begin/end (wlroots' data-pointer access), so it survives;
// - a buffer past the end of the pool is invalid_stride on the pool;
// - growing a pool past its file is accepted, and its new part is the
//   same hole; shrinking one is invalid_fd on the pool;
// - a pool of size 0 is invalid_stride, an fd that cannot be mapped is
//   invalid_fd, both on wl_shm.
// Each time the bystander is unharmed and sluice keeps neither an fd nor
// memory of the offender's.
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hostile_fixture.hpp"

namespace sluice::test {
namespace {

constexpr int32_t side = 64;
constexpr int32_t stride = side * 4;
constexpr int32_t buffer_size = stride * side;

// A memfd of `size` bytes, filled with the offender's colour; no seals, as
// a hostile client would not set them. Throws when it cannot be made.
UniqueFd memfd_of(size_t size) {
    UniqueFd fd(memfd_create("sluice-hostile-shm", MFD_CLOEXEC));
    void *data = MAP_FAILED;
    if (fd && ftruncate(fd.get(), static_cast<off_t>(size)) == 0)
        data = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    if (data == MAP_FAILED)
        throw std::runtime_error("cannot make a memfd of " + std::to_string(size) + " bytes");
    for (size_t i = 0; i < size / 4; ++i)
        static_cast<uint32_t *>(data)[i] = offender_color;
    munmap(data, size);
    return fd;
}

// A pool claiming `pool_size` bytes of a memfd of `file_size` (libwayland
// sends a duplicate of the fd, so ours may go at once).
Proxy<wl_shm_pool> pool_over(Client &c, size_t file_size, int32_t pool_size) {
    UniqueFd fd = memfd_of(file_size);
    return Proxy<wl_shm_pool>(wl_shm_create_pool(c.shm(), fd.get(), pool_size));
}

class ShmPools : public HostileClientTest {
protected:
    // Maps a window whose next buffer comes from `buffer`, and commits it:
    // sluice must read the buffer to show it.
    static void show(Client &bad, Toplevel &window, wl_buffer *buffer) {
        ASSERT_TRUE(window.wait_for_configure()) << bad.describe_error();
        wl_surface_attach(window.surface(), buffer, 0, 0);
        wl_surface_damage(window.surface(), 0, 0, side, side);
        wl_surface_commit(window.surface());
        bad.flush();
    }
};

// Each offence runs twice (expect_nothing_kept: the warm-up, then the
// measured round) and ends in the error the XML names.
TEST_F(ShmPools, BufferPastTheEndOfTheFileIsInvalidFdOnTheBuffer) {
    expect_nothing_kept([&] {
        auto bad = connect();
        // The file holds one buffer; the pool claims two, and the buffer
        // is the second.
        Proxy<wl_shm_pool> pool = pool_over(*bad, buffer_size, 2 * buffer_size);
        Proxy<wl_buffer> buffer(
            wl_shm_pool_create_buffer(pool.get(), buffer_size, side, side, stride, WL_SHM_FORMAT_ARGB8888));
        Toplevel window(*bad);
        ASSERT_NO_FATAL_FAILURE(show(*bad, window, buffer.get()));
        expect_error_alone(*bad, ProtocolError{"wl_buffer", id_of(buffer.get()), WL_SHM_ERROR_INVALID_FD},
                           offender_color);
    });
}

TEST_F(ShmPools, PoolGrownPastTheEndOfTheFileIsInvalidFdOnTheBuffer) {
    expect_nothing_kept([&] {
        auto bad = connect();
        Proxy<wl_shm_pool> pool = pool_over(*bad, buffer_size, buffer_size);
        // Growing is allowed; the file stays as it was.
        wl_shm_pool_resize(pool.get(), 4 * buffer_size);
        Proxy<wl_buffer> buffer(
            wl_shm_pool_create_buffer(pool.get(), 3 * buffer_size, side, side, stride, WL_SHM_FORMAT_ARGB8888));
        Toplevel window(*bad);
        ASSERT_NO_FATAL_FAILURE(show(*bad, window, buffer.get()));
        expect_error_alone(*bad, ProtocolError{"wl_buffer", id_of(buffer.get()), WL_SHM_ERROR_INVALID_FD},
                           offender_color);
    });
}

TEST_F(ShmPools, BufferPastTheEndOfThePoolIsInvalidStride) {
    expect_nothing_kept([&] {
        auto bad = connect();
        Proxy<wl_shm_pool> pool = pool_over(*bad, buffer_size, buffer_size);
        Proxy<wl_buffer> buffer(
            wl_shm_pool_create_buffer(pool.get(), stride, side, side, stride, WL_SHM_FORMAT_ARGB8888));
        bad->flush();
        expect_error_alone(*bad, ProtocolError{"wl_shm_pool", id_of(pool.get()), WL_SHM_ERROR_INVALID_STRIDE});
    });
}

TEST_F(ShmPools, ShrinkingAPoolIsInvalidFd) {
    expect_nothing_kept([&] {
        auto bad = connect();
        Proxy<wl_shm_pool> pool = pool_over(*bad, buffer_size, buffer_size);
        wl_shm_pool_resize(pool.get(), buffer_size / 2);
        bad->flush();
        expect_error_alone(*bad, ProtocolError{"wl_shm_pool", id_of(pool.get()), WL_SHM_ERROR_INVALID_FD});
    });
}

TEST_F(ShmPools, PoolOfSizeZeroIsInvalidStride) {
    expect_nothing_kept([&] {
        auto bad = connect();
        Proxy<wl_shm_pool> pool = pool_over(*bad, buffer_size, 0);
        bad->flush();
        expect_error_alone(*bad, ProtocolError{"wl_shm", id_of(bad->shm()), WL_SHM_ERROR_INVALID_STRIDE});
    });
}

TEST_F(ShmPools, FdThatCannotBeMappedIsInvalidFd) {
    expect_nothing_kept([&] {
        auto bad = connect();
        UniqueFd fd(::eventfd(0, EFD_CLOEXEC));
        ASSERT_TRUE(fd);
        Proxy<wl_shm_pool> pool(wl_shm_create_pool(bad->shm(), fd.get(), buffer_size));
        bad->flush();
        expect_error_alone(*bad, ProtocolError{"wl_shm", id_of(bad->shm()), WL_SHM_ERROR_INVALID_FD});
    });
}

} // namespace
} // namespace sluice::test
