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
#include <string_view>
#include <vector>

#include "biomech/fields.hpp"

#include "biomech/hill_muscle.hpp"
#include "biomech/passive_joint.hpp"
#include "biomech/pelvis_controller.hpp"
#include "biomech/pelvis_plant.hpp"

namespace biomech {

enum class TendonModel { rigid, compliant };
enum class IntegratorMethod { dopri5, rosenbrock4 };

// Both as choice fields (fields.hpp).
inline std::vector<std::string_view> choice_names(TendonModel) { return {"rigid", "compliant"}; }
inline std::string_view choice_name(TendonModel t) { return t == TendonModel::rigid ? "rigid" : "compliant"; }
inline bool parse_choice(std::string_view text, TendonModel& t) {
  if (text == "rigid") return t = TendonModel::rigid, true;
  if (text == "compliant") return t = TendonModel::compliant, true;
  return false;
}
inline std::vector<std::string_view> choice_names(IntegratorMethod) { return {"dopri5", "rosenbrock4"}; }
inline std::string_view choice_name(IntegratorMethod m) {
  return m == IntegratorMethod::dopri5 ? "dopri5" : "rosenbrock4";
}
inline bool parse_choice(std::string_view text, IntegratorMethod& m) {
  if (text == "dopri5") return m = IntegratorMethod::dopri5, true;
  if (text == "rosenbrock4") return m = IntegratorMethod::rosenbrock4, true;
  return false;
}

struct IntegratorOptions {
  IntegratorMethod method = IntegratorMethod::dopri5;  // rosenbrock4 is chosen for compliant tendons
  bool method_from_tendon = true;   // true: dopri5 for rigid, rosenbrock4 for compliant tendons
  double abs_tol = 1e-8;
  double rel_tol = 1e-8;
  double max_step = 0.0;            // s, 0 = none (the neural delay caps it anyway)
  double initial_step = 1e-4;       // s

  static constexpr auto fields() {
    using S = IntegratorOptions;
    return std::tuple{
        field("integrator", &S::method, units::none, "'dopri5' (explicit) or 'rosenbrock4' (stiff)"),
        field("integrator_from_tendon", &S::method_from_tendon, units::none,
              "choose dopri5 for rigid and rosenbrock4 for compliant tendons"),
        field("abs_tol", &S::abs_tol, units::one, 1e-14, 1e-2, "absolute error tolerance of each step"),
        field("rel_tol", &S::rel_tol, units::one, 1e-14, 1e-2, "relative error tolerance of each step"),
        field("max_step_s", &S::max_step, units::s, 0, 1, "largest step, 0 = none (the neural delay caps it)"),
        field("initial_step_s", &S::initial_step, units::s, 1e-9, 0.1, "first step")};
  }
};

// A torque pulse on the pelvis (N m, positive = drop) from start for duration.
struct Perturbation {
  double torque = 0.0;    // N m
  double start = 0.0;     // s
  double duration = 0.0;  // s

  static constexpr auto fields() {
    using S = Perturbation;
    return std::tuple{
        field("perturbation_nm", &S::torque, units::nm, -1000, 1000, "torque pulse on the pelvis, + toward drop"),
        field("perturbation_start_s", &S::start, units::s, 0, 1e4, "start of the pulse"),
        field("perturbation_duration_s", &S::duration, units::s, 0, 1e4, "length of the pulse")};
  }
};

struct PelvisSimulationOptions {
  double duration = 5.0;        // s, > 0
  double sample_rate = 100.0;   // Hz, > 0
  double abductor_strength = 1.0;  // [0, 1], scales the max isometric force of every plant muscle
  bool muscles_enabled = true;  // false: no muscle forces at all (passive pendulum)
  bool lean_dof = true;         // false (or no trunk in the model): the trunk is locked to the pelvis
  TendonModel tendon = TendonModel::rigid;
  HillParameters hill;
  // passive frontal-plane moment of the stance hip; empty: the plant's (PelvisPlant::hip_tissue,
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

