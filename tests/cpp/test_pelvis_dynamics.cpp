// Pelvis dynamics: energy conservation of the passive pendulum,
// steady state against the static solution, drop vs abductor strength
// (Trendelenburg, trunk-lean compensation), integrator-tolerance sensitivity,
// bad input, neural delay, event location, compliant tendons, the hip hitch,
// plant geometry against the model, left/right symmetry.
//
// The model: models/gait2392_hip.yaml (the shipped default model).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "biomech/errors.hpp"
#include "biomech/hip.hpp"
#include "biomech/kinematics.hpp"
#include "biomech/model_io.hpp"
#include "biomech/muscle_path.hpp"
#include "biomech/pelvis_dynamics.hpp"
#include "biomech/recruitment.hpp"
#include "default_models.hpp"
#include "units.hpp"

using namespace biomech;
using biomech::test_models::generic_model;

namespace {

using biomech::test_support::kDeg;

const PelvisPlant& plant(char side = 'r') {
  static std::unique_ptr<PelvisPlant> p[2];
  const int k = side == 'r' ? 0 : 1;
  if (!p[k]) {
    Data d(generic_model());
    PelvisPlantOptions o;
    o.stance_side = side;
    p[k] = std::make_unique<PelvisPlant>(build_pelvis_plant(generic_model(), d, o));
  }
  return *p[k];
}

double max_abs_dev(const Eigen::VectorXd& v) { return (v.array() - v[0]).abs().maxCoeff(); }

// Single-leg stance hold: `simulate` with the strength, duration, sample rate and compensation set in o.
PelvisSimulationResult stance(const PelvisPlant& p, double strength, double duration_s, double sample_hz,
                              bool compensation, PelvisSimulationOptions o = {}) {
  o.abductor_strength = strength;
  o.duration = duration_s;
  o.sample_rate = sample_hz;
  o.controller.compensation = compensation;
  return simulate(p, o);
}

}  // namespace

// ---- the plant against the model

TEST(PelvisDynamics, PlantMassAndCentreOfMassFromTheModel) {
  const Model& model = generic_model();
  const PelvisPlant& p = plant();
  Data d(model);
  forward_kinematics(model, d, p.posture);
  const Vec3 c = center_of_mass(model, d, p.upper_bodies);
  double m = 0.0;
  for (int b : p.upper_bodies) m += model.bodies[b].mass;
  EXPECT_NEAR(p.mass_pelvis + p.mass_trunk, m, 1e-12);
  const Vec3 c_plant = (p.mass_pelvis * p.com_pelvis + p.mass_trunk * p.com_trunk) / m;
  EXPECT_LT((c_plant - c).norm(), 1e-12);
  // upright stance: the obliquity axis is the anterior axis (right stance: -x)
  EXPECT_NEAR(p.axis.dot(-Vec3::UnitX()), 1.0, 1e-9);
  // the superincumbent centre of mass lies medial to the stance hip (z < hip z for the right hip)
  EXPECT_LT(c.z(), p.hip_center.z());
  EXPECT_TRUE(p.has_trunk);
}

// One definition of the abductors (hip.hpp): the plant's muscles are the seesaw's, at
// any posture. Built at 90 deg of hip flexion, where the anterior gluteus medius and
// minimus pass to the adduction side of the hip, they stay in the plant as antagonists
// and the static-optimisation drive gives them no excitation.
TEST(PelvisDynamics, PlantMusclesAreTheAbductors) {
  const Model& model = generic_model();
  for (char side : {'r', 'l'}) {
    const std::vector<int> abd = abductor_muscles(model, side);
    EXPECT_EQ(plant(side).muscles, abd) << side;
    EXPECT_EQ(abd.size(), 7u) << side;  // gluteus medius 1-3, minimus 1-3, TFL
  }
  PelvisPlantOptions o;
  o.posture = model.default_posture();
  o.posture[model.posture_coordinate("hip_flexion_r")] = 90.0 * kDeg;
  Data d(model);
  const PelvisPlant flexed = build_pelvis_plant(model, d, o);
  EXPECT_EQ(flexed.muscles, plant().muscles);
  PelvisSimulationOptions so;
  so.abductor_strength = 0.3;
  const StaticEquilibrium e = static_equilibrium(flexed, so);
  int adducting = 0;
  for (int i = 0; i < flexed.n_muscles(); ++i) {
    double L, r;
    flexed.muscle_geometry(i, 0.0, L, r);
    if (r > 0.0) {
      ++adducting;
      EXPECT_EQ(e.activation[i], 0.0) << flexed.muscle_names[i];
    }
  }
  EXPECT_GE(adducting, 1);
}

