#include "biomech/pelvis_dynamics.hpp"

#include <algorithm>
#include <boost/numeric/odeint/stepper/generation.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <boost/version.hpp>
// Odeint's rosenbrock4 rests on Boost.uBLAS, whose storage calls
// std::allocator::construct, removed in C++20, before Boost 1.81 (1.81 uses
// boost::allocator_construct; 1.74, Debian 12's default, does not compile).
#if BOOST_VERSION >= 108100 || __cplusplus < 202002L
#define BIOMECH_HAVE_ROSENBROCK4 1
#include <boost/numeric/odeint/stepper/rosenbrock4.hpp>
#include <boost/numeric/odeint/stepper/rosenbrock4_controller.hpp>
#include <boost/numeric/odeint/stepper/rosenbrock4_dense_output.hpp>
#else
#define BIOMECH_HAVE_ROSENBROCK4 0
#endif
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include "biomech/errors.hpp"
#include "biomech/inverse_dynamics.hpp"
#include "biomech/kinematics.hpp"
#include "biomech/muscle_path.hpp"

namespace biomech {

// ---------------------------------------------------------------- passive joints

double PassiveJointMoment::moment(double q, double qdot) const {
  return k1 * std::exp(k2 * (q - q1)) + k3 * std::exp(k4 * (q - q2)) - damping * qdot;
}

double PassiveJointMoment::potential(double q) const {
  // V = -integral_0^q of the elastic moment
  double v = 0.0;
  if (k1 != 0.0) v -= k1 / k2 * (std::exp(k2 * (q - q1)) - std::exp(-k2 * q1));
  if (k3 != 0.0) v -= k3 / k4 * (std::exp(k4 * (q - q2)) - std::exp(-k4 * q2));
  return v;
}

PassiveJointMoment PassiveJointMoment::hip_adduction() { return {}; }

PassiveJointMoment PassiveJointMoment::lumbar_bending() {
  PassiveJointMoment p;
  p.k1 = -0.25, p.k2 = 20.36, p.k3 = 0.25, p.k4 = -20.36;
  p.q1 = 0.3490658503988659, p.q2 = -0.3490658503988659;
  p.damping = 0.1;
  return p;
}

PassiveJointMoment PassiveJointMoment::none() {
  PassiveJointMoment p;
  p.k1 = p.k3 = 0.0;
  p.k2 = 1.0, p.k4 = -1.0;
  p.damping = 0.0;
  return p;
}

namespace {

using V2 = Eigen::Vector2d;

constexpr double kDeg = M_PI / 180.0;

V2 rot2(const V2& v, double a) {
  const double c = std::cos(a), s = std::sin(a);
  return V2(c * v.x() - s * v.y(), s * v.x() + c * v.y());
}
V2 perp(const V2& v) { return V2(-v.y(), v.x()); }  // rotated by +90 deg

// rotation of a ground vector by angle a about unit axis e
Vec3 rot3(const Vec3& e, double c, double s, const Vec3& v) {
  return v * c + e.cross(v) * s + e * (e.dot(v)) * (1.0 - c);
}
Vec3 rot3(const Vec3& e, double a, const Vec3& v) { return rot3(e, std::cos(a), std::sin(a), v); }

void need(bool ok, const std::string& msg) {
  if (!ok) throw InvalidArgument(msg);
}

bool finite(double x) { return std::isfinite(x); }

std::string num(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

}  // namespace

// ---------------------------------------------------------------- plant

void PelvisPlant::muscle_geometry(int i, double theta, double& len, double& arm) const {
  const double u = (theta - table_min) / table_step;
  if (u <= 0.0 || u >= table_size - 1) {  // linear extrapolation with the end slope
    const int k = u <= 0.0 ? 0 : table_size - 1;
    const double t0 = table_min + k * table_step;
    arm = moment_arm(k, i);
    len = length(k, i) - arm * (theta - t0);
    return;
  }
  const int k = static_cast<int>(u);
  const double t = u - k, h = table_step;
  const double p0 = length(k, i), p1 = length(k + 1, i);
  const double m0 = -moment_arm(k, i) * h, m1 = -moment_arm(k + 1, i) * h;
  const double t2 = t * t, t3 = t2 * t;
  len = (2 * t3 - 3 * t2 + 1) * p0 + (t3 - 2 * t2 + t) * m0 + (-2 * t3 + 3 * t2) * p1 + (t3 - t2) * m1;
  const double d = (6 * t2 - 6 * t) * p0 + (3 * t2 - 4 * t + 1) * m0 + (-6 * t2 + 6 * t) * p1 + (3 * t2 - 2 * t) * m1;
  arm = -d / h;
}

Vec3 PelvisPlant::muscle_unit_force(int i, double theta) const {
  double u = (theta - table_min) / table_step;
  u = std::clamp(u, 0.0, static_cast<double>(table_size - 1));
  const int k = std::min(static_cast<int>(u), table_size - 2);
  const double t = u - k;
  Vec3 a = unit_force.block<1, 3>(k, 3 * i).transpose();
  Vec3 b = unit_force.block<1, 3>(k + 1, 3 * i).transpose();
  return (1.0 - t) * a + t * b;
}

PelvisPlant build_pelvis_plant(const Model& model, Data& data, const PelvisPlantOptions& o) {
  const std::string who = "build_pelvis_plant: ";
  need(o.stance_side == 'r' || o.stance_side == 'l',
       who + "expected stance_side 'r' or 'l', got '" + std::string(1, o.stance_side) + "'");
  PelvisPlant p;
  p.stance_side = o.stance_side;
  p.posture = o.posture.size() == 0 ? model.default_posture() : o.posture;
  need(p.posture.size() == model.nq(), who + "expected a posture of " + std::to_string(model.nq()) +
                                           " coordinates, got " + std::to_string(p.posture.size()));
  need(p.posture.allFinite(), who + "expected a finite posture, got NaN or inf");
  need(finite(o.min_abductor_moment_arm) && o.min_abductor_moment_arm >= 0,
       who + "expected min_abductor_moment_arm >= 0 m, got " + num(o.min_abductor_moment_arm));
  need(finite(o.table_min) && finite(o.table_max) && finite(o.table_step) && o.table_step > 0 &&
           o.table_min < 0 && o.table_max > 0 && (o.table_max - o.table_min) / o.table_step < 1e5,
       who + "expected table_min < 0 < table_max and 0 < table_step (rad)");

  const std::string add_name = std::string("hip_adduction_") + o.stance_side;
  const int c_add = model.coordinate_index(add_name);
  need(c_add >= 0 && model.coordinates[c_add].driver < 0,
       who + "expected the model to have an independent coordinate '" + add_name + "', got none");
  p.posture_hip_adduction = model.posture_index[c_add];
  p.hip_adduction0 = p.posture[p.posture_hip_adduction];
  int hip_joint = -1;
  for (size_t j = 0; j < model.joints.size(); ++j)
    for (const TransformAxis& ax : model.joints[j].rotations)
      if (ax.coordinate == c_add) hip_joint = static_cast<int>(j);
  need(hip_joint >= 0, who + "no joint rotates about '" + add_name + "'");
  const int femur = model.joints[hip_joint].child;

  compute_muscle_paths(model, data, p.posture);  // forward kinematics too
  p.gravity = model.gravity;
  p.body_weight = model.total_mass() * model.gravity.norm();
  need(p.body_weight > 0, who + "expected a model with mass, got none");
  p.hip_center = (data.body_pose[femur] * model.joints[hip_joint].child_offset).translation();
  Vec3 w = Vec3::Zero();
  for (int t = data.joint_terms_begin[hip_joint]; t < data.joint_terms_begin[hip_joint + 1]; ++t)
    if (data.motion_terms[t].posture_index == p.posture_hip_adduction) w = data.motion_terms[t].w;
  need(w.norm() > 1e-9, who + "'" + add_name + "' does not rotate the femur at this posture");
  // femur turns by +dq about w with the pelvis fixed = the pelvis turns by +dq about -w with the femur fixed
  p.axis = -w.normalized();

  // bodies carried by the stance hip, and the trunk among them
  const int nb = static_cast<int>(model.bodies.size());
  std::vector<char> upper(nb, 0), trunk(nb, 0);
  for (int b = 0; b < nb; ++b)
    if (!is_in_subtree(model, b, femur)) upper[b] = 1, p.upper_bodies.push_back(b);
  const int c_lb = o.lumbar_coordinate.empty() ? -1 : model.coordinate_index(o.lumbar_coordinate);
  int lumbar_joint = -1;
  if (c_lb >= 0 && model.coordinates[c_lb].driver < 0)
    for (size_t j = 0; j < model.joints.size(); ++j)
      for (const TransformAxis& ax : model.joints[j].rotations)
        if (ax.coordinate == c_lb) lumbar_joint = static_cast<int>(j);
  if (lumbar_joint >= 0) {
    const int root = model.joints[lumbar_joint].child;
    if (upper[root] && model.joints[lumbar_joint].parent >= 0)
      for (int b = 0; b < nb; ++b)
        if (is_in_subtree(model, b, root)) trunk[b] = 1, p.trunk_bodies.push_back(b);
  }
  const Vec3& e = p.axis;
  auto perp_part = [&](const Vec3& d) { return Vec3(d - d.dot(e) * e); };
  auto axial_inertia = [&](int b) {
    const Mat3 R = data.body_pose[b].linear();
    return e.dot(R * model.bodies[b].inertia * R.transpose() * e);
  };
  Vec3 s1 = Vec3::Zero(), s2 = Vec3::Zero();
  for (int b : p.upper_bodies) {
    const double m = model.bodies[b].mass;
    const Vec3 c = data.body_pose[b] * model.bodies[b].com;
    if (trunk[b]) p.mass_trunk += m, s2 += m * c;
    else p.mass_pelvis += m, s1 += m * c;
  }
  need(p.mass_pelvis + p.mass_trunk > 0, who + "expected mass above the stance hip, got none");
  p.has_trunk = p.mass_trunk > 0;
  if (!p.has_trunk) p.trunk_bodies.clear();
  p.com_pelvis = p.mass_pelvis > 0 ? Vec3(s1 / p.mass_pelvis) : p.hip_center;
  p.com_trunk = p.has_trunk ? Vec3(s2 / p.mass_trunk) : p.hip_center;
  for (int b : p.upper_bodies) {
    const double m = model.bodies[b].mass;
    const Vec3 c = data.body_pose[b] * model.bodies[b].com;
    if (trunk[b] && p.has_trunk)
      p.inertia_trunk_com += axial_inertia(b) + m * perp_part(c - p.com_trunk).squaredNorm();
    else
      p.inertia_pelvis_hip += axial_inertia(b) + m * perp_part(c - p.hip_center).squaredNorm();
  }
  if (p.has_trunk) {
    const Joint& lj = model.joints[lumbar_joint];
    p.lumbar_center = (data.body_pose[lj.child] * lj.child_offset).translation();
    p.posture_lumbar = model.posture_index[c_lb];
    p.lumbar0 = p.posture[p.posture_lumbar];
    Vec3 wl = Vec3::Zero();
    for (int t = data.joint_terms_begin[lumbar_joint]; t < data.joint_terms_begin[lumbar_joint + 1]; ++t)
      if (data.motion_terms[t].posture_index == p.posture_lumbar) wl = data.motion_terms[t].w;
    if (wl.norm() < 1e-9) {
      p.has_trunk = false;
      p.notes.push_back("lumbar coordinate does not turn the trunk at this posture: trunk locked to the pelvis");
    } else {
      // lean toward the stance side turns the trunk about -e
      p.lumbar_sign = wl.dot(e) < 0 ? 1.0 : -1.0;
      if (std::abs(wl.normalized().dot(e)) < 0.95)
        p.notes.push_back("lumbar axis is not parallel to the obliquity axis; the lean is modelled about the obliquity axis");
    }
  }
  if (!p.has_trunk) {
    // one rigid group: move the trunk (if any mass was assigned) into the pelvis group
    p.mass_pelvis += p.mass_trunk;
    p.mass_trunk = 0.0;
    p.inertia_pelvis_hip = 0.0;
    s1.setZero();
    for (int b : p.upper_bodies) {
      const double m = model.bodies[b].mass;
      s1 += m * (data.body_pose[b] * model.bodies[b].com);
      p.inertia_pelvis_hip += axial_inertia(b) + m * perp_part(data.body_pose[b] * model.bodies[b].com -
                                                              p.hip_center).squaredNorm();
    }
    p.com_pelvis = s1 / p.mass_pelvis;
    p.trunk_bodies.clear();
    p.posture_lumbar = -1;
  }

  // muscles
  if (o.muscles.empty()) {
    for (int m = 0; m < model.n_muscles(); ++m) {
      const std::string& g = model.muscles[m].group;
      if ((g == "gluteus_medius" || g == "gluteus_minimus" || g == "tfl") &&
          data.moment_arm(m, p.posture_hip_adduction) < 0.0)
        p.muscles.push_back(m);
    }
    if (p.muscles.empty())
      for (int m = 0; m < model.n_muscles(); ++m)
        if (data.moment_arm(m, p.posture_hip_adduction) < -o.min_abductor_moment_arm) p.muscles.push_back(m);
    need(!p.muscles.empty(), who + "no muscle abducts the stance hip by more than " +
                                 num(o.min_abductor_moment_arm) + " m at the posture");
  } else {
    for (const std::string& n : o.muscles) {
      const int m = model.muscle_index(n);
      need(m >= 0, who + "expected a muscle of the model, got '" + n + "'");
      need(std::abs(data.moment_arm(m, p.posture_hip_adduction)) > 1e-9,
           who + "expected a muscle crossing the stance hip, got '" + n + "' (no adduction moment arm)");
      p.muscles.push_back(m);
    }
  }
  for (int m : p.muscles) {
    p.muscle_names.push_back(model.muscles[m].name);
    p.muscle_parameters.push_back(muscle_tendon_parameters(model.muscles[m]));
    validate(p.muscle_parameters.back());
  }

  // tables over theta
  const int n = p.n_muscles();
  p.table_size = static_cast<int>(std::floor((o.table_max - o.table_min) / o.table_step + 1e-9)) + 1;
  p.table_min = o.table_min;
  p.table_step = o.table_step;
  p.length.resize(p.table_size, n);
  p.moment_arm.resize(p.table_size, n);
  p.unit_force.resize(p.table_size, 3 * n);
  Eigen::VectorXd q = p.posture;
  for (int k = 0; k < p.table_size; ++k) {
    q[p.posture_hip_adduction] = p.hip_adduction0 + p.table_min + k * p.table_step;
    compute_muscle_paths(model, data, q);
    for (int i = 0; i < n; ++i) {
      const int m = p.muscles[i];
      p.length(k, i) = data.muscle_length[m];
      p.moment_arm(k, i) = data.moment_arm(m, p.posture_hip_adduction);
      const MusclePathForces pf = muscle_path_forces(model, data, m);
      Vec3 f = Vec3::Zero();
      for (size_t j = 0; j < pf.points.size(); ++j)
        if (upper[pf.bodies[j]]) f += pf.force[j];
      p.unit_force.block<1, 3>(k, 3 * i) = f.transpose();
    }
  }
  forward_kinematics(model, data, p.posture);
  return p;
}

// ---------------------------------------------------------------- the simulator

namespace {

// Static-optimisation map from effort e (fraction of the nominal maximal
// abduction moment) to excitations u_i = min(1, s c_i): the minimum of
// sum u_i^2 subject to sum c_i u_i = e sum c_i, 0 <= u_i <= 1.
struct EffortMap {
  std::vector<double> c;                // capacities (N m), per muscle
  std::vector<int> order;               // by decreasing capacity
  std::vector<double> sat_sum, unsat_sq;  // per breakpoint k: sum of the k saturated c, sum of the rest's c^2
  double total = 0.0;

