// Forward dynamics of the pelvis over the stance femur in single-leg stance:
// pelvic drop under abductor weakness (Trendelenburg), trunk-lean
// compensation, and the hip hitch exercise as a motion.
//
// The mechanical system. The stance femur is fixed in ground. Everything else
// (pelvis, swing leg held in its posture, trunk) rotates about the stance hip
// centre H, about the axis e along which a change of the stance-hip adduction
// coordinate turns the pelvis relative to the femur: the frontal-plane axis
// (anterior) in upright stance. One degree of freedom, the pelvic obliquity
// theta (rad), positive when the swing side drops; it adds exactly theta to the
// stance-hip adduction. A second, optional degree of freedom is the trunk lean
// lambda (rad) at the lumbar joint L, positive toward the stance side, about the
// axis through L parallel to e. With the lean free the system is a planar double
// pendulum (pelvis group about H, trunk group about L); with the lean locked it
// is one rigid body. Masses, centres of mass and inertias come from the Model's
// bodies by forward kinematics at the stance posture.
//
// Muscles: Hill-type (hill_muscle.hpp), abductors of the stance hip by
// default. Lengths and moment arms come from compute_muscle_paths at the hip
// adduction the obliquity implies, tabulated once on a 0.5 deg grid and
// interpolated by cubic Hermite polynomials that use the exact derivative
// dL/dtheta = -r at every knot (so the interpolated moment arm is the exact
// derivative of the interpolated length, and passive muscle forces stay
// conservative).
//
// Passive joint moments: Anderson FC (1999) A dynamic optimization solution for
// a complete cycle of normal gait, PhD thesis, Univ. of Texas at Austin, Table
// G.2 and eq. 4.4, double exponential M = k1 exp(k2 (q - q1)) + k3 exp(k4 (q - q2)):
//   hip adduction   k = (-0.03, 14.94, 0.03, -14.94), q1, q2 = 0.5, -0.5 rad
//   lumbar bending  k = (-0.25, 20.36, 0.25, -20.36), q1, q2 = 0.349, -0.349 rad
// (the values as used by Falisse et al. 2019, J R Soc Interface 16:20190402),
// plus linear damping 0.1 N m s/rad (Falisse et al. 2019). Anderson's hip curve
// is soft in adduction: ~0.6 N m at 40 deg (van Arkel et al. 2015, J Biomech
// 48:3803-3809, measured ~5 N m of ligament moment there in cadaver hips).
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
#include <functional>
#include <string>
#include <vector>

#include "biomech/data.hpp"
#include "biomech/hill_muscle.hpp"
#include "biomech/model.hpp"

