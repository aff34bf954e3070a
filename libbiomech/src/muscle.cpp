// The muscle model (muscle.hpp): Thelen (2003) curves, rigid-tendon fibre
// geometry and the force-length scaled maximal force.
#include "biomech/muscle.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "biomech/errors.hpp"
#include "biomech/hill_muscle.hpp"
#include "internal.hpp"

namespace biomech {
namespace {

// `what` is a literal, turned into a string only on failure: every scaled model checks its muscles.
void check(bool ok, const char* what, double got) {
  if (!ok) throw InvalidArgument("HillParameters: expected " + std::string(what) + ", got " + std::to_string(got));
}

using internal::fmt;

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

// ---------------------------------------------------------------- curves

double active_force_length(double l) {
  if (!(std::isfinite(l) && l >= 0.0))
    throw InvalidArgument("active_force_length: expected a finite normalised fibre length >= 0, got " + fmt(l));
  return gaussian_force_length(l, kThelenForceLengthGamma);
}

double active_force_length_derivative(double l, const HillParameters& p) {
  const double d = l - 1.0;
  return -2.0 * d / p.active_shape * std::exp(-d * d / p.active_shape);
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

// ---------------------------------------------------------------- fibre geometry

double pennation_height(const MuscleTendonParameters& m) {
  return m.optimal_fiber_length * std::sin(m.pennation_angle);
}

double min_fiber_length(const MuscleTendonParameters& m, const HillParameters& p) {
  return std::max(pennation_height(m) / std::sin(p.max_pennation), 0.01 * m.optimal_fiber_length);
}

double cos_pennation(double h, double fiber_length, const HillParameters& p, double* sin_pennation) {
  const double sin_a = std::min(h / fiber_length, std::sin(p.max_pennation));
  if (sin_pennation) *sin_pennation = sin_a;
  return std::sqrt(1.0 - sin_a * sin_a);
}

// ---------------------------------------------------------------- strength (statics)

FiberState fiber_state(const Muscle& mu, double mt_length) {
  if (!(mu.optimal_fiber_length > 0.0))
    throw InvalidArgument("fiber_state: expected optimal_fiber_length > 0 for muscle '" + mu.name + "', got " +
                          fmt(mu.optimal_fiber_length));
  if (!std::isfinite(mt_length))
    throw InvalidArgument("fiber_state: expected a finite muscle-tendon length for '" + mu.name + "'");
  const double h = pennation_height(muscle_tendon_parameters(mu));
  // statics: the fibre may turn to 90 deg (min length = h); a slack unit has cos(alpha) = 0
  const RigidTendonFiber g = rigid_tendon_fiber(h, mu.tendon_slack_length, h, mt_length);
  FiberState s;
  s.length = g.length;
  s.cos_pennation = g.cos_pennation;
  s.normalized_length = s.length / mu.optimal_fiber_length;
  s.force_length = gaussian_force_length(s.normalized_length, mu.hill.active_shape);
  s.max_force = mu.max_isometric_force * s.force_length * s.cos_pennation;
  return s;
}

Eigen::VectorXd effective_max_force(const Model& model, const Data& data) {
  check(model, data, "effective_max_force");
  Eigen::VectorXd f(model.n_muscles());
  for (int i = 0; i < model.n_muscles(); ++i) f[i] = fiber_state(model.muscles[i], data.muscle_length[i]).max_force;
  return f;
}

Eigen::VectorXd normalized_fiber_length(const Model& model, const Data& data) {
  check(model, data, "normalized_fiber_length");
  Eigen::VectorXd l(model.n_muscles());
  for (int i = 0; i < model.n_muscles(); ++i)
    l[i] = fiber_state(model.muscles[i], data.muscle_length[i]).normalized_length;
  return l;
}

}  // namespace biomech
