// The device choice, as far as a host without /dev/dri can check it: the
// order nodes are tried in, and what happens when none is usable. Opening
// real nodes is covered in the VM (tests/vm/render).
#include <gtest/gtest.h>

#include <fstream>

#include <stdlib.h>

#include "render/dmabuf_device.hpp"

namespace sluice::render::test {
namespace {

TEST(OrderDriNodes, RenderNodesFirstThenPrimaryNodesEachByNumber) {
    EXPECT_EQ(
        order_dri_nodes({"card1", "renderD129", "by-path", "card0", "renderD128", "renderD1000", "card10", "card2"}),
        (std::vector<std::string>{"renderD128", "renderD129", "renderD1000", "card0", "card1", "card2", "card10"}));
}

TEST(OrderDriNodes, DropsWhatIsNoNode) {
    EXPECT_EQ(order_dri_nodes({"cardX", "card", "renderD", "renderD12a", "controlD64", ".", "..", "card-1"}),
              std::vector<std::string>{});
}

TEST(FindDmabufDevice, NoDirectoryMeansNoDevice) {
    EXPECT_FALSE(find_dmabuf_device(nullptr, "/nonexistent/dri").has_value());
}

TEST(FindDmabufDevice, SkipsNodesThatAreNoDrmDevice) {
    char dir_template[] = "/tmp/sluice-dri-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    const std::filesystem::path dir = dir_template;
    std::ofstream(dir / "renderD128") << "not a device";
    std::filesystem::create_symlink("/nonexistent", dir / "card0");
    EXPECT_FALSE(find_dmabuf_device(nullptr, dir).has_value());
    std::filesystem::remove_all(dir);
}

} // namespace
} // namespace sluice::render::test
