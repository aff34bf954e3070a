// Forward dynamics of the pelvis over the stance femur (pelvis_dynamics.hpp
// has the overview): options, results, and the simulations of single-leg
// stance and of the hip hitch.
//
// Integration: Boost.Odeint, adaptive Dormand-Prince 5(4) with dense output by
// default; Rosenbrock 4 (stiff, finite-difference Jacobian) for compliant
// tendons. Samples come from the dense output at the requested rate; the drop
// event (obliquity crossing a threshold) is located by bisection on the dense
// output of the step that contains it.
//
// Neural delay: the feedback reads the obliquity tau seconds ago. The step
// size is capped at tau, so every delayed time lies in an accepted step; the
// state history (time, obliquity, its rate and acceleration at every accepted
// step) is kept and read by cubic Hermite interpolation, fourth-order like
// the integrator's own dense output. Before t = 0 the history is the initial
// state. Trial stages of rejected steps never see their own values: history
// only grows after a step is accepted.
#pragma once
#include <Eigen/Core>
#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "biomech/hill_muscle.hpp"
#include "biomech/passive_joint.hpp"
#include "biomech/pelvis_controller.hpp"
#include "biomech/pelvis_plant.hpp"

namespace biomech {

enum class TendonModel { rigid, compliant };
enum class IntegratorMethod { dopri5, rosenbrock4 };

struct IntegratorOptions {
  IntegratorMethod method = IntegratorMethod::dopri5;  // rosenbrock4 is chosen for compliant tendons
  bool method_from_tendon = true;   // true: dopri5 for rigid, rosenbrock4 for compliant tendons
  double abs_tol = 1e-8;
  double rel_tol = 1e-8;
  double max_step = 0.0;            // s, 0 = none (the neural delay caps it anyway)
  double initial_step = 1e-4;       // s
};

// A torque pulse on the pelvis (N m, positive = drop) from start for duration.
struct Perturbation {
  double torque = 0.0;    // N m
  double start = 0.0;     // s
  double duration = 0.0;  // s
};

struct PelvisSimulationOptions {
  double duration = 5.0;        // s, > 0
  double sample_rate = 100.0;   // Hz, > 0
  double abductor_strength = 1.0;  // [0, 1], scales the max isometric force of every plant muscle
  bool muscles_enabled = true;  // false: no muscle forces at all (passive pendulum)
  bool lean_dof = true;         // false (or no trunk in the model): the trunk is locked to the pelvis
  TendonModel tendon = TendonModel::rigid;
  HillParameters hill;
  // passive frontal-plane moment of the stance hip; empty: the plant's (PelvisPlant::hip_passive,
  // calibrated on the modified Ober test); PassiveJointMoment::hip_adduction() is Anderson's ligaments alone
  std::optional<PassiveJointMoment> hip_passive;
  PassiveJointMoment lumbar_passive = PassiveJointMoment::lumbar_bending();
  ControllerOptions controller;
  Perturbation perturbation;
  IntegratorOptions integrator;
  double initial_obliquity = 0.0;       // rad
  double initial_obliquity_rate = 0.0;  // rad/s
  double initial_lean = 0.0;            // rad (compensation: the anticipatory lean is added)
  double initial_activation = -1.0;     // < 0: the feedback pattern at the feed-forward effort
  double drop_threshold = 4.0 * M_PI / 180.0;  // rad: Trendelenburg positive above it (see trendelenburg)
  bool stop_at_event = false;           // end the simulation when the drop crosses the threshold
  // Reference motion (hip hitch): obliquity, rate and acceleration at time t.
  std::function<void(double t, double& theta, double& omega, double& alpha)> reference;
};

struct PelvisSimulationResult {
  std::vector<std::string> muscle_names;
  Eigen::VectorXd time;              // (ns) s
  Eigen::VectorXd obliquity;         // (ns) rad, positive = swing side dropped
  Eigen::VectorXd obliquity_rate;    // (ns) rad/s
  Eigen::VectorXd lean;              // (ns) rad, toward the stance side
  Eigen::VectorXd lean_rate;         // (ns) rad/s
  Eigen::VectorXd trunk_tilt;        // (ns) rad, trunk from its posture orientation in ground, toward the stance side (lean - obliquity)
  Eigen::VectorXd hip_adduction;     // (ns) rad, stance hip
  Eigen::VectorXd effort;            // (ns) controller effort (NaN when prescribed)
  Eigen::MatrixXd excitation;        // (ns x n)
  Eigen::MatrixXd activation;        // (ns x n)
  Eigen::MatrixXd force;             // (ns x n) N, tendon force
  Eigen::MatrixXd fiber_length;      // (ns x n) m
  Eigen::VectorXd abductor_force;    // (ns) N, sum of tendon forces
  Eigen::VectorXd muscle_moment;     // (ns) N m about e
  Eigen::VectorXd passive_moment;    // (ns) N m about e (hip)
  Eigen::VectorXd gravity_moment;    // (ns) N m about e
  Eigen::VectorXd lean_torque;       // (ns) N m, lumbar actuator + passive, on the trunk toward the stance side
  Eigen::MatrixXd hip_contact_force; // (ns x 3) N, pelvis on the femoral head, ground
  Eigen::VectorXd hip_contact_force_bw;  // (ns) magnitude / body weight
  Eigen::VectorXd energy;            // (ns) J, kinetic + gravitational + passive-elastic (joints)

