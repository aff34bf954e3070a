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

// The points of one muscle's current path in ground (m), wrap tangent points
// included, for drawing and debugging. Needs forward_kinematics first.
std::vector<Vec3> muscle_path_points(const Model& model, const Data& data, int muscle);

}  // namespace biomech
