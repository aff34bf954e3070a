// The controller of the pelvis dynamics (pelvis_dynamics.hpp has the
// overview): how the nervous system drives the stance-hip abductors and the
// lumbar joint in the simulations of pelvis_simulation.hpp.
#pragma once
#include <Eigen/Core>
#include <cmath>
#include <string_view>
#include <vector>

#include "biomech/fields.hpp"

namespace biomech {

enum class ControllerKind { prescribed, feedback };

// ControllerKind as a choice field (fields.hpp): "feedback" / "prescribed".
inline std::vector<std::string_view> choice_names(ControllerKind) { return {"feedback", "prescribed"}; }
inline std::string_view choice_name(ControllerKind k) {
  return k == ControllerKind::feedback ? "feedback" : "prescribed";
}
inline bool parse_choice(std::string_view text, ControllerKind& k) {
  if (text == "feedback") return k = ControllerKind::feedback, true;
  if (text == "prescribed") return k = ControllerKind::prescribed, true;
  return false;
}

// Controller. The lumbar joint (when the lean DOF is free) is a PD servo to a
// target lean: the posture's lean, or with compensation the lean given below.
// Feedback: the abductors are driven through one "effort"
// e in [0, 1], the fraction of their nominal maximal isometric abduction moment
// at the posture; efforts map to excitations by static optimisation on the
// frontal-plane moment (minimum sum of squared activations: u_i = min(1, s c_i),
// c_i the muscle's nominal moment capacity), so at rest the pattern is the static
// solution. e = clamp(e_ff + kp (theta_d - theta_ref) + kd (omega_d - omega_ref), 0, 1),
// with theta_d, omega_d delayed by `delay`. The feed-forward e_ff holds the level
// pelvis statically at nominal strength (what the nervous system expects of newly
// weakened muscles, as after a nerve block); with weak muscles the drop is what
// feedback and the passive hip must make up. With compensation the subject has
// adapted to the weakness: the anticipatory lean and e_ff are both computed for
// the weakened muscles, so the level pelvis starts in equilibrium.
struct ControllerOptions {
  ControllerKind kind = ControllerKind::feedback;
  double kp = 20.0;          // effort per rad of drop
  double kd = 2.0;           // effort per rad/s
  double delay = 0.0;        // s, neural delay of the feedback (0 = none)
  double feedforward = -1.0; // effort; < 0 = computed (static, level pelvis; see above for the strength)
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

  static constexpr auto fields() {
    using S = ControllerOptions;
    return std::tuple{
        field("controller", &S::kind, units::none,
              "'feedback' (effort from the drop) or 'prescribed' (excitations given in time)"),
        field("kp", &S::kp, units::one, 0, 1000, "feedback: effort per rad of drop"),
        field("kd", &S::kd, units::one, 0, 1000, "feedback: effort per rad/s of drop rate"),
        field("delay_s", &S::delay, units::s, 0, 0.5, "neural delay of the feedback"),
        field("feedforward_effort", &S::feedforward, units::one, -1, 1,
              "feed-forward effort; < 0: computed (static, level pelvis; nominal strength, or the weakened one with compensation)"),
        field("prescribed_time_s", &S::prescribed_time, units::s,
              "prescribed: times of the excitation table (increasing)"),
        field("prescribed_excitations", &S::prescribed_excitations, units::one,
              "prescribed: (times x muscles) excitations, piecewise linear in time"),
        field("excitation", &S::prescribed_excitation, units::one, 0, 1,
              "prescribed: one excitation for every muscle when no table is given"),
        field("compensation", &S::compensation, units::none,
              "the trunk leans over the stance hip (anticipatory lean plus lean in proportion to the drop)"),
        field("lean_gain", &S::lean_gain, units::one, 0, 10, "compensation: rad of lean per rad of drop"),
        field("lean_max_deg", &S::lean_max, units::deg, 0, 60, "compensation: largest lean"),
        field("lean_effort", &S::lean_effort, units::one, 0.01, 1, "compensation: effort the anticipatory lean aims for"),
        field("lumbar_stiffness_nm_per_rad", &S::lumbar_stiffness, units::nm_per_rad, 0, 1e5,
              "lumbar servo stiffness"),
        field("lumbar_damping_nms_per_rad", &S::lumbar_damping, units::nms_per_rad, 0, 1e4, "lumbar servo damping"),
        field("lumbar_gravity_compensation", &S::lumbar_gravity_compensation, units::none,
              "the lumbar servo holds the trunk's weight at the target lean")};
  }
};

// Effort e -> excitations of the abductors: the minimum of sum u_i^2 subject to
// sum c_i u_i = e sum c_i and 0 <= u_i <= 1, c_i >= 0 the muscles' nominal
// moment capacities (N m). This is solve_recruitment's problem
// (recruitment.hpp) for one balanced dof with p = 2, moment arm times force
// c_i and no reserve, solved in closed form: u_i = min(1, s c_i), the scale s
// found by walking the saturation breakpoints in order of decreasing capacity.
// The closed form is exact and allocation-free, which matters because the
// controller evaluates it at every right-hand side of the integrator; a test
// checks it against solve_recruitment.
class EffortMap {
 public:
  EffortMap() = default;
  explicit EffortMap(std::vector<double> capacity);
  double total() const { return total_; }  // N m, sum of the capacities
  double scale(double effort) const;       // s for effort e (clamped to [0, 1])
  void excitations(double effort, double* u) const;  // u (n) = clamp(s c_i, 0, 1)

 private:
  std::vector<double> c_;                  // capacities (N m), per muscle
  std::vector<int> order_;                 // by decreasing capacity
  std::vector<double> sat_sum_, unsat_sq_; // per breakpoint k: sum of the k saturated c, sum of the rest's c^2
  std::vector<double> moment_at_;          // per breakpoint k with c > 0: the moment when muscle order_[k] saturates
  double total_ = 0.0;
  double saturated_scale_ = 0.0;           // s with every muscle saturated: 1 / the smallest positive c
};

}  // namespace biomech