// Interpolated lengths and moment arms match compute_muscle_paths between knots,
// and the interpolated moment arm is the exact derivative of the interpolated length.
TEST(PelvisDynamics, MuscleTablesMatchTheModel) {
  const Model& model = generic_model();
  const PelvisPlant& p = plant();
  Data d(model);
  for (double th : {-0.1234, 0.0321, 0.2017, 0.4567}) {
    Eigen::VectorXd q = p.posture;
    q[p.posture_hip_adduction] += th;
    compute_muscle_paths(model, d, q);
    for (int i = 0; i < p.n_muscles(); ++i) {
      double L, r, Lp, rp, Lm, rm;
      p.muscle_geometry(i, th, L, r);
      EXPECT_NEAR(L, d.muscle_length[p.muscles[i]], 1e-7) << p.muscle_names[i];
      EXPECT_NEAR(r, d.moment_arm(p.muscles[i], p.posture_hip_adduction), 2e-5) << p.muscle_names[i];
      const double h = 1e-6;
      p.muscle_geometry(i, th + h, Lp, rp);
      p.muscle_geometry(i, th - h, Lm, rm);
      EXPECT_NEAR(-(Lp - Lm) / (2 * h), r, 1e-8);
    }
  }
  // the cubic pieces pass through every knot with the knot's length and arm (Hermite), so
  // length and arm are continuous across knots; a hair inside either neighbouring interval
  for (int k = 1; k + 1 < p.table_size; k += 7) {
    const double knot = p.table_min + k * p.table_step;
    for (double th : {knot - 1e-12, knot + 1e-12})
      for (int i = 0; i < p.n_muscles(); ++i) {
        double L, r;
        p.muscle_geometry(i, th, L, r);
        EXPECT_NEAR(L, p.length(k, i), 1e-12) << p.muscle_names[i] << " knot " << k;
        EXPECT_NEAR(r, p.moment_arm(k, i), 1e-10) << p.muscle_names[i] << " knot " << k;
      }
  }
  // every plant muscle abducts at the posture
  for (int i = 0; i < p.n_muscles(); ++i) {
    double L, r;
    p.muscle_geometry(i, 0.0, L, r);
    EXPECT_LT(r, 0.0) << p.muscle_names[i];
  }
}

// ---- the controller's effort map is static optimisation (solve_recruitment) in closed form

// One balanced dof, p = 2, moment capacity c_i per unit excitation, target moment
// e sum c_i: solve_recruitment with a reserve so expensive that it vanishes
// (~1e-14 N m) finds the same excitations as the closed form.
TEST(PelvisDynamics, EffortMapEqualsSolveRecruitment) {
  const std::vector<std::vector<double>> capacities = {
      {50.0}, {30.0, 30.0, 30.0}, {80.0, 5.0, 0.0, 41.0, 12.5}, {1.0, 200.0, 60.0, 60.0}};
  RecruitmentOptions ro;
  ro.reserve_weight = 1e12;
  ro.tolerance_nm = 1e-12;
  RecruitmentWorkspace work;
  RecruitmentResult rr;
  for (const std::vector<double>& c : capacities) {
    const EffortMap map(c);
    const int n = static_cast<int>(c.size());
    const Eigen::MatrixXd R = Eigen::Map<const Eigen::RowVectorXd>(c.data(), n);
    for (double e : {0.0, 0.05, 0.3, 0.5, 0.77, 0.95, 1.0}) {
      std::vector<double> u(n);
      map.excitations(e, u.data());
      const Eigen::VectorXd tau = Eigen::VectorXd::Constant(1, e * map.total());
      solve_recruitment(R, Eigen::VectorXd::Ones(n), tau, ro, work, rr);
      ASSERT_TRUE(rr.converged) << "effort " << e;
      for (int i = 0; i < n; ++i) EXPECT_NEAR(u[i], rr.activation[i], 1e-12) << "effort " << e << ", muscle " << i;
    }
  }
}

