// Internal to the pelvis dynamics (not installed): the reduced model's
// equations of motion under one set of options, shared by the simulation
// (pelvis_simulation.cpp), the statics (pelvis_statics.cpp) and the
// controller (pelvis_controller.cpp). pelvis_system.cpp defines PelvisSystem.
#pragma once
#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "biomech/errors.hpp"
#include "biomech/passive_joint.hpp"
#include "biomech/pelvis_controller.hpp"
#include "biomech/pelvis_plant.hpp"
#include "biomech/pelvis_simulation.hpp"
#include "biomech/pelvis_statics.hpp"
#include "internal.hpp"

namespace biomech::pelvis {

using V2 = Eigen::Vector2d;

inline V2 rot2(const V2& v, double c, double s) { return V2(c * v.x() - s * v.y(), s * v.x() + c * v.y()); }
inline V2 rot2(const V2& v, double a) { return rot2(v, std::cos(a), std::sin(a)); }
inline V2 perp(const V2& v) { return V2(-v.y(), v.x()); }  // rotated by +90 deg

// rotation of a ground vector by angle a about unit axis e
inline Vec3 rot3(const Vec3& e, double c, double s, const Vec3& v) {
  return v * c + e.cross(v) * s + e * (e.dot(v)) * (1.0 - c);
}
inline Vec3 rot3(const Vec3& e, double a, const Vec3& v) { return rot3(e, std::cos(a), std::sin(a), v); }

inline void need(bool ok, const std::string& msg) {
  if (!ok) throw InvalidArgument(msg);
}

inline bool finite(double x) { return std::isfinite(x); }

using internal::fmt;
using internal::kDeg;

// State history for the delayed feedback (pelvis_controller.cpp): time,
// obliquity, its rate and acceleration at every accepted step, read by cubic
// Hermite interpolation.
struct DelayHistory {
  std::vector<double> t, th, om, al;
  size_t begin = 0;
  void push(double ti, double thi, double omi, double ali);
  // drop points no longer needed for times >= tmin (keep one before)
  void prune(double tmin);
  // cubic Hermite interpolation of theta (with omega) and omega (with alpha)
  void at(double tq, double& thq, double& omq) const;
};

// The controller's state in one simulation (pelvis_controller.cpp).
struct PelvisController {
  const ControllerOptions& options;
  const std::function<void(double t, double& theta, double& omega, double& alpha)>& reference;
  int n = 0;                         // plant muscles
  EffortMap effort_map;              // at nominal strength
  double feedforward = 0.0;          // e_ff: constant feed-forward effort
  std::vector<double> feedforward_table;  // feed-forward effort along a reference motion, uniform in time
  double feedforward_dt = 0.0;       // s
  DelayHistory history;

  PelvisController(const PelvisSimulationOptions& o, int n_muscles)
      : options(o.controller), reference(o.reference), n(n_muscles) {}
  double effort_feedforward(double t) const;
  // Feedback effort at t from the obliquity and its rate (delayed or not),
  // against the reference read at t_reference.
  double feedback_effort(double t, double theta, double omega, double t_reference) const;
  void prescribed(double t, double* u) const;  // u (n): prescribed excitations at t
  // Target lean of the lumbar servo: lean0, plus with compensation lean_gain times the (delayed) drop.
  double lean_target(double lean0, double theta_delayed) const;
};

// The equations of motion of the plant under one set of options
// (pelvis_system.cpp). State x: obliquity, its rate, [lean, its rate], the
// activations (n), [fibre lengths (n), compliant tendons].
class PelvisSystem {
 public:
  struct Out {  // one sample
    double effort = 0, lean_target = 0, muscle_moment = 0, passive_moment = 0, gravity_moment = 0, lean_torque = 0;
    double energy = 0, trunk_tilt = 0;
    double* u = nullptr;  // n
    double* a = nullptr;
    double* f = nullptr;
    double* lm = nullptr;
    Vec3 contact = Vec3::Zero();
  };

