// Hill-type muscle-tendon dynamics on the curves and fibre geometry of
// muscle.hpp (Thelen 2003): first-order activation dynamics, a rigid tendon by
// default and a compliant tendon as an option (fibre velocity from the damped
// equilibrium of Millard et al. 2013).
//
// Conventions: lengths in m, velocities in m/s (lengthening positive), forces
// in N. "Normalised" length is fibre length / optimal fibre length, normalised
// velocity is fibre velocity / (optimal fibre length * max contraction
// velocity), normalised force is force / max isometric force.
//
// Sources:
//   Thelen DG (2003) Adjustment of muscle mechanics model parameters to simulate
//     dynamic contractions in older adults. J Biomech Eng 125:70-77 (curve shapes,
//     tendon force-strain, activation-dependent max velocity, activation dynamics).
//   Winters JM (1995) An improved muscle-reflex actuator for use in large-scale
//     neuromusculoskeletal models. Ann Biomed Eng 23:359-374 (activation dynamics).
//   Millard M, Uchida T, Seth A, Delp SL (2013) Flexing computational muscle:
//     modeling and simulation of musculotendon dynamics. J Biomech Eng 135:021005
//     (damped equilibrium for the compliant tendon, fibre damping 0.1).
#pragma once
#include <algorithm>
#include <cmath>

#include "biomech/muscle.hpp"

namespace biomech {

// Active force-length curve of muscle.hpp with gamma = p.active_shape.
inline double active_force_length(double l_norm, const HillParameters& p) {
  return gaussian_force_length(l_norm, p.active_shape);
}

// First-order activation dynamics (Thelen 2003 eqs. 1-2 after Winters 1995):
// da/dt = (u - a) / tau, tau = tau_act (0.5 + 1.5 a) when u > a, else
// tau_deact / (0.5 + 1.5 a). u and a in [0, 1].
inline double activation_rate(double u, double a, const HillParameters& p) {
  const double ac = std::clamp(a, 0.0, 1.0);
  return u > a ? (u - a) / (p.activation_time * (0.5 + 1.5 * ac)) : (u - a) * (0.5 + 1.5 * ac) / p.deactivation_time;
}

// State of one muscle-tendon unit at one instant.
struct HillState {
  double tendon_force = 0.0;    // N, along the tendon (what pulls on the bones)
  double fiber_length = 0.0;    // m
  double fiber_velocity = 0.0;  // m/s, lengthening positive
  double pennation = 0.0;       // rad
  double active_fl = 0.0;       // f_L
  double fv = 0.0;              // f_V
  double passive = 0.0;         // f_PE
};

// Rigid tendon: tendon length = slack length, fibre from the constant-thickness
// pennation model (l_M sin(alpha) = l_opt sin(alpha_opt)); fibre velocity = MT
// velocity * cos(alpha); tendon force = F_max (a f_L f_V + f_PE) cos(alpha).
HillState rigid_tendon_state(const MuscleTendonParameters& m, const HillParameters& p, double activation,
                             double mt_length, double mt_velocity);

// The same for inner loops (the dynamics' right-hand side): one muscle-tendon
// unit with its constants computed once (pennation height, shortest fibre, the
// curves' constants, the reciprocals of the normalising lengths and velocity:
// no division by a constant in force(), which is inline).
struct RigidTendonUnit {
  MuscleTendonParameters muscle;
  HillParameters hill;
  double height = 0.0;            // m, l_opt sin(alpha_opt)
  double min_length = 0.0;        // m, min_fiber_length
  double min_along = 0.0;         // m, min_along_tendon(height, min_length)
  double inverse_active_shape = 0.0;        // 1 / gamma
  double passive_rate = 0.0;                // k_PE / eps0_M
  double inverse_passive_normaliser = 0.0;  // 1 / (exp(k_PE) - 1)
  double fv_c = 0.0, fv_k = 0.0;            // force_velocity's lengthening constants
  double inverse_optimal_length = 0.0;      // 1/m, 1 / l_opt
  double inverse_max_velocity = 0.0;        // s/m, 1 / (l_opt v_max)