// PassiveJointEvaluator (one exp for mirrored curves, shared by moment and potential) is
// PassiveJointMoment to rounding: Anderson's hip and lumbar curves, a curve that is not mirrored,
// none, and a mirrored one so steep that its ratio underflows (two exps then).
TEST(PelvisDynamics, PassiveJointEvaluatorIsThePassiveMoment) {
  PassiveJointMoment skew = PassiveJointMoment::hip_adduction();
  skew.k4 = -9.0, skew.q2 = -0.3;
  PassiveJointMoment steep = PassiveJointMoment::lumbar_bending();
  steep.k2 = 800.0, steep.k4 = -800.0, steep.q1 = 0.6, steep.q2 = -0.6;
  for (const PassiveJointMoment& m : {PassiveJointMoment::hip_adduction(), PassiveJointMoment::lumbar_bending(), skew,
                                      PassiveJointMoment::none(), steep}) {
    const PassiveJointEvaluator e(m);
    for (double q = -0.9; q <= 0.9; q += 0.01) {
      const PassiveJointEvaluator::Exponentials x = e.at(q);
      const double mo = m.moment(q, 0.7), v = m.potential(q);
      EXPECT_NEAR(e.moment(x, 0.7), mo, 1e-13 * std::max(1.0, std::abs(mo))) << "q " << q << ", k2 " << m.k2;
      EXPECT_NEAR(e.potential(x), v, 1e-13 * std::max(1.0, std::abs(v))) << "q " << q << ", k2 " << m.k2;
    }
    EXPECT_NEAR(e.potential(e.at(0.0)), 0.0, 1e-15);
  }
}

// ---- acceptance 1: muscles off, no damping: energy conserved to 1e-6 over 10 s

TEST(PelvisDynamics, PassivePendulumConservesEnergy) {
  const PelvisPlant& p = plant();
  struct Case {
    const char* name;
    bool lean_dof;
    bool hip_passive;
  };
  for (const Case& c : {Case{"rigid pendulum", false, false}, Case{"pendulum on the elastic hip", false, true},
                        Case{"double pendulum (free trunk)", true, true}}) {
    PelvisSimulationOptions o;
    o.duration = 10.0;
    o.sample_rate = 200.0;
    o.muscles_enabled = false;
    o.lean_dof = c.lean_dof;
    o.hip_passive = c.hip_passive ? PassiveJointMoment::hip_adduction() : PassiveJointMoment::none();
    o.hip_passive->damping = 0.0;
    o.lumbar_passive.damping = 0.0;
    o.controller.lumbar_stiffness = 0.0;
    o.controller.lumbar_damping = 0.0;
    o.controller.lumbar_gravity_compensation = false;
    o.initial_obliquity = 2.0 * kDeg;
    o.integrator.abs_tol = 1e-12;
    o.integrator.rel_tol = 1e-12;
    const PelvisSimulationResult r = simulate(p, o);
    const double ke_max = 0.5 * (r.energy.array() - r.energy.minCoeff()).maxCoeff();  // energy scale
    const double drift = max_abs_dev(r.energy);
    // relative to the energy exchanged (kinetic energy swing) and to |E0| (zero potential at the hip centre)
    EXPECT_LT(drift / std::abs(r.energy[0]), 1e-6) << c.name << ": drift " << drift << " J of " << r.energy[0];
    // the motion is large: the pendulum really moved
    EXPECT_GT(r.obliquity.maxCoeff(), 0.5) << c.name;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3e", drift / std::abs(r.energy[0]));
    RecordProperty(std::string(c.name) + " relative energy drift", buf);
    (void)ke_max;
  }
}

