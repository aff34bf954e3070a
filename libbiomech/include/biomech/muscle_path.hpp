// Muscle-tendon lengths and moment arms by tendon excursion (r = -dL/dq).
#pragma once
#include <Eigen/Core>

#include "biomech/data.hpp"
#include "biomech/model.hpp"

namespace biomech {

// Lengths (m) into data.muscle_length and moment arms (m) into data.moment_arm
// for posture q. Moment arms are exact derivatives of the path length
// (conditional points switch discontinuously at their range ends).
void compute_muscle_paths(const Model& model, Data& data, const Eigen::Ref<const Eigen::VectorXd>& q);

// Batched: postures (n x nq). Writes lengths (n x n_muscles) and moment arms as
// a row-major block of n * n_muscles * n_coords values, [posture][muscle][coord],
// for the posture indices in `coords` (model.moment_arm_coords when empty).
void compute_muscle_paths_batch(const Model& model, Data& data,
                                const Eigen::Ref<const Eigen::MatrixXd>& postures,
                                const std::vector<int>& coords,
                                Eigen::Ref<Eigen::MatrixXd> lengths,
                                double* moment_arms);

// One muscle's current path: points in ground (m), wrap tangent points
// included, the body each point is fixed in, and the force a unit tension
// applies to each point (u_out - u_in; a wrap arc passes its load to the
// cylinder's body through its two tangent points). Needs forward_kinematics first.
struct MusclePathForces {
  std::vector<Vec3> points;
  std::vector<int> bodies;
  std::vector<Vec3> force;
  double length = 0.0;  // m
};
MusclePathForces muscle_path_forces(const Model& model, const Data& data, int muscle);

// Just the points of muscle_path_forces, for drawing.
std::vector<Vec3> muscle_path_points(const Model& model, const Data& data, int muscle);

}  // namespace biomech
