// Hill-type muscle-tendon model (Thelen 2003 curves) with first-order
// activation dynamics, a rigid tendon by default and a compliant tendon as an
// option (fibre velocity from the damped equilibrium of Millard et al. 2013).
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
#include "biomech/model.hpp"
#include "biomech/strength.hpp"

namespace biomech {

// Dimensionless curve parameters and activation time constants. The active
// force-length curve is the code base's one curve, active_force_length() of
// strength.hpp (Thelen 2003 Gaussian, gamma = kThelenForceLengthGamma = 0.45);
// the gait2392 file itself uses KshapeActive 0.5. The other defaults are the
// Thelen2003Muscle values of every muscle in the gait2392 model file
// (opensim-models Gait2392_Simbody/gait2392_thelen2003muscle.osim, which the
// default model derives from): KshapePassive 4,
// FmaxMuscleStrain 0.6, Af 0.3, Flen 1.8, max_contraction_velocity 10,
// FmaxTendonStrain 0.033, activation / deactivation time constants 0.010 /
// 0.040 s (OpenSim's documented defaults, citing Thelen 2003 and Winters 1995).
// The tendon toe shape 3 and toe force 0.33 (normalised) are Thelen 2003 eq. 5.
struct HillParameters {
  double active_shape = kThelenForceLengthGamma;  // gamma: width of the Gaussian active force-length curve
  double passive_shape = 4.0;                // k_PE: exponential shape of the passive curve
  double passive_strain = 0.6;               // eps0_M: fibre strain at which passive force = max isometric force
  double fv_shape = 0.3;                     // A_f: force-velocity curvature
  double fv_max_lengthening = 1.8;           // F_len: normalised force plateau when lengthening
  double max_contraction_velocity = 10.0;    // optimal fibre lengths per second (at full activation)
  double tendon_strain_at_max_force = 0.033; // eps0_T: tendon strain at max isometric force
  double tendon_toe_shape = 3.0;             // k_toe
  double tendon_toe_force = 0.33;            // normalised force at the end of the toe region
  double fiber_damping = 0.1;                // beta: normalised fibre damping (compliant tendon only), Millard 2013
  double activation_time = 0.010;            // s
  double deactivation_time = 0.040;          // s
  double max_pennation = 1.4706289056333368; // rad, acos(0.1) (Millard 2013): pennation is clamped below it
};

// Throws InvalidArgument when a parameter is non-finite or out of its physical range.
void validate(const HillParameters& p);

// The four Hill parameters of one muscle (from Model::muscles).
struct MuscleTendonParameters {
  double max_isometric_force = 0.0;   // N, > 0 (0 allowed: a muscle switched off)
  double optimal_fiber_length = 0.0;  // m, > 0
  double tendon_slack_length = 0.0;   // m, >= 0
  double pennation_angle = 0.0;       // rad at optimal fibre length, [0, pi/2)
};
MuscleTendonParameters muscle_tendon_parameters(const Muscle& m);
void validate(const MuscleTendonParameters& m);

// Normalised curves (Thelen 2003).
// Active force-length: exp(-(l - 1)^2 / gamma); with the default gamma this is
// strength.hpp's active_force_length(l) itself.
double active_force_length(double l_norm, const HillParameters& p);
double active_force_length_derivative(double l_norm, const HillParameters& p);
// Passive force-length: (exp(k_PE (l - 1) / eps0_M) - 1) / (exp(k_PE) - 1) for l > 1, 0 below.
double passive_force_length(double l_norm, const HillParameters& p);
// Force-velocity multiplier f_V for normalised fibre velocity v (lengthening
// positive) at activation a. Thelen's eq. 6 gives velocity as a function of force
// with max velocity (0.25 + 0.75 a) v_max; this is its closed-form inverse:
// shortening f_V = (1 + V) / (1 - V / A_f), lengthening
// f_V = (F_len - 1 + V k F_len) / (F_len - 1 + V k), k = 2 + 2 / A_f,
// V = v / (0.25 + 0.75 a); f_V = 0 for V <= -1. f_V(0) = 1, increasing.
double force_velocity(double v_norm, double activation, const HillParameters& p);
double force_velocity_derivative(double v_norm, double activation, const HillParameters& p);  // d f_V / d v_norm
// Tendon force-strain (Thelen 2003 eq. 5): exponential toe up to strain
// 0.609 eps0_T, then linear with slope 1.712 / eps0_T; 0 for strain <= 0.
double tendon_force_strain(double strain, const HillParameters& p);
double tendon_force_strain_derivative(double strain, const HillParameters& p);

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

// Smallest fibre length allowed by the pennation clamp (m).
double min_fiber_length(const MuscleTendonParameters& m, const HillParameters& p);

}  // namespace biomech
