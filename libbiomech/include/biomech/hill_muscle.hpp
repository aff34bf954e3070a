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
#include "biomech/muscle.hpp"

namespace biomech {

// Active force-length curve of muscle.hpp with gamma = p.active_shape (muscle.cpp).
double active_force_length(double l_norm, const HillParameters& p);

// First-order activation dynamics (Thelen 2003 eqs. 1-2 after Winters 1995):
// da/dt = (u - a) / tau, tau = tau_act (0.5 + 1.5 a) when u > a, else
// tau_deact / (0.5 + 1.5 a). u and a in [0, 1].
double activation_rate(double excitation, double activation, const HillParameters& p);

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

// The same, for inner loops: the pennation height l_opt sin(alpha_opt) (m) and
// min_fiber_length(m, p) (m) are given, the tendon force (N) returned;
// fiber_length (m) and state are filled when not null.
double rigid_tendon_force(const MuscleTendonParameters& m, double pennation_height, double min_length,
                          const HillParameters& p,
                          double activation, double mt_length, double mt_velocity, double* fiber_length = nullptr,
                          HillState* state = nullptr);

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
