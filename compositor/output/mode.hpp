// An output mode as sluice asks for one (--mode, headless and nested
// outputs): what the options parse and what an output applies.
#pragma once

namespace sluice {

struct Mode {
    int width = 1280;
    int height = 720;
    int refresh_mhz = 60000; // wlroots counts refresh in mHz
};

} // namespace sluice
