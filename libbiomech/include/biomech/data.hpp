// Per-evaluation workspace for one Model. Allocate once, reuse for every
// posture; one Data per thread makes batch runs thread-safe without locks.
#pragma once
#include <Eigen/Core>
#include <Eigen/Geometry>
#include <vector>

#include "biomech/model.hpp"

namespace biomech {

// How one independent coordinate moves the bodies below one joint: a point p
// (in ground) fixed in any body of `subtree` moves with dp/dq = w x p + v.
struct MotionTerm {
  int joint = -1;
  int posture_index = -1;
  Vec3 w = Vec3::Zero();
  Vec3 v = Vec3::Zero();
};

struct Data {
  explicit Data(const Model& model);

  Eigen::VectorXd q;                    // posture (nq), rad or m
  Eigen::VectorXd coordinate_value;     // all coordinates (incl. coupled)
  Eigen::VectorXd coordinate_rate;      // d(coordinate)/d(its driver); 1 for independent
  std::vector<Eigen::Isometry3d> body_pose;  // body frame in ground
  std::vector<MotionTerm> motion_terms;      // filled by forward_kinematics

  // Muscle outputs, filled by compute_muscle_paths.
  Eigen::VectorXd muscle_length;        // (n_muscles) m, muscle-tendon length
  Eigen::MatrixXd moment_arm;           // (n_muscles x nq) m, r = -dL/dq

  // Scratch for the path algorithm.
  std::vector<Vec3> path_points;
  std::vector<int> path_bodies;
  std::vector<Vec3> path_force;
  std::vector<Vec3> body_force, body_moment;
};

}  // namespace biomech