// The first instant of the fall: theta'' = (gravity moment about the hip) / (inertia about the hip).
TEST(PelvisDynamics, InitialFallMatchesRigidBodyStatics) {
  const PelvisPlant& p = plant();
  PelvisSimulationOptions o;
  o.duration = 0.01;
  o.sample_rate = 1000.0;
  o.muscles_enabled = false;
  o.lean_dof = false;
  o.hip_passive = PassiveJointMoment::none();
  const PelvisSimulationResult r = simulate(p, o);
  // hand computation: moment of gravity about the e axis through H, inertia about that axis
  const double m = p.mass_pelvis + p.mass_trunk;
  const Vec3 c = (p.mass_pelvis * p.com_pelvis + p.mass_trunk * p.com_trunk) / m;
  const double moment = ((c - p.hip_center).cross(m * p.gravity)).dot(p.axis);
  const double I = p.inertia_pelvis_hip + p.inertia_trunk_com +
                   p.mass_trunk * ((p.com_trunk - p.hip_center) - (p.com_trunk - p.hip_center).dot(p.axis) * p.axis).squaredNorm();
  const double alpha = moment / I;
  EXPECT_GT(alpha, 0.0);  // it falls toward the swing side
  EXPECT_NEAR(r.gravity_moment[0], moment, 1e-9 * std::abs(moment));
  // theta(t) = alpha t^2 / 2 at small t
  const double t = r.time[5];
  EXPECT_NEAR(r.obliquity[5], 0.5 * alpha * t * t, 1e-3 * 0.5 * alpha * t * t);
}

// ---- acceptance 2: full strength, steady state = static solution, pelvis level

