// What the host protocol tests draw on and with: the output the default
// ServerOptions::mode gives, and window colours far from the background and
// from each other. A test that asks for another mode names its own size.
#pragma once

#include <cstdint>

namespace sluice::test {

inline constexpr int32_t out_w = 640;
inline constexpr int32_t out_h = 480;

inline constexpr uint32_t red = 0xffd02020;
inline constexpr uint32_t green = 0xff20c040;
inline constexpr uint32_t blue = 0xff2040e0;

} // namespace sluice::test