  const PelvisPlant& P;
  const PelvisSimulationOptions& O;
  PassiveJointEvaluator hip_joint, lumbar_joint;  // hip_passive(P, O) and O.lumbar_passive
  int n = 0;
  bool lean_dof = false, compliant = false, muscles_on = true;
  int ia = 0, il = 0, nx = 0;  // offsets of activations and fibre lengths
  std::vector<RigidTendonUnit> units;          // at the simulated strength
  std::vector<RigidTendonUnit> nominal_units;  // at nominal strength
  double capacity_strength = 1.0;              // the weakened capacity / the nominal one (effort map's)
  // The muscles the feed-forward is computed for. A subject who compensates by leaning has
  // adapted to the weakness (the anticipatory lean is computed for the weakened muscles), so
  // its feed-forward drive is too; without compensation the weakness is new (a nerve block)
  // and the nervous system still drives the muscles it expects at nominal strength.
  const std::vector<RigidTendonUnit>& expected() const { return O.controller.compensation ? units : nominal_units; }
  PelvisController controller;
  double lean0 = 0.0, lean_ant = 0.0;           // rad: lean at the start, anticipatory lean
  // frontal-plane geometry
  Vec3 u1, u2;
  V2 d1, a, b, g2;
  double m1 = 0, m2 = 0, I1 = 0, I2 = 0;
  // state of the integration
  bool pulse_on = false;
  long rhs_count = 0;
  long steps = 0;
  std::vector<double> ubuf, fbuf, length, arm;  // per muscle: excitations, forces, geometry of one rhs
  std::vector<RigidTendonUnit::AtLength> at_length;  // per muscle: fibre geometry and f_L, f_PE of one rhs
  double lumbar_hold_target = std::numeric_limits<double>::quiet_NaN(), lumbar_hold = 0.0;  // see rhs
  V2 b_hold = V2::Zero();  // b turned by -lumbar_hold_target (see rhs)

  PelvisSystem(const PelvisPlant& plant, const PelvisSimulationOptions& opt);

  double hip_q(double th) const { return P.hip_adduction0 + th; }
  double lumbar_q(double la) const { return P.lumbar0 + P.lumbar_sign * la; }

  // d1 and a turned by theta, b by psi (one sine and cosine of each angle, kept)
  struct Turned {
    V2 d1, a, b;
    double ct, st;  // cos and sin of theta
  };
  Turned turned(double th, double psi) const {
    const double ct = std::cos(th), st = std::sin(th), cp = std::cos(psi), sp = std::sin(psi);
    return {rot2(d1, ct, st), rot2(a, ct, st), rot2(b, cp, sp), ct, st};
  }
  // gravitational generalized forces -dV/dtheta, -dV/dpsi
  void gravity_terms(const Turned& r, double& g_th, double& g_psi) const {
    g_th = m1 * g2.dot(perp(r.d1)) + m2 * g2.dot(perp(r.a));
    g_psi = m2 * g2.dot(perp(r.b));
  }
  void gravity_terms(double th, double psi, double& g_th, double& g_psi) const {
    gravity_terms(turned(th, psi), g_th, g_psi);
  }
  double potential(const Turned& r) const { return -m1 * g2.dot(r.d1) - m2 * g2.dot(r.a + r.b); }

  // dx/dt at (t, x); fills `out` when given.
  void rhs(const double* x, double* dx, double t, Out* out = nullptr);
};

// pelvis_statics.cpp: the effort that balances (theta, lean) statically;
// `extra` adds a generalized force (inertial needs).
StaticEquilibrium static_solve(const PelvisSystem& S, const std::vector<RigidTendonUnit>& units, double th,
                               double lean, double extra = 0.0, double omega = 0.0);
// pelvis_statics.cpp: the lean at which the plant holds the level pelvis at `effort`.
double find_compensating_lean(const PelvisSystem& S, double effort);
// pelvis_controller.cpp: the feed-forward effort table along options.reference.
void build_feedforward_table(PelvisSystem& S);
// pelvis_simulation.cpp: throws InvalidArgument on bad options.
void check_options(const PelvisPlant& plant, const PelvisSimulationOptions& o);

}  // namespace biomech::pelvis