TEST(PelvisDynamics, FullStrengthSteadyStateEqualsStaticSolution) {
  const PelvisPlant& p = plant();
  PelvisSimulationOptions o;
  o.duration = 8.0;
  o.perturbation = {30.0, 0.5, 0.1};  // 30 N m toward drop for 0.1 s
  const PelvisSimulationResult r = simulate(p, o);
  const StaticEquilibrium s = static_equilibrium(p, o);
  ASSERT_TRUE(s.feasible);
  EXPECT_LT(std::abs(s.residual), 1e-9);
  // the perturbation moved the pelvis, which came back
  EXPECT_GT(r.max_drop, 0.2 * kDeg);
  const Eigen::Index last = r.time.size() - 1;
  EXPECT_LT(std::abs(r.obliquity[last]), 2.0 * kDeg);
  EXPECT_LT(std::abs(r.obliquity_rate[last]), 1e-4);
  EXPECT_NEAR(r.abductor_force[last], s.abductor_force, 0.01 * s.abductor_force);
  // the static abductor force and contact force are in the textbook range (DESIGN.md: ~2 and 2.5-3 BW)
  EXPECT_GT(s.abductor_force / p.body_weight, 1.5);
  EXPECT_LT(s.abductor_force / p.body_weight, 3.0);
  EXPECT_GT(r.hip_contact_force_bw[last], 2.0);
  EXPECT_LT(r.hip_contact_force_bw[last], 4.0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", r.abductor_force[last]);
  RecordProperty("steady abductor force N", buf);
  std::snprintf(buf, sizeof buf, "%.9g", s.abductor_force);
  RecordProperty("static abductor force N", buf);
}

// ---- acceptance 3: drop grows as strength falls; 30%: positive, compensated < 4 deg

TEST(PelvisDynamics, DropGrowsAsStrengthFallsAndLeanCompensates) {
  const PelvisPlant& p = plant();
  double prev = -1.0;
  for (double s : {1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3, 0.2, 0.1, 0.0}) {
    const PelvisSimulationResult r = stance(p, s, 5.0, 100.0, false);
    EXPECT_GT(r.max_drop, prev) << "strength " << s;
    prev = r.max_drop;
  }
  const PelvisSimulationResult weak = stance(p, 0.3, 5.0, 100.0, false);
  EXPECT_TRUE(weak.trendelenburg_positive);
  EXPECT_GT(weak.max_drop, 4.0 * kDeg);
  EXPECT_GT(weak.event_time, 0.0);
  const PelvisSimulationResult comp = stance(p, 0.3, 5.0, 100.0, true);
  EXPECT_LT(comp.max_drop, 4.0 * kDeg);
  EXPECT_FALSE(comp.trendelenburg_positive);
  EXPECT_GT(comp.final_lean, 0.0);  // toward the stance side
  const PelvisSimulationResult strong = stance(p, 1.0, 5.0, 100.0, false);
  EXPECT_FALSE(strong.trendelenburg_positive);
}

// ---- acceptance 4: halving the tolerances changes the peak drop by < 0.1 deg

TEST(PelvisDynamics, PeakDropInsensitiveToTolerances) {
  const PelvisPlant& p = plant();
  for (double s : {0.6, 0.3}) {
    for (bool comp : {false, true}) {
      PelvisSimulationOptions o;
      const PelvisSimulationResult a = stance(p, s, 5.0, 100.0, comp, o);
      o.integrator.abs_tol *= 0.5;
      o.integrator.rel_tol *= 0.5;
      const PelvisSimulationResult b = stance(p, s, 5.0, 100.0, comp, o);
      EXPECT_LT(std::abs(a.max_drop - b.max_drop), 0.1 * kDeg) << "strength " << s << " compensation " << comp;
      // and far below: the solution is converged
      EXPECT_LT(std::abs(a.max_drop - b.max_drop), 1e-2 * kDeg);
    }
  }
}

// ---- acceptance 5: bad input

TEST(PelvisDynamics, BadInputThrowsInvalidArgument) {
  const Model& model = generic_model();
  const PelvisPlant& p = plant();
  const double nan = std::nan("");
  EXPECT_THROW(stance(p, 1.0, -1.0, 100.0, false), InvalidArgument);
  EXPECT_THROW(stance(p, 1.0, 0.0, 100.0, false), InvalidArgument);
  EXPECT_THROW(stance(p, 1.0, 1.0, 0.0, false), InvalidArgument);
  EXPECT_THROW(stance(p, 1.2, 1.0, 100.0, false), InvalidArgument);
  EXPECT_THROW(stance(p, -0.1, 1.0, 100.0, false), InvalidArgument);
  EXPECT_THROW(stance(p, nan, 1.0, 100.0, false), InvalidArgument);
  EXPECT_THROW(stance(p, 1.0, nan, 100.0, false), InvalidArgument);
  PelvisSimulationOptions o;
  o.initial_obliquity = nan;
  EXPECT_THROW(simulate(p, o), InvalidArgument);
  o = PelvisSimulationOptions{};
  o.controller.delay = -0.01;
  EXPECT_THROW(simulate(p, o), InvalidArgument);
  o = PelvisSimulationOptions{};
  o.controller.kind = ControllerKind::prescribed;
  o.controller.prescribed_time = Eigen::VectorXd::LinSpaced(3, 0.0, 1.0);
  o.controller.prescribed_excitations = Eigen::MatrixXd::Zero(3, p.n_muscles() + 1);
  EXPECT_THROW(simulate(p, o), InvalidArgument);
  try {
    stance(p, 1.5, 1.0, 100.0, false);
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("expected abductor_strength in [0, 1], got 1.5"), std::string::npos);
  }
  PelvisPlantOptions po;
  po.stance_side = 'x';
  Data d(model);
  EXPECT_THROW(build_pelvis_plant(model, d, po), InvalidArgument);
  po = PelvisPlantOptions{};
  po.muscles = {"no_such_muscle"};
  EXPECT_THROW(build_pelvis_plant(model, d, po), InvalidArgument);
  HipHitchOptions h;
  h.amplitude = -1.0;
  EXPECT_THROW(simulate_hip_hitch(p, h), InvalidArgument);
}

