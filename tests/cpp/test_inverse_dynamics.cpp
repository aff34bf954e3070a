// Newton-Euler loads checked against analytic mechanics on the tiny model.
#include <gtest/gtest.h>

#include <random>

#include "biomech/errors.hpp"
#include "biomech/inverse_dynamics.hpp"
#include "biomech/kinematics.hpp"
#include "biomech/muscle_path.hpp"
#include "tiny_model.hpp"

using namespace biomech;

namespace {

double potential_energy(const Model& m, const Data& d) {
  double v = 0.0;
  for (size_t b = 0; b < m.bodies.size(); ++b) v -= m.bodies[b].mass * m.gravity.dot(d.body_pose[b] * m.bodies[b].com);
  return v;
}

}  // namespace

// Under gravity alone the generalized forces are the gradient of the potential energy.
TEST(InverseDynamics, StaticGeneralizedForcesAreGradientOfPotential) {
  const Model m = test_models::tiny_model();
  Data d(m), d2(m);
  std::mt19937 rng(4);
  for (int trial = 0; trial < 50; ++trial) {
    Eigen::VectorXd q = m.default_posture();
    for (int k = 0; k < m.nq(); ++k) {
      const Coordinate& c = m.coordinates[m.independent[k]];
      q[k] = std::uniform_real_distribution<double>(c.range_min, c.range_max)(rng);
    }
    forward_kinematics(m, d, q);
    const Eigen::VectorXd tau = generalized_forces(m, d, {}, {});
    for (int k = 0; k < m.nq(); ++k) {
      const double h = 1e-6;
      Eigen::VectorXd qp = q, qm = q;
      qp[k] += h;
      qm[k] -= h;
      forward_kinematics(m, d2, qp);
      const double vp = potential_energy(m, d2);
      forward_kinematics(m, d2, qm);
      const double vm = potential_energy(m, d2);
      EXPECT_NEAR(tau[k], (vp - vm) / (2 * h), 1e-6) << "coordinate " << k;
    }
  }
}

// A vertical force equal to the weight, applied under the centre of mass,
// leaves no residual on the free pelvis joint.
TEST(InverseDynamics, SupportUnderCentreOfMassBalancesTheRoot) {
  const Model m = test_models::tiny_model();
  Data d(m);
  forward_kinematics(m, d, m.default_posture());
  const Vec3 com = center_of_mass(m, d);
  ExternalLoad support;
  support.body = 2;
  support.point = com;
  support.force = -m.total_mass() * m.gravity;
  const Eigen::VectorXd tau = generalized_forces(m, d, {}, {support});
  EXPECT_LT(tau.head(6).cwiseAbs().maxCoeff(), 1e-9);
}

// The hip reaction balances the femur-and-tibia subtree: with a muscle
// crossing the hip, reaction + muscle + gravity + external = 0.
TEST(InverseDynamics, JointReactionClosesNewtonOnTheSubtree) {
  const Model m = test_models::tiny_model();
  Data d(m);
  compute_muscle_paths(m, d, m.default_posture());
  std::vector<Vec3> fi, mi, fm, mm;
  body_inertial_loads(m, d, {}, fi, mi);
  Eigen::VectorXd tension = Eigen::VectorXd::Zero(m.n_muscles());
  tension[m.muscle_index("glut_med1_r")] = 800.0;
  muscle_loads_on_bodies(m, d, tension, fm, mm);
  // a muscle's loads on all bodies sum to zero (it pulls both ends)
  Vec3 total = Vec3::Zero(), total_m = Vec3::Zero();
  for (size_t b = 0; b < m.bodies.size(); ++b) total += fm[b], total_m += mm[b];
  EXPECT_LT(total.norm(), 1e-9);
  EXPECT_LT(total_m.norm(), 1e-9);
  ExternalLoad foot;
  foot.body = 2;
  foot.point = d.body_pose[2].translation();
  foot.force = Vec3(0, 700, 0);
  const Vec3 r = joint_reaction_force(m, d, 1, fi, {foot}, fm);
  const Vec3 gravity_on_leg = (m.bodies[1].mass + m.bodies[2].mass) * m.gravity;
  EXPECT_LT((r + fm[1] + fm[2] + gravity_on_leg + foot.force).norm(), 1e-9);
  // the muscle pulls the femur up and medially: the reaction pushes back
  EXPECT_LT(r.y(), -700.0 + 1e-9);
}

TEST(InverseDynamics, MomentFromMuscleEqualsTensionTimesMomentArm) {
  const Model m = test_models::tiny_model();
  Data d(m);
  compute_muscle_paths(m, d, m.default_posture());
  Eigen::VectorXd tension = Eigen::VectorXd::Zero(m.n_muscles());
  const int gm = m.muscle_index("glut_med1_r");
  tension[gm] = 100.0;
  std::vector<Vec3> fm, mm;
  muscle_loads_on_bodies(m, d, tension, fm, mm);
  // generalized force of the muscle loads = -(required actuator force) = T r
  std::vector<ExternalLoad> loads;
  for (size_t b = 0; b < m.bodies.size(); ++b) {
    ExternalLoad l;
    l.body = static_cast<int>(b);
    l.point = Vec3::Zero();
    l.force = fm[b];
    l.moment = mm[b];
    loads.push_back(l);
  }
  const Eigen::VectorXd with = generalized_forces(m, d, {}, loads);
  const Eigen::VectorXd without = generalized_forces(m, d, {}, {});
  for (int k = 0; k < m.nq(); ++k) EXPECT_NEAR(without[k] - with[k], 100.0 * d.moment_arm(gm, k), 1e-9);
}

TEST(InverseDynamics, BadLoadsAreRejected) {
  const Model m = test_models::tiny_model();
  Data d(m);
  forward_kinematics(m, d, m.default_posture());
  ExternalLoad bad;
  bad.body = 7;
  EXPECT_THROW(generalized_forces(m, d, {}, {bad}), InvalidArgument);
}

// A Data made for another model would index out of bounds: every algorithm refuses it
// with an InvalidArgument that names itself and the size that does not match.
TEST(InverseDynamics, DataOfAnotherModelIsRefused) {
  const Model m = test_models::tiny_model();
  Model other = m;  // one muscle fewer
  other.muscles.pop_back();
  other.finalize();
  Data wrong(other), right(m);
  const Eigen::VectorXd q = m.default_posture();
  auto refused = [&](const char* caller, auto&& call) {
    try {
      call();
      ADD_FAILURE() << caller << " accepted a Data of another model";
    } catch (const InvalidArgument& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind(std::string(caller) + ": expected a Data made for this model", 0), 0u) << what;
    }
  };
  refused("forward_kinematics", [&] { forward_kinematics(m, wrong, q); });
  refused("compute_muscle_paths", [&] { compute_muscle_paths(m, wrong, q); });
  refused("generalized_forces", [&] { generalized_forces(m, wrong, {}, {}); });
  refused("center_of_mass", [&] { center_of_mass(m, wrong); });
  std::vector<Vec3> f, mo;
  refused("body_inertial_loads", [&] { body_inertial_loads(m, wrong, {}, f, mo); });
  EXPECT_NO_THROW(check(m, right));
}
