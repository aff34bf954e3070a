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

// One point of a muscle's current path (an active path point or a wrap tangent
// point), rebuilt for every muscle and posture.
struct PathPointState {
  Vec3 p = Vec3::Zero();      // ground, m
  int body = -1;              // body the point is fixed in
  int origin = -1;            // index into Muscle::path, -1 for a wrap tangent point
  int wrap = -1;              // index into Muscle::wraps for a tangent point, -1 otherwise
  bool moving = false;        // a moving path point (slides within its body)
  double arc = 0.0;           // first tangent point of a wrap: arc length (m) to the second
};

// A wanted motion term (index into Data::motion_terms) and its column among the wanted columns.
struct TermColumn {
  int term = -1;
  int column = -1;
};

// Scratch of the path algorithm (muscle_path.cpp); reused, so a posture allocates nothing.
struct PathScratch {
  std::vector<PathPointState> points;  // the current muscle's path (wrapping)
  std::vector<int> wrap_order, wrap_result;
  // Per call: the posture indices whose moment arms are wanted (wanted_columns), each
  // posture index's place among them (column[k], -1 when not wanted), and the motion
  // terms that move each body: those of its joint and of every joint above it
  // (body_terms[body_terms_begin[b]..body_terms_begin[b+1]]).
  std::vector<int> wanted_columns, column;
  std::vector<TermColumn> body_terms;
  std::vector<int> body_terms_begin;
  std::vector<double> arms;  // (n_muscles x wanted columns) row-major: one posture's moment arms
  Eigen::VectorXd posture;  // one row of a batch, contiguous
};

struct Data {
  explicit Data(const Model& model);

  Eigen::VectorXd q;                    // posture (nq), rad or m
  Eigen::VectorXd coordinate_value;     // all coordinates (incl. coupled)
  Eigen::VectorXd coordinate_rate;      // d(coordinate)/d(its driver); 1 for independent
  std::vector<Eigen::Isometry3d> body_pose;  // body frame in ground
  std::vector<MotionTerm> motion_terms;      // filled by forward_kinematics
  std::vector<int> joint_terms_begin;        // motion terms of joint j: [begin[j], begin[j+1])

  // Muscle outputs, filled by compute_muscle_paths.
  Eigen::VectorXd muscle_length;        // (n_muscles) m, muscle-tendon length
  Eigen::MatrixXd moment_arm;           // (n_muscles x nq) m, r = -dL/dq

  // Scratch for the path algorithm.
  PathScratch path;
};

// True when `data` was made for a model of `model`'s structure (the same
// coordinates, bodies, joints and muscles; a scaled copy fits).
bool fits(const Model& model, const Data& data);
// Throws InvalidArgument "<caller>: expected a Data made for this model
// (Data(model)), got ..." naming the first size that does not match the model
// (coordinates, bodies, joints, muscles). Every algorithm that takes
// (const Model&, Data&) calls it first.
void check(const Model& model, const Data& data, const char* caller = "check");

}  // namespace biomech
