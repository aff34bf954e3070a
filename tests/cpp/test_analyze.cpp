// Trial analysis: inverse dynamics checked by the power balance of the whole
// tree, statics against the body weight, the recruitment's moment balance, the
// hip joint reaction by Newton on the leg, coordinate bookkeeping, bad input.
#include "biomech/analyze.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "biomech/errors.hpp"
#include "biomech/kinematics.hpp"
#include "biomech/muscle_path.hpp"
#include "biomech/signal.hpp"
#include "default_models.hpp"

using namespace biomech;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

const Model& model() { return test_models::default_male(); }

// Every posture coordinate of the model as a column, in posture order.
TrialKinematics trial(const Model& m, const VectorXd& t, const std::function<VectorXd(double)>& q) {
  TrialKinematics k;
  k.time = t;
  k.columns = m.coordinate_names();
  k.values.resize(t.size(), m.nq());
  for (Eigen::Index i = 0; i < t.size(); ++i) k.values.row(i) = q(t[i]).transpose();
  return k;
}

// A walking-like swing of hips and knees, the pelvis moving forward and bobbing.
VectorXd swinging(const Model& m, double t) {
  VectorXd q = m.default_posture();
  auto set = [&](const char* name, double v) { q[m.posture_coordinate(name)] = v; };
  set("pelvis_tx", 1.2 * t);
  set("pelvis_ty", 0.95 + 0.02 * std::sin(2 * M_PI * 2 * t));
  set("pelvis_list", 0.05 * std::sin(2 * M_PI * t));
  set("hip_flexion_r", 0.4 * std::sin(2 * M_PI * t));
  set("hip_flexion_l", -0.4 * std::sin(2 * M_PI * t));
  set("hip_adduction_r", 0.08 * std::sin(2 * M_PI * t + 0.3));
  set("knee_angle_r", -0.6 - 0.5 * std::sin(2 * M_PI * t));
  set("knee_angle_l", -0.6 + 0.5 * std::sin(2 * M_PI * t));
  return q;
}

// Kinetic + potential energy of the tree at q, qdot (velocities by central differences of FK).
double energy(const Model& m, Data& d, const VectorXd& q, const VectorXd& qd) {
  const double h = 1e-6;
  const int nb = static_cast<int>(m.bodies.size());
  forward_kinematics(m, d, q + h * qd);
  std::vector<Eigen::Isometry3d> plus = d.body_pose;
  forward_kinematics(m, d, q - h * qd);
  std::vector<Eigen::Isometry3d> minus = d.body_pose;
  forward_kinematics(m, d, q);
  double e = 0.0;
  for (int b = 0; b < nb; ++b) {
    const Body& body = m.bodies[b];
    const Vec3 v = (plus[b] * body.com - minus[b] * body.com) / (2 * h);
    const Mat3 W = (plus[b].linear() - minus[b].linear()) / (2 * h) * d.body_pose[b].linear().transpose();
    const Vec3 w(0.5 * (W(2, 1) - W(1, 2)), 0.5 * (W(0, 2) - W(2, 0)), 0.5 * (W(1, 0) - W(0, 1)));
    const Mat3 R = d.body_pose[b].linear();
    e += 0.5 * body.mass * v.squaredNorm() + 0.5 * w.dot(R * body.inertia * R.transpose() * w) -
         body.mass * m.gravity.dot(d.body_pose[b] * body.com);
  }
  return e;
}

}  // namespace

// The generalized forces do the work that changes the energy of the whole tree:
// sum_k tau_k qdot_k = dE/dt (no external load). Velocity-dependent terms and
// the root's coordinates included.
TEST(Analyze, InverseDynamicsBalancesThePowerOfTheWholeTree) {
  const Model& m = model();
  Data d(m), e(m);
  const VectorXd t = VectorXd::LinSpaced(401, 0.0, 2.0);
  const TrialKinematics k = trial(m, t, [&](double s) { return swinging(m, s); });
  AnalyzeOptions o;
  o.start_time = 0.5;
  o.end_time = 1.5;
  o.frame_step = 20;
  const AnalyzeResult r = analyze(m, d, k, {}, o);
  ASSERT_EQ(r.time.size(), 11);
  const double h = 1e-4;
  for (int f = 0; f < r.time.size(); ++f) {
    auto q_at = [&](double s) { return swinging(m, s); };
    auto qd_at = [&](double s) { return VectorXd((q_at(s + 1e-6) - q_at(s - 1e-6)) / 2e-6); };
    const double s = r.time[f];
    const double dE = (energy(m, e, q_at(s + h), qd_at(s + h)) - energy(m, e, q_at(s - h), qd_at(s - h))) / (2 * h);
    const double power = r.generalized_force.row(f).dot(qd_at(s));
    EXPECT_NEAR(power, dE, 2e-3 * (1.0 + std::abs(dE))) << "t = " << s;
  }
}

