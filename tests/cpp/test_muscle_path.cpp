// Moment arms by tendon excursion: the analytic r = -dL/dq against central
// finite differences of the length, on a tiny inline model.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "biomech/errors.hpp"
#include "biomech/kinematics.hpp"
#include "biomech/muscle_path.hpp"
#include "fd_support.hpp"
#include "tiny_model.hpp"

using namespace biomech;
using biomech::test_support::conditional_switch_within;
using biomech::test_support::random_posture;

TEST(MusclePath, MomentArmsMatchFiniteDifferencesOfLength) {
  const Model m = test_models::tiny_model();
  Data d(m), d2(m);
  std::mt19937 rng(1);
  const double h = 1e-6;
  int checked = 0;
  for (int trial = 0; trial < 500; ++trial) {
    const Eigen::VectorXd q = random_posture(m, rng);
    compute_muscle_paths(m, d, q);
    for (int k = 0; k < m.nq(); ++k) {
      Eigen::VectorXd qp = q, qm = q;
      qp[k] += h;
      qm[k] -= h;
      compute_muscle_paths(m, d2, qp);
      const Eigen::VectorXd lp = d2.muscle_length;
      compute_muscle_paths(m, d2, qm);
      const Eigen::VectorXd lm = d2.muscle_length;
      for (int i = 0; i < m.n_muscles(); ++i) {
        if (conditional_switch_within(m, i, k, q, h)) continue;  // a true kink, not an error
        const double fd = -(lp[i] - lm[i]) / (2 * h);
        EXPECT_NEAR(d.moment_arm(i, k), fd, 1e-7) << m.muscles[i].name << " coordinate " << k;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 10000);
}

TEST(MusclePath, WrappedPathsWrapInFlexionAndStayDifferentiable) {
  const Model m = test_models::tiny_model();
  Data d(m);
  Eigen::VectorXd q = m.default_posture();
  q[m.posture_coordinate("knee_angle_r")] = -1.5;
  compute_muscle_paths(m, d, q);
  const MusclePathForces pf = muscle_path_forces(m, d, m.muscle_index("wrapped_r"));
  EXPECT_EQ(pf.points.size(), 5u) << "expected two tangent points in deep knee flexion";
  // the wrapped path is longer than the straight one through the same points
  double straight = 0.0;
  for (size_t j = 0; j + 1 < pf.points.size(); ++j) straight += (pf.points[j + 1] - pf.points[j]).norm();
  EXPECT_GT(pf.length, straight - 1e-12);
  // the envelope theorem holds over the wrap: analytic = finite difference, every coordinate
  Data d2(m);
  for (const char* name : {"wrapped_r", "wrapped_quadrant_r"}) {
    const int i = m.muscle_index(name);
    for (int k = 0; k < m.nq(); ++k) {
      Eigen::VectorXd qp = q, qm = q;
      qp[k] += 1e-6;
      qm[k] -= 1e-6;
      compute_muscle_paths(m, d2, qp);
      const double lp = d2.muscle_length[i];
      compute_muscle_paths(m, d2, qm);
      EXPECT_NEAR(d.moment_arm(i, k), -(lp - d2.muscle_length[i]) / 2e-6, 1e-7) << name << " coordinate " << k;
    }
  }
}

TEST(MusclePath, RootMotionDoesNotChangeLengthsOrMomentArms) {
  const Model m = test_models::tiny_model();
  Data d(m);
  std::mt19937 rng(2);
  const Eigen::VectorXd q = random_posture(m, rng);
  compute_muscle_paths(m, d, q);
  const Eigen::VectorXd l0 = d.muscle_length;
  const Eigen::MatrixXd r0 = d.moment_arm;
  Eigen::VectorXd q2 = q;
  for (int k = 0; k < 6; ++k) q2[k] += 0.3;
  compute_muscle_paths(m, d, q2);
  EXPECT_LT((d.muscle_length - l0).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((d.moment_arm - r0).cwiseAbs().maxCoeff(), 1e-12);
  for (int k = 0; k < 6; ++k) EXPECT_NEAR(d.moment_arm.col(k).cwiseAbs().maxCoeff(), 0.0, 1e-12);
}

TEST(MusclePath, GluteusMediusAbductsAtNeutral) {
  const Model m = test_models::tiny_model();
  Data d(m);
  compute_muscle_paths(m, d, m.default_posture());
  const int add = m.posture_coordinate("hip_adduction_r");
  // adduction is positive, so an abductor has a negative moment arm
  EXPECT_LT(d.moment_arm(m.muscle_index("glut_med1_r"), add), -0.02);
  // knee_angle is crossed only by the biarticular muscle
  EXPECT_NE(d.moment_arm(m.muscle_index("rect_fem_r"), m.posture_coordinate("knee_angle_r")), 0.0);
  EXPECT_EQ(d.moment_arm(m.muscle_index("glut_med1_r"), m.posture_coordinate("knee_angle_r")), 0.0);
}

TEST(MusclePath, CrossedCoordinatesAreHipAndKnee) {
  const Model m = test_models::tiny_model();
  std::vector<std::string> names;
  for (int k : m.moment_arm_coords) names.push_back(m.coordinate_names()[k]);
  EXPECT_EQ(names, (std::vector<std::string>{"hip_flexion_r", "hip_adduction_r", "hip_rotation_r", "knee_angle_r"}));
}

TEST(MusclePath, BatchEqualsSinglePostures) {
  const Model m = test_models::tiny_model();
  Data d(m);
  std::mt19937 rng(3);
  const int n = 20;
  Eigen::MatrixXd Q(n, m.nq());
  for (int i = 0; i < n; ++i) Q.row(i) = random_posture(m, rng).transpose();
  Eigen::MatrixXd L(n, m.n_muscles());
  const int nc = static_cast<int>(m.moment_arm_coords.size());
  std::vector<double> R(n * m.n_muscles() * nc);
  compute_muscle_paths_batch(m, d, Q, {}, L, R.data());
  for (int i = 0; i < n; ++i) {
    compute_muscle_paths(m, d, Q.row(i).transpose());
    for (int j = 0; j < m.n_muscles(); ++j) {
      EXPECT_DOUBLE_EQ(L(i, j), d.muscle_length[j]);
      for (int c = 0; c < nc; ++c) EXPECT_DOUBLE_EQ(R[(i * m.n_muscles() + j) * nc + c], d.moment_arm(j, m.moment_arm_coords[c]));
    }
  }
}

TEST(MusclePath, BadPostureIsRejected) {
  const Model m = test_models::tiny_model();
  Data d(m);
  EXPECT_THROW(compute_muscle_paths(m, d, Eigen::VectorXd::Zero(3)), InvalidArgument);
  Eigen::VectorXd q = m.default_posture();
  q[7] = std::nan("");
  EXPECT_THROW(compute_muscle_paths(m, d, q), InvalidArgument);
}

// A batch over some coordinates leaves the other columns of data.moment_arm at 0, also
// after a call that filled them all.
TEST(MusclePath, BatchLeavesUnwantedColumnsZero) {
  const Model m = test_models::tiny_model();
  Data d(m);
  std::mt19937 rng(5);
  compute_muscle_paths(m, d, random_posture(m, rng));
  ASSERT_GT(d.moment_arm.cwiseAbs().maxCoeff(), 0.0);
  const int k = m.moment_arm_coords.front();
  Eigen::MatrixXd Q = random_posture(m, rng).transpose();
  Eigen::MatrixXd L(1, m.n_muscles());
  std::vector<double> R(m.n_muscles());
  compute_muscle_paths_batch(m, d, Q, {k}, L, R.data());
  for (int c = 0; c < m.nq(); ++c) {
    if (c == k) continue;
    EXPECT_EQ(d.moment_arm.col(c).cwiseAbs().maxCoeff(), 0.0) << "column " << c;
  }
  for (int j = 0; j < m.n_muscles(); ++j) EXPECT_EQ(R[j], d.moment_arm(j, k));
}

// The paths read no table derived by finalize(): a muscle added and a point moved to
// another body since give what the same model finalized again gives.
TEST(MusclePath, ModelEditedAfterFinalizeNeedsNoFinalize) {
  Model m = test_models::tiny_model();
  m.muscles.push_back(m.muscles.front());
  m.muscles.back().name += "_copy";
  const int other = m.muscles[0].path.front().body == 0 ? 1 : 0;
  m.muscles.back().path.front().body = other;
  Model refinalized = m;
  refinalized.finalize();
  Data d(m), dr(refinalized);
  std::mt19937 rng(11);
  for (int trial = 0; trial < 5; ++trial) {
    const Eigen::VectorXd q = random_posture(refinalized, rng);
    compute_muscle_paths(m, d, q);
    compute_muscle_paths(refinalized, dr, q);
    EXPECT_EQ(d.muscle_length, dr.muscle_length);
    EXPECT_EQ(d.moment_arm, dr.moment_arm);
  }
  // the moved point changed the copy's path
  EXPECT_NE(d.muscle_length[m.n_muscles() - 1], d.muscle_length[0]);
}

// A moving point between two points of its own body: the segments on either side load no
// joint (their forces on the body cancel), but the point slides within the body under the
// force of both, so the moment arm about the coordinate that moves it has both terms.
TEST(MusclePath, MovingPointBetweenPointsOfItsBodySlidesUnderBothSegments) {
  Model m = test_models::tiny_model();
  const int rf = m.muscle_index("rect_fem_r");
  ASSERT_GE(rf, 0);
  Muscle mus = m.muscles[rf];
  mus.name = "rect_fem_extended_r";
  const PathPoint& mov = mus.path.back();
  ASSERT_EQ(mov.type, PathPoint::Type::moving);
  PathPoint distal;
  distal.body = mov.body;
  distal.location = Vec3(0.03, -0.08, 0.0);
  mus.path.push_back(distal);
  m.muscles.push_back(mus);
  m.finalize();
  const int i = m.n_muscles() - 1;
  const int knee = m.posture_coordinate("knee_angle_r");
  ASSERT_GE(knee, 0);
  Data d(m), d2(m);
  std::mt19937 rng(3);
  const double h = 1e-6;
  for (int trial = 0; trial < 200; ++trial) {
    const Eigen::VectorXd q = random_posture(m, rng);
    compute_muscle_paths(m, d, q);
    for (int k : m.moment_arm_coords) {
      if (conditional_switch_within(m, i, k, q, h)) continue;
      Eigen::VectorXd qp = q, qm = q;
      qp[k] += h;
      qm[k] -= h;
      compute_muscle_paths(m, d2, qp);
      const double lp = d2.muscle_length[i];
      compute_muscle_paths(m, d2, qm);
      const double fd = -(lp - d2.muscle_length[i]) / (2 * h);
      EXPECT_NEAR(d.moment_arm(i, k), fd, 1e-7) << "coordinate " << k;
    }
  }
  // the extra segment changes the knee moment arm: the slide under it is not zero
  compute_muscle_paths(m, d, m.default_posture());
  EXPECT_GT(std::abs(d.moment_arm(i, knee) - d.moment_arm(rf, knee)), 1e-4);
}
