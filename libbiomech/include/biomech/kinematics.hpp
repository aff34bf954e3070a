// Forward kinematics of the body tree.
#pragma once
#include <Eigen/Core>
#include <cmath>
#include <string>
#include <string_view>

#include "biomech/data.hpp"
#include "biomech/model.hpp"

namespace biomech {

// Body poses in ground for posture q (nq, rad or m) and, per independent
// coordinate, the motion terms used by the moment-arm algorithm.
// Throws InvalidArgument when q has the wrong size or a non-finite entry.
void forward_kinematics(const Model& model, Data& data, const Eigen::Ref<const Eigen::VectorXd>& q);

// A posture's sane bound: every coordinate within its joint range widened by
// kPostureMarginRad (one turn) for rotations and kPostureMarginM for
// translations. Far outside it, coupled coordinates (splines, polynomials of
// the knee angle) and path lengths overflow; forward_kinematics throws
// InvalidArgument "<where>: expected <coordinate> in [a, b] deg, got x" there.
inline constexpr double kPostureMarginRad = 2 * M_PI;
inline constexpr double kPostureMarginM = 1.0;
void check_posture_bounds(const Model& model, const Eigen::Ref<const Eigen::VectorXd>& q, std::string_view where);

// Position in ground (m) of a point given in a body frame; needs forward_kinematics first.
Vec3 point_in_ground(const Data& data, int body, const Vec3& local);

// Position in ground (m) of a landmark; throws InvalidArgument for an unknown name.
Vec3 landmark_position(const Model& model, const Data& data, const std::string& name);

// Whole-body centre of mass in ground (m) of the given bodies (all when empty).
Vec3 center_of_mass(const Model& model, const Data& data, const std::vector<int>& bodies = {});

// Is body `b` the body `ancestor` or below it in the tree?
bool is_in_subtree(const Model& model, int b, int ancestor);

}  // namespace biomech