namespace biomech {

// Passive joint moment M = k1 exp(k2 (q - q1)) + k3 exp(k4 (q - q2)) - damping * qdot,
// in the coordinate's direction (N m, q in rad). Defaults: hip adduction (Anderson 1999).
struct PassiveJointMoment {
  double k1 = -0.03, k2 = 14.94, k3 = 0.03, k4 = -14.94;  // N m, 1/rad, N m, 1/rad
  double q1 = 0.5, q2 = -0.5;                             // rad
  double damping = 0.1;                                   // N m s / rad
  double moment(double q, double qdot) const;
  // potential energy whose negative gradient is the elastic part (J), zero at q = 0
  double potential(double q) const;
  static PassiveJointMoment hip_adduction();   // Anderson 1999, see the file comment
  static PassiveJointMoment lumbar_bending();  // Anderson 1999, see the file comment
  static PassiveJointMoment none();            // no passive moment, no damping
};

// How the reduced model is built from a Model.
struct PelvisPlantOptions {
  char stance_side = 'r';         // 'r' or 'l'
  Eigen::VectorXd posture;        // (nq) stance posture; empty = model.default_posture()
  // Abductor muscles by name; empty = the stance side's muscles of the groups
  // gluteus_medius, gluteus_minimus and tfl (the seesaw's abductors) that abduct
  // at the posture, or, when the model has none of those groups, every muscle
  // whose abduction moment arm at the posture exceeds min_abductor_moment_arm.
  std::vector<std::string> muscles;
  double min_abductor_moment_arm = 0.01;  // m
  // Lumbar coordinate that names the trunk joint; the lean DOF exists when the
  // model has it (and its joint's child body carries mass).
  std::string lumbar_coordinate = "lumbar_bending";
  double table_min = -0.8;        // rad, obliquity range of the muscle tables
  double table_max = 1.3;         // rad
  double table_step = 0.5 * M_PI / 180.0;  // rad
};

// The reduced frontal-plane model. Built once; read-only afterwards (one plant
// can serve many simulations, also from several threads).
struct PelvisPlant {
  char stance_side = 'r';
  Eigen::VectorXd posture;        // (nq) the stance posture (theta = 0, lambda = 0)
  double body_weight = 0.0;       // N, whole model
  Vec3 gravity = Vec3::Zero();    // m/s^2, ground
  Vec3 axis = Vec3::UnitX();      // e: unit axis, ground; positive rotation = swing side drops
  Vec3 hip_center = Vec3::Zero(); // H, ground, m
  Vec3 lumbar_center = Vec3::Zero();  // L, ground, m (when has_trunk)
  int posture_hip_adduction = -1;     // posture index of the stance-hip adduction
  double hip_adduction0 = 0.0;        // rad, its value in the posture
  int posture_lumbar = -1;            // posture index of the lumbar coordinate (-1: none)
  double lumbar0 = 0.0;               // rad, its value in the posture
  double lumbar_sign = 1.0;           // d(lumbar coordinate)/d(lambda): +1 or -1
  bool has_trunk = false;             // a lean DOF is possible
  // Pelvis group (upper body minus trunk) and trunk group, at the posture.
  double mass_pelvis = 0.0, mass_trunk = 0.0;  // kg
  Vec3 com_pelvis = Vec3::Zero(), com_trunk = Vec3::Zero();  // ground, m
  double inertia_pelvis_hip = 0.0;   // kg m^2, pelvis group about the e axis through H
  double inertia_trunk_com = 0.0;    // kg m^2, trunk group about the e axis through its com
  std::vector<int> upper_bodies, trunk_bodies;  // body indices
  // Muscles.
  std::vector<int> muscles;                    // model muscle indices
  std::vector<std::string> muscle_names;
  std::vector<MuscleTendonParameters> muscle_parameters;  // as in the model (nominal strength)
  // Tables over theta (knots theta_k = table_min + k * table_step):
  double table_min = 0.0, table_step = 0.0;
  int table_size = 0;
  Eigen::MatrixXd length;        // (table_size x n) m, muscle-tendon length
  Eigen::MatrixXd moment_arm;    // (table_size x n) m, r = -dL/dtheta (abductors negative)
  // unit-tension force of each muscle on the upper body (pelvis side), ground,
  // with the pelvis at its posture and the femur adducted by theta: 3 columns per muscle
  Eigen::MatrixXd unit_force;    // (table_size x 3n) N/N
  std::vector<std::string> notes;  // assumptions taken while building (printed by the front ends)

