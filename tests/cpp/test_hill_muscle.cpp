// Hill-type muscle: curve identities (Thelen 2003), finite-difference
// derivatives, the closed-form force-velocity inverse against Thelen's own
// velocity-from-force equation, the activation step response against its
// analytic solution, rigid and compliant tendon consistency, bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "biomech/errors.hpp"
#include "biomech/hill_muscle.hpp"

using namespace biomech;

namespace {

const HillParameters P{};

// gait2392 glut_med1_r (Delp 1990 via the opensim-models file)
MuscleTendonParameters gmed1() { return {819.0, 0.0535, 0.078, 0.13962634}; }

double fd(const std::function<double(double)>& f, double x, double h = 1e-6) {
  return (f(x + h) - f(x - h)) / (2 * h);
}

}  // namespace

TEST(HillMuscle, ActiveForceLengthPeaksAtOptimalLength) {
  EXPECT_DOUBLE_EQ(active_force_length(1.0, P), 1.0);
  for (double d : {0.1, 0.3, 0.5}) {
    EXPECT_NEAR(active_force_length(1.0 + d, P), active_force_length(1.0 - d, P), 1e-15);  // symmetric Gaussian
    EXPECT_LT(active_force_length(1.0 + d, P), 1.0);
  }
  // width: exp(-d^2 / gamma) = 1/e at d = sqrt(gamma)
  EXPECT_NEAR(active_force_length(1.0 + std::sqrt(P.active_shape), P), std::exp(-1.0), 1e-14);
  for (double l : {0.5, 0.8, 1.0, 1.2, 1.6})
    EXPECT_NEAR(active_force_length_derivative(l, P), fd([](double x) { return active_force_length(x, P); }, l),
                1e-8);
}

TEST(HillMuscle, PassiveForceReachesOneAtItsStrain) {
  EXPECT_EQ(passive_force_length(0.8, P), 0.0);
  EXPECT_EQ(passive_force_length(1.0, P), 0.0);
  EXPECT_NEAR(passive_force_length(1.0 + P.passive_strain, P), 1.0, 1e-14);
  double prev = 0.0;
  for (double l = 1.01; l < 1.8; l += 0.05) {
    const double f = passive_force_length(l, P);
    EXPECT_GT(f, prev);
    prev = f;
  }
}

TEST(HillMuscle, ForceVelocityIdentitiesAndMonotone) {
  for (double a : {0.0, 0.3, 1.0}) {
    EXPECT_DOUBLE_EQ(force_velocity(0.0, a, P), 1.0);
    // zero force at the activation-scaled max shortening velocity (Thelen: (0.25 + 0.75 a) v_max)
    EXPECT_NEAR(force_velocity(-(0.25 + 0.75 * a), a, P), 0.0, 1e-15);
    EXPECT_EQ(force_velocity(-2.0, a, P), 0.0);
    // lengthening plateau F_len
    EXPECT_NEAR(force_velocity(1e6, a, P), P.fv_max_lengthening, 1e-4);
    double prev = -1.0;
    for (double v = -1.2; v < 2.0; v += 0.01) {
      const double f = force_velocity(v, a, P);
      EXPECT_GE(f, prev);
      prev = f;
    }
    for (double v : {-0.5, -0.1, 0.05, 0.4})
      EXPECT_NEAR(force_velocity_derivative(v * (0.25 + 0.75 * a), a, P),
                  fd([&](double x) { return force_velocity(x, a, P); }, v * (0.25 + 0.75 * a)), 1e-6);
  }
}

// Thelen 2003 eq. 6 gives the fibre velocity from the force; our f_V is its inverse.
TEST(HillMuscle, ForceVelocityInvertsThelenEquation6) {
  const double a = 0.7, fl = 0.9;
  const double Af = P.fv_shape, Flen = P.fv_max_lengthening;
  for (double v = -0.9; v <= 1.5; v += 0.05) {
    const double vn = v * (0.25 + 0.75 * a);
    const double f = a * fl * force_velocity(vn, a, P);
    const double b = f <= a * fl ? a * fl + f / Af : (2 + 2 / Af) * (a * fl * Flen - f) / (Flen - 1);
    const double v_thelen = (0.25 + 0.75 * a) * (f - a * fl) / b;  // normalised by l_opt v_max
    EXPECT_NEAR(v_thelen, vn, 1e-12) << "v = " << v;
  }
}