  // hill, hip_passive and lumbar_passive are the model's muscle and joint parameters, not options.
  static constexpr auto fields() {
    using S = PelvisSimulationOptions;
    return std::tuple{
        field("duration_s", &S::duration, units::s, 1e-3, 3600, "simulated time"),
        field("sample_hz", &S::sample_rate, units::hz, 1, 1e4, "output sample rate"),
        field("abductor_strength", &S::abductor_strength, units::one, 0, 1,
              "fraction of the abductors' maximal isometric force"),
        field("muscles_enabled", &S::muscles_enabled, units::none, "false: no muscle forces (a passive pendulum)"),
        field("lean_dof", &S::lean_dof, units::none, "false: the trunk is locked to the pelvis"),
        field("tendon", &S::tendon, units::none, "'rigid' or 'compliant' tendons"),
        field("controller_options", &S::controller, units::none, "the controller"),
        field("perturbation", &S::perturbation, units::none, "a torque pulse"),
        field("integrator_options", &S::integrator, units::none, "the integrator"),
        field("initial_obliquity_deg", &S::initial_obliquity, units::deg, -45, 45, "+ = swing side dropped"),
        field("initial_obliquity_rate_deg_s", &S::initial_obliquity_rate, units::deg_per_s, -1000, 1000,
              "initial rate of drop"),
        field("initial_lean_deg", &S::initial_lean, units::deg, -45, 45,
              "trunk lean toward the stance side (compensation adds the anticipatory lean)"),
        field("initial_activation", &S::initial_activation, units::one, -1, 1,
              "< 0: the feedback pattern at the feed-forward effort"),
        field("drop_threshold_deg", &S::drop_threshold, units::deg, 0.01, 45,
              "Trendelenburg positive above this drop (4 deg: minimal detectable change, Youdas et al. 2007)"),
        field("stop_at_event", &S::stop_at_event, units::none, "end the run when the drop crosses the threshold")};
  }
};

struct PelvisSimulationResult {
  std::vector<std::string> muscle_names;
  // per sample (ns)
  Eigen::VectorXd time;              // s
  Eigen::VectorXd obliquity;         // rad, positive = swing side dropped
  Eigen::VectorXd obliquity_rate;    // rad/s
  Eigen::VectorXd reference_obliquity;  // rad, the reference motion followed (hip hitch; NaN without one)
  Eigen::VectorXd lean;              // rad, toward the stance side
  Eigen::VectorXd lean_rate;         // rad/s
  Eigen::VectorXd trunk_tilt;        // rad, trunk from its posture orientation in ground, toward the stance side (lean - obliquity)
  Eigen::VectorXd hip_adduction;     // rad, stance hip
  Eigen::VectorXd effort;            // controller effort (NaN when prescribed)
  Eigen::MatrixXd excitation;        // (ns x n)
  Eigen::MatrixXd activation;        // (ns x n)
  Eigen::MatrixXd force;             // (ns x n) N, tendon force
  Eigen::MatrixXd fiber_length;      // (ns x n) m
  Eigen::VectorXd abductor_force;    // N, sum of tendon forces
  Eigen::VectorXd abductor_force_bw; // abductor force / body weight
  Eigen::VectorXd muscle_moment;     // N m about e
  Eigen::VectorXd passive_moment;    // N m about e (hip)
  Eigen::VectorXd gravity_moment;    // N m about e
  Eigen::VectorXd lean_torque;       // N m, lumbar actuator + passive, on the trunk toward the stance side
  Eigen::MatrixXd hip_contact_force; // (ns x 3) N, pelvis on the femoral head, ground
  Eigen::VectorXd hip_contact_force_n;   // magnitude
  Eigen::VectorXd hip_contact_force_bw;  // magnitude / body weight
  Eigen::VectorXd energy;            // J, kinetic + gravitational + passive-elastic (joints)