  void init(std::vector<double> cap) {
    c = std::move(cap);
    const int n = static_cast<int>(c.size());
    order.resize(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return c[a] > c[b]; });
    total = 0.0;
    for (double x : c) total += x;
    sat_sum.assign(n + 1, 0.0);
    unsat_sq.assign(n + 1, 0.0);
    for (int k = 0; k <= n; ++k) {
      for (int j = 0; j < k; ++j) sat_sum[k] += c[order[j]];
      for (int j = k; j < n; ++j) unsat_sq[k] += c[order[j]] * c[order[j]];
    }
  }
  // scale s for effort e
  double scale(double e) const {
    const int n = static_cast<int>(c.size());
    const double target = std::clamp(e, 0.0, 1.0) * total;
    for (int k = 0; k < n; ++k) {
      const double ck = c[order[k]];
      if (ck <= 0.0) break;
      // moment when muscle order[k] just saturates (s = 1 / ck)
      const double m_at = sat_sum[k] + unsat_sq[k] / ck;
      if (target <= m_at) return unsat_sq[k] > 0 ? (target - sat_sum[k]) / unsat_sq[k] : 0.0;
    }
    // everything saturated
    double cmin = std::numeric_limits<double>::infinity();
    for (double x : c)
      if (x > 0) cmin = std::min(cmin, x);
    return std::isfinite(cmin) ? 1.0 / cmin : 0.0;
  }
  void excitations(double e, double* u) const {
    const double s = scale(e);
    for (size_t i = 0; i < c.size(); ++i) u[i] = std::clamp(s * c[i], 0.0, 1.0);
  }
};

struct History {
  std::vector<double> t, th, om, al;
  size_t begin = 0;
  void push(double ti, double thi, double omi, double ali) {
    if (!t.empty() && ti <= t.back()) {  // replace a point at the same time
      while (t.size() > begin && t.back() >= ti) t.pop_back(), th.pop_back(), om.pop_back(), al.pop_back();
    }
    t.push_back(ti), th.push_back(thi), om.push_back(omi), al.push_back(ali);
  }
  // drop points no longer needed for times >= tmin (keep one before)
  void prune(double tmin) {
    while (begin + 2 < t.size() && t[begin + 1] <= tmin) ++begin;
    if (begin > 4096) {
      t.erase(t.begin(), t.begin() + begin), th.erase(th.begin(), th.begin() + begin);
      om.erase(om.begin(), om.begin() + begin), al.erase(al.begin(), al.begin() + begin);
      begin = 0;
    }
  }
  // cubic Hermite interpolation of theta (with omega) and omega (with alpha)
  void at(double tq, double& thq, double& omq) const {
    if (tq <= t[begin]) {
      thq = th[begin], omq = om[begin];
      return;
    }
    if (tq >= t.back()) {  // cannot happen when steps are capped at the delay; hold the last value
      thq = th.back(), omq = om.back();
      return;
    }
    const size_t k = static_cast<size_t>(std::upper_bound(t.begin() + begin, t.end(), tq) - t.begin()) - 1;
    const double h = t[k + 1] - t[k];
    const double s = (tq - t[k]) / h, s2 = s * s, s3 = s2 * s;
    const double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2, h11 = s3 - s2;
    thq = h00 * th[k] + h10 * h * om[k] + h01 * th[k + 1] + h11 * h * om[k + 1];
    omq = h00 * om[k] + h10 * h * al[k] + h01 * om[k + 1] + h11 * h * al[k + 1];
  }
};

// Everything one simulation needs, evaluated by rhs().
class Simulator {
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
  int n = 0;
  bool lean_dof = false, compliant = false, muscles_on = true;
  int ia = 0, il = 0, nx = 0;  // offsets of activations and fibre lengths
  std::vector<MuscleTendonParameters> mtp;      // at the simulated strength
  std::vector<MuscleTendonParameters> nominal;  // at nominal strength
  std::vector<double> height;                   // m, pennation heights l_opt sin(alpha_opt)
  std::vector<double> lmin;                     // m, shortest fibre lengths
  EffortMap emap;
  double e_ff = 0.0, lean0 = 0.0, lean_ant = 0.0;
  // frontal-plane geometry
  Vec3 u1, u2;
  V2 d1, a, b, g2;
  double m1 = 0, m2 = 0, I1 = 0, I2 = 0;
  // feed-forward effort table (hip hitch), uniform in time
  std::vector<double> ff_table;
  double ff_dt = 0.0;
  // state of the integration
  History hist;
  bool pulse_on = false;
  long rhs_count = 0;
  long steps = 0;
  mutable std::vector<double> ubuf, abuf, fbuf, lbuf;