TEST(HillMuscle, TendonCurveThelenEquation5) {
  EXPECT_EQ(tendon_force_strain(0.0, P), 0.0);
  EXPECT_EQ(tendon_force_strain(-0.01, P), 0.0);
  // force 1 at eps0_T (Thelen's constants give 0.999 +- 0.002)
  EXPECT_NEAR(tendon_force_strain(P.tendon_strain_at_max_force, P), 1.0, 2e-3);
  // continuous at the end of the toe region, with matching slope to 0.2%
  const double et = 0.609 * P.tendon_strain_at_max_force;
  EXPECT_NEAR(tendon_force_strain(et - 1e-12, P), tendon_force_strain(et + 1e-12, P), 1e-9);
  EXPECT_NEAR(tendon_force_strain_derivative(et - 1e-12, P) / tendon_force_strain_derivative(et + 1e-12, P), 1.0,
              2e-3);
  for (double e : {0.005, 0.015, 0.03, 0.05})
    EXPECT_NEAR(tendon_force_strain_derivative(e, P), fd([](double x) { return tendon_force_strain(x, P); }, e, 1e-8),
                1e-4 * tendon_force_strain_derivative(e, P));
}

// du/dt = (u - a)/tau(a): for u = 1 from a = 0, t(a) = tau_act (-1.5 a - 2 ln(1 - a)).
TEST(HillMuscle, ActivationStepResponseMatchesClosedForm) {
  double a = 0.0, t = 0.0;
  const double h = 1e-5;
  auto f = [](double x) { return activation_rate(1.0, x, P); };
  for (int k = 0; k < 5000; ++k) {  // RK4 over 50 ms
    const double k1 = f(a), k2 = f(a + 0.5 * h * k1), k3 = f(a + 0.5 * h * k2), k4 = f(a + h * k3);
    a += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
    t += h;
    if (k % 500 == 499) {
      EXPECT_NEAR(P.activation_time * (-1.5 * a - 2 * std::log(1 - a)), t, 1e-9);
    }
  }
  // deactivation is slower than activation at the same distance from the target
  EXPECT_GT(std::abs(activation_rate(1.0, 0.5, P)), std::abs(activation_rate(0.0, 0.5, P)));
  EXPECT_EQ(activation_rate(0.4, 0.4, P), 0.0);
}

TEST(HillMuscle, RigidTendonIsometricAtOptimalLength) {
  const MuscleTendonParameters m = gmed1();
  const double L = m.optimal_fiber_length * std::cos(m.pennation_angle) + m.tendon_slack_length;
  const HillState s = rigid_tendon_state(m, P, 1.0, L, 0.0);
  EXPECT_NEAR(s.fiber_length, m.optimal_fiber_length, 1e-15);
  EXPECT_NEAR(s.pennation, m.pennation_angle, 1e-12);
  EXPECT_NEAR(s.tendon_force, m.max_isometric_force * std::cos(m.pennation_angle), 1e-9);
  // half activation: half the active force; no activation: no force at optimal length
  EXPECT_NEAR(rigid_tendon_state(m, P, 0.5, L, 0.0).tendon_force, 0.5 * s.tendon_force, 1e-9);
  EXPECT_NEAR(rigid_tendon_state(m, P, 0.0, L, 0.0).tendon_force, 0.0, 1e-9);
  // shortening lowers and lengthening raises the force
  EXPECT_LT(rigid_tendon_state(m, P, 1.0, L, -0.1).tendon_force, s.tendon_force);
  EXPECT_GT(rigid_tendon_state(m, P, 1.0, L, 0.1).tendon_force, s.tendon_force);
  // fibre velocity = MT velocity * cos(pennation) (constant-thickness geometry), by finite differences
  const double h = 1e-7;
  const double dl = (rigid_tendon_state(m, P, 1.0, L + h, 0.0).fiber_length -
                     rigid_tendon_state(m, P, 1.0, L - h, 0.0).fiber_length) / (2 * h);
  EXPECT_NEAR(rigid_tendon_state(m, P, 1.0, L, 1.0).fiber_velocity, dl, 1e-7);
  // stretched passive muscle pulls with activation 0
  EXPECT_GT(rigid_tendon_state(m, P, 0.0, L + 0.02, 0.0).tendon_force, 0.0);
}