// ---- neural delay

TEST(PelvisDynamics, NeuralDelayConvergesAndWorsensTheDrop) {
  const PelvisPlant& p = plant();
  PelvisSimulationOptions o;
  o.perturbation = {40.0, 0.2, 0.1};
  const PelvisSimulationResult none = stance(p, 0.7, 3.0, 200.0, false, o);
  o.controller.delay = 0.03;
  const PelvisSimulationResult d1 = stance(p, 0.7, 3.0, 200.0, false, o);
  o.integrator.abs_tol = o.integrator.rel_tol = 1e-11;
  const PelvisSimulationResult d2 = stance(p, 0.7, 3.0, 200.0, false, o);
  // converged in the tolerance (the history interpolation is fourth order, like the integrator)
  EXPECT_LT((d1.obliquity - d2.obliquity).cwiseAbs().maxCoeff(), 1e-6);
  // a later reaction lets the pelvis drop further
  EXPECT_GT(d1.max_drop, none.max_drop);
  // a vanishing delay tends to the undelayed run
  o = PelvisSimulationOptions{};
  o.perturbation = {40.0, 0.2, 0.1};
  o.controller.delay = 1e-4;
  const PelvisSimulationResult tiny = stance(p, 0.7, 3.0, 200.0, false, o);
  EXPECT_LT(std::abs(tiny.max_drop - none.max_drop), 0.01 * none.max_drop);
}

// ---- event location by bisection on the dense output

TEST(PelvisDynamics, DropEventLocatedOnTheDenseOutput) {
  const PelvisPlant& p = plant();
  PelvisSimulationOptions o;
  o.abductor_strength = 0.2;
  o.duration = 3.0;
  o.sample_rate = 1000.0;
  const PelvisSimulationResult r = simulate(p, o);
  ASSERT_GT(r.event_time, 0.0);
  // the samples around the event bracket the threshold
  const Eigen::Index k = static_cast<Eigen::Index>(std::floor(r.event_time * 1000.0));
  EXPECT_LE(r.obliquity[k], o.drop_threshold);
  EXPECT_GT(r.obliquity[k + 1], o.drop_threshold);
  // stopping there: the last sample is the crossing itself to the tolerance
  o.stop_at_event = true;
  o.sample_rate = 100.0;
  const PelvisSimulationResult s = simulate(p, o);
  EXPECT_TRUE(s.stopped_at_event);
  EXPECT_NEAR(s.event_time, r.event_time, 1e-6);
  EXPECT_LE(s.time[s.time.size() - 1], s.event_time + 1e-12);
}

// ---- compliant tendon

TEST(PelvisDynamics, CompliantTendonHoldsLikeTheRigidOne) {
  const PelvisPlant& p = plant();
  PelvisSimulationOptions o;
  o.duration = 1.0;
  o.sample_rate = 100.0;
  o.tendon = TendonModel::compliant;
  const PelvisSimulationResult c = simulate(p, o);
  o.tendon = TendonModel::rigid;
  const PelvisSimulationResult r = simulate(p, o);
  // the compliant run starts at its own static equilibrium: it stays close to level
  EXPECT_LT(c.obliquity.cwiseAbs().maxCoeff(), 1.0 * kDeg);
  const Eigen::Index last = c.time.size() - 1;
  EXPECT_NEAR(c.abductor_force[last], r.abductor_force[last], 0.03 * r.abductor_force[last]);
  EXPECT_FALSE(c.integrator.empty());
}