  Simulator(const PelvisPlant& plant, const PelvisSimulationOptions& opt) : P(plant), O(opt) {
    n = P.n_muscles();
    muscles_on = O.muscles_enabled && n > 0;
    compliant = O.tendon == TendonModel::compliant;
    lean_dof = O.lean_dof && P.has_trunk;
    ia = lean_dof ? 4 : 2;
    il = ia + n;
    nx = il + (compliant ? n : 0);
    for (int i = 0; i < n; ++i) {
      nominal.push_back(P.muscle_parameters[i]);
      mtp.push_back(P.muscle_parameters[i]);
      mtp.back().max_isometric_force *= O.abductor_strength;
      height.push_back(nominal.back().optimal_fiber_length * std::sin(nominal.back().pennation_angle));
      lmin.push_back(min_fiber_length(nominal.back(), O.hill));
    }
    const Vec3& e = P.axis;
    Vec3 up = -P.gravity;
    if (up.norm() < 1e-12) up = Vec3::UnitY();
    up -= up.dot(e) * e;
    if (up.norm() < 1e-9) up = (std::abs(e.y()) < 0.9 ? Vec3::UnitY() : Vec3::UnitZ()) - e * e.y();
    u2 = up.normalized();
    u1 = u2.cross(e);
    auto proj = [&](const Vec3& v) { return V2(v.dot(u1), v.dot(u2)); };
    d1 = proj(P.com_pelvis - P.hip_center);
    m1 = P.mass_pelvis;
    I1 = P.inertia_pelvis_hip;
    if (P.has_trunk) {
      a = proj(P.lumbar_center - P.hip_center);
      b = proj(P.com_trunk - P.lumbar_center);
      m2 = P.mass_trunk;
      I2 = P.inertia_trunk_com;
    } else {
      a = b = V2::Zero();
    }
    g2 = proj(P.gravity);
    // nominal capacities at the posture for the effort map (abductors only)
    std::vector<double> cap(n, 0.0);
    for (int i = 0; i < n; ++i) {
      double L, r;
      P.muscle_geometry(i, 0.0, L, r);
      if (r >= 0) continue;
      const HillState s1 = rigid_tendon_state(nominal[i], O.hill, 1.0, L, 0.0);
      const HillState s0 = rigid_tendon_state(nominal[i], O.hill, 0.0, L, 0.0);
      cap[i] = -r * (s1.tendon_force - s0.tendon_force);
    }
    emap.init(cap);
    ubuf.resize(n), abuf.resize(n), fbuf.resize(n), lbuf.resize(n);
  }