  // Summary.
  double max_drop = 0.0;             // rad, max obliquity over the run (>= 0 unless it only hiked)
  double time_of_max_drop = 0.0;     // s
  double steady_obliquity = 0.0;     // rad, mean over the last 10% of the run
  double steady_abductor_force = 0.0;  // N, mean over the last 10%
  double final_lean = 0.0;           // rad
  double peak_hip_contact_force_bw = 0.0;
  bool trendelenburg_positive = false;  // max_drop > drop_threshold
  double drop_threshold = 0.0;       // rad
  double event_time = -1.0;          // s, first crossing of the threshold (bisection), -1 if none
  bool stopped_at_event = false;
  double feedforward_effort = 0.0;
  double anticipatory_lean = 0.0;    // rad
  std::string integrator;            // "dopri5" or "rosenbrock4": the method used
  std::vector<std::string> notes;    // assumptions and fall-backs taken in this run
  long steps = 0;                    // accepted integrator steps
  long rhs_evaluations = 0;
  double body_weight = 0.0;          // N
};

// Runs one simulation. Throws InvalidArgument on bad options (duration <= 0,
// sample rate <= 0, strength outside [0, 1], non-finite numbers, compensation
// without a trunk, prescribed table of the wrong shape).
PelvisSimulationResult simulate(const PelvisPlant& plant, const PelvisSimulationOptions& options);

// The passive hip moment a simulation uses: options.hip_passive, or the plant's.
inline const PassiveJointMoment& hip_passive(const PelvisPlant& plant, const PelvisSimulationOptions& options) {
  return options.hip_passive ? *options.hip_passive : plant.hip_passive;
}

// Hip hitch: the pelvis tracks theta_ref(t) = amplitude w(t) sin(2 pi t / period)
// (drop the swing side first, then hike it, as models/exercises/hip_hitch.yaml), w a sin^2 ramp
// from 0 to 1 over the first quarter period and back over the last, for
// `repetitions` periods, then holds level for 1 s (duration = repetitions *
// period + 1 s, whatever options.duration says), at full or reduced strength. The
// controller adds to the feedback a feed-forward effort from the static
// moment the reference needs plus its inertial term (inverse dynamics of the
// plant, lean locked).
struct HipHitchOptions {
  double amplitude = 8.0 * M_PI / 180.0;  // rad, > 0
  double period = 2.0;                    // s per repetition (hike + drop), > 0
  int repetitions = 3;                    // >= 1
};
PelvisSimulationResult simulate_hip_hitch(const PelvisPlant& plant, const HipHitchOptions& hitch,
                                    PelvisSimulationOptions options = {});

}  // namespace biomech
