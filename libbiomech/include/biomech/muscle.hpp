// The muscle model: what the static analyses (strength, the seesaw, the
// exercises: force-length scaled maximal forces for recruitment) and the
// Hill-type dynamics (hill_muscle.hpp, the pelvis simulations) share.
//
//   - The normalised curves of Thelen DG (2003) Adjustment of muscle mechanics
//     model parameters to simulate dynamic contractions in older adults. J Biomech
//     Eng 125:70-77: active force-length (Gaussian), passive force-length,
//     force-velocity, tendon force-strain.
//   - The fibre geometry of a rigid tendon with constant-height pennation (as
//     OpenSim's Thelen2003Muscle): the tendon stays at its slack length L_ts, the
//     fibres take up the rest of the muscle-tendon length L_mt along the tendon
//     line, l sin(alpha) = l_opt sin(alpha_opt) = h, l cos(alpha) = L_mt - L_ts, so
//     l = sqrt((L_mt - L_ts)^2 + h^2) and cos(alpha) = (L_mt - L_ts) / l.
//   - The maximal isometric force along the tendon, F_max f_L(l / l_opt) cos(alpha):
//     the strength of a muscle at a posture (effective_max_force).
//
// One curve, two ways of treating a slack muscle-tendon unit (shorter than
// l_opt cos(alpha_opt) + L_ts), kept on purpose:
//   - statics (fiber_state, effective_max_force): the fibres may turn to
//     alpha = 90 deg, so a slack unit has no strength (cos(alpha) = 0);
//   - dynamics (rigid_tendon_force, compliant tendon): the pennation is clamped at
//     HillParameters::max_pennation (acos 0.1) and the fibre at 1% of l_opt
//     (min_fiber_length), which keeps the state equations finite (Millard et al.
//     2013, J Biomech Eng 135:021005).
// Passive fibre force is not part of the statics (strength and recruitment): with
// gait2392's short-fibred deep rotators the Thelen passive curve gives forces
// above F_max in ordinary exercise postures (the gemelli reach l/l_opt = 1.76 in
// side-lying abduction with 20 deg internal rotation), an artifact of the
// geometry rather than tissue tension. See docs/emg_estimate.md.
#pragma once
#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "biomech/data.hpp"
#include "biomech/model.hpp"

