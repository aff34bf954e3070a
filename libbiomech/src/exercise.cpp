// Exercise mechanics: trajectory -> posture, body motion by central differences
// of forward kinematics, known loads (weights, bands, pushes), contact
// reactions from whole-body statics, per-leg static optimisation, EMG-style
// activation and hip contact force. Schema and rules: docs/exercise_file.md.
#include "biomech/exercise.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <set>

#include "biomech/errors.hpp"
#include "biomech/inverse_dynamics.hpp"
#include "biomech/kinematics.hpp"
#include "biomech/muscle_path.hpp"
#include "biomech/strength.hpp"

namespace biomech {
namespace {

constexpr double kRad2Deg = 180.0 / M_PI;

std::string fmt(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

// Errors found against a model name the exercise file and field when there is one.
[[noreturn]] void fail(const Exercise& ex, const std::string& field, const std::string& msg) {
  auto it = ex.field_line.find(field);
  if (!ex.file.empty() && it != ex.field_line.end()) throw FileError(ex.file, it->second, field, msg);
  if (!ex.file.empty()) throw FileError(ex.file, 0, field, msg);
  throw InvalidArgument("exercise '" + ex.id + "', " + field + ": " + msg);
}

// Minimum-jerk blend s(u), u in [0, 1], and its first two derivatives in u.
inline void min_jerk(double u, double& s, double& ds, double& dds) {
  u = std::clamp(u, 0.0, 1.0);
  const double u2 = u * u, u3 = u2 * u;
  s = u3 * (10.0 - 15.0 * u + 6.0 * u2);
  ds = 30.0 * u2 * (1.0 - 2.0 * u + u2);
  dds = 60.0 * u * (1.0 - 3.0 * u + 2.0 * u2);
}

// How a name in the file maps onto the posture vector.
struct NameMap {
  int posture_index = -1;
  double scale = 1.0;   // model value = scale * file value
  std::string model_name;
};

bool is_root_coordinate(const Model& model, int coord) {
  for (const Joint& j : model.joints) {
    if (j.parent >= 0) continue;
    for (const auto& ax : j.rotations)
      if (ax.coordinate == coord) return true;
    for (const auto& ax : j.translations)
      if (ax.coordinate == coord) return true;
  }
  return false;
}

NameMap map_name(const Model& model, const Exercise& ex, const std::string& name, const std::string& field) {
  NameMap m;
  std::string target = name;
  double scale = 1.0;
  bool knee_alias = false;
  if (name.rfind("knee_flexion_", 0) == 0) {
    target = "knee_angle_" + name.substr(13);
    knee_alias = true;
  } else if (name.rfind("hip_abduction_", 0) == 0) {
    target = "hip_adduction_" + name.substr(14);
    scale = -1.0;
  }
  const int ci = model.coordinate_index(target);
  if (ci < 0) {
    std::string close;
    for (const auto& n : model.coordinate_names())
      if (n.substr(0, 4) == target.substr(0, 4)) close += (close.empty() ? "" : ", ") + n;
    fail(ex, field, "unknown coordinate '" + name + "' for model '" + model.name + "'" +
                        (close.empty() ? "" : " (similar: " + close + ")"));
  }
  if (model.posture_index[ci] < 0) fail(ex, field, "coordinate '" + target + "' is coupled to another; set its driver");
  if (knee_alias) {
    const std::string side = name.substr(13);
    if (side != "r" && side != "l") fail(ex, field, "expected knee_flexion_r or knee_flexion_l, got '" + name + "'");
    scale = hip_coordinates(model, side[0]).knee_flexion_sign;
  }
  m.posture_index = model.posture_index[ci];
  m.scale = scale;
  m.model_name = target;
  return m;
}

// The trajectory, resolved against a model.
struct Trajectory {
  Eigen::VectorXd base;                 // (nq) posture outside keyframed coordinates
  std::vector<double> times;            // keyframe times
  std::vector<int> coords;              // posture indices that move
  Eigen::MatrixXd knots;                // (times x coords) values at keyframes

  void eval(double t, Eigen::VectorXd& q, Eigen::VectorXd* qd, Eigen::VectorXd* qdd) const {
    q = base;
    if (qd) qd->setZero(base.size());
    if (qdd) qdd->setZero(base.size());
    if (times.size() < 2) return;
    size_t k = 0;
    if (t <= times.front()) {
      k = 0;
    } else if (t >= times.back()) {
      k = times.size() - 2;
    } else {
      k = static_cast<size_t>(std::upper_bound(times.begin(), times.end(), t) - times.begin()) - 1;
    }
    const double T = times[k + 1] - times[k];
    double s, ds, dds;
    min_jerk((t - times[k]) / T, s, ds, dds);
    for (size_t c = 0; c < coords.size(); ++c) {
      const double a = knots(k, c), d = knots(k + 1, c) - a;
      q[coords[c]] = a + d * s;
      if (qd) (*qd)[coords[c]] = d * ds / T;
      if (qdd) (*qdd)[coords[c]] = d * dds / (T * T);
    }
  }
};

Trajectory build_trajectory(const Model& model, const Exercise& ex, bool check_ranges) {
  Trajectory tr;
  tr.base = model.default_posture();
  std::map<int, std::string> field_of;  // posture index -> a field that sets it (for errors)
  auto check = [&](int pi, double v, const std::string& field, const std::string& model_name) {
    if (!check_ranges) return;
    const int ci = model.independent[pi];
    if (is_root_coordinate(model, ci)) return;  // the body's orientation to gravity is free
    const Coordinate& c = model.coordinates[ci];
    const double tol = 1e-9;
    if (v < c.range_min - tol || v > c.range_max + tol) {
      const double k = c.rotational ? kRad2Deg : 1.0;
      const char* unit = c.rotational ? " deg" : " m";
      fail(ex, field, model_name + " = " + fmt(v * k) + unit + " is outside the joint range [" + fmt(c.range_min * k) +
                          ", " + fmt(c.range_max * k) + "]" + unit + " of model '" + model.name + "'");
    }
  };
  for (const auto& [name, v] : ex.motion.posture) {
    const bool is_deg = ex.field_line.count("motion.posture_deg." + name) > 0;
    const std::string field = (is_deg ? "motion.posture_deg." : "motion.posture_m.") + name;
    const NameMap m = map_name(model, ex, name, field);
    tr.base[m.posture_index] = m.scale * v;
    check(m.posture_index, tr.base[m.posture_index], field, m.model_name);
  }
  const auto& kfs = ex.motion.keyframes;
  if (kfs.empty()) return tr;
  std::map<int, int> col;  // posture index -> column
  std::vector<std::vector<std::pair<size_t, double>>> set_at;  // per column: (keyframe, value)
  for (size_t k = 0; k < kfs.size(); ++k) {
    tr.times.push_back(kfs[k].time);
    for (const auto& [name, v] : kfs[k].value) {
      const std::string pre = "motion.keyframes[" + std::to_string(k) + "].";
      const std::string field = (ex.field_line.count(pre + "deg." + name) ? pre + "deg." : pre + "m.") + name;
      const NameMap m = map_name(model, ex, name, field);
      auto [it, inserted] = col.emplace(m.posture_index, static_cast<int>(col.size()));
      if (inserted) set_at.emplace_back();
      set_at[it->second].push_back({k, m.scale * v});
      check(m.posture_index, m.scale * v, field, m.model_name);
    }
  }
  tr.coords.resize(col.size());
  for (const auto& [pi, c] : col) tr.coords[c] = pi;
  tr.knots.resize(static_cast<Eigen::Index>(kfs.size()), static_cast<Eigen::Index>(col.size()));
  for (size_t c = 0; c < tr.coords.size(); ++c) {
    double v = tr.base[tr.coords[c]];
    size_t next = 0;
    for (size_t k = 0; k < kfs.size(); ++k) {
      if (next < set_at[c].size() && set_at[c][next].first == k) v = set_at[c][next++].second;
      tr.knots(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(c)) = v;
    }
  }
  return tr;
}

// Balance gains resolved onto posture indices.
struct BalanceMap {
  std::vector<std::pair<int, double>> sagittal, frontal;  // (posture index, gain)
  bool active() const { return !sagittal.empty() || !frontal.empty(); }
};

BalanceMap build_balance(const Model& model, const Exercise& ex) {
  BalanceMap b;
  for (const auto& [name, gain] : ex.balance.sagittal) {
    const NameMap m = map_name(model, ex, name, "balance.sagittal." + name);
    b.sagittal.push_back({m.posture_index, m.scale * gain});
  }
  for (const auto& [name, gain] : ex.balance.frontal) {
    const NameMap m = map_name(model, ex, name, "balance.frontal." + name);
    b.frontal.push_back({m.posture_index, m.scale * gain});
  }
  return b;
}

// A body point resolved to (body index, location in the body frame).
struct ResolvedPoint {
  int body = -1;
  Vec3 local = Vec3::Zero();
};

ResolvedPoint resolve_point(const Model& model, const Exercise& ex, const Data& neutral, const BodyPoint& p,
                            const std::string& field) {
  ResolvedPoint r;
  r.body = model.body_index(p.body);
  if (r.body < 0) {
    std::string names;
    for (const Body& b : model.bodies) names += (names.empty() ? "" : ", ") + b.name;
    fail(ex, field + ".body", "unknown body '" + p.body + "' (model '" + model.name + "' has " + names + ")");
  }
  const Eigen::Isometry3d to_body = neutral.body_pose[r.body].inverse();
  auto landmark_local = [&](const std::string& name, const std::string& f) {
    const int li = model.landmark_index(name);
    if (li < 0) {
      std::string names;
      for (const Landmark& l : model.landmarks) names += (names.empty() ? "" : ", ") + l.name;
      fail(ex, f, "unknown landmark '" + name + "' (model '" + model.name + "' has " + names + ")");
    }
    const Landmark& l = model.landmarks[li];
    return Vec3(to_body * (neutral.body_pose[l.body] * l.location));
  };
  if (!p.landmark.empty()) {
    r.local = landmark_local(p.landmark, field + ".landmark");
    if (!p.landmark_to.empty())
      r.local += p.fraction * (landmark_local(p.landmark_to, field + ".to") - r.local);
  }
  r.local += p.offset_m + p.offset_h * model.subject.height;
  return r;
}

// Posture indices of the coordinates between body b and the root (the root's own excluded).
std::vector<int> chain_coordinates(const Model& model, int body) {
  std::vector<int> out;
  for (int b = body; b >= 0;) {
    const Joint& j = model.joints[model.bodies[b].joint];
    if (j.parent < 0) break;
    for (const auto* axes : {&j.rotations, &j.translations})
      for (const auto& ax : *axes)
        if (ax.coordinate >= 0) {
          int ci = ax.coordinate;
          if (model.coordinates[ci].driver >= 0) ci = model.coordinates[ci].driver;
          const int pi = model.posture_index[ci];
          if (pi >= 0 && std::find(out.begin(), out.end(), pi) == out.end()) out.push_back(pi);
        }
    b = j.parent;
  }
  return out;
}

std::vector<int> root_coordinates(const Model& model) {
  std::vector<int> out;
  for (int pi = 0; pi < model.nq(); ++pi)
    if (is_root_coordinate(model, model.independent[pi])) out.push_back(pi);
  return out;
}

// Lumped monoarticular knee actuators, used when the model has no muscle that
// crosses the knee without crossing the hip (the hip models carry only hip
// muscles): maximal knee moments from gait2392's maximal isometric forces
// (Delp et al. 1990; vasti 1294 + 1365 + 1871 N; biceps femoris short head
// 804 N and gastrocnemii 1113 + 488 N as in gait2392_simbody.osim; the
// Thelen 2003 variant of the file has gastrocnemii 1558 + 683 N) times knee
// moment arms at mid-range. OpenSim 4.6 on gait2392 at 30 deg knee flexion:
// vasti 4.4-4.6 cm (4.5 used); biceps femoris short head 3.2 cm, gastrocnemii
// 2.1 cm, force-weighted 2.5 cm (2 cm used: the flexor capacity is on the low side).
constexpr double kKneeExtensorMaxMoment = 4530.0 * 0.045;  // N m, ~204
constexpr double kKneeFlexorMaxMoment = 2405.0 * 0.02;     // N m, ~48

// The groups whose %MVIC is reported per frame: gluteus medius anterior,
// middle, posterior and whole (LegResult::gmed_percent_mvic), then TFL.
constexpr std::array<std::pair<const char*, const char*>, 5> kReportedGroups{{
    {"gluteus_medius", "anterior"}, {"gluteus_medius", "middle"}, {"gluteus_medius", "posterior"},
    {"gluteus_medius", ""}, {"tfl", ""}}};

struct LegSetup {
  char side = 'r';
  std::string role;
  std::array<int, 4> dof{-1, -1, -1, -1};   // posture indices: hip flexion, adduction, rotation, knee
  int n_dofs = 4;
  int hip_joint = -1;
  std::vector<int> muscles;                 // model indices
  bool lumped_knee = false;
  int knee_sign = 1;                        // model knee coordinate per unit of flexion
};

LegSetup setup_leg(const Model& model, const Exercise& ex, const AnalysedLeg& leg, size_t li) {
  LegSetup s;
  s.side = leg.side;
  s.role = leg.role;
  const std::string sfx(1, leg.side);
  const std::string field = "legs[" + std::to_string(li) + "].side";
  HipCoordinates hc;
  try {
    hc = hip_coordinates(model, leg.side);
  } catch (const InvalidArgument& e) {
    fail(ex, field, e.what());
  }
  if (hc.knee < 0) fail(ex, field, "model '" + model.name + "' has no coordinate knee_angle_" + sfx);
  s.dof = {hc.flexion, hc.adduction, hc.rotation, hc.knee};
  const int hip_ci = model.independent[hc.flexion];
  for (size_t j = 0; j < model.joints.size(); ++j)
    for (const auto& ax : model.joints[j].rotations)
      if (ax.coordinate == hip_ci) s.hip_joint = static_cast<int>(j);
  s.knee_sign = hc.knee_flexion_sign > 0 ? 1 : -1;
  // Muscles of this side that cross the hip (a hip moment arm at the default
  // posture), and whether any muscle of the side crosses only the knee.
  Data data(model);
  compute_muscle_paths(model, data, model.default_posture());
  bool knee_only = false;
  for (int m = 0; m < model.n_muscles(); ++m) {
    if (model.muscles[m].side != leg.side) continue;
    double hip = 0.0;
    for (int k = 0; k < 3; ++k) hip = std::max(hip, std::abs(data.moment_arm(m, s.dof[k])));
    const double knee = std::abs(data.moment_arm(m, s.dof[3]));
    if (hip > 1e-6) s.muscles.push_back(m);
    else if (knee > 1e-6) knee_only = true;
  }
  if (s.muscles.empty()) fail(ex, field, "model '" + model.name + "' has no muscle crossing the hip on side " + sfx);
  if (knee_only) {
    // The knee's own muscles are in the model: balance the knee with all of them.
    for (int m = 0; m < model.n_muscles(); ++m)
      if (model.muscles[m].side == leg.side && std::abs(data.moment_arm(m, s.dof[3])) > 1e-6 &&
          std::find(s.muscles.begin(), s.muscles.end(), m) == s.muscles.end())
        s.muscles.push_back(m);
  } else {
    s.lumped_knee = true;
  }
  return s;
}

struct Frame {
  std::vector<ExternalLoad> loads;  // every load on the body this frame (known + contacts)
};

}  // namespace

double Exercise::repetition_duration() const {
  if (motion.keyframes.empty()) return Dose::mid(dose.hold_s);
  return motion.keyframes.back().time - motion.keyframes.front().time;
}

Eigen::VectorXd exercise_times(const Exercise& ex) {
  if (ex.is_static()) return Eigen::VectorXd::Zero(1);
  const double T = ex.repetition_duration();
  const int n = std::max(2, static_cast<int>(std::ceil(T * ex.motion.sample_rate_hz - 1e-9)) + 1);
  return Eigen::VectorXd::LinSpaced(n, 0.0, T);
}

void exercise_posture(const Model& model, const Exercise& ex, double t, Eigen::VectorXd& q, Eigen::VectorXd* qdot,
                      Eigen::VectorXd* qddot) {
  if (!std::isfinite(t)) throw InvalidArgument("exercise_posture: expected a finite time, got " + fmt(t));
  build_trajectory(model, ex, false).eval(t, q, qdot, qddot);
}

void check_exercise(const Model& model, const Exercise& ex) {
  build_trajectory(model, ex, true);
  build_balance(model, ex);
  Data neutral(model);
  forward_kinematics(model, neutral, model.default_posture());
  for (const ContactSpec& c : ex.contacts) {
    resolve_point(model, ex, neutral, c.point, "contacts." + c.name + ".point");
    if (c.kind == ContactSpec::Kind::support && model.body_index(c.on_body) < 0)
      fail(ex, "contacts." + c.name + ".on_body", "unknown body '" + c.on_body + "'");
  }
  for (const LoadSpec& l : ex.loads) {
    resolve_point(model, ex, neutral, l.point, "loads." + l.name + (l.kind == LoadSpec::Kind::band ? ".a" : ".point"));
    if (l.kind == LoadSpec::Kind::band) resolve_point(model, ex, neutral, l.point_b, "loads." + l.name + ".b");
  }
  for (size_t i = 0; i < ex.legs.size(); ++i) setup_leg(model, ex, ex.legs[i], i);
}

namespace {
// After balancing, a joint coordinate may leave its range: say so.
void check_frame_ranges(const Model& model, const Exercise& ex, const Eigen::VectorXd& q, double t) {
  if (!ex.balance.over.size()) return;
  for (int pi = 0; pi < model.nq(); ++pi) {
    const int ci = model.independent[pi];
    if (is_root_coordinate(model, ci)) continue;
    const Coordinate& c = model.coordinates[ci];
    if (q[pi] < c.range_min - 1e-9 || q[pi] > c.range_max + 1e-9)
      fail(ex, "balance", "balancing moves " + c.name + " to " + fmt(q[pi] * kRad2Deg) + " deg at t = " + fmt(t) +
                              " s, outside the joint range of model '" + model.name + "'");
  }
}
}  // namespace

SimulationResult simulate(const Model& model, Data& data, const Exercise& ex, const SimulateOptions& opt) {
  check_fields(opt, "simulate");
  const Trajectory traj = build_trajectory(model, ex, true);
  const int nq = model.nq();
  const int nb = static_cast<int>(model.bodies.size());
  const double g = model.gravity.norm();
  const double body_weight = model.total_mass() * g;

  forward_kinematics(model, data, model.default_posture());
  // Resolve every point against the neutral posture.
  std::vector<ResolvedPoint> contact_pt, load_a, load_b;
  std::vector<int> contact_on;
  for (const ContactSpec& c : ex.contacts) {
    contact_pt.push_back(resolve_point(model, ex, data, c.point, "contacts." + c.name + ".point"));
    int on = -1;
    if (c.kind == ContactSpec::Kind::support) {
      on = model.body_index(c.on_body);
      if (on < 0) fail(ex, "contacts." + c.name + ".on_body", "unknown body '" + c.on_body + "'");
    }
    contact_on.push_back(on);
  }
  for (const LoadSpec& l : ex.loads) {
    load_a.push_back(resolve_point(model, ex, data, l.point, "loads." + l.name + (l.kind == LoadSpec::Kind::band ? ".a" : ".point")));
    load_b.push_back(l.kind == LoadSpec::Kind::band ? resolve_point(model, ex, data, l.point_b, "loads." + l.name + ".b")
                                                    : ResolvedPoint{});
  }
  std::vector<LegSetup> legs;
  for (size_t i = 0; i < ex.legs.size(); ++i) legs.push_back(setup_leg(model, ex, ex.legs[i], i));

  const Eigen::VectorXd times = exercise_times(ex);
  const int n = static_cast<int>(times.size());
  const std::vector<int> root = root_coordinates(model);
  const int nc = static_cast<int>(ex.contacts.size());
  const int nl = static_cast<int>(ex.loads.size());

  // Band rest lengths: given, or the length in the first frame less pretension / k.
  std::vector<double> rest(nl, 0.0);
  {
    Eigen::VectorXd q0;
    traj.eval(times[0], q0, nullptr, nullptr);
    forward_kinematics(model, data, q0);
    for (int i = 0; i < nl; ++i) {
      const LoadSpec& l = ex.loads[i];
      if (l.kind != LoadSpec::Kind::band) continue;
      if (l.rest_length_m >= 0) {
        rest[i] = l.rest_length_m;
      } else {
        const double L0 = (point_in_ground(data, load_a[i].body, load_a[i].local) -
                           point_in_ground(data, load_b[i].body, load_b[i].local)).norm();
        rest[i] = l.stiffness_n_per_m > 0 ? std::max(0.0, L0 - l.pretension_n / l.stiffness_n_per_m) : L0;
      }
    }
  }

  // Weights, pushes and bands at the posture in `d` (forward kinematics done);
  // magnitudes go to row `frame` of res.load_magnitude when frame >= 0.
  SimulationResult res;
  auto known_loads = [&](const Data& d, double t, std::vector<ExternalLoad>& loads, int frame) {
    loads.clear();
    for (int i = 0; i < nl; ++i) {
      const LoadSpec& l = ex.loads[i];
      if (!l.active.contains(t)) continue;
      const Vec3 pa = point_in_ground(d, load_a[i].body, load_a[i].local);
      double mag = 0.0;
      if (l.kind == LoadSpec::Kind::weight) {
        loads.push_back({load_a[i].body, pa, l.mass_kg * model.gravity, Vec3::Zero()});
        mag = l.mass_kg * g;
      } else if (l.kind == LoadSpec::Kind::push) {
        mag = l.force_n + l.force_bw * body_weight;
        loads.push_back({load_a[i].body, pa, mag * l.direction, Vec3::Zero()});
      } else {
        const Vec3 pb = point_in_ground(d, load_b[i].body, load_b[i].local);
        const Vec3 dv = pb - pa;
        const double L = dv.norm();
        mag = l.stiffness_n_per_m * std::max(0.0, L - rest[i]);
        if (mag > 0 && L > 1e-12) {
          loads.push_back({load_a[i].body, pa, mag * dv / L, Vec3::Zero()});
          loads.push_back({load_b[i].body, pb, -mag * dv / L, Vec3::Zero()});
        }
      }
      if (frame >= 0) res.load_magnitude(frame, i) = mag;
    }
  };

  // Static balance: the posture at t with the balance coordinates moved so
  // that the balance contact's free moment about the horizontal ground axes
  // vanishes (Newton on 1-2 unknowns, finite-difference Jacobian).
  const BalanceMap bal = build_balance(model, ex);
  int bal_contact = -1;
  for (int c = 0; c < nc; ++c)
    if (ex.contacts[c].name == ex.balance.over) bal_contact = c;
  Data bd(model);
  std::vector<ExternalLoad> bal_loads;
  std::vector<Vec3> bal_f, bal_m;
  auto free_moment = [&](const Eigen::VectorXd& qb, double t) {
    forward_kinematics(model, bd, qb);
    known_loads(bd, t, bal_loads, -1);
    body_inertial_loads(model, bd, {}, bal_f, bal_m);
    Vec3 F = Vec3::Zero(), M = Vec3::Zero();
    for (int b = 0; b < nb; ++b) F += bal_f[b], M += bal_m[b];
    for (const ExternalLoad& l : bal_loads) F -= l.force, M -= l.point.cross(l.force) + l.moment;
    const Vec3 P = point_in_ground(bd, contact_pt[bal_contact].body, contact_pt[bal_contact].local);
    return Vec3(M - P.cross(F));
  };
  auto posture_at = [&](double t, Eigen::VectorXd& qb) {
    traj.eval(t, qb, nullptr, nullptr);
    if (!bal.active()) return;
    std::vector<const std::vector<std::pair<int, double>>*> dirs;
    std::vector<int> axis;  // free-moment component each direction zeroes
    if (!bal.sagittal.empty()) dirs.push_back(&bal.sagittal), axis.push_back(2);
    if (!bal.frontal.empty()) dirs.push_back(&bal.frontal), axis.push_back(0);
    const int k = static_cast<int>(dirs.size());
    const Eigen::VectorXd q0 = qb;
    Eigen::VectorXd x = Eigen::VectorXd::Zero(k);
    auto apply = [&](const Eigen::VectorXd& xv) {
      Eigen::VectorXd qq = q0;
      for (int j = 0; j < k; ++j)
        for (const auto& [pi, gain] : *dirs[j]) qq[pi] += gain * xv[j];
      return qq;
    };
    auto residual = [&](const Eigen::VectorXd& xv) {
      const Vec3 M = free_moment(apply(xv), t);
      Eigen::VectorXd r(k);
      for (int j = 0; j < k; ++j) r[j] = M[axis[j]];
      return r;
    };
    Eigen::VectorXd r = residual(x);
    for (int it = 0; it < 30 && r.norm() > 1e-8; ++it) {
      Eigen::MatrixXd J(k, k);
      for (int j = 0; j < k; ++j) {
        Eigen::VectorXd xp = x;
        xp[j] += 1e-6;
        J.col(j) = (residual(xp) - r) / 1e-6;
      }
      Eigen::VectorXd step = J.colPivHouseholderQr().solve(-r);
      // damped: no step larger than 0.2 rad
      if (step.cwiseAbs().maxCoeff() > 0.2) step *= 0.2 / step.cwiseAbs().maxCoeff();
      x += step;
      r = residual(x);
    }
    if (r.norm() > 1e-6)
      fail(ex, "balance", "cannot balance over '" + ex.balance.over + "' at t = " + fmt(t) + " s (free moment " +
                              fmt(r.norm()) + " N m left)");
    qb = apply(x);
  };

  res.exercise_id = ex.id;
  res.body_mass = model.total_mass();
  res.time = times;
  res.posture.resize(n, nq);
  for (const auto& c : ex.contacts) res.contact_names.push_back(c.name);
  for (const auto& l : ex.loads) res.load_names.push_back(l.name);
  res.contact_force = Eigen::MatrixXd::Zero(n, 3 * nc);
  res.contact_moment = Eigen::MatrixXd::Zero(n, 3 * nc);
  res.load_magnitude = Eigen::MatrixXd::Zero(n, nl);
  res.root_residual = Eigen::VectorXd::Zero(n);
  res.contact_tension.assign(n, false);

  // Per-leg outputs and MVIC references.
  Data fd(model);  // scratch: the MVIC tests, then the finite-difference postures
  std::vector<MvicReference> mvic;
  std::vector<std::array<bool, kReportedGroups.size()>> reported;  // per leg: does the model have the group
  for (size_t li = 0; li < legs.size(); ++li) {
    const LegSetup& s = legs[li];
    LegResult lr;
    lr.side = s.side;
    lr.role = s.role;
    for (int m : s.muscles) {
      lr.actuators.push_back(model.muscles[m].name);
      lr.muscle_index.push_back(m);
    }
    if (s.lumped_knee) {
      for (const char* name : {"knee_extensors_lumped_", "knee_flexors_lumped_"}) {
        lr.actuators.push_back(name + std::string(1, s.side));
        lr.muscle_index.push_back(-1);
      }
    }
    for (int k = 0; k < 4; ++k) lr.dofs.push_back(model.coordinates[model.independent[s.dof[k]]].name);
    lr.knee_flexion_sign = s.knee_sign;
    const int na = static_cast<int>(lr.actuators.size());
    lr.moment.resize(n, 4);
    lr.activation.resize(n, na);
    lr.force.resize(n, na);
    lr.reserve.resize(n, 4);
    lr.residual.resize(n, 4);
    lr.percent_mvic.resize(n, na);
    lr.gmed_percent_mvic.resize(n, 4);
    lr.tfl_percent_mvic.resize(n);
    lr.hip_contact_force.resize(n, 3);
    lr.hip_contact_force_bw.resize(n);
    lr.converged.assign(n, false);
    res.legs.push_back(std::move(lr));
    mvic.push_back(mvic_test(model, fd, s.side));
    // A group the model lacks (a test model, an imported model without
    // segment labels) reports NaN rather than failing the whole exercise.
    std::array<bool, kReportedGroups.size()> has{};
    for (size_t g = 0; g < kReportedGroups.size(); ++g)
      has[g] = has_muscle_group(model, s.side, kReportedGroups[g].first, kReportedGroups[g].second);
    reported.push_back(has);
  }

  const double h = opt.time_step_fd_s;
  const bool moving = !ex.is_static();
  std::vector<BodyMotion> motion;
  std::vector<Vec3> com[5];
  std::vector<Mat3> rot[5];
  RecruitmentWorkspace work;
  RecruitmentResult rr;
  Eigen::VectorXd q;

  for (int f = 0; f < n; ++f) {
    const double t = times[f];
    // Body motion by central differences of forward kinematics at t-2h..t+2h.
    motion.clear();
    if (moving) {
      for (int k = 0; k < 5; ++k) {
        Eigen::VectorXd qk;
        posture_at(t + (k - 2) * h, qk);
        forward_kinematics(model, fd, qk);
        com[k].resize(nb);
        rot[k].resize(nb);
        for (int b = 0; b < nb; ++b) {
          com[k][b] = fd.body_pose[b] * model.bodies[b].com;
          rot[k][b] = fd.body_pose[b].linear();
        }
      }
      motion.resize(nb);
      auto omega = [&](int k, int b) {  // angular velocity at sample k (1..3), in ground
        const Mat3 W = (rot[k + 1][b] - rot[k - 1][b]) / (2 * h) * rot[k][b].transpose();
        return Vec3(0.5 * (W(2, 1) - W(1, 2)), 0.5 * (W(0, 2) - W(2, 0)), 0.5 * (W(1, 0) - W(0, 1)));
      };
      for (int b = 0; b < nb; ++b) {
        motion[b].com_acceleration = (com[3][b] - 2 * com[2][b] + com[1][b]) / (h * h);
        motion[b].angular_velocity = omega(2, b);
        motion[b].angular_acceleration = (omega(3, b) - omega(1, b)) / (2 * h);
      }
    }
    posture_at(t, q);
    check_frame_ranges(model, ex, q, t);
    res.posture.row(f) = q.transpose();
    forward_kinematics(model, data, q);
    compute_muscle_paths(model, data, q);

    // Known loads.
    std::vector<ExternalLoad> loads;
    known_loads(data, t, loads, f);
    const Eigen::VectorXd tau_free = generalized_forces(model, data, motion, {});
    Eigen::VectorXd tau = generalized_forces(model, data, motion, loads);
    auto unit_effect = [&](const ExternalLoad& l) {
      return Eigen::VectorXd(generalized_forces(model, data, motion, {l}) - tau_free);
    };

    // Supports between bodies: the push (>= 0) that minimises the squared joint
    // moments of the supported limb.
    for (int c = 0; c < nc; ++c) {
      const ContactSpec& cs = ex.contacts[c];
      if (cs.kind != ContactSpec::Kind::support || !cs.active.contains(t)) continue;
      const Vec3 p = point_in_ground(data, contact_pt[c].body, contact_pt[c].local);
      const ExternalLoad on_limb{contact_pt[c].body, p, cs.normal, Vec3::Zero()};
      const ExternalLoad on_base{contact_on[c], p, -cs.normal, Vec3::Zero()};
      const Eigen::VectorXd gvec = unit_effect(on_limb) + unit_effect(on_base);
      double gg = 0.0, gt = 0.0;
      for (int pi : chain_coordinates(model, contact_pt[c].body)) {
        gg += gvec[pi] * gvec[pi];
        gt += gvec[pi] * tau[pi];
      }
      const double push = gg > 0 ? std::max(0.0, -gt / gg) : 0.0;
      tau += push * gvec;
      loads.push_back({contact_pt[c].body, p, push * cs.normal, Vec3::Zero()});
      loads.push_back({contact_on[c], p, -push * cs.normal, Vec3::Zero()});
      res.contact_force.block<1, 3>(f, 3 * c) = (push * cs.normal).transpose();
    }

    // Ground contacts: minimum-norm reactions that cancel the root's
    // generalized forces (whole-body statics, with inertia). Unknowns are
    // force components (N) and free moments scaled by a 5 cm lever, so a free
    // moment costs as much as a force 20 times its size. Contacts push only:
    // while a solution pulls on some contact, the most pulling one is released
    // (it lifts off) and the rest re-solved, as long as the others can still
    // balance the body; otherwise the pulling solution is kept and flagged.
    constexpr double kMomentLever = 0.05;  // m
    const int nr = static_cast<int>(root.size());
    std::vector<char> released(nc, 0);
    Eigen::VectorXd tau_before = tau;
    Eigen::VectorXd cf, cm;  // (3 nc) chosen reactions
    for (;;) {
      std::vector<std::array<int, 3>> unknowns;  // (contact, is_moment, axis)
      for (int c = 0; c < nc; ++c) {
        const ContactSpec& cs = ex.contacts[c];
        if (cs.kind == ContactSpec::Kind::support || !cs.active.contains(t) || released[c]) continue;
        for (int k = 0; k < 3; ++k) unknowns.push_back({c, 0, k});
        if (cs.kind == ContactSpec::Kind::ground_flat)
          for (int k = 0; k < 3; ++k) unknowns.push_back({c, 1, k});
      }
      const int nx = static_cast<int>(unknowns.size());
      Eigen::VectorXd tau_try = tau_before;
      Eigen::VectorXd f_try = Eigen::VectorXd::Zero(3 * nc), m_try = Eigen::VectorXd::Zero(3 * nc);
      if (nx > 0) {
        Eigen::MatrixXd G(nq, nx);
        for (int j = 0; j < nx; ++j) {
          const auto& u = unknowns[j];
          const Vec3 p = point_in_ground(data, contact_pt[u[0]].body, contact_pt[u[0]].local);
          ExternalLoad l{contact_pt[u[0]].body, p, Vec3::Zero(), Vec3::Zero()};
          if (u[1]) l.moment = kMomentLever * Vec3::Unit(u[2]);
          else l.force = Vec3::Unit(u[2]);
          G.col(j) = unit_effect(l);
        }
        Eigen::MatrixXd A(nr, nx);
        Eigen::VectorXd b(nr);
        for (int r = 0; r < nr; ++r) {
          A.row(r) = G.row(root[r]);
          b[r] = -tau_before[root[r]];
        }
        const Eigen::VectorXd x = A.completeOrthogonalDecomposition().solve(b);
        tau_try += G * x;
        for (int j = 0; j < nx; ++j) {
          const auto& u = unknowns[j];
          (u[1] ? m_try : f_try)[3 * u[0] + u[2]] = (u[1] ? kMomentLever : 1.0) * x[j];
        }
      }
      double resid_try = 0.0;
      for (int r : root) resid_try += tau_try[r] * tau_try[r];
      const bool balanced = std::sqrt(resid_try) < 1e-6 * body_weight;
      if (cf.size() && !balanced) break;  // releasing more would leave the body unbalanced: keep the last
      cf = f_try;
      cm = m_try;
      tau = tau_try;
      // the most pulling contact
      int worst = -1;
      double worst_push = -1e-6 * body_weight;
      for (int c = 0; c < nc; ++c) {
        const ContactSpec& cs = ex.contacts[c];
        if (cs.kind == ContactSpec::Kind::support || !cs.active.contains(t) || released[c]) continue;
        const double push = Vec3(cf.segment<3>(3 * c)).dot(cs.normal);
        if (push < worst_push) worst_push = push, worst = c;
      }
      if (worst < 0 || !balanced) break;
      released[worst] = 1;
    }
    for (int c = 0; c < nc; ++c) {
      const ContactSpec& cs = ex.contacts[c];
      if (cs.kind == ContactSpec::Kind::support || !cs.active.contains(t) || released[c]) continue;
      const Vec3 F = cf.segment<3>(3 * c), M = cm.segment<3>(3 * c);
      res.contact_force.block<1, 3>(f, 3 * c) = F.transpose();
      res.contact_moment.block<1, 3>(f, 3 * c) = M.transpose();
      loads.push_back({contact_pt[c].body, point_in_ground(data, contact_pt[c].body, contact_pt[c].local), F, M});
      if (F.dot(cs.normal) < -1e-6 * body_weight) res.contact_tension[f] = true;
    }
    double resid = 0.0;
    for (int r : root) resid += tau[r] * tau[r];
    res.root_residual[f] = std::sqrt(resid);

    // Recruitment per analysed leg, and the hip contact force.
    std::vector<Vec3> inertial_f, inertial_m;
    body_inertial_loads(model, data, motion, inertial_f, inertial_m);
    const Eigen::VectorXd fmax = effective_max_force(model, data);  // strength at the posture
    for (size_t li = 0; li < legs.size(); ++li) {
      const LegSetup& s = legs[li];
      LegResult& lr = res.legs[li];
      const int nm = static_cast<int>(s.muscles.size());
      const int na = static_cast<int>(lr.actuators.size());
      Eigen::MatrixXd R(4, na);
      Eigen::VectorXd F(na), tau_leg(4);
      for (int i = 0; i < nm; ++i) {
        for (int k = 0; k < 4; ++k) R(k, i) = data.moment_arm(s.muscles[i], s.dof[k]);
        F[i] = fmax[s.muscles[i]];
      }
      if (s.lumped_knee) {
        // unit "moment arm" on the knee row, signed so that extension / flexion
        // act in the model's knee coordinate; F is the maximal moment (N m).
        R.col(nm).setZero();
        R.col(nm + 1).setZero();
        R(3, nm) = -s.knee_sign;      // extensors: negative flexion
        R(3, nm + 1) = s.knee_sign;
        F[nm] = kKneeExtensorMaxMoment;
        F[nm + 1] = kKneeFlexorMaxMoment;
      }
      for (int k = 0; k < 4; ++k) tau_leg[k] = tau[s.dof[k]];
      solve_recruitment(R, F, tau_leg, opt.recruitment, work, rr);
      lr.moment.row(f) = tau_leg.transpose();
      lr.activation.row(f) = rr.activation.transpose();
      lr.force.row(f) = rr.force.transpose();
      lr.reserve.row(f) = rr.reserve.transpose();
      lr.residual.row(f) = (tau_leg - R * rr.force - rr.reserve).transpose();
      lr.converged[f] = rr.converged;

      // EMG-style activation: activation / the model's MVIC test activation.
      Eigen::VectorXd act_all = Eigen::VectorXd::Zero(model.n_muscles());
      for (int i = 0; i < nm; ++i) act_all[s.muscles[i]] = rr.activation[i];
      const Eigen::VectorXd pm = percent_mvic(mvic[li], act_all);
      for (int i = 0; i < na; ++i)
        lr.percent_mvic(f, i) = i < nm ? pm[s.muscles[i]] : std::numeric_limits<double>::quiet_NaN();
      Eigen::Matrix<double, kReportedGroups.size(), 1> gp;
      for (size_t g = 0; g < kReportedGroups.size(); ++g)
        gp[g] = reported[li][g] ? group_percent_mvic(model, mvic[li], act_all, kReportedGroups[g].first,
                                                     kReportedGroups[g].second)
                                : std::numeric_limits<double>::quiet_NaN();
      lr.gmed_percent_mvic.row(f) = gp.head<4>().transpose();
      lr.tfl_percent_mvic[f] = gp[4];

      // Hip contact force: every muscle tension of this leg (others zero; they
      // do not act on this leg's subtree).
      Eigen::VectorXd tension = Eigen::VectorXd::Zero(model.n_muscles());
      for (int i = 0; i < nm; ++i) tension[s.muscles[i]] = rr.force[i];
      std::vector<Vec3> mf, mm;
      muscle_loads_on_bodies(model, data, tension, mf, mm);
      const Vec3 J = joint_reaction_force(model, data, s.hip_joint, inertial_f, loads, mf);
      lr.hip_contact_force.row(f) = J.transpose();
      lr.hip_contact_force_bw[f] = J.norm() / body_weight;
    }
  }
  return res;
}

std::vector<ExerciseSummary> summarize(const Exercise& ex, const SimulationResult& r) {
  std::vector<ExerciseSummary> out;
  const double reps = Dose::mid(ex.dose.reps);
  for (const LegResult& lr : r.legs) {
    ExerciseSummary s;
    s.exercise_id = r.exercise_id;
    s.side = lr.side;
    s.role = lr.role;
    const int n = static_cast<int>(r.time.size());
    const auto peak = [&](int k) { return lr.gmed_percent_mvic.col(k).maxCoeff(); };
    const auto mean = [&](int k) { return lr.gmed_percent_mvic.col(k).mean(); };
    s.gmed_anterior_peak_percent_mvic = peak(0), s.gmed_anterior_mean_percent_mvic = mean(0);
    s.gmed_middle_peak_percent_mvic = peak(1), s.gmed_middle_mean_percent_mvic = mean(1);
    s.gmed_posterior_peak_percent_mvic = peak(2), s.gmed_posterior_mean_percent_mvic = mean(2);
    s.gmed_peak_percent_mvic = peak(3), s.gmed_mean_percent_mvic = mean(3);
    s.tfl_peak_percent_mvic = lr.tfl_percent_mvic.maxCoeff();
    s.tfl_mean_percent_mvic = lr.tfl_percent_mvic.mean();
    s.gmed_tfl_ratio = s.tfl_mean_percent_mvic > 0 ? s.gmed_mean_percent_mvic / s.tfl_mean_percent_mvic
                                                   : std::numeric_limits<double>::infinity();
    s.peak_hip_contact_force_bw = lr.hip_contact_force_bw.maxCoeff();
    const Eigen::VectorXd abd = -lr.moment.col(1);  // abduction moment = -adduction generalized force
    s.peak_abduction_moment_nm_per_kg = abd.maxCoeff() / r.body_mass;
    s.max_reserve_nm = lr.reserve.cwiseAbs().maxCoeff();
    s.time_under_tension_s = reps * ex.repetition_duration();
    double impulse = 0.0;
    if (n == 1) {
      impulse = std::max(0.0, abd[0]) * ex.repetition_duration();
    } else {
      for (int f = 1; f < n; ++f)
        impulse += 0.5 * (std::max(0.0, abd[f]) + std::max(0.0, abd[f - 1])) * (r.time[f] - r.time[f - 1]);
    }
    s.abductor_impulse_nms = reps * impulse;
    out.push_back(s);
  }
  return out;
}

}  // namespace biomech