  int n_muscles() const { return static_cast<int>(muscles.size()); }
  // Interpolated length (m) and moment arm (m) of plant muscle i at obliquity theta.
  void muscle_geometry(int i, double theta, double& length, double& moment_arm) const;
  Vec3 muscle_unit_force(int i, double theta) const;  // ground frame of the posture (see unit_force)
};

// Builds the plant. Throws InvalidArgument when the model lacks the stance-hip
// adduction coordinate, has no mass above the stance hip, a named muscle is
// unknown or crosses nothing, or no abductor is found.
PelvisPlant build_pelvis_plant(const Model& model, Data& data, const PelvisPlantOptions& options = {});

enum class TendonModel { rigid, compliant };
enum class IntegratorMethod { dopri5, rosenbrock4 };
enum class ControllerKind { prescribed, feedback };

struct IntegratorOptions {
  IntegratorMethod method = IntegratorMethod::dopri5;  // rosenbrock4 is chosen for compliant tendons
  bool method_from_tendon = true;   // true: dopri5 for rigid, rosenbrock4 for compliant tendons
  double abs_tol = 1e-8;
  double rel_tol = 1e-8;
  double max_step = 0.0;            // s, 0 = none (the neural delay caps it anyway)
  double initial_step = 1e-4;       // s
};

// Controller. The lumbar joint (when the lean DOF is free) is a PD servo to a
// target lean: the posture's lean, or with compensation the lean given below.
// Feedback: the abductors are driven through one "effort"
// e in [0, 1], the fraction of their nominal maximal isometric abduction moment
// at the posture; efforts map to excitations by static optimisation on the
// frontal-plane moment (minimum sum of squared activations: u_i = min(1, s c_i),
// c_i the muscle's nominal moment capacity), so at rest the pattern is the static
// solution. e = clamp(e_ff + kp (theta_d - theta_ref) + kd (omega_d - omega_ref), 0, 1),
// with theta_d, omega_d delayed by `delay`. The feed-forward e_ff holds the level
// pelvis statically at nominal strength (what the nervous system expects); with
// weak muscles the drop is what feedback and the passive hip must make up.
struct ControllerOptions {
  ControllerKind kind = ControllerKind::feedback;
  double kp = 20.0;          // effort per rad of drop
  double kd = 2.0;           // effort per rad/s
  double delay = 0.0;        // s, neural delay of the feedback (0 = none)
  double feedforward = -1.0; // effort; < 0 = computed (static, nominal strength, level pelvis)
  // prescribed excitations: piecewise linear in time, one row per time, one column per plant muscle;
  // empty = the constant `prescribed_excitation` for every muscle
  Eigen::VectorXd prescribed_time;        // (k) s, increasing
  Eigen::MatrixXd prescribed_excitations; // (k x n)
  double prescribed_excitation = 0.0;
  // Trunk-lean compensation (needs the lean DOF). The lumbar actuator is a PD servo
  // to a target lean: lean_target = clamp(lean_anticipatory + lean_gain * max(theta_d, 0), 0, lean_max).
  // lean_anticipatory: the lean at which the weakened abductors hold the level pelvis at
  // effort `lean_effort` (0 when they can without leaning): the subject shifts the trunk
  // over the stance hip as the foot leaves the ground; the simulation starts there.
  bool compensation = false;
  double lean_gain = 1.0;           // rad of lean per rad of drop
  double lean_max = 30.0 * M_PI / 180.0;  // rad
  double lean_effort = 0.8;         // effort the anticipatory lean aims for
  // servo gains: with the gait2392 trunk (about 5 kg m^2 about the lumbar joint) a natural
  // frequency near 8 rad/s and damping ratio near 0.8 (a modelling choice, not a measurement)
  double lumbar_stiffness = 300.0;  // N m / rad, servo
  double lumbar_damping = 60.0;     // N m s / rad, servo
  // the servo adds the torque that holds the trunk's weight (and the passive lumbar
  // moment) at the target lean, so the lean does not sag under gravity
  bool lumbar_gravity_compensation = true;
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
  PassiveJointMoment hip_passive = PassiveJointMoment::hip_adduction();
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

// Static equilibrium of the plant at a given obliquity and lean (v = 0): the
// effort whose static-optimisation pattern balances gravity and the passive hip.
struct StaticEquilibrium {
  bool feasible = false;          // false: the muscles cannot hold (effort would exceed 1)
  double effort = 0.0;            // 0..1
  Eigen::VectorXd activation;     // (n)
  Eigen::VectorXd force;          // (n) N, tendon force
  double abductor_force = 0.0;    // N, sum of the plant muscles' tendon forces
  double muscle_moment = 0.0;     // N m about e (negative lifts the swing side)
  double gravity_moment = 0.0;    // N m about e (positive drops)
  double passive_moment = 0.0;    // N m about e
  double residual = 0.0;          // N m, sum of the three
  Vec3 hip_contact_force = Vec3::Zero();  // N, pelvis on femur head, ground
};
StaticEquilibrium static_equilibrium(const PelvisPlant& plant, const PelvisSimulationOptions& options,
                                     double obliquity = 0.0, double lean = 0.0);

// Lean (rad, toward the stance side) at which the weakened abductors hold the
// level pelvis statically at `effort`; 0 when no lean is needed, lean_max when
// even that is not enough. Needs the trunk.
double compensating_lean(const PelvisPlant& plant, const PelvisSimulationOptions& options, double effort);

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

// Single-leg stance hold at an abductor strength (0..1), optionally with a
// perturbation and trunk-lean compensation: `simulate` with those options set.
PelvisSimulationResult simulate_stance(const PelvisPlant& plant, double abductor_strength, double duration,
                                 double sample_rate, bool compensation, PelvisSimulationOptions options = {});

// Hip hitch: the pelvis tracks theta_ref(t) = amplitude w(t) sin(2 pi t / period)
// (drop the swing side first, then hike it, as in seed 000), w a sin^2 ramp
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