  double hip_q(double th) const { return P.hip_adduction0 + th; }
  double lumbar_q(double la) const { return P.lumbar0 + P.lumbar_sign * la; }

  // gravitational generalized forces -dV/dtheta, -dV/dpsi
  void gravity_terms(double th, double psi, double& g_th, double& g_psi) const {
    g_th = m1 * g2.dot(perp(rot2(d1, th))) + m2 * g2.dot(perp(rot2(a, th)));
    g_psi = m2 * g2.dot(perp(rot2(b, psi)));
  }
  double potential(double th, double psi) const {
    return -m1 * g2.dot(rot2(d1, th)) - m2 * g2.dot(rot2(a, th) + rot2(b, psi));
  }

  double effort_feedforward(double t) const {
    if (ff_table.empty()) return e_ff;
    const double u = t / ff_dt;
    if (u <= 0) return ff_table.front();
    const size_t k = static_cast<size_t>(u);
    if (k + 1 >= ff_table.size()) return ff_table.back();
    const double s = u - static_cast<double>(k);
    return (1 - s) * ff_table[k] + s * ff_table[k + 1];
  }

  void prescribed(double t, double* u) const {
    const ControllerOptions& c = O.controller;
    if (c.prescribed_time.size() == 0) {
      for (int i = 0; i < n; ++i) u[i] = c.prescribed_excitation;
      return;
    }
    const auto& T = c.prescribed_time;
    const int k = static_cast<int>(T.size());
    if (t <= T[0] || k == 1) {
      for (int i = 0; i < n; ++i) u[i] = c.prescribed_excitations(0, i);
      return;
    }
    if (t >= T[k - 1]) {
      for (int i = 0; i < n; ++i) u[i] = c.prescribed_excitations(k - 1, i);
      return;
    }
    const int j = static_cast<int>(std::upper_bound(T.data(), T.data() + k, t) - T.data()) - 1;
    const double s = (t - T[j]) / (T[j + 1] - T[j]);
    for (int i = 0; i < n; ++i)
      u[i] = (1 - s) * c.prescribed_excitations(j, i) + s * c.prescribed_excitations(j + 1, i);
  }

  // Tendon force of muscle i (N) at the given geometry and state.
  // tendon force (N); fibre length (m) and velocity (m/s) into lm, vm
  double muscle_force(int i, const MuscleTendonParameters& m, double act, double L, double vmt, const double* x,
                      double& lm, double& vm) const {
    const double ac = std::clamp(act, 0.0, 1.0);
    if (compliant) {
      const HillState s = compliant_tendon_state(m, O.hill, ac, L, x[il + i]);
      lm = s.fiber_length, vm = s.fiber_velocity;
      return s.tendon_force;
    }
    vm = 0.0;
    return rigid_tendon_force(m, height[i], lmin[i], O.hill, ac, L, vmt, &lm);
  }

