#include "biomech/hill_muscle.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "biomech/errors.hpp"

namespace biomech {
namespace {

void check(bool ok, const std::string& what, double got) {
  if (!ok) throw InvalidArgument("HillParameters: expected " + what + ", got " + std::to_string(got));
}

// Thelen's max velocity scales with activation: (0.25 + 0.75 a) v_max.
double velocity_scale(double a) { return 0.25 + 0.75 * std::clamp(a, 0.0, 1.0); }

double pennation_height(const MuscleTendonParameters& m) {
  return m.optimal_fiber_length * std::sin(m.pennation_angle);
}

}  // namespace

void validate(const HillParameters& p) {
  check(std::isfinite(p.active_shape) && p.active_shape > 0, "active_shape > 0", p.active_shape);
  check(std::isfinite(p.passive_shape) && p.passive_shape > 0, "passive_shape > 0", p.passive_shape);
  check(std::isfinite(p.passive_strain) && p.passive_strain > 0, "passive_strain > 0", p.passive_strain);
  check(std::isfinite(p.fv_shape) && p.fv_shape > 0, "fv_shape > 0", p.fv_shape);
  check(std::isfinite(p.fv_max_lengthening) && p.fv_max_lengthening > 1, "fv_max_lengthening > 1",
        p.fv_max_lengthening);
  check(std::isfinite(p.max_contraction_velocity) && p.max_contraction_velocity > 0, "max_contraction_velocity > 0",
        p.max_contraction_velocity);
  check(std::isfinite(p.tendon_strain_at_max_force) && p.tendon_strain_at_max_force > 0,
        "tendon_strain_at_max_force > 0", p.tendon_strain_at_max_force);
  check(std::isfinite(p.tendon_toe_shape) && p.tendon_toe_shape > 0, "tendon_toe_shape > 0", p.tendon_toe_shape);
  check(std::isfinite(p.tendon_toe_force) && p.tendon_toe_force > 0 && p.tendon_toe_force < 1,
        "tendon_toe_force in (0, 1)", p.tendon_toe_force);
  check(std::isfinite(p.fiber_damping) && p.fiber_damping > 0, "fiber_damping > 0", p.fiber_damping);
  check(std::isfinite(p.activation_time) && p.activation_time > 0, "activation_time > 0 s", p.activation_time);
  check(std::isfinite(p.deactivation_time) && p.deactivation_time > 0, "deactivation_time > 0 s",
        p.deactivation_time);
  check(std::isfinite(p.max_pennation) && p.max_pennation > 0 && p.max_pennation < M_PI / 2,
        "max_pennation in (0, pi/2) rad", p.max_pennation);
}

MuscleTendonParameters muscle_tendon_parameters(const Muscle& m) {
  return {m.max_isometric_force, m.optimal_fiber_length, m.tendon_slack_length, m.pennation_angle};
}

void validate(const MuscleTendonParameters& m) {
  auto bad = [](const std::string& what, double got) {
    throw InvalidArgument("muscle parameters: expected " + what + ", got " + std::to_string(got));
  };
  if (!std::isfinite(m.max_isometric_force) || m.max_isometric_force < 0)
    bad("max_isometric_force >= 0 N", m.max_isometric_force);
  if (!std::isfinite(m.optimal_fiber_length) || m.optimal_fiber_length <= 0)
    bad("optimal_fiber_length > 0 m", m.optimal_fiber_length);
  if (!std::isfinite(m.tendon_slack_length) || m.tendon_slack_length < 0)
    bad("tendon_slack_length >= 0 m", m.tendon_slack_length);
  if (!std::isfinite(m.pennation_angle) || m.pennation_angle < 0 || m.pennation_angle >= M_PI / 2)
    bad("pennation_angle in [0, pi/2) rad", m.pennation_angle);
}

double active_force_length(double l, const HillParameters& p) {
  if (p.active_shape == kThelenForceLengthGamma && l >= 0.0) return active_force_length(l);  // the shared curve
  const double d = l - 1.0;
  return std::exp(-d * d / p.active_shape);
}

double active_force_length_derivative(double l, const HillParameters& p) {
  const double d = l - 1.0;
  return -2.0 * d / p.active_shape * std::exp(-d * d / p.active_shape);
}

double passive_force_length(double l, const HillParameters& p) {
  if (l <= 1.0) return 0.0;
  return (std::exp(p.passive_shape * (l - 1.0) / p.passive_strain) - 1.0) / (std::exp(p.passive_shape) - 1.0);
}

double force_velocity(double v, double a, const HillParameters& p) {
  const double V = v / velocity_scale(a);
  if (V <= -1.0) return 0.0;
  if (V <= 0.0) return (1.0 + V) / (1.0 - V / p.fv_shape);
  const double c = p.fv_max_lengthening - 1.0;
  const double k = 2.0 + 2.0 / p.fv_shape;
  return (c + V * k * p.fv_max_lengthening) / (c + V * k);
}

double force_velocity_derivative(double v, double a, const HillParameters& p) {
  const double s = velocity_scale(a);
  const double V = v / s;
  if (V <= -1.0) return 0.0;
  if (V <= 0.0) {
    const double d = 1.0 - V / p.fv_shape;
    return (1.0 + 1.0 / p.fv_shape) / (d * d) / s;
  }
  const double c = p.fv_max_lengthening - 1.0;
  const double k = 2.0 + 2.0 / p.fv_shape;
  const double d = c + V * k;
  return k * c * c / (d * d) / s;
}

double tendon_force_strain(double e, const HillParameters& p) {
  if (e <= 0.0) return 0.0;
  const double e_toe = 0.609 * p.tendon_strain_at_max_force;
  if (e <= e_toe)
    return p.tendon_toe_force / (std::exp(p.tendon_toe_shape) - 1.0) * (std::exp(p.tendon_toe_shape * e / e_toe) - 1.0);
  const double k_lin = 1.712 / p.tendon_strain_at_max_force;
  return k_lin * (e - e_toe) + p.tendon_toe_force;
}

double tendon_force_strain_derivative(double e, const HillParameters& p) {
  if (e <= 0.0) return 0.0;
  const double e_toe = 0.609 * p.tendon_strain_at_max_force;
  if (e <= e_toe)
    return p.tendon_toe_force / (std::exp(p.tendon_toe_shape) - 1.0) * p.tendon_toe_shape / e_toe *
           std::exp(p.tendon_toe_shape * e / e_toe);
  return 1.712 / p.tendon_strain_at_max_force;
}

double activation_rate(double u, double a, const HillParameters& p) {
  const double ac = std::clamp(a, 0.0, 1.0);
  const double tau = u > a ? p.activation_time * (0.5 + 1.5 * ac) : p.deactivation_time / (0.5 + 1.5 * ac);
  return (u - a) / tau;
}

double min_fiber_length(const MuscleTendonParameters& m, const HillParameters& p) {
  // the pennation clamp, and never below 1% of the optimal length (unpennated muscles)
  return std::max(pennation_height(m) / std::sin(p.max_pennation), 0.01 * m.optimal_fiber_length);
}

double rigid_tendon_force(const MuscleTendonParameters& m, double h, double lmin, const HillParameters& p, double a,
                          double mt_length, double mt_velocity, double* fiber_length, HillState* state) {
  const double l0 = m.optimal_fiber_length;
  // projected fibre length along the tendon; a slack muscle keeps its minimum length
  const double x_min = std::sqrt(std::max(lmin * lmin - h * h, 0.0));
  const double x = std::max(mt_length - m.tendon_slack_length, x_min);
  const double lm = h > 0.0 ? std::sqrt(x * x + h * h) : x;
  const double cos_a = x / lm;
  // l dl = x dx: fibre velocity = MT velocity * cos(alpha) (zero while clamped slack)
  const double vm = (mt_length - m.tendon_slack_length > x_min) ? mt_velocity * cos_a : 0.0;
  const double ln = lm / l0;
  const double fl = active_force_length(ln, p);
  const double fv = force_velocity(vm / (l0 * p.max_contraction_velocity), a, p);
  const double fpe = passive_force_length(ln, p);
  const double f = m.max_isometric_force * (a * fl * fv + fpe) * cos_a;
  if (fiber_length) *fiber_length = lm;
  if (state) {
    state->tendon_force = f;
    state->fiber_length = lm;
    state->fiber_velocity = vm;
    state->pennation = std::atan2(h, x);
    state->active_fl = fl;
    state->fv = fv;
    state->passive = fpe;
  }
  return f;
}

HillState rigid_tendon_state(const MuscleTendonParameters& m, const HillParameters& p, double a, double mt_length,
                             double mt_velocity) {
  HillState s;
  rigid_tendon_force(m, pennation_height(m), min_fiber_length(m, p), p, a, mt_length, mt_velocity, nullptr, &s);
  return s;
}

HillState compliant_tendon_state(const MuscleTendonParameters& m, const HillParameters& p, double a,
                                 double mt_length, double fiber_length) {
  HillState s;
  const double l0 = m.optimal_fiber_length;
  const double h = pennation_height(m);
  const double lm = std::max(fiber_length, min_fiber_length(m, p));
  const double sin_a = std::min(h / lm, std::sin(p.max_pennation));
  const double cos_a = std::sqrt(1.0 - sin_a * sin_a);
  const double lt = mt_length - lm * cos_a;
  const double strain = m.tendon_slack_length > 0 ? (lt - m.tendon_slack_length) / m.tendon_slack_length : 0.0;
  const double ft = tendon_force_strain(strain, p);  // normalised
  const double ln = lm / l0;
  const double fl = active_force_length(ln, p);
  const double fpe = passive_force_length(ln, p);
  const double beta = p.fiber_damping;
  const double rhs = ft / cos_a;
  // g(v) = a fl fv(v) + fpe + beta v - rhs is increasing with slope >= beta; bracket the root
  const double af = std::clamp(a, 0.0, 1.0) * fl;
  double lo = (rhs - fpe - af * p.fv_max_lengthening) / beta;
  double hi = (rhs - fpe) / beta;
  auto g = [&](double v) { return af * force_velocity(v, a, p) + fpe + beta * v - rhs; };
  double v = std::clamp(0.0, lo, hi);
  for (int it = 0; it < 60; ++it) {
    const double gv = g(v);
    if (std::abs(gv) < 1e-13) break;
    if (gv > 0) hi = v; else lo = v;
    const double dg = af * force_velocity_derivative(v, a, p) + beta;
    double vn = v - gv / dg;
    if (!(vn > lo && vn < hi)) vn = 0.5 * (lo + hi);  // Newton left the bracket: bisect
    if (std::abs(vn - v) < 1e-14 * (1.0 + std::abs(v))) { v = vn; break; }
    v = vn;
  }
  s.fiber_length = lm;
  s.pennation = std::asin(sin_a);
  s.fiber_velocity = v * l0 * p.max_contraction_velocity;
  s.active_fl = fl;
  s.fv = force_velocity(v, a, p);
  s.passive = fpe;
  s.tendon_force = m.max_isometric_force * ft;
  return s;
}

double equilibrium_fiber_length(const MuscleTendonParameters& m, const HillParameters& p, double a,
                                double mt_length) {
  const double h = pennation_height(m);
  const double lmin = min_fiber_length(m, p);
  const double x_hi = mt_length - m.tendon_slack_length;
  if (x_hi <= 0.0) return lmin;  // the tendon is slack at any fibre length
  const double lm_hi = std::sqrt(x_hi * x_hi + h * h);
  if (lm_hi <= lmin) return lmin;
  // g(l) = f_T(l_T(l)) - (a f_L + f_PE) cos(alpha): > 0 at the shortest fibre, <= 0 when the tendon is slack
  auto g = [&](double lm) {
    const double sin_a = std::min(h / lm, std::sin(p.max_pennation));
    const double cos_a = std::sqrt(1.0 - sin_a * sin_a);
    const double lt = mt_length - lm * cos_a;
    const double strain = m.tendon_slack_length > 0 ? (lt - m.tendon_slack_length) / m.tendon_slack_length : 0.0;
    const double ln = lm / m.optimal_fiber_length;
    return tendon_force_strain(strain, p) -
           (std::clamp(a, 0.0, 1.0) * active_force_length(ln, p) + passive_force_length(ln, p)) * cos_a;
  };
  double lo = lmin, hi = lm_hi;
  if (g(lo) <= 0.0) return lo;
  for (int it = 0; it < 200 && hi - lo > 1e-15; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (g(mid) > 0.0) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace biomech
