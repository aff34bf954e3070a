// Degrees to radians, for every test file's postures and angles (defined once: the test
// files are compiled together in a unity build).
#pragma once
#include <numbers>

namespace biomech::test_support {

inline constexpr double kDeg = std::numbers::pi / 180.0;

}  // namespace biomech::test_support
