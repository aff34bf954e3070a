// Internal to libbiomech (not installed): the constants and small helpers that
// many sources share, defined once.
#pragma once
#include <Eigen/Geometry>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "biomech/errors.hpp"

namespace biomech::internal {

inline constexpr double kDeg = M_PI / 180.0;      // rad per degree
inline constexpr double kRad2Deg = 180.0 / M_PI;  // degrees per rad
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A number in an error message: 6 significant digits (printf %g).
inline std::string fmt(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

// Body-fixed X-Y-Z Euler angles (OpenSim's orientation convention, also the model file's), radians.
inline Eigen::Matrix3d rotation_xyz(const Eigen::Vector3d& a) {
  return (Eigen::AngleAxisd(a[0], Eigen::Vector3d::UnitX()) * Eigen::AngleAxisd(a[1], Eigen::Vector3d::UnitY()) *
          Eigen::AngleAxisd(a[2], Eigen::Vector3d::UnitZ()))
      .toRotationMatrix();
}

// Throws InvalidArgument "<fn>: expected side 'r' or 'l', got '<side>'".
inline void check_side(char side, const char* fn) {
  if (side != 'r' && side != 'l')
    throw InvalidArgument(std::string(fn) + ": expected side 'r' or 'l', got '" + std::string(1, side) + "'");
}

}  // namespace biomech::internal