// Standing still, no ground force: the root carries the weight (the residual),
// the muscles balance every other coordinate, and the hip joint reaction is
// what keeps the leg up against gravity and its muscles.
TEST(Analyze, StillTrialResidualIsTheWeightAndMusclesBalanceTheJoints) {
  const Model& m = model();
  Data d(m);
  const VectorXd t = VectorXd::LinSpaced(20, 0.0, 0.19);
  const TrialKinematics k = trial(m, t, [&](double) { return m.default_posture(); });
  AnalyzeOptions o;
  o.recruitment.min_activation = 0.02;
  const AnalyzeResult r = analyze(m, d, k, {}, o);
  const int ty = m.posture_coordinate("pelvis_ty");
  const double weight = m.total_mass() * m.gravity.norm();
  EXPECT_NEAR(r.body_weight, weight, 1e-9);
  for (int f = 0; f < r.time.size(); ++f) {
    EXPECT_NEAR(r.reserve(f, ty), weight, 1e-6 * weight);
    EXPECT_TRUE(r.converged[f]);
    EXPECT_GE(r.activation.row(f).minCoeff(), 0.02);
  }
  forward_kinematics(m, d, m.default_posture());
  compute_muscle_paths(m, d, m.default_posture());
  const VectorXd muscle_moment = d.moment_arm.transpose() * r.muscle_force.row(0).transpose();
  for (int i = 0; i < m.nq(); ++i) {
    if (m.coordinates[m.independent[i]].name.rfind("pelvis_", 0) == 0) continue;
    EXPECT_NEAR(muscle_moment[i] + r.reserve(0, i), r.generalized_force(0, i), 1e-6) << m.coordinate_names()[i];
  }
  ASSERT_EQ(r.hips.size(), 2u * r.time.size());
  for (const HipFrame& h : r.hips) {
    EXPECT_TRUE(h.side == 'r' || h.side == 'l');
    EXPECT_GT(h.contact_force, 0.0);
    EXPECT_NEAR(h.contact_force_bw, h.contact_force / weight, 1e-12);
    EXPECT_NEAR(std::hypot(h.contact_femur_x, h.contact_femur_y, h.contact_femur_z), h.contact_force, 1e-9);
    EXPECT_NEAR(std::hypot(h.contact_pelvis_x, h.contact_pelvis_y, h.contact_pelvis_z), h.contact_force, 1e-9);
  }
}

// A still posture with the hip deeply flexed and the knee straight (hamstrings
// stretched), every muscle with the active width gamma.
AnalyzeResult still_flexed(const Model& m, double gamma, bool passive) {
  Model copy = m;
  for (Muscle& mu : copy.muscles) mu.hill.active_shape = gamma;
  copy.finalize();
  Data d(copy);
  VectorXd q = copy.default_posture();
  q[copy.posture_coordinate("hip_flexion_r")] = 1.3;
  q[copy.posture_coordinate("knee_angle_r")] = -0.05;
  const VectorXd t = VectorXd::LinSpaced(8, 0.0, 0.07);
  AnalyzeOptions o;
  o.passive_fiber_force = passive;
  return analyze(copy, d, trial(copy, t, [&](double) { return q; }), {}, o);
}

// Each muscle's own curves: a narrower active force-length curve (gamma) gives
// every muscle less force per activation away from its optimal length, so the
// minimal sum of squared activations cannot fall (and here rises).
TEST(Analyze, UsesEachMusclesOwnForceLengthCurve) {
  const AnalyzeResult wide = still_flexed(model(), 0.5, false), narrow = still_flexed(model(), 0.3, false);
  for (int f = 0; f < wide.time.size(); ++f)
    EXPECT_GE(narrow.activation.row(f).squaredNorm(), wide.activation.row(f).squaredNorm() - 1e-9);
  EXPECT_GT(narrow.activation.row(0).squaredNorm(), 1.01 * wide.activation.row(0).squaredNorm());
}

// Passive fibre force, when asked for, is part of each muscle's tension and of
// the moment balance; stretched muscles carry some.
TEST(Analyze, PassiveFibreForceEntersTheBalance) {
  const Model& m = model();
  const AnalyzeResult off = still_flexed(m, kThelenForceLengthGamma, false),
                      on = still_flexed(m, kThelenForceLengthGamma, true);
  Data d(m);
  const VectorXd q = on.posture.row(0).transpose();
  compute_muscle_paths(m, d, q);
  const VectorXd muscle_moment = d.moment_arm.transpose() * on.muscle_force.row(0).transpose();
  for (int i = 0; i < m.nq(); ++i) {
    if (m.coordinates[m.independent[i]].name.rfind("pelvis_", 0) == 0) continue;
    EXPECT_NEAR(muscle_moment[i] + on.reserve(0, i), on.generalized_force(0, i), 1e-6) << m.coordinate_names()[i];
  }
  // the passive tension of a stretched muscle needs no activation
  bool passive_seen = false;
  for (int j = 0; j < m.n_muscles(); ++j)
    passive_seen |= on.muscle_force(0, j) > 1.0 && on.activation(0, j) < 1e-6;
  EXPECT_TRUE(passive_seen);
  EXPECT_NE((on.muscle_force.row(0) - off.muscle_force.row(0)).cwiseAbs().maxCoeff(), 0.0);
}