  // Summary.
  double max_drop = 0.0;             // rad, max obliquity over the run (>= 0 unless it only hiked)
  double time_of_max_drop = 0.0;     // s
  double min_obliquity = 0.0;        // rad, the largest hike (negative obliquity)
  double steady_obliquity = 0.0;     // rad, mean over the last 10% of the run
  double steady_abductor_force = 0.0;  // N, mean over the last 10%
  double steady_abductor_force_bw = 0.0;
  double peak_abductor_force = 0.0;  // N
  double peak_abductor_force_bw = 0.0;
  double peak_effort = 0.0;
  double final_lean = 0.0;           // rad
  double peak_hip_contact_force_bw = 0.0;
  double tracking_rms = 0.0;         // rad, obliquity - reference (NaN without a reference)
  double tracking_max_error = 0.0;   // rad
  bool trendelenburg_positive = false;  // max_drop > drop_threshold
  double drop_threshold = 0.0;       // rad
  double event_time = -1.0;          // s, first crossing of the threshold (bisection), -1 if none
  bool stopped_at_event = false;
  double feedforward_effort = 0.0;
  double anticipatory_lean = 0.0;    // rad
  std::string integrator;            // "dopri5" or "rosenbrock4": the method used
  std::vector<std::string> notes;    // assumptions and fall-backs taken in this run
  int steps = 0;                     // accepted integrator steps
  int rhs_evaluations = 0;
  double body_weight = 0.0;          // N