  RigidTendonUnit() = default;
  RigidTendonUnit(const MuscleTendonParameters& m, const HillParameters& p)
      : muscle(m), hill(p), height(pennation_height(m)), min_length(min_fiber_length(m, p)),
        min_along(min_along_tendon(height, min_length)),
        inverse_active_shape(1.0 / p.active_shape), passive_rate(p.passive_shape / p.passive_strain),
        inverse_passive_normaliser(1.0 / (std::exp(p.passive_shape) - 1.0)),
        fv_c(p.fv_max_lengthening - 1.0), fv_k(2.0 + 2.0 / p.fv_shape),
        inverse_optimal_length(1.0 / m.optimal_fiber_length),
        inverse_max_velocity(1.0 / (m.optimal_fiber_length * p.max_contraction_velocity)) {}

  // What depends on the MT length alone: the fibre geometry and the force-length curves.
  struct AtLength {
    RigidTendonFiber fiber;  // a slack muscle keeps its minimum length
    double active_fl = 0.0;  // f_L
    double passive = 0.0;    // f_PE
  };
  RigidTendonFiber fiber(double mt_length) const {
    return rigid_tendon_fiber_from_min_along(height, muscle.tendon_slack_length, min_along, mt_length);
  }
  AtLength at_length(const RigidTendonFiber& fiber) const {
    const double ln = fiber.length * inverse_optimal_length;
    return {fiber, gaussian_force_length_of_inverse(ln, inverse_active_shape),
            passive_force_length(ln, passive_rate, inverse_passive_normaliser)};
  }
  AtLength at_length(double mt_length) const { return at_length(fiber(mt_length)); }
  // Tendon force (N) at activation a, MT length (m) and velocity (m/s); the fibre
  // length (m) into fiber_length and the whole state into state when not null.
  double force(double a, double mt_length, double mt_velocity, double* fiber_length = nullptr,
               HillState* state = nullptr) const {
    return force(a, at_length(mt_length), mt_velocity, fiber_length, state);
  }
  // The same from at_length(MT length). A loop over many units computes every unit's fibre,
  // then every unit's curves, then the forces: the square roots, divisions and exps of
  // different units are independent and overlap (5-10% of the pelvis dynamics' time).
  double force(double a, const AtLength& at, double mt_velocity, double* fiber_length = nullptr,
               HillState* state = nullptr) const {
    const RigidTendonFiber& g = at.fiber;
    const double x = g.along_tendon, lm = g.length, cos_a = g.cos_pennation;
    // l dl = x dx: fibre velocity = MT velocity * cos(alpha) (zero while clamped slack)
    const double vm = g.clamped ? 0.0 : mt_velocity * cos_a;
    const double fl = at.active_fl, fpe = at.passive;
    const double fv = force_velocity(vm * inverse_max_velocity, a, hill, fv_c, fv_k);
    const double f = muscle.max_isometric_force * (a * fl * fv + fpe) * cos_a;
    if (fiber_length) *fiber_length = lm;
    if (state) {
      state->tendon_force = f;
      state->fiber_length = lm;
      state->fiber_velocity = vm;
      state->pennation = std::atan2(height, x);
      state->active_fl = fl;
      state->fv = fv;
      state->passive = fpe;
    }
    return f;
  }
};

// Compliant tendon, fibre length as the state: the fibre velocity solves the
// damped equilibrium f_T(l_T) = (a f_L f_V(v) + f_PE + beta v) cos(alpha)
// (Millard 2013), which has one root for any activation (its left side grows
// with v at least as fast as beta), found by safeguarded Newton. The fibre
// velocity is the state derivative d(fiber_length)/dt.
HillState compliant_tendon_state(const MuscleTendonParameters& m, const HillParameters& p, double activation,
                                 double mt_length, double fiber_length);

// Fibre length of a compliant-tendon muscle in static equilibrium (v = 0) at
// this MT length and activation: the initial state of a simulation.
double equilibrium_fiber_length(const MuscleTendonParameters& m, const HillParameters& p, double activation,
                                double mt_length);

}  // namespace biomech