namespace biomech {

// HillParameters, kThelenForceLengthGamma and validate(HillParameters) are in
// model.hpp: every Muscle carries its own (Muscle::hill).


// The four Hill parameters of one muscle (from Model::muscles).
struct MuscleTendonParameters {
  double max_isometric_force = 0.0;   // N, > 0 (0 allowed: a muscle switched off)
  double optimal_fiber_length = 0.0;  // m, > 0
  double tendon_slack_length = 0.0;   // m, >= 0
  double pennation_angle = 0.0;       // rad at optimal fibre length, [0, pi/2)
};
MuscleTendonParameters muscle_tendon_parameters(const Muscle& m);
void validate(const MuscleTendonParameters& m);

// ---------------------------------------------------------------- curves (Thelen 2003)

// f_L of a normalised fibre length l~ (dimensionless, 1 = optimal), exp(-(l~ - 1)^2 / gamma)
// with gamma = kThelenForceLengthGamma (the default muscle's); 1 at l~ = 1. Throws InvalidArgument for a
// non-finite or negative length.
double active_force_length(double normalized_fiber_length);
// exp(-(l~ - 1)^2 / gamma): the active curve for any gamma, given 1 / gamma (inner loops hold
// the reciprocal: a division costs as much as the rest of the curve).
inline double gaussian_force_length_of_inverse(double l_norm, double inverse_gamma) {
  const double d = l_norm - 1.0;
  return std::exp(-d * d * inverse_gamma);
}
inline double gaussian_force_length(double l_norm, double gamma) {
  return gaussian_force_length_of_inverse(l_norm, 1.0 / gamma);
}
// The same curve with gamma = p.active_shape: active_force_length(l, p) in
// hill_muscle.hpp (declared there so that strength's Python binding of the
// one-argument form stays unambiguous), and its derivative.
double active_force_length_derivative(double l_norm, const HillParameters& p);
// Passive force-length: (exp(k_PE (l - 1) / eps0_M) - 1) / (exp(k_PE) - 1) for l > 1, 0 below.
// The hot curves are inline (the dynamics evaluates them at every step); the
// three-argument form takes the rate k_PE / eps0_M and 1 / (exp(k_PE) - 1) computed once.
inline double passive_force_length(double l_norm, double rate, double inverse_normaliser) {
  if (l_norm <= 1.0) return 0.0;
  return (std::exp(rate * (l_norm - 1.0)) - 1.0) * inverse_normaliser;
}
inline double passive_force_length(double l_norm, const HillParameters& p) {
  return l_norm <= 1.0 ? 0.0
                       : passive_force_length(l_norm, p.passive_shape / p.passive_strain,
                                              1.0 / (std::exp(p.passive_shape) - 1.0));
}
// Thelen's max velocity scales with activation: (0.25 + 0.75 a) v_max.
inline double velocity_scale(double a) { return 0.25 + 0.75 * std::clamp(a, 0.0, 1.0); }
// Force-velocity multiplier f_V for normalised fibre velocity v (lengthening
// positive) at activation a. Thelen's eq. 6 gives velocity as a function of force
// with max velocity (0.25 + 0.75 a) v_max; this is its closed-form inverse:
// shortening f_V = (1 + V) / (1 - V / A_f), lengthening
// f_V = (F_len - 1 + V k F_len) / (F_len - 1 + V k), k = 2 + 2 / A_f,
// V = v / (0.25 + 0.75 a); f_V = 0 for V <= -1. f_V(0) = 1, increasing.
// Evaluated with V's denominator multiplied through (one division per branch: the dynamics' hot path);
// the five-argument form takes the lengthening constants c = F_len - 1 and k computed once.
inline double force_velocity(double v_norm, double activation, const HillParameters& p, double c, double k) {
  const double s = velocity_scale(activation);  // V = v_norm / s, s > 0
  if (v_norm <= -s) return 0.0;
  if (v_norm <= 0.0) return (s + v_norm) * p.fv_shape / (s * p.fv_shape - v_norm);
  return (c * s + v_norm * k * p.fv_max_lengthening) / (c * s + v_norm * k);
}
inline double force_velocity(double v_norm, double activation, const HillParameters& p) {
  return force_velocity(v_norm, activation, p, p.fv_max_lengthening - 1.0, 2.0 + 2.0 / p.fv_shape);
}
double force_velocity_derivative(double v_norm, double activation, const HillParameters& p);  // d f_V / d v_norm
// Tendon force-strain (Thelen 2003 eq. 5): exponential toe up to strain
// 0.609 eps0_T, then linear with slope 1.712 / eps0_T; 0 for strain <= 0.
double tendon_force_strain(double strain, const HillParameters& p);
double tendon_force_strain_derivative(double strain, const HillParameters& p);

// ---------------------------------------------------------------- fibre geometry

// Pennation height h = l_opt sin(alpha_opt) (m): constant as the fibre changes length.
double pennation_height(const MuscleTendonParameters& m);

// Smallest fibre length of the dynamics (m): the pennation clamp p.max_pennation,
// and never below 1% of the optimal length (unpennated muscles).
double min_fiber_length(const MuscleTendonParameters& m, const HillParameters& p);

// Rigid-tendon fibre geometry at muscle-tendon length mt_length: the fibre
// takes up mt_length - tendon_slack_length along the tendon, but is never
// shorter than min_length (>= pennation_height; min_length = pennation_height
// lets the fibre turn to 90 deg).
struct RigidTendonFiber {
  double length = 0.0;         // m, fibre length l
  double along_tendon = 0.0;   // m, l cos(alpha)
  double cos_pennation = 1.0;  // cos(alpha); 0 for a fibre of zero length
  bool clamped = false;        // the unit is slack: the fibre sits at min_length
};
// The shortest fibre's projection on the tendon, sqrt(min_length^2 - h^2) (m, 0 when min_length <= h).
inline double min_along_tendon(double h, double min_length) {
  return std::sqrt(std::max(min_length * min_length - h * h, 0.0));
}
// rigid_tendon_fiber with min_along_tendon computed once (inner loops).
inline RigidTendonFiber rigid_tendon_fiber_from_min_along(double h, double tendon_slack_length, double min_along_tendon,
                                                          double mt_length) {
  RigidTendonFiber f;
  const double free = mt_length - tendon_slack_length;
  f.clamped = !(free > min_along_tendon);
  f.along_tendon = std::max(free, min_along_tendon);
  f.length = h > 0.0 ? std::sqrt(f.along_tendon * f.along_tendon + h * h) : f.along_tendon;
  f.cos_pennation = f.length > 0.0 ? f.along_tendon / f.length : 0.0;
  return f;
}
inline RigidTendonFiber rigid_tendon_fiber(double pennation_height, double tendon_slack_length, double min_length,
                                           double mt_length) {
  return rigid_tendon_fiber_from_min_along(pennation_height, tendon_slack_length,
                                           min_along_tendon(pennation_height, min_length), mt_length);
}

// cos(alpha) of a fibre of length fiber_length (m) at constant pennation height
// (compliant tendon), with alpha clamped at p.max_pennation; sin(alpha) into
// sin_pennation when given.
double cos_pennation(double pennation_height, double fiber_length, const HillParameters& p,
                     double* sin_pennation = nullptr);

// ---------------------------------------------------------------- strength (statics)

struct FiberState {
  double length = 0.0;             // m, fibre length l
  double normalized_length = 0.0;  // l / l_opt
  double cos_pennation = 1.0;      // cos(alpha); 0 when L_mt <= L_ts (slack muscle-tendon unit)
  double force_length = 0.0;       // f_L(l~)
  double max_force = 0.0;          // N, F_max f_L cos(alpha) along the tendon
};

// Fibre state of `muscle` at muscle-tendon length `muscle_tendon_length` (m):
// rigid tendon, the fibre free to turn to 90 deg (see the file comment).
FiberState fiber_state(const Muscle& muscle, double muscle_tendon_length);

// (n_muscles) N: maximal isometric force along each tendon at the posture of the
// last compute_muscle_paths (data.muscle_length), F_max f_L(l~) cos(alpha).
Eigen::VectorXd effective_max_force(const Model& model, const Data& data);
// (n_muscles) normalised fibre lengths l / l_opt at the same posture.
Eigen::VectorXd normalized_fiber_length(const Model& model, const Data& data);

}  // namespace biomech