  // dx/dt at (t, x); fills `out` when given.
  void rhs(const double* x, double* dx, double t, Out* out = nullptr) {
    ++rhs_count;
    const ControllerOptions& C = O.controller;
    const double th = x[0], om = x[1];
    const double la = lean_dof ? x[2] : lean0;
    const double lad = lean_dof ? x[3] : 0.0;
    const double psi = th - la, psid = om - lad;

    // delayed feedback signal
    double thd = th, omd = om;
    if (C.delay > 0.0) hist.at(t - C.delay, thd, omd);

    // excitations
    double* u = out && out->u ? out->u : ubuf.data();
    double effort = std::numeric_limits<double>::quiet_NaN();
    if (C.kind == ControllerKind::prescribed) {
      prescribed(t, u);
    } else {
      double thr = 0, omr = 0, alr = 0;
      if (O.reference) O.reference(t - C.delay, thr, omr, alr);
      effort = std::clamp(effort_feedforward(t) + C.kp * (thd - thr) + C.kd * (omd - omr), 0.0, 1.0);
      emap.excitations(effort, u);
    }

    // muscles
    double q_mus = 0.0;
    double* fo = out && out->f ? out->f : fbuf.data();
    for (int i = 0; i < n; ++i) {
      double L, r;
      P.muscle_geometry(i, th, L, r);
      const double act = x[ia + i];
      double force = 0.0;
      if (muscles_on) {
        double lm, vm;
        force = muscle_force(i, mtp[i], act, L, -r * om, x, lm, vm);
        if (compliant) dx[il + i] = vm;
        if (out && out->lm) out->lm[i] = lm;
      } else {
        if (compliant) dx[il + i] = 0.0;
        if (out && out->lm) out->lm[i] = std::numeric_limits<double>::quiet_NaN();
      }
      fo[i] = force;
      q_mus += r * force;
      dx[ia + i] = activation_rate(std::clamp(u[i], 0.0, 1.0), act, O.hill);
      if (out && out->a) out->a[i] = act;
    }

    // passive hip, perturbation, lean actuator
    const double q_hip = O.hip_passive.moment(hip_q(th), om);
    const double q_pert = pulse_on ? O.perturbation.torque : 0.0;
    double g_th, g_psi;
    gravity_terms(th, psi, g_th, g_psi);

    double lean_target = lean0, tau_lean = 0.0;
    if (lean_dof) {
      if (C.compensation)
        lean_target = std::clamp(lean0 + C.lean_gain * std::max(thd, 0.0), std::min(0.0, lean0), C.lean_max);
      const double lumbar_passive = P.lumbar_sign * O.lumbar_passive.moment(lumbar_q(la), P.lumbar_sign * lad);
      tau_lean = C.lumbar_stiffness * (lean_target - la) - C.lumbar_damping * lad + lumbar_passive;
      if (C.lumbar_gravity_compensation) {
        // generalized gravity force on the lean is -g_psi; hold it (and the elastic lumbar moment) at the target
        double gt, gp;
        gravity_terms(th, th - lean_target, gt, gp);
        tau_lean += gp - P.lumbar_sign * O.lumbar_passive.moment(lumbar_q(lean_target), 0.0);
      }
    }

    const V2 Ra = rot2(a, th), Rb = rot2(b, psi);
    const double C12 = Ra.dot(Rb), S12 = Ra.dot(perp(Rb));
    const double M11 = I1 + m2 * a.squaredNorm(), M22 = I2 + m2 * b.squaredNorm(), M12 = m2 * C12;
    const double Qth = q_mus + q_hip + q_pert + tau_lean + g_th;
    const double Qpsi = -tau_lean + g_psi;
    const double r1 = Qth - m2 * S12 * psid * psid;
    const double r2 = Qpsi + m2 * S12 * om * om;
    double thdd, psidd;
    if (lean_dof) {
      const double det = M11 * M22 - M12 * M12;
      thdd = (M22 * r1 - M12 * r2) / det;
      psidd = (M11 * r2 - M12 * r1) / det;
      dx[2] = lad;
      dx[3] = thdd - psidd;
    } else {
      thdd = psidd = (r1 + r2) / (M11 + 2 * M12 + M22);
    }
    dx[0] = om;
    dx[1] = thdd;

    if (out) {
      out->effort = effort;
      out->lean_target = lean_target;
      out->muscle_moment = q_mus;
      out->passive_moment = q_hip;
      out->gravity_moment = g_th + g_psi;
      out->lean_torque = tau_lean;
      const double ke = 0.5 * (M11 * om * om + 2 * M12 * om * psid + M22 * psid * psid);
      double pe = potential(th, psi) + O.hip_passive.potential(hip_q(th));
      if (lean_dof) pe += O.lumbar_passive.potential(lumbar_q(la));
      out->energy = ke + pe;
      out->trunk_tilt = la - th;
      // hip contact force: pelvis on the femoral head = m g + muscle pull on the upper body - m a
      const V2 Rd1 = rot2(d1, th);
      const V2 acc = m1 * (thdd * perp(Rd1) - om * om * Rd1) +
                     m2 * (thdd * perp(Ra) - om * om * Ra + psidd * perp(Rb) - psid * psid * Rb);
      Vec3 fm = Vec3::Zero();
      const double ct = std::cos(th), st = std::sin(th);
      for (int i = 0; i < n; ++i)
        if (fo[i] != 0.0) fm += fo[i] * rot3(P.axis, ct, st, P.muscle_unit_force(i, th));
      out->contact = (m1 + m2) * P.gravity + fm - (acc.x() * u1 + acc.y() * u2);
    }
  }
};

// ---------------------------------------------------------------- checks

void check_options(const PelvisPlant& plant, const PelvisSimulationOptions& o) {
  const std::string w = "simulate: ";
  need(finite(o.duration) && o.duration > 0, w + "expected duration_s > 0, got " + num(o.duration));
  need(finite(o.sample_rate) && o.sample_rate > 0, w + "expected sample_hz > 0, got " + num(o.sample_rate));
  need(o.duration * o.sample_rate <= 2e7, w + "expected at most 2e7 samples, got duration * sample rate = " +
                                              num(o.duration * o.sample_rate));
  need(finite(o.abductor_strength) && o.abductor_strength >= 0 && o.abductor_strength <= 1,
       w + "expected abductor_strength in [0, 1], got " + num(o.abductor_strength));
  validate(o.hill);
  for (const PassiveJointMoment* p : {&o.hip_passive, &o.lumbar_passive})
    need(finite(p->k1) && finite(p->k2) && finite(p->k3) && finite(p->k4) && finite(p->q1) && finite(p->q2) &&
             finite(p->damping) && p->damping >= 0 && p->k2 != 0 && p->k4 != 0,
         w + "expected finite passive joint parameters with damping >= 0 and k2, k4 != 0");
  const ControllerOptions& c = o.controller;
  need(finite(c.kp) && finite(c.kd) && c.kp >= 0 && c.kd >= 0,
       w + "expected controller gains kp, kd >= 0, got " + num(c.kp) + ", " + num(c.kd));
  need(finite(c.delay) && c.delay >= 0 && c.delay <= 1.0, w + "expected a neural delay in [0, 1] s, got " + num(c.delay));
  need(finite(c.feedforward) && c.feedforward <= 1, w + "expected feedforward effort <= 1 (< 0: computed), got " +
                                                       num(c.feedforward));
  need(finite(c.prescribed_excitation) && c.prescribed_excitation >= 0 && c.prescribed_excitation <= 1,
       w + "expected prescribed_excitation in [0, 1], got " + num(c.prescribed_excitation));
  if (c.prescribed_time.size() > 0 || c.prescribed_excitations.size() > 0) {
    need(c.prescribed_excitations.rows() == c.prescribed_time.size() &&
             c.prescribed_excitations.cols() == plant.n_muscles(),
         w + "expected prescribed excitations of shape (" + std::to_string(c.prescribed_time.size()) + ", " +
             std::to_string(plant.n_muscles()) + "), got (" + std::to_string(c.prescribed_excitations.rows()) +
             ", " + std::to_string(c.prescribed_excitations.cols()) + ")");
    need(c.prescribed_time.allFinite() && c.prescribed_excitations.allFinite(),
         w + "expected finite prescribed times and excitations");
    need((c.prescribed_excitations.array() >= 0).all() && (c.prescribed_excitations.array() <= 1).all(),
         w + "expected prescribed excitations in [0, 1]");
    for (Eigen::Index k = 1; k < c.prescribed_time.size(); ++k)
      need(c.prescribed_time[k] > c.prescribed_time[k - 1], w + "expected strictly increasing prescribed times");
  }
  need(finite(c.lean_gain) && c.lean_gain >= 0, w + "expected lean_gain >= 0, got " + num(c.lean_gain));
  need(finite(c.lean_max) && c.lean_max >= 0 && c.lean_max < M_PI / 2,
       w + "expected lean_max in [0, 90) deg, got " + num(c.lean_max / kDeg) + " deg");
  need(finite(c.lean_effort) && c.lean_effort > 0 && c.lean_effort <= 1,
       w + "expected lean_effort in (0, 1], got " + num(c.lean_effort));
  need(finite(c.lumbar_stiffness) && finite(c.lumbar_damping) && c.lumbar_stiffness >= 0 && c.lumbar_damping >= 0,
       w + "expected lumbar servo gains >= 0");
  if (c.compensation)
    need(plant.has_trunk && o.lean_dof,
         w + "trunk-lean compensation needs a trunk with a lumbar joint in the model and lean_dof on");
  need(finite(o.perturbation.torque) && finite(o.perturbation.start) && finite(o.perturbation.duration) &&
           o.perturbation.start >= 0 && o.perturbation.duration >= 0,
       w + "expected a finite perturbation with start >= 0 s and duration >= 0 s");
  const IntegratorOptions& g = o.integrator;
  need(finite(g.abs_tol) && finite(g.rel_tol) && g.abs_tol > 0 && g.rel_tol > 0,
       w + "expected integrator tolerances > 0, got " + num(g.abs_tol) + ", " + num(g.rel_tol));
  need(finite(g.max_step) && g.max_step >= 0, w + "expected max_step >= 0 s, got " + num(g.max_step));
  need(finite(g.initial_step) && g.initial_step > 0, w + "expected initial_step > 0 s, got " + num(g.initial_step));
  need(finite(o.initial_obliquity) && finite(o.initial_obliquity_rate) && finite(o.initial_lean) &&
           std::abs(o.initial_obliquity) < M_PI / 2 && std::abs(o.initial_lean) < M_PI / 2,
       w + "expected finite initial obliquity and lean within +-90 deg");
  need(finite(o.initial_activation) && o.initial_activation <= 1,
       w + "expected initial_activation <= 1 (< 0: from the controller), got " + num(o.initial_activation));
  need(finite(o.drop_threshold) && o.drop_threshold > 0,
       w + "expected drop_threshold > 0, got " + num(o.drop_threshold / kDeg) + " deg");
}

// ---------------------------------------------------------------- statics

// Muscle generalized force about e at (theta, v = 0) for effort e, at a given strength.
double static_muscle_moment(const Simulator& S, const std::vector<MuscleTendonParameters>& mtp, double th, double e,
                            std::vector<double>* act, std::vector<double>* force, double omega = 0.0) {
  double ubuf[64];
  std::vector<double> uvec;
  double* u = ubuf;
  if (S.n > 64) uvec.resize(S.n), u = uvec.data();
  S.emap.excitations(e, u);
  double q = 0.0;
  for (int i = 0; i < S.n; ++i) {
    double L, r;
    S.P.muscle_geometry(i, th, L, r);
    double f;
    if (S.compliant) {
      const double lm = equilibrium_fiber_length(mtp[i], S.O.hill, u[i], L);
      f = compliant_tendon_state(mtp[i], S.O.hill, u[i], L, lm).tendon_force;
    } else {
      f = rigid_tendon_force(mtp[i], S.height[i], S.lmin[i], S.O.hill, u[i], L, -r * omega);
    }
    if (!S.muscles_on) f = 0.0;
    q += r * f;
    if (act) (*act)[i] = u[i];
    if (force) (*force)[i] = f;
  }
  return q;
}

// Effort that balances (theta, lean) statically; `extra` adds a generalized force (inertial needs).
StaticEquilibrium static_solve(const Simulator& S, const std::vector<MuscleTendonParameters>& mtp, double th,
                               double lean, double extra = 0.0, double omega = 0.0) {
  StaticEquilibrium r;
  double g_th, g_psi;
  S.gravity_terms(th, th - lean, g_th, g_psi);
  r.gravity_moment = g_th + g_psi;
  r.passive_moment = S.O.hip_passive.moment(S.hip_q(th), omega);
  const double need_q = r.gravity_moment + r.passive_moment - extra;  // muscles must supply -need_q
  auto resid = [&](double e) { return static_muscle_moment(S, mtp, th, e, nullptr, nullptr, omega) + need_q; };
  double e = 0.0;
  if (resid(0.0) <= 0.0) {
    e = 0.0;
    r.feasible = true;
  } else if (resid(1.0) > 0.0) {
    e = 1.0;
    r.feasible = false;
  } else {
    double lo = 0.0, hi = 1.0;
    // the residual is piecewise smooth and decreasing in e: secant steps safeguarded by bisection
    // (Illinois variant of regula falsi: the retained end's value is halved)
    double flo = resid(lo), fhi = resid(hi);
    int side = 0;
    e = 0.5 * (lo + hi);
    for (int it = 0; it < 100 && hi - lo > 1e-14; ++it) {
      e = lo - flo * (hi - lo) / (fhi - flo);
      if (!(e > lo && e < hi)) e = 0.5 * (lo + hi);
      const double fm = resid(e);
      if (std::abs(fm) < 1e-12 * (1.0 + std::abs(need_q))) break;
      if (fm > 0.0) {
        lo = e, flo = fm;
        if (side == 1) fhi *= 0.5;
        side = 1;
      } else {
        hi = e, fhi = fm;
        if (side == -1) flo *= 0.5;
        side = -1;
      }
    }
    r.feasible = true;
  }
  std::vector<double> act(S.n), force(S.n);
  r.effort = e;
  r.muscle_moment = static_muscle_moment(S, mtp, th, e, &act, &force, omega);
  r.residual = r.muscle_moment + need_q;
  r.activation = Eigen::Map<Eigen::VectorXd>(act.data(), S.n);
  r.force = Eigen::Map<Eigen::VectorXd>(force.data(), S.n);
  r.abductor_force = r.force.sum();
  Vec3 fm = Vec3::Zero();
  for (int i = 0; i < S.n; ++i) fm += force[i] * rot3(S.P.axis, th, S.P.muscle_unit_force(i, th));
  r.hip_contact_force = (S.m1 + S.m2) * S.P.gravity + fm;
  return r;
}

// effort needed to hold the level pelvis at a lean, extended beyond 1 by the unmet moment
double required_effort(const Simulator& S, double lean) {
  const StaticEquilibrium r = static_solve(S, S.mtp, 0.0, lean);
  if (r.feasible) return r.effort;
  return 1.0 + r.residual / std::max(S.emap.total * S.O.abductor_strength, 1e-9);
}

double find_compensating_lean(const Simulator& S, double effort) {
  const double lmax = S.O.controller.lean_max;
  if (required_effort(S, 0.0) <= effort) return 0.0;
  if (required_effort(S, lmax) > effort) return lmax;
  double lo = 0.0, hi = lmax;
  for (int it = 0; it < 40; ++it) {  // 30 deg / 2^40: far below any physical meaning
    const double mid = 0.5 * (lo + hi);
    if (required_effort(S, mid) > effort) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

// ---------------------------------------------------------------- integration

namespace odeint = boost::numeric::odeint;
#if BIOMECH_HAVE_ROSENBROCK4
using ublas_vec = boost::numeric::ublas::vector<double>;
using ublas_mat = boost::numeric::ublas::matrix<double>;
#endif

struct Recorder {
  Simulator& S;
  PelvisSimulationResult& R;
  std::vector<double> times;  // sample times
  size_t next = 0;            // next sample index
  double thr;                 // event threshold
  bool event_found = false;
  double max_drop = -std::numeric_limits<double>::infinity(), t_max = 0.0;

  std::vector<double> dx, u, a, f, lm;  // scratch

  void sample(size_t k, const double* x) {
    dx.resize(S.nx), u.resize(S.n), a.resize(S.n), f.resize(S.n), lm.resize(S.n);
    Simulator::Out o;
    o.u = u.data(), o.a = a.data(), o.f = f.data(), o.lm = lm.data();
    S.rhs(x, dx.data(), times[k], &o);
    --S.rhs_count;  // samples are not integrator work
    R.time[k] = times[k];
    R.obliquity[k] = x[0];
    R.obliquity_rate[k] = x[1];
    R.lean[k] = S.lean_dof ? x[2] : S.lean0;
    R.lean_rate[k] = S.lean_dof ? x[3] : 0.0;
    R.hip_adduction[k] = S.hip_q(x[0]);
    R.effort[k] = o.effort;
    for (int i = 0; i < S.n; ++i) {
      R.excitation(k, i) = S.muscles_on ? std::clamp(u[i], 0.0, 1.0) : 0.0;
      R.activation(k, i) = a[i];
      R.force(k, i) = f[i];
      R.fiber_length(k, i) = lm[i];
    }
    R.abductor_force[k] = R.force.row(k).sum();
    R.muscle_moment[k] = o.muscle_moment;
    R.passive_moment[k] = o.passive_moment;
    R.gravity_moment[k] = o.gravity_moment;
    R.lean_torque[k] = o.lean_torque;
    R.hip_contact_force.row(k) = o.contact.transpose();
    R.hip_contact_force_bw[k] = o.contact.norm() / S.P.body_weight;
    R.energy[k] = o.energy;
    R.trunk_tilt[k] = o.trunk_tilt;
    if (x[0] > max_drop) max_drop = x[0], t_max = times[k];
  }
};

template <class State>
const double* data_of(const State& x) {
  return &x[0];
}

// Drives a dense-output stepper over [0, T] in segments between the breakpoints.
template <class Stepper, class System, class State>
void run(Simulator& S, Recorder& rec, Stepper& stepper, System system, State x, const std::vector<double>& breaks,
         double T) {
  const PelvisSimulationOptions& O = S.O;
  const double delay = O.controller.delay;
  State xs = x;
  std::vector<double> dx(S.nx);
  auto push_history = [&](double t, const double* xp) {
    if (delay <= 0.0) return;
    S.rhs(xp, dx.data(), t);
    S.hist.push(t, xp[0], xp[1], dx[1]);
    S.hist.prune(t - delay - 1e-12);
  };
  push_history(0.0, data_of(x));
  // the t = 0 sample
  rec.sample(0, data_of(x));
  rec.next = 1;
  double th_prev = x[0];
  double t0 = 0.0;
  bool stop = false;
  for (size_t sgi = 0; sgi <= breaks.size() && !stop; ++sgi) {
    const double t1 = sgi < breaks.size() ? breaks[sgi] : T;
    if (t1 <= t0) continue;
    const double tm = 0.5 * (t0 + t1);
    S.pulse_on = O.perturbation.torque != 0.0 && tm >= O.perturbation.start &&
                 tm < O.perturbation.start + O.perturbation.duration;
    double dt0 = std::min(O.integrator.initial_step, t1 - t0);
    stepper.initialize(x, t0, dt0);
    while (true) {
      const std::pair<double, double> span = stepper.do_step(system);
      ++S.steps;
      const double ta = span.first, tb = span.second;
      const double tend = std::min(tb, t1);
      double th_end;
      if (tb <= t1) {
        th_end = stepper.current_state()[0];
      } else {
        stepper.calc_state(tend, xs);
        th_end = xs[0];
      }
      // event: first upward crossing of the threshold, located by bisection on the dense output
      double t_event = -1.0;
      if (!rec.event_found && th_prev <= rec.thr && th_end > rec.thr) {
        double lo = ta, hi = tend;
        for (int it = 0; it < 100 && hi - lo > 1e-12; ++it) {
          const double mid = 0.5 * (lo + hi);
          stepper.calc_state(mid, xs);
          if (xs[0] > rec.thr) hi = mid; else lo = mid;
        }
        t_event = 0.5 * (lo + hi);
        rec.event_found = true;
        rec.R.event_time = t_event;
      }
      if (th_end > rec.max_drop) rec.max_drop = th_end, rec.t_max = tend;
      th_prev = th_end;
      const double t_stop = (t_event >= 0 && O.stop_at_event) ? t_event : tend;
      while (rec.next < rec.times.size() && rec.times[rec.next] <= t_stop + 1e-12) {
        stepper.calc_state(std::min(rec.times[rec.next], tend), xs);
        rec.sample(rec.next, data_of(xs));
        ++rec.next;
      }
      if (t_event >= 0 && O.stop_at_event) {
        rec.R.stopped_at_event = true;
        stop = true;
        break;
      }
      if (tb >= t1) {
        stepper.calc_state(t1, x);
        push_history(t1, data_of(x));
        break;
      }
      push_history(tb, data_of(stepper.current_state()));
    }
    t0 = t1;
  }
}

}  // namespace

// ---------------------------------------------------------------- public entry points

namespace {

// Feed-forward effort along a reference motion: the static and inertial
// moment the reference needs (inverse dynamics of the plant, lean held),
// turned into effort at nominal strength, then led by the activation time
// constant so that activations, not excitations, follow it.
void build_feedforward_table(Simulator& S) {
  const PelvisSimulationOptions& O = S.O;
  const double dt = 0.005;
  const int k = static_cast<int>(std::ceil(O.duration / dt)) + 2;
  std::vector<double> e(k);
  double g_th, g_psi;
  const V2 Ra = rot2(S.a, 0.0), Rb = rot2(S.b, -S.lean0);
  const double m_eff = S.I1 + S.m2 * S.a.squaredNorm() + 2 * S.m2 * Ra.dot(Rb) + S.I2 + S.m2 * S.b.squaredNorm();
  (void)g_th, (void)g_psi;
  for (int i = 0; i < k; ++i) {
    double th, om, al;
    O.reference(i * dt, th, om, al);
    e[i] = static_solve(S, S.nominal, th, S.lean0, m_eff * al, om).effort;
  }
  S.ff_table.resize(k);
  for (int i = 0; i < k; ++i) {
    const double de = (e[std::min(i + 1, k - 1)] - e[std::max(i - 1, 0)]) / (dt * (i == 0 || i == k - 1 ? 1 : 2));
    const double tau = de > 0 ? O.hill.activation_time * (0.5 + 1.5 * e[i]) : O.hill.deactivation_time / (0.5 + 1.5 * e[i]);
    S.ff_table[i] = std::clamp(e[i] + tau * de, 0.0, 1.0);
  }
  S.ff_dt = dt;
}

}  // namespace

StaticEquilibrium static_equilibrium(const PelvisPlant& plant, const PelvisSimulationOptions& options, double obliquity,
                                     double lean) {
  check_options(plant, options);
  need(finite(obliquity) && finite(lean), "static_equilibrium: expected a finite obliquity and lean");
  Simulator S(plant, options);
  return static_solve(S, S.mtp, obliquity, plant.has_trunk ? lean : 0.0);
}

double compensating_lean(const PelvisPlant& plant, const PelvisSimulationOptions& options, double effort) {
  check_options(plant, options);
  need(plant.has_trunk, "compensating_lean: the model has no trunk with a lumbar joint");
  need(finite(effort) && effort > 0 && effort <= 1, "compensating_lean: expected an effort in (0, 1], got " + num(effort));
  Simulator S(plant, options);
  return find_compensating_lean(S, effort);
}

PelvisSimulationResult simulate(const PelvisPlant& plant, const PelvisSimulationOptions& O) {
  check_options(plant, O);
  Simulator S(plant, O);
  const ControllerOptions& C = O.controller;
  const int n = S.n;

  // lean and feed-forward
  S.lean0 = S.lean_dof || plant.has_trunk ? O.initial_lean : 0.0;
  if (C.compensation) {
    const double lean_needed = find_compensating_lean(S, C.lean_effort);
    S.lean_ant = std::max(lean_needed - O.initial_lean, 0.0);
    S.lean0 = O.initial_lean + S.lean_ant;
  }
  if (C.kind == ControllerKind::feedback) {
    if (O.reference && C.feedforward < 0) {
      build_feedforward_table(S);
      S.e_ff = S.ff_table.front();
    } else {
      S.e_ff = C.feedforward >= 0 ? C.feedforward : static_solve(S, S.nominal, 0.0, S.lean0).effort;
    }
  }

  // initial state
  std::vector<double> x0(S.nx, 0.0);
  x0[0] = O.initial_obliquity;
  x0[1] = O.initial_obliquity_rate;
  if (S.lean_dof) x0[2] = S.lean0, x0[3] = 0.0;
  std::vector<double> u0(n, 0.0);
  if (O.initial_activation >= 0) {
    std::fill(u0.begin(), u0.end(), O.initial_activation);
  } else if (C.kind == ControllerKind::prescribed) {
    S.prescribed(0.0, u0.data());
  } else {
    double thr = 0, omr = 0, alr = 0;
    if (O.reference) O.reference(0.0, thr, omr, alr);
    const double e0 = std::clamp(S.effort_feedforward(0.0) + C.kp * (x0[0] - thr) + C.kd * (x0[1] - omr), 0.0, 1.0);
    S.emap.excitations(e0, u0.data());
  }
  for (int i = 0; i < n; ++i) {
    x0[S.ia + i] = std::clamp(u0[i], 0.0, 1.0);
    if (S.compliant) {
      double L, r;
      plant.muscle_geometry(i, x0[0], L, r);
      x0[S.il + i] = equilibrium_fiber_length(S.mtp[i], O.hill, x0[S.ia + i], L);
    }
  }
  if (C.delay > 0.0) S.hist.push(0.0, x0[0], x0[1], 0.0);  // pre-history; replaced at t = 0 below

  // samples and result arrays
  PelvisSimulationResult R;
  const size_t ns = static_cast<size_t>(std::floor(O.duration * O.sample_rate + 1e-9)) + 1;
  Recorder rec{S, R, std::vector<double>(ns), 0, O.drop_threshold, false, -std::numeric_limits<double>::infinity(), 0.0, {}, {}, {}, {}, {}};
  for (size_t k = 0; k < ns; ++k) rec.times[k] = static_cast<double>(k) / O.sample_rate;
  auto vec = [&](Eigen::VectorXd& v) { v.setZero(ns); };
  for (Eigen::VectorXd* v : {&R.time, &R.obliquity, &R.obliquity_rate, &R.lean, &R.lean_rate, &R.trunk_tilt,
                             &R.hip_adduction, &R.effort, &R.abductor_force, &R.muscle_moment, &R.passive_moment,
                             &R.gravity_moment, &R.lean_torque, &R.hip_contact_force_bw, &R.energy})
    vec(*v);
  for (Eigen::MatrixXd* m : {&R.excitation, &R.activation, &R.force, &R.fiber_length}) m->setZero(ns, n);
  R.hip_contact_force.setZero(ns, 3);
  R.muscle_names = plant.muscle_names;
  R.notes = plant.notes;
  R.body_weight = plant.body_weight;
  R.drop_threshold = O.drop_threshold;

  std::vector<double> breaks;
  if (O.perturbation.torque != 0.0 && O.perturbation.duration > 0.0)
    for (double b : {O.perturbation.start, O.perturbation.start + O.perturbation.duration})
      if (b > 0.0 && b < O.duration) breaks.push_back(b);
  std::sort(breaks.begin(), breaks.end());

  double max_dt = O.integrator.max_step;
  if (C.delay > 0.0) max_dt = max_dt > 0.0 ? std::min(max_dt, C.delay) : C.delay;
  IntegratorMethod method = O.integrator.method;
  if (O.integrator.method_from_tendon)
    method = S.compliant ? IntegratorMethod::rosenbrock4 : IntegratorMethod::dopri5;
  if (method == IntegratorMethod::rosenbrock4 && !BIOMECH_HAVE_ROSENBROCK4) {
    method = IntegratorMethod::dopri5;
    R.notes.push_back("rosenbrock4 is not available with this Boost (uBLAS before 1.81 does not compile as C++20); "
                      "integrated with dopri5, correct but slow for stiff compliant tendons");
  }
  R.integrator = method == IntegratorMethod::dopri5 ? "dopri5" : "rosenbrock4";

  if (method == IntegratorMethod::dopri5) {
    using state = std::vector<double>;
    auto stepper = odeint::make_dense_output(O.integrator.abs_tol, O.integrator.rel_tol, max_dt,
                                             odeint::runge_kutta_dopri5<state>());
    auto sys = [&S](const state& x, state& dx, double t) { S.rhs(x.data(), dx.data(), t); };
    run(S, rec, stepper, sys, x0, breaks, O.duration);
  } else {
#if BIOMECH_HAVE_ROSENBROCK4
    ublas_vec x(S.nx);
    for (int i = 0; i < S.nx; ++i) x[i] = x0[i];
    auto sys = [&S](const ublas_vec& xv, ublas_vec& dx, double t) { S.rhs(&xv[0], &dx[0], t); };
    // finite-difference Jacobian and time derivative (forward differences)
    auto jac = [&S](const ublas_vec& xv, ublas_mat& J, double t, ublas_vec& dfdt) {
      const int m = S.nx;
      std::vector<double> xp(xv.begin(), xv.end()), f0(m), f1(m);
      S.rhs(xp.data(), f0.data(), t);
      for (int j = 0; j < m; ++j) {
        const double h = 1e-7 * std::max(1.0, std::abs(xp[j]));
        const double keep = xp[j];
        xp[j] = keep + h;
        S.rhs(xp.data(), f1.data(), t);
        xp[j] = keep;
        for (int i = 0; i < m; ++i) J(i, j) = (f1[i] - f0[i]) / h;
      }
      const double ht = 1e-7 * std::max(1.0, std::abs(t));
      S.rhs(xp.data(), f1.data(), t + ht);
      for (int i = 0; i < m; ++i) dfdt[i] = (f1[i] - f0[i]) / ht;
    };
    auto stepper = odeint::make_dense_output(O.integrator.abs_tol, O.integrator.rel_tol, max_dt,
                                             odeint::rosenbrock4<double>());
    run(S, rec, stepper, std::make_pair(sys, jac), x, breaks, O.duration);
#endif
  }

  // truncate when stopped early
  const Eigen::Index m = static_cast<Eigen::Index>(rec.next);
  if (m < static_cast<Eigen::Index>(ns)) {
    for (Eigen::VectorXd* v : {&R.time, &R.obliquity, &R.obliquity_rate, &R.lean, &R.lean_rate, &R.trunk_tilt,
                               &R.hip_adduction, &R.effort, &R.abductor_force, &R.muscle_moment, &R.passive_moment,
                               &R.gravity_moment, &R.lean_torque, &R.hip_contact_force_bw, &R.energy})
      v->conservativeResize(m);
    for (Eigen::MatrixXd* mm : {&R.excitation, &R.activation, &R.force, &R.fiber_length})
      mm->conservativeResize(m, Eigen::NoChange);
    R.hip_contact_force.conservativeResize(m, Eigen::NoChange);
  }

  // summary
  R.max_drop = rec.max_drop;
  R.time_of_max_drop = rec.t_max;
  const double t_last = R.time[m - 1];
  double so = 0.0, sf = 0.0;
  int cnt = 0;
  for (Eigen::Index k = 0; k < m; ++k)
    if (R.time[k] >= 0.9 * t_last) so += R.obliquity[k], sf += R.abductor_force[k], ++cnt;
  R.steady_obliquity = so / cnt;
  R.steady_abductor_force = sf / cnt;
  R.final_lean = R.lean[m - 1];
  R.peak_hip_contact_force_bw = R.hip_contact_force_bw.head(m).maxCoeff();
  R.trendelenburg_positive = R.max_drop > O.drop_threshold;
  R.feedforward_effort = S.e_ff;
  R.anticipatory_lean = S.lean_ant;
  R.steps = S.steps;
  R.rhs_evaluations = S.rhs_count;
  return R;
}

PelvisSimulationResult simulate_stance(const PelvisPlant& plant, double abductor_strength, double duration,
                                 double sample_rate, bool compensation, PelvisSimulationOptions options) {
  options.abductor_strength = abductor_strength;
  options.duration = duration;
  options.sample_rate = sample_rate;
  options.controller.compensation = compensation;
  return simulate(plant, options);
}

PelvisSimulationResult simulate_hip_hitch(const PelvisPlant& plant, const HipHitchOptions& h, PelvisSimulationOptions options) {
  need(finite(h.amplitude) && h.amplitude > 0 && h.amplitude < 0.5 * M_PI,
       "simulate_hip_hitch: expected an amplitude in (0, 90) deg, got " + num(h.amplitude / kDeg) + " deg");
  need(finite(h.period) && h.period > 0, "simulate_hip_hitch: expected a period > 0 s, got " + num(h.period));
  need(h.repetitions >= 1 && h.repetitions <= 1000,
       "simulate_hip_hitch: expected 1 to 1000 repetitions, got " + std::to_string(h.repetitions));
  need(options.controller.kind == ControllerKind::feedback,
       "simulate_hip_hitch: the hip hitch needs the feedback controller");
  const double A = h.amplitude, T = h.period, tr = 0.25 * T, tm = h.repetitions * T;
  // theta_ref = A w(t) sin(2 pi t / T): drop first, then hike; w ramps 0 -> 1 over tr with
  // sin^2 and back to 0 over the last tr, so the motion starts and ends at rest
  options.reference = [A, T, tr, tm](double t, double& th, double& om, double& al) {
    if (t <= 0.0 || t >= tm) {
      th = om = al = 0.0;
      return;
    }
    double w = 1.0, dw = 0.0, ddw = 0.0;
    const double k = M_PI / (2.0 * tr);
    auto ramp = [&](double s, double sign) {  // sin^2(k s) and its derivatives in t (s = t or tm - t)
      w = std::sin(k * s) * std::sin(k * s);
      dw = sign * k * std::sin(2 * k * s);
      ddw = 2 * k * k * std::cos(2 * k * s);
    };
    if (t < tr) ramp(t, 1.0);
    else if (t > tm - tr) ramp(tm - t, -1.0);
    const double wv = 2 * M_PI / T;
    const double s = std::sin(wv * t), c = std::cos(wv * t);
    th = A * w * s;
    om = A * (dw * s + w * wv * c);
    al = A * (ddw * s + 2 * dw * wv * c - w * wv * wv * s);
  };
  options.duration = tm + 1.0;
  return simulate(plant, options);
}

}  // namespace biomech