// The stiff integrator (rosenbrock4, when this Boost has it) and dopri5 agree on a compliant-tendon run.
TEST(PelvisDynamics, RosenbrockAndDormandPrinceAgree) {
  const PelvisPlant& p = plant();
  PelvisSimulationOptions o;
  o.duration = 0.6;
  o.sample_rate = 200.0;
  o.tendon = TendonModel::compliant;
  o.perturbation = {30.0, 0.1, 0.1};
  o.integrator.method_from_tendon = false;
  o.integrator.method = IntegratorMethod::rosenbrock4;
  const PelvisSimulationResult ros = simulate(p, o);
  if (ros.integrator != "rosenbrock4")
    GTEST_SKIP() << "rosenbrock4 unavailable with this Boost (uBLAS < 1.81 under C++20): " << ros.notes.back();
  o.integrator.method = IntegratorMethod::dopri5;
  const PelvisSimulationResult dp = simulate(p, o);
  EXPECT_EQ(dp.integrator, "dopri5");
  EXPECT_LT((ros.obliquity - dp.obliquity).cwiseAbs().maxCoeff(), 1e-6);
  EXPECT_NEAR(ros.max_drop, dp.max_drop, 1e-6);
}

// ---- prescribed excitation: physics of the extremes

TEST(PelvisDynamics, PrescribedExcitationDropsOrHikes) {
  const PelvisPlant& p = plant();
  PelvisSimulationOptions o;
  o.duration = 0.3;
  o.controller.kind = ControllerKind::prescribed;
  o.controller.prescribed_excitation = 0.0;
  o.initial_activation = 0.0;
  EXPECT_GT(simulate(p, o).obliquity.maxCoeff(), 2.0 * kDeg);  // no drive: it drops
  o.controller.prescribed_excitation = 1.0;
  o.initial_activation = 1.0;
  EXPECT_LT(simulate(p, o).obliquity.minCoeff(), -2.0 * kDeg);  // full drive at full strength: it hikes
}

// ---- hip hitch

TEST(PelvisDynamics, HipHitchTracksTheMotion) {
  const PelvisPlant& p = plant();
  HipHitchOptions h;
  h.amplitude = 8.0 * kDeg;
  h.period = 2.0;
  h.repetitions = 3;
  const PelvisSimulationResult r = simulate_hip_hitch(p, h);
  EXPECT_NEAR(r.time[r.time.size() - 1], 7.0, 1e-9);
  EXPECT_NEAR(r.obliquity.maxCoeff(), h.amplitude, 1.0 * kDeg);   // drop
  EXPECT_NEAR(r.obliquity.minCoeff(), -h.amplitude, 1.0 * kDeg);  // hike
  // hiking the swing side takes more abductor force than holding level, dropping less
  const StaticEquilibrium level = static_equilibrium(p, PelvisSimulationOptions{});
  EXPECT_GT(r.abductor_force.maxCoeff(), level.abductor_force);
  EXPECT_LT(r.abductor_force.minCoeff(), level.abductor_force);
  EXPECT_LE(r.effort.maxCoeff(), 1.0);
  // back to level at the end
  EXPECT_LT(std::abs(r.obliquity[r.time.size() - 1]), 0.5 * kDeg);
}

// ---- symmetry: a left stance on the mirrored model behaves like the right

TEST(PelvisDynamics, LeftAndRightStanceAgree) {
  const PelvisPlant& pr = plant('r');
  const PelvisPlant& pl = plant('l');
  ASSERT_EQ(pr.n_muscles(), pl.n_muscles());
  for (double s : {0.6, 0.3}) {
    const PelvisSimulationResult a = stance(pr, s, 2.0, 100.0, false);
    const PelvisSimulationResult b = stance(pl, s, 2.0, 100.0, false);
    EXPECT_NEAR(a.max_drop, b.max_drop, 1e-6) << s;
    EXPECT_NEAR(a.abductor_force[a.time.size() - 1], b.abductor_force[b.time.size() - 1], 1e-3) << s;
  }
}