// A ground force that carries the weight at the centre of mass leaves no residual.
TEST(Analyze, ExternalLoadCarryingTheWeightLeavesNoResidual) {
  const Model& m = model();
  Data d(m);
  const VectorXd t = VectorXd::LinSpaced(10, 0.0, 0.09);
  const TrialKinematics k = trial(m, t, [&](double) { return m.default_posture(); });
  forward_kinematics(m, d, m.default_posture());
  const Vec3 com = center_of_mass(m, d);
  ExternalLoadSeries l;
  l.name = "support";
  l.body = "tibia_r";
  l.time = VectorXd::LinSpaced(30, -0.1, 0.2);
  l.force = (-m.total_mass() * m.gravity).transpose().replicate(30, 1);
  l.point = com.transpose().replicate(30, 1);
  const AnalyzeResult r = analyze(m, d, k, {l}, {});
  for (int i = 0; i < m.nq(); ++i)
    if (m.coordinates[m.independent[i]].name.rfind("pelvis_", 0) == 0) {
      EXPECT_LT(r.reserve.col(i).cwiseAbs().maxCoeff(), 1e-6) << m.coordinate_names()[i];
    }
  ExternalLoadSeries bad = l;
  bad.body = "calcn_r";
  EXPECT_THROW(analyze(m, d, k, {bad}, {}), InvalidArgument);
  bad = l;
  bad.time = VectorXd::LinSpaced(30, 0.05, 0.2);  // does not cover the trial
  EXPECT_THROW(analyze(m, d, k, {bad}, {}), InvalidArgument);
}

// Columns the model lacks are reported, model coordinates the trial lacks are
// held at their defaults and reported.
TEST(Analyze, ReportsUnusedColumnsAndDefaultedCoordinates) {
  const Model& m = model();
  Data d(m);
  TrialKinematics k;
  k.time = VectorXd::LinSpaced(8, 0.0, 0.07);
  k.columns = {"hip_flexion_r", "ankle_angle_r"};
  k.values = MatrixXd::Constant(8, 2, 0.1);
  const AnalyzeResult r = analyze(m, d, k, {}, {});
  ASSERT_EQ(r.unused_columns, std::vector<std::string>{"ankle_angle_r"});
  EXPECT_EQ(static_cast<int>(r.defaulted_coordinates.size()), m.nq() - 1);
  EXPECT_DOUBLE_EQ(r.posture(0, m.posture_coordinate("hip_flexion_r")), 0.1);
}

TEST(Analyze, BadInputThrows) {
  const Model& m = model();
  Data d(m);
  const VectorXd t = VectorXd::LinSpaced(10, 0.0, 0.09);
  TrialKinematics k = trial(m, t, [&](double) { return m.default_posture(); });
  AnalyzeOptions o;
  o.frame_step = 0;
  EXPECT_THROW(analyze(m, d, k, {}, o), InvalidArgument);
  o = {};
  o.start_time = 5.0;
  EXPECT_THROW(analyze(m, d, k, {}, o), InvalidArgument);
  TrialKinematics bad = k;
  bad.time[3] = bad.time[2];
  EXPECT_THROW(analyze(m, d, bad, {}, {}), InvalidArgument);
  bad = k;
  bad.values(2, 1) = NAN;
  EXPECT_THROW(analyze(m, d, bad, {}, {}), InvalidArgument);
  bad = k;
  bad.columns.pop_back();
  EXPECT_THROW(analyze(m, d, bad, {}, {}), InvalidArgument);
}

// The spline derivatives the analysis differentiates coordinates with: exact for
// a quadratic (the natural end conditions hold for it), close for a sine.
TEST(Analyze, SplineDerivativesOfCoordinates) {
  const VectorXd x = VectorXd::LinSpaced(50, 0.0, 1.0);
  MatrixXd y(50, 2);
  for (int i = 0; i < 50; ++i) y.row(i) << 1.0 + 2.0 * x[i] - 3.0 * x[i] * x[i], std::sin(3.0 * x[i]);
  const MatrixXd d1 = natural_spline_interpolate(x, y, x, 5, 1);
  const MatrixXd d2 = natural_spline_interpolate(x, y, x, 5, 2);
  for (int i = 0; i < 50; ++i) {
    EXPECT_NEAR(d1(i, 0), 2.0 - 6.0 * x[i], 1e-9);
    EXPECT_NEAR(d2(i, 0), -6.0, 1e-7);
    if (i > 10 && i < 39) {  // away from the natural ends
      EXPECT_NEAR(d1(i, 1), 3.0 * std::cos(3.0 * x[i]), 1e-5);
      EXPECT_NEAR(d2(i, 1), -9.0 * std::sin(3.0 * x[i]), 1e-3);
    }
  }
  EXPECT_THROW(natural_spline_interpolate(x, y, x, 5, 6), InvalidArgument);
}