  // Per-sample fields (kind vector, length ns; matrices ns x muscles, ns x 3) make the time
  // series; the scalars are the summary.
  static constexpr auto fields() {
    using S = PelvisSimulationResult;
    return std::tuple{
        field("muscle_names", &S::muscle_names, units::none, "the plant's abductors"),
        field("time_s", &S::time, units::s, "sample times"),
        field("obliquity_deg", &S::obliquity, units::deg, "pelvic obliquity, + = swing side dropped"),
        field("obliquity_rate_deg_s", &S::obliquity_rate, units::deg_per_s, "rate of drop"),
        field("reference_obliquity_deg", &S::reference_obliquity, units::deg,
              "the reference motion followed (hip hitch; NaN without one)"),
        field("trunk_lean_deg", &S::lean, units::deg, "trunk lean toward the stance side"),
        field("trunk_lean_rate_deg_s", &S::lean_rate, units::deg_per_s, "rate of trunk lean"),
        field("trunk_tilt_deg", &S::trunk_tilt, units::deg, "trunk from its posture orientation in ground"),
        field("hip_adduction_deg", &S::hip_adduction, units::deg, "stance hip adduction"),
        field("effort", &S::effort, units::one, "controller effort (NaN when prescribed)"),
        field("excitation", &S::excitation, units::one, "(samples x muscles) excitation"),
        field("activation", &S::activation, units::one, "(samples x muscles) activation"),
        field("force_n", &S::force, units::n, "(samples x muscles) tendon force"),
        field("fiber_length_m", &S::fiber_length, units::m, "(samples x muscles) fibre length"),
        field("abductor_force_n", &S::abductor_force, units::n, "sum of the abductors' tendon forces"),
        field("abductor_force_bw", &S::abductor_force_bw, units::bw, "abductor force / body weight"),
        field("muscle_moment_nm", &S::muscle_moment, units::nm, "muscle moment about the hip's frontal axis"),
        field("passive_moment_nm", &S::passive_moment, units::nm, "passive hip moment about the frontal axis"),
        field("gravity_moment_nm", &S::gravity_moment, units::nm, "gravity moment about the frontal axis"),
        field("lean_torque_nm", &S::lean_torque, units::nm, "lumbar actuator + passive, on the trunk"),
        field("hip_contact_force_ground_n", &S::hip_contact_force, units::n,
              "(samples x 3) force of the pelvis on the femoral head, ground axes"),
        field("hip_contact_force_n", &S::hip_contact_force_n, units::n, "magnitude of the hip contact force"),
        field("hip_contact_force_bw", &S::hip_contact_force_bw, units::bw, "hip contact force / body weight"),
        field("energy_j", &S::energy, units::j, "kinetic + gravitational + passive-elastic energy"),
        field("max_drop_deg", &S::max_drop, units::deg, "largest obliquity over the run"),
        field("time_of_max_drop_s", &S::time_of_max_drop, units::s, "when it happened"),
        field("min_obliquity_deg", &S::min_obliquity, units::deg, "smallest obliquity (the largest hike)"),
        field("steady_obliquity_deg", &S::steady_obliquity, units::deg, "mean over the last 10% of the run"),
        field("steady_abductor_force_n", &S::steady_abductor_force, units::n, "mean over the last 10%"),
        field("steady_abductor_force_bw", &S::steady_abductor_force_bw, units::bw, "mean over the last 10%"),
        field("peak_abductor_force_n", &S::peak_abductor_force, units::n, "largest abductor force"),
        field("peak_abductor_force_bw", &S::peak_abductor_force_bw, units::bw, "largest abductor force"),
        field("peak_effort", &S::peak_effort, units::one, "largest controller effort"),
        field("final_trunk_lean_deg", &S::final_lean, units::deg, "trunk lean at the end"),
        field("peak_hip_contact_force_bw", &S::peak_hip_contact_force_bw, units::bw, "largest hip contact force"),
        field("tracking_rms_deg", &S::tracking_rms, units::deg, "RMS of obliquity - reference (hip hitch)"),
        field("tracking_max_error_deg", &S::tracking_max_error, units::deg, "largest |obliquity - reference|"),
        field("trendelenburg_positive", &S::trendelenburg_positive, units::none,
              "the drop exceeded the threshold"),
        field("drop_threshold_deg", &S::drop_threshold, units::deg, "the threshold used"),
        field("event_time_s", &S::event_time, units::s, "first crossing of the threshold, -1 if none"),
        field("stopped_at_event", &S::stopped_at_event, units::none, "the run ended at the crossing"),
        field("feedforward_effort", &S::feedforward_effort, units::one, "the feed-forward effort used"),
        field("anticipatory_lean_deg", &S::anticipatory_lean, units::deg, "compensation: the lean at the start"),
        field("integrator", &S::integrator, units::none, "the method used"),
        field("notes", &S::notes, units::none, "assumptions and fall-backs taken in this run"),
        field("steps", &S::steps, units::one, "accepted integrator steps"),
        field("rhs_evaluations", &S::rhs_evaluations, units::one, "right-hand-side evaluations"),
        field("body_weight_n", &S::body_weight, units::n, "body weight")};
  }
};

// Runs one simulation. Throws InvalidArgument on bad options (duration <= 0,
// sample rate <= 0, strength outside [0, 1], non-finite numbers, compensation
// without a trunk, prescribed table of the wrong shape).
PelvisSimulationResult simulate(const PelvisPlant& plant, const PelvisSimulationOptions& options);

// The passive hip moment a simulation uses: options.hip_passive, or the plant's.
inline const PassiveJointMoment& hip_passive(const PelvisPlant& plant, const PelvisSimulationOptions& options) {
  return options.hip_passive ? *options.hip_passive : plant.hip_tissue.moment;
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

  static constexpr auto fields() {
    using S = HipHitchOptions;
    return std::tuple{
        field("amplitude_deg", &S::amplitude, units::deg, 0.1, 30, "drop and hike of the swing side, each way"),
        field("period_s", &S::period, units::s, 0.2, 60, "time per repetition"),
        field("repetitions", &S::repetitions, units::one, 1, 1000, "number of repetitions")};
  }
};
PelvisSimulationResult simulate_hip_hitch(const PelvisPlant& plant, const HipHitchOptions& hitch,
                                    PelvisSimulationOptions options = {});

}  // namespace biomech