// RigidTendonUnit keeps the curves' constants (reciprocals, rates) computed once: its
// force is F_max (a f_L f_V + f_PE) cos(alpha) of the curves as the free functions define them,
// to rounding, over lengths from slack to stretched, shortening and lengthening, any activation.
TEST(HillMuscle, RigidTendonUnitIsTheFreeCurves) {
  const MuscleTendonParameters m = gmed1();
  HillParameters q = P;
  q.active_shape = 0.35, q.passive_shape = 5.0, q.passive_strain = 0.5, q.fv_shape = 0.25;  // not the defaults
  for (const HillParameters& p : {P, q}) {
    const RigidTendonUnit unit(m, p);
    const double h = pennation_height(m);
    for (double L = 0.09; L <= 0.16; L += 0.0035)
      for (double v : {-0.6, -0.2, -0.01, 0.0, 0.03, 0.3})
        for (double a : {0.0, 0.2, 0.7, 1.0}) {
          const RigidTendonFiber g = rigid_tendon_fiber(h, m.tendon_slack_length, min_fiber_length(m, p), L);
          const double ln = g.length / m.optimal_fiber_length;
          const double vn =
              (g.clamped ? 0.0 : v * g.cos_pennation) / (m.optimal_fiber_length * p.max_contraction_velocity);
          const double fl = active_force_length(ln, p), fv = force_velocity(vn, a, p), fpe = passive_force_length(ln, p);
          const double expected = m.max_isometric_force * (a * fl * fv + fpe) * g.cos_pennation;
          EXPECT_NEAR(unit.force(a, L, v), expected, 1e-12 * m.max_isometric_force)
              << "L " << L << ", v " << v << ", a " << a;
        }
  }
}

TEST(HillMuscle, CompliantTendonEquilibriumAndDampedVelocity) {
  const MuscleTendonParameters m = gmed1();
  const double L = m.optimal_fiber_length * std::cos(m.pennation_angle) + m.tendon_slack_length * 1.02;
  for (double a : {0.0, 0.2, 0.8, 1.0}) {
    const double lm = equilibrium_fiber_length(m, P, a, L);
    const HillState s = compliant_tendon_state(m, P, a, L, lm);
    EXPECT_NEAR(s.fiber_velocity, 0.0, 1e-9) << "a = " << a;
    // the damped equilibrium holds for any fibre length: f_T = (a f_L f_V + f_PE + beta v) cos(alpha)
    for (double dl : {-0.004, 0.003}) {
      const HillState t = compliant_tendon_state(m, P, a, L, lm + dl);
      const double vn = t.fiber_velocity / (m.optimal_fiber_length * P.max_contraction_velocity);
      const double rhs = m.max_isometric_force * (a * t.active_fl * t.fv + t.passive + P.fiber_damping * vn) *
                         std::cos(t.pennation);
      EXPECT_NEAR(t.tendon_force, rhs, 1e-8 * m.max_isometric_force);
      // a fibre longer than equilibrium shortens, a shorter one lengthens
      EXPECT_LT(t.fiber_velocity * dl, 0.0);
    }
  }
  // a very stiff tendon: compliant equilibrium -> rigid-tendon force
  HillParameters stiff = P;
  stiff.tendon_strain_at_max_force = 1e-5;
  const double lm = equilibrium_fiber_length(m, stiff, 1.0, L);
  EXPECT_NEAR(compliant_tendon_state(m, stiff, 1.0, L, lm).tendon_force,
              rigid_tendon_state(m, stiff, 1.0, L, 0.0).tendon_force, 1e-3 * m.max_isometric_force);
}

TEST(HillMuscle, BadParametersThrow) {
  HillParameters p;
  p.activation_time = -0.01;
  EXPECT_THROW(validate(p), InvalidArgument);
  p = HillParameters{};
  p.fv_max_lengthening = std::nan("");
  EXPECT_THROW(validate(p), InvalidArgument);
  EXPECT_NO_THROW(validate(HillParameters{}));
  MuscleTendonParameters m = gmed1();
  m.optimal_fiber_length = 0.0;
  EXPECT_THROW(validate(m), InvalidArgument);
  m = gmed1();
  m.pennation_angle = 2.0;
  EXPECT_THROW(validate(m), InvalidArgument);
}
