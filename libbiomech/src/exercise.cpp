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
#include <map>
#include <stdexcept>
#include <string_view>

#include "biomech/errors.hpp"
#include "biomech/hip.hpp"
#include "biomech/hill_muscle.hpp"
#include "biomech/inverse_dynamics.hpp"
#include "biomech/kinematics.hpp"
#include "biomech/muscle.hpp"
#include "biomech/muscle_path.hpp"
#include "biomech/pelvis_plant.hpp"
#include "biomech/q_angle.hpp"
#include "biomech/seesaw.hpp"
#include "biomech/strength.hpp"
#include "internal.hpp"

namespace biomech {
namespace {

using internal::fmt;
using internal::kRad2Deg;

// Errors found against a model name the exercise file and field when there is
// one, at the line of the field or else of its nearest noted parent.
[[noreturn]] void fail(const Exercise& ex, const std::string& field, const std::string& msg) {
  if (ex.file.empty()) throw InvalidArgument("exercise '" + ex.id + "', " + field + ": " + msg);
  for (std::string f = field; !f.empty();) {
    auto it = ex.field_line.find(f);
    if (it != ex.field_line.end()) throw FileError(ex.file, it->second, field, msg);
    const auto cut = f.find_last_of(".[");
    f = cut == std::string::npos ? "" : f.substr(0, cut);
  }
  throw FileError(ex.file, 0, field, msg);
}

// Checks `v` of `field` against the kExerciseBounds entry named `bound`.
void check_bound(const Exercise& ex, std::string_view bound, const std::string& field, double v) {
  for (const FieldInfo& b : kExerciseBounds)
    if (b.name == bound) {
      if (!(std::isfinite(v) && v >= b.min && v <= b.max))
        fail(ex, field, "expected " + detail::bounds_text(b) + ", got " + fmt(v));
      return;
    }
  throw std::logic_error("check_bound: no exercise bound named " + std::string(bound));
}

void check_point_bounds(const Exercise& ex, const BodyPoint& p, const std::string& field) {
  check_bound(ex, "[].fraction", field + ".fraction", p.fraction);
  for (int k = 0; k < 3; ++k) {
    check_bound(ex, "[].offset_m", field + ".offset_m", p.offset_m[k]);
    check_bound(ex, "[].offset_h", field + ".offset_h", p.offset_h[k]);
  }
}

// Every number of the exercise within kExerciseBounds (before anything is
// sized by them: frames, loads, forces).
void check_exercise_bounds(const Exercise& ex) {
  check_bound(ex, "motion.sample_rate_hz", "motion.sample_rate_hz", ex.motion.sample_rate_hz);
  for (size_t i = 0; i < ex.motion.keyframes.size(); ++i)
    check_bound(ex, "motion.keyframes[].t_s", "motion.keyframes[" + std::to_string(i) + "].t_s",
                ex.motion.keyframes[i].time);
  for (int k = 0; k < 2; ++k) {
    check_bound(ex, "dose.sets", "dose.sets", ex.dose.sets[k]);
    check_bound(ex, "dose.reps", "dose.reps", ex.dose.reps[k]);
    check_bound(ex, "dose.hold_s", "dose.hold_s", ex.dose.hold_s[k]);
    check_bound(ex, "dose.rest_s", "dose.rest_s", ex.dose.rest_s[k]);
  }
  for (const ContactSpec& c : ex.contacts) check_point_bounds(ex, c.point, "contacts." + c.name + ".point");
  for (const LoadSpec& l : ex.loads) {
    const std::string f = "loads." + l.name;
    check_bound(ex, "loads[].mass_kg", f + ".mass_kg", l.mass_kg);
    check_bound(ex, "loads[].stiffness_n_per_m", f + ".stiffness_n_per_m", l.stiffness_n_per_m);
    check_bound(ex, "loads[].rest_length_m", f + ".rest_length_m", l.rest_length_m);
    check_bound(ex, "loads[].pretension_n", f + ".pretension_n", l.pretension_n);
    check_bound(ex, "loads[].force_n", f + ".force_n", l.force_n);
    check_bound(ex, "loads[].force_bw", f + ".force_bw", l.force_bw);
    check_point_bounds(ex, l.point, f + (l.kind == LoadSpec::Kind::band ? ".a" : ".point"));
    if (l.kind == LoadSpec::Kind::band) check_point_bounds(ex, l.point_b, f + ".b");
  }
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

// One balance entry resolved: its contact and gains on posture indices.
struct BalanceMap {
  int contact = -1;                                       // index into Exercise::contacts
  std::vector<std::pair<int, double>> sagittal, frontal;  // (posture index, gain)
};

std::vector<BalanceMap> build_balance(const Model& model, const Exercise& ex) {
  std::vector<BalanceMap> out;
  for (size_t i = 0; i < ex.balance.size(); ++i) {
    const Balance& bal = ex.balance[i];
    const std::string f = "balance[" + std::to_string(i) + "]";
    BalanceMap b;
    for (size_t c = 0; c < ex.contacts.size(); ++c)
      if (ex.contacts[c].name == bal.over) b.contact = static_cast<int>(c);
    for (const auto& [name, gain] : bal.sagittal) {
      const NameMap m = map_name(model, ex, name, f + ".sagittal." + name);
      b.sagittal.push_back({m.posture_index, m.scale * gain});
    }
    for (const auto& [name, gain] : bal.frontal) {
      const NameMap m = map_name(model, ex, name, f + ".frontal." + name);
      b.frontal.push_back({m.posture_index, m.scale * gain});
    }
    out.push_back(std::move(b));
  }
  return out;
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
      // an imported .osim has no landmarks: say where they come from instead of listing none
      fail(ex, f, "unknown landmark '" + name + "' (model '" + model.name + "' " +
                      (names.empty() ? "has no landmarks; give them in a model file, docs/model_file.md \"Landmarks\""
                                     : "has " + names) + ")");
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
// The capacities follow the strength of the model's own thigh muscles (scaling.hpp):
// the extensors like the rectus femoris (gait2392: 1169 N), the flexors like the
// long head of biceps femoris (896 N), when the model has them.
constexpr double kKneeExtensorMaxMoment = 4530.0 * 0.045;  // N m, ~204 at gait2392's strength
constexpr double kKneeFlexorMaxMoment = 2405.0 * 0.02;     // N m, ~48
constexpr double kRectusFemorisForce = 1169.0;             // N, gait2392
constexpr double kBicepsFemorisLongHeadForce = 896.0;      // N, gait2392

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
  double knee_extensor_max = 0.0;           // N m, lumped actuators' capacities
  double knee_flexor_max = 0.0;
  int knee_sign = 1;                        // model knee coordinate per unit of flexion
  // frontal plane
  int femur = -1;                           // the leg's subtree starts here
  double leg_weight = 0.0;                  // N, weight of the subtree
  std::vector<int> abductors;               // positions in `muscles` of the hip abductors (abductor_muscles)
  std::vector<int> quadriceps;              // positions in `muscles` of the rectus femoris and vasti
  bool has_q_landmarks = false;             // asis, patella centre, tibial tuberosity of this side
  // passive frontal-plane hip tissue other than the fibres the simulation models (simulate sets it:
  // hip_passive_tissue of pelvis_plant.hpp, of the leg's muscles when passive_fiber_force is on)
  PassiveJointMoment hip_tissue = PassiveJointMoment::none();
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
  s.hip_joint = hc.joint;
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
  s.femur = model.joints[s.hip_joint].child;
  for (size_t b = 0; b < model.bodies.size(); ++b)
    if (is_in_subtree(model, static_cast<int>(b), s.femur)) s.leg_weight += model.bodies[b].mass * model.gravity.norm();
  s.has_q_landmarks = model.landmark_index("asis_" + sfx) >= 0 && model.landmark_index("patella_centre_" + sfx) >= 0 &&
                      model.landmark_index("tibial_tuberosity_" + sfx) >= 0;
  if (knee_only) {
    // The knee's own muscles are in the model: balance the knee with all of them.
    for (int m = 0; m < model.n_muscles(); ++m)
      if (model.muscles[m].side == leg.side && std::abs(data.moment_arm(m, s.dof[3])) > 1e-6 &&
          std::find(s.muscles.begin(), s.muscles.end(), m) == s.muscles.end())
        s.muscles.push_back(m);
  } else {
    s.lumped_knee = true;
    const LumpedKnee k = lumped_knee(model, leg.side);
    s.knee_extensor_max = k.extensor_max_moment;
    s.knee_flexor_max = k.flexor_max_moment;
  }
  const std::vector<int> abd = abductor_muscles(model, leg.side);
  for (size_t i = 0; i < s.muscles.size(); ++i) {
    const Muscle& mu = model.muscles[s.muscles[i]];
    if (std::find(abd.begin(), abd.end(), s.muscles[i]) != abd.end()) s.abductors.push_back(static_cast<int>(i));
    if (mu.group == "rectus_femoris" || mu.group.rfind("vast", 0) == 0) s.quadriceps.push_back(static_cast<int>(i));
  }
  return s;
}

// Everything simulate() resolves once against the model: the trajectory and
// balance, the body points of contacts and loads, the analysed legs.
struct ExerciseSetup {
  Trajectory trajectory;
  std::vector<BalanceMap> balance;                // one per contact that carries the body alone
  std::vector<double> balance_switch;             // s, the window ends of the balanced contacts (phase changes)
  double t_first = 0.0, t_last = 0.0;             // s, the repetition (keyframe span)
  std::vector<ResolvedPoint> contact_point;       // per contact
  std::vector<int> contact_on;                    // per contact: the body a support pushes against (-1: ground)
  std::vector<ResolvedPoint> load_a, load_b;      // per load; load_b for bands only
  std::vector<LegSetup> legs;
  std::vector<int> root;                          // posture indices of the root coordinates
  std::vector<double> band_rest_length;           // m, per load (bands only)
  double body_weight = 0.0;                       // N
  // frontal plane: bodies and the coordinates the nearest posture moves
  int pelvis = -1, torso = -1;                    // torso: the child of the lumbar joint (-1: none)
  int pelvis_list = -1, lumbar_bending = -1;      // posture indices (-1: none)
  double list_obliquity_sign = 1.0;               // d(right leg's pelvic obliquity) / d(pelvis_list), +-1
  double lumbar_lean_sign = 1.0;                  // d(trunk lean toward the right) / d(lumbar_bending), +-1
};

// Ground axes: x anterior, y up (against gravity), z toward the right.
// Pelvic obliquity for a leg of `side`: the pelvis's mediolateral axis from
// horizontal, + when the other side is lower.
double pelvic_obliquity(const Model& model, const Data& d, int pelvis, char side) {
  const double sigma = side == 'r' ? 1.0 : -1.0;
  const Vec3 up = -model.gravity.normalized();
  return std::asin(std::clamp(sigma * d.body_pose[pelvis].linear().col(2).dot(up), -1.0, 1.0));
}

// Trunk lean toward `side`: the torso's long axis from vertical in the ground frontal plane.
double trunk_lean(const Model& model, const Data& d, int torso, char side) {
  if (torso < 0) return std::numeric_limits<double>::quiet_NaN();
  const double sigma = side == 'r' ? 1.0 : -1.0;
  const Vec3 y = d.body_pose[torso].linear().col(1), up = -model.gravity.normalized();
  return std::atan2(sigma * y.dot(Vec3::UnitZ()), y.dot(up));
}

// Bodies and coordinates of the frontal plane, and the signs of pelvis_list and
// lumbar_bending (by forward kinematics of a small step from neutral).
void frontal_setup(const Model& model, Data& scratch, ExerciseSetup& s) {
  s.pelvis = model.body_index("pelvis");
  s.pelvis_list = model.posture_coordinate("pelvis_list");
  s.lumbar_bending = model.posture_coordinate("lumbar_bending");
  if (s.lumbar_bending >= 0) {
    const int ci = model.independent[s.lumbar_bending];
    for (const Joint& j : model.joints)
      for (const auto& ax : j.rotations)
        if (ax.coordinate == ci) s.torso = j.child;
  }
  if (s.pelvis < 0) return;
  const Eigen::VectorXd q0 = standing_posture(model);
  const auto slope = [&](int pi, auto&& measure) {
    Eigen::VectorXd q = q0;
    q[pi] += 1e-3;
    forward_kinematics(model, scratch, q);
    const double up = measure();
    forward_kinematics(model, scratch, q0);
    return up - measure() >= 0.0 ? 1.0 : -1.0;
  };
  if (s.pelvis_list >= 0)
    s.list_obliquity_sign = slope(s.pelvis_list, [&] { return pelvic_obliquity(model, scratch, s.pelvis, 'r'); });
  if (s.lumbar_bending >= 0 && s.torso >= 0)
    s.lumbar_lean_sign = slope(s.lumbar_bending, [&] { return trunk_lean(model, scratch, s.torso, 'r'); });
}

// Resolves the exercise against the model (neutral posture in `neutral`);
// FileError / InvalidArgument name the first field that does not fit.
ExerciseSetup resolve_exercise(const Model& model, const Exercise& ex, Data& neutral) {
  check_exercise_bounds(ex);
  ExerciseSetup s;
  s.trajectory = build_trajectory(model, ex, true);
  forward_kinematics(model, neutral, model.default_posture());
  for (const ContactSpec& c : ex.contacts) {
    s.contact_point.push_back(resolve_point(model, ex, neutral, c.point, "contacts." + c.name + ".point"));
    int on = -1;
    if (c.kind == ContactSpec::Kind::support) {
      on = model.body_index(c.on_body);
      if (on < 0) fail(ex, "contacts." + c.name + ".on_body", "unknown body '" + c.on_body + "'");
    }
    s.contact_on.push_back(on);
  }
  for (const LoadSpec& l : ex.loads) {
    const bool band = l.kind == LoadSpec::Kind::band;
    s.load_a.push_back(resolve_point(model, ex, neutral, l.point, "loads." + l.name + (band ? ".a" : ".point")));
    s.load_b.push_back(band ? resolve_point(model, ex, neutral, l.point_b, "loads." + l.name + ".b") : ResolvedPoint{});
  }
  for (size_t i = 0; i < ex.legs.size(); ++i) s.legs.push_back(setup_leg(model, ex, ex.legs[i], i));
  s.balance = build_balance(model, ex);
  if (!s.trajectory.times.empty()) s.t_first = s.trajectory.times.front(), s.t_last = s.trajectory.times.back();
  for (const BalanceMap& b : s.balance)
    for (double w : {ex.contacts[b.contact].active.from, ex.contacts[b.contact].active.to})
      if (w > s.t_first && w < s.t_last) s.balance_switch.push_back(w);
  s.balance_switch.push_back(s.t_first);
  s.balance_switch.push_back(s.t_last);
  std::sort(s.balance_switch.begin(), s.balance_switch.end());
  s.root = root_coordinates(model);
  s.body_weight = model.total_mass() * model.gravity.norm();
  frontal_setup(model, neutral, s);
  return s;
}

// Band rest lengths: given, or the length at posture q0 less pretension / stiffness.
std::vector<double> band_rest_lengths(const Model& model, const Exercise& ex, const ExerciseSetup& s,
                                      const Eigen::VectorXd& q0, Data& data) {
  std::vector<double> rest(ex.loads.size(), 0.0);
  forward_kinematics(model, data, q0);
  for (size_t i = 0; i < ex.loads.size(); ++i) {
    const LoadSpec& l = ex.loads[i];
    if (l.kind != LoadSpec::Kind::band) continue;
    if (l.rest_length_m >= 0) {
      rest[i] = l.rest_length_m;
    } else {
      const double L0 = (point_in_ground(data, s.load_a[i].body, s.load_a[i].local) -
                         point_in_ground(data, s.load_b[i].body, s.load_b[i].local)).norm();
      rest[i] = l.stiffness_n_per_m > 0 ? std::max(0.0, L0 - l.pretension_n / l.stiffness_n_per_m) : L0;
    }
  }
  return rest;
}

// Weights, pushes and bands active at t, at the posture in `d` (forward
// kinematics done). magnitude (when given) receives each load's magnitude in N
// (weight, band tension, push force), 0 for inactive loads.
void known_loads(const Model& model, const Exercise& ex, const ExerciseSetup& s, const Data& d, double t,
                 std::vector<ExternalLoad>& loads, std::vector<double>* magnitude) {
  loads.clear();
  if (magnitude) magnitude->assign(ex.loads.size(), 0.0);
  const double g = model.gravity.norm();
  for (size_t i = 0; i < ex.loads.size(); ++i) {
    const LoadSpec& l = ex.loads[i];
    if (!l.active.contains(t)) continue;
    const ResolvedPoint& a = s.load_a[i];
    const Vec3 pa = point_in_ground(d, a.body, a.local);
    double mag = 0.0;
    if (l.kind == LoadSpec::Kind::weight) {
      loads.push_back({a.body, pa, l.mass_kg * model.gravity, Vec3::Zero()});
      mag = l.mass_kg * g;
    } else if (l.kind == LoadSpec::Kind::push) {
      mag = l.force_n + l.force_bw * s.body_weight;
      loads.push_back({a.body, pa, mag * l.direction, Vec3::Zero()});
    } else {
      const Vec3 pb = point_in_ground(d, s.load_b[i].body, s.load_b[i].local);
      const Vec3 dv = pb - pa;
      const double L = dv.norm();
      mag = l.stiffness_n_per_m * std::max(0.0, L - s.band_rest_length[i]);
      if (mag > 0 && L > 1e-12) {
        loads.push_back({a.body, pa, mag * dv / L, Vec3::Zero()});
        loads.push_back({s.load_b[i].body, pb, -mag * dv / L, Vec3::Zero()});
      }
    }
    if (magnitude) (*magnitude)[i] = mag;
  }
}

// Free moment (N m, ground) that the balance contact would have to supply for
// whole-body statics at posture qb: the moment about the contact point of
// gravity and the known loads.
Vec3 balance_free_moment(const Model& model, const Exercise& ex, const ExerciseSetup& s, const BalanceMap& bal,
                         const Eigen::VectorXd& qb, double t, Data& bd) {
  forward_kinematics(model, bd, qb);
  std::vector<ExternalLoad> loads;
  known_loads(model, ex, s, bd, t, loads, nullptr);
  std::vector<Vec3> bf, bm;
  body_inertial_loads(model, bd, {}, bf, bm);
  Vec3 F = Vec3::Zero(), M = Vec3::Zero();
  for (size_t b = 0; b < model.bodies.size(); ++b) F += bf[b], M += bm[b];
  for (const ExternalLoad& l : loads) F -= l.force, M -= l.point.cross(l.force) + l.moment;
  const ResolvedPoint& c = s.contact_point[bal.contact];
  const Vec3 P = point_in_ground(bd, c.body, c.local);
  return Vec3(M - P.cross(F));
}

// The balance entry whose contact alone is active at t (-1: none or several).
int sole_balance(const Exercise& ex, const ExerciseSetup& s, double t) {
  int sole = -1;
  for (size_t i = 0; i < s.balance.size(); ++i) {
    if (!ex.contacts[s.balance[i].contact].active.contains(t)) continue;
    if (sole >= 0) return -1;
    sole = static_cast<int>(i);
  }
  return sole;
}

// The single-support phase next to tc (within [t_first, t_last]) on side dir (-1: the last
// one before tc, +1: the next one after it), looking across the repetition's end (the
// repetition repeats): its balance entry, and the phase change that ends it (dir -1) or
// starts it (dir +1), s. Entry -1 when there is none.
std::pair<int, double> adjacent_support(const Exercise& ex, const ExerciseSetup& s, double tc, int dir) {
  constexpr double kEps = 1e-6;  // s, into the phase beyond a change
  const double period = s.t_last - s.t_first;
  const int n = static_cast<int>(s.balance_switch.size());
  for (int rep = 0; rep * dir <= 1; rep += dir)
    for (int k = 0; k < n; ++k) {
      const double w = s.balance_switch[dir > 0 ? k : n - 1 - k];
      const double b = w + rep * period;
      if (dir * (b - tc) < -1e-12) continue;  // on the other side of tc
      double probe = w + dir * kEps;
      if (probe < s.t_first) probe += period;
      if (probe > s.t_last) probe -= period;
      const int e = sole_balance(ex, s, probe);
      if (e >= 0) return {e, b};
    }
  return {-1, 0.0};
}

// The change of posture (nq) that balances q0 over entry `bal` at t: the
// entry's coordinates moved so that its contact's free moment about the
// horizontal ground axes vanishes (Newton on 1-2 unknowns, finite-difference
// Jacobian). `balanced` tells whether the free moment vanished.
Eigen::VectorXd balance_change(const Model& model, const Exercise& ex, const ExerciseSetup& s, const BalanceMap& bal,
                               const Eigen::VectorXd& q0, double t, Data& bd, bool& balanced) {
  std::vector<const std::vector<std::pair<int, double>>*> dirs;
  std::vector<int> axis;  // free-moment component each direction zeroes
  if (!bal.sagittal.empty()) dirs.push_back(&bal.sagittal), axis.push_back(2);
  if (!bal.frontal.empty()) dirs.push_back(&bal.frontal), axis.push_back(0);
  const int k = static_cast<int>(dirs.size());
  Eigen::VectorXd x = Eigen::VectorXd::Zero(k);
  auto change = [&](const Eigen::VectorXd& xv) {
    Eigen::VectorXd dq = Eigen::VectorXd::Zero(q0.size());
    for (int j = 0; j < k; ++j)
      for (const auto& [pi, gain] : *dirs[j]) dq[pi] += gain * xv[j];
    return dq;
  };
  auto residual = [&](const Eigen::VectorXd& xv) {
    const Vec3 M = balance_free_moment(model, ex, s, bal, q0 + change(xv), t, bd);
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
  balanced = r.norm() <= 1e-6;
  return change(x);
}

// The posture at t: the trajectory's (plus `offset`, nq, when given: the nearest
// posture's change), balanced over the contact that carries the body
// (Exercise::balance). In single support: over that contact. In double support:
// the changes over the contacts of the last and the next single-support phase
// (across the repetition's end when needed: the repetition repeats), blended
// by a minimum-jerk weight over the double-support time, so that position,
// velocity and acceleration stay continuous when a phase starts or ends.
// Times outside the repetition hold its ends, as the trajectory does. `bd` is
// scratch. A posture that cannot be balanced throws, or with `balanced` given
// sets it to false.
Eigen::VectorXd balanced_posture(const Model& model, const Exercise& ex, const ExerciseSetup& s, double t, Data& bd,
                                 const Eigen::VectorXd* offset = nullptr, bool* balanced = nullptr) {
  const auto posture = [&](double tt) {
    Eigen::VectorXd q;
    s.trajectory.eval(tt, q, nullptr, nullptr);
    if (offset) q += *offset;
    return q;
  };
  Eigen::VectorXd qb = posture(t);
  if (s.balance.empty()) return qb;
  const double tc = std::clamp(t, s.t_first, s.t_last);
  bool ok = true;
  // the change that balances this frame over entry i
  const Eigen::VectorXd q0 = posture(tc);
  const auto change_over = [&](int i) {
    bool ok_i = true;
    Eigen::VectorXd dq = balance_change(model, ex, s, s.balance[i], q0, tc, bd, ok_i);
    if (!ok_i) {
      ok = false;
      if (!balanced) fail(ex, "balance", "cannot balance over '" + ex.balance[i].over + "' at t = " + fmt(tc) + " s");
    }
    return dq;
  };
  Eigen::VectorXd dq;
  const int sole = sole_balance(ex, s, tc);
  if (sole >= 0) {
    dq = change_over(sole);
  } else {
    const auto [e0, t0] = adjacent_support(ex, s, tc, -1);
    const auto [e1, t1] = adjacent_support(ex, s, tc, +1);
    if (e0 < 0 && e1 < 0) return qb;  // no single support: nothing to balance over
    if (e0 < 0 || e0 == e1 || t1 - t0 < 1e-12) {
      dq = change_over(e0 < 0 ? e1 : e0);
    } else if (e1 < 0) {
      dq = change_over(e0);
    } else {
      double u, du, ddu;
      min_jerk((tc - t0) / (t1 - t0), u, du, ddu);
      dq = (1.0 - u) * change_over(e0) + u * change_over(e1);
    }
  }
  if (balanced) *balanced = ok;
  return qb + dq;
}

// After balancing, a joint coordinate may leave its range: the first such
// coordinate (posture index), or -1.
int out_of_range(const Model& model, const Exercise& ex, const Eigen::VectorXd& q) {
  if (ex.balance.empty()) return -1;
  for (int pi = 0; pi < model.nq(); ++pi) {
    const int ci = model.independent[pi];
    if (is_root_coordinate(model, ci)) continue;
    const Coordinate& c = model.coordinates[ci];
    if (q[pi] < c.range_min - 1e-9 || q[pi] > c.range_max + 1e-9) return pi;
  }
  return -1;
}

// ... and say so.
void check_frame_ranges(const Model& model, const Exercise& ex, const Eigen::VectorXd& q, double t) {
  const int pi = out_of_range(model, ex, q);
  if (pi >= 0) {
    const Coordinate& c = model.coordinates[model.independent[pi]];
    fail(ex, "balance", "balancing moves " + c.name + " to " + fmt(q[pi] * kRad2Deg) + " deg at t = " + fmt(t) +
                              " s, outside the joint range of model '" + model.name + "'");
  }
}

// Body motion at t by central differences of forward kinematics at t-2h..t+2h
// (balanced postures): centre-of-mass acceleration, angular velocity and
// acceleration of every body, in ground. `fd` and `bd` are scratch.
std::vector<BodyMotion> body_motion(const Model& model, const Exercise& ex, const ExerciseSetup& s, double t, double h,
                                    Data& fd, Data& bd) {
  const int nb = static_cast<int>(model.bodies.size());
  std::array<std::vector<Vec3>, 5> com;
  std::array<std::vector<Mat3>, 5> rot;
  for (int k = 0; k < 5; ++k) {
    forward_kinematics(model, fd, balanced_posture(model, ex, s, t + (k - 2) * h, bd));
    com[k].resize(nb);
    rot[k].resize(nb);
    for (int b = 0; b < nb; ++b) {
      com[k][b] = fd.body_pose[b] * model.bodies[b].com;
      rot[k][b] = fd.body_pose[b].linear();
    }
  }
  std::vector<BodyMotion> motion(nb);
  auto omega = [&](int k, int b) {  // angular velocity at sample k (1..3), in ground
    const Mat3 W = (rot[k + 1][b] - rot[k - 1][b]) / (2 * h) * rot[k][b].transpose();
    return Vec3(0.5 * (W(2, 1) - W(1, 2)), 0.5 * (W(0, 2) - W(2, 0)), 0.5 * (W(1, 0) - W(0, 1)));
  };
  for (int b = 0; b < nb; ++b) {
    motion[b].com_acceleration = (com[3][b] - 2 * com[2][b] + com[1][b]) / (h * h);
    motion[b].angular_velocity = omega(2, b);
    motion[b].angular_acceleration = (omega(3, b) - omega(1, b)) / (2 * h);
  }
  return motion;
}

// Generalized forces of one frame: tau (what the joints must supply) for the
// motion and the loads so far, and the effect of one more load on it.
struct FrameStatics {
  const Model& model;
  const Data& data;
  const std::vector<BodyMotion>& motion;
  Eigen::VectorXd tau_free;  // no external load

  FrameStatics(const Model& m, const Data& d, const std::vector<BodyMotion>& mo)
      : model(m), data(d), motion(mo), tau_free(generalized_forces(m, d, mo, {})) {}
  Eigen::VectorXd tau(const std::vector<ExternalLoad>& loads) const {
    return generalized_forces(model, data, motion, loads);
  }
  // the change of tau that a load causes (tau is linear in the loads)
  Eigen::VectorXd unit_effect(const ExternalLoad& l) const {
    return Eigen::VectorXd(generalized_forces(model, data, motion, {l}) - tau_free);
  }
};

// Supports between bodies: the push (>= 0) along the normal that minimises the
// squared joint moments of the supported limb. Adds the push pair to `loads`
// and its effect to `tau`; the push on the limb goes to row f of contact_force.
void support_contacts(const Model& model, const Exercise& ex, const ExerciseSetup& s, const FrameStatics& st,
                      double t, Eigen::VectorXd& tau, std::vector<ExternalLoad>& loads, SimulationResult& res, int f) {
  for (size_t c = 0; c < ex.contacts.size(); ++c) {
    const ContactSpec& cs = ex.contacts[c];
    if (cs.kind != ContactSpec::Kind::support || !cs.active.contains(t)) continue;
    const ResolvedPoint& pt = s.contact_point[c];
    const Vec3 p = point_in_ground(st.data, pt.body, pt.local);
    const ExternalLoad on_limb{pt.body, p, cs.normal, Vec3::Zero()};
    const ExternalLoad on_base{s.contact_on[c], p, -cs.normal, Vec3::Zero()};
    const Eigen::VectorXd gvec = st.unit_effect(on_limb) + st.unit_effect(on_base);
    double gg = 0.0, gt = 0.0;
    for (int pi : chain_coordinates(model, pt.body)) {
      gg += gvec[pi] * gvec[pi];
      gt += gvec[pi] * tau[pi];
    }
    const double push = gg > 0 ? std::max(0.0, -gt / gg) : 0.0;
    tau += push * gvec;
    loads.push_back({pt.body, p, push * cs.normal, Vec3::Zero()});
    loads.push_back({s.contact_on[c], p, -push * cs.normal, Vec3::Zero()});
    res.contact_force.block<1, 3>(f, 3 * static_cast<Eigen::Index>(c)) = (push * cs.normal).transpose();
  }
}

// Ground contacts: minimum-norm reactions that cancel the root's generalized
// forces (whole-body statics, with inertia). Unknowns are force components (N)
// and free moments scaled by a 5 cm lever, so a free moment costs as much as a
// force 20 times its size. Contacts push only: while a solution pulls on some
// contact, the most pulling one is released (it lifts off) and the rest
// re-solved, as long as the others can still balance the body; otherwise the
// pulling solution is kept and flagged. Adds the reactions to `loads` and
// their effect to `tau`; fills row f of the contact forces and moments, the
// root residual and the tension flag.
void ground_contacts(const Exercise& ex, const ExerciseSetup& s, const FrameStatics& st, double t,
                     Eigen::VectorXd& tau, std::vector<ExternalLoad>& loads, SimulationResult& res, int f) {
  constexpr double kMomentLever = 0.05;  // m
  const Data& data = st.data;
  const int nq = st.model.nq();
  const int nc = static_cast<int>(ex.contacts.size());
  const int nr = static_cast<int>(s.root.size());
  const double body_weight = s.body_weight;
  auto on_ground = [&](int c) {  // a ground contact active at t
    const ContactSpec& cs = ex.contacts[c];
    return cs.kind != ContactSpec::Kind::support && cs.active.contains(t);
  };
  std::vector<char> released(nc, 0);
  const Eigen::VectorXd tau_before = tau;
  Eigen::VectorXd cf, cm;  // (3 nc) chosen reactions
  for (;;) {
    std::vector<std::array<int, 3>> unknowns;  // (contact, is_moment, axis)
    for (int c = 0; c < nc; ++c) {
      if (!on_ground(c) || released[c]) continue;
      for (int k = 0; k < 3; ++k) unknowns.push_back({c, 0, k});
      if (ex.contacts[c].kind == ContactSpec::Kind::ground_flat)
        for (int k = 0; k < 3; ++k) unknowns.push_back({c, 1, k});
    }
    const int nx = static_cast<int>(unknowns.size());
    Eigen::VectorXd tau_try = tau_before;
    Eigen::VectorXd f_try = Eigen::VectorXd::Zero(3 * nc), m_try = Eigen::VectorXd::Zero(3 * nc);
    if (nx > 0) {
      Eigen::MatrixXd G(nq, nx);
      for (int j = 0; j < nx; ++j) {
        const auto& u = unknowns[j];
        const ResolvedPoint& pt = s.contact_point[u[0]];
        ExternalLoad l{pt.body, point_in_ground(data, pt.body, pt.local), Vec3::Zero(), Vec3::Zero()};
        if (u[1]) l.moment = kMomentLever * Vec3::Unit(u[2]);
        else l.force = Vec3::Unit(u[2]);
        G.col(j) = st.unit_effect(l);
      }
      Eigen::MatrixXd A(nr, nx);
      Eigen::VectorXd b(nr);
      for (int r = 0; r < nr; ++r) {
        A.row(r) = G.row(s.root[r]);
        b[r] = -tau_before[s.root[r]];
      }
      const Eigen::VectorXd x = A.completeOrthogonalDecomposition().solve(b);
      tau_try += G * x;
      for (int j = 0; j < nx; ++j) {
        const auto& u = unknowns[j];
        (u[1] ? m_try : f_try)[3 * u[0] + u[2]] = (u[1] ? kMomentLever : 1.0) * x[j];
      }
    }
    double resid_try = 0.0;
    for (int r : s.root) resid_try += tau_try[r] * tau_try[r];
    const bool balanced = std::sqrt(resid_try) < 1e-6 * body_weight;
    if (cf.size() && !balanced) break;  // releasing more would leave the body unbalanced: keep the last
    cf = f_try;
    cm = m_try;
    tau = tau_try;
    // the most pulling contact
    int worst = -1;
    double worst_push = -1e-6 * body_weight;
    for (int c = 0; c < nc; ++c) {
      if (!on_ground(c) || released[c]) continue;
      const double push = Vec3(cf.segment<3>(3 * c)).dot(ex.contacts[c].normal);
      if (push < worst_push) worst_push = push, worst = c;
    }
    if (worst < 0 || !balanced) break;
    released[worst] = 1;
  }
  for (int c = 0; c < nc; ++c) {
    if (!on_ground(c) || released[c]) continue;
    const Vec3 F = cf.segment<3>(3 * c), M = cm.segment<3>(3 * c);
    const ResolvedPoint& pt = s.contact_point[c];
    res.contact_force.block<1, 3>(f, 3 * c) = F.transpose();
    res.contact_moment.block<1, 3>(f, 3 * c) = M.transpose();
    loads.push_back({pt.body, point_in_ground(data, pt.body, pt.local), F, M});
    if (F.dot(ex.contacts[c].normal) < -1e-6 * body_weight) res.contact_tension[f] = true;
  }
  double resid = 0.0;
  for (int r : s.root) resid += tau[r] * tau[r];
  res.root_residual[f] = std::sqrt(resid);
}

// The result arrays of an exercise with n frames, sized and zeroed.
SimulationResult empty_result(const Model& model, const Exercise& ex, const ExerciseSetup& s,
                              const Eigen::VectorXd& times) {
  const int n = static_cast<int>(times.size());
  const int nc = static_cast<int>(ex.contacts.size());
  const int nl = static_cast<int>(ex.loads.size());
  SimulationResult res;
  res.exercise_id = ex.id;
  res.body_mass = model.total_mass();
  res.time = times;
  res.posture.resize(n, model.nq());
  for (const auto& c : ex.contacts) res.contact_names.push_back(c.name);
  for (const auto& l : ex.loads) res.load_names.push_back(l.name);
  res.contact_force = Eigen::MatrixXd::Zero(n, 3 * nc);
  res.contact_moment = Eigen::MatrixXd::Zero(n, 3 * nc);
  res.load_magnitude = Eigen::MatrixXd::Zero(n, nl);
  res.root_residual = Eigen::VectorXd::Zero(n);
  res.contact_tension.assign(n, false);
  for (const LegSetup& leg : s.legs) {
    LegResult lr;
    lr.side = leg.side;
    lr.role = leg.role;
    for (int m : leg.muscles) {
      lr.actuators.push_back(model.muscles[m].name);
      lr.muscle_index.push_back(m);
    }
    if (leg.lumped_knee) {
      for (const char* name : {"knee_extensors_lumped_", "knee_flexors_lumped_"}) {
        lr.actuators.push_back(name + std::string(1, leg.side));
        lr.muscle_index.push_back(-1);
      }
    }
    for (int k = 0; k < 4; ++k) lr.dofs.push_back(model.coordinates[model.independent[leg.dof[k]]].name);
    lr.knee_flexion_sign = leg.knee_sign;
    const int na = static_cast<int>(lr.actuators.size());
    lr.moment.resize(n, 4);
    lr.activation.resize(n, na);
    lr.force.resize(n, na);
    lr.passive_force = Eigen::MatrixXd::Zero(n, na);
    lr.hip_tissue_abduction_moment = Eigen::VectorXd::Zero(n);
    lr.reserve.resize(n, 4);
    lr.residual.resize(n, 4);
    lr.percent_mvic.resize(n, na);
    lr.gmed_percent_mvic.resize(n, 4);
    lr.tfl_percent_mvic.resize(n);
    lr.hip_contact_force.resize(n, 3);
    lr.hip_contact_force_bw.resize(n);
    lr.converged.assign(n, false);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (Eigen::VectorXd* v : {&lr.q_angle, &lr.knee_fppa, &lr.patella_lateral_pull, &lr.pelvic_obliquity,
                               &lr.trunk_lean, &lr.lumbar_bending_moment, &lr.vertical_load_bw, &lr.body_weight_lever,
                               &lr.abductor_lever, &lr.abductor_force, &lr.abductor_force_bw, &lr.hip_contact_angle})
      v->setConstant(n, nan);
    for (Eigen::VectorXd* v : {&lr.hip_adduction_change, &lr.hip_rotation_change, &lr.pelvic_obliquity_change,
                               &lr.trunk_lean_change})
      v->setZero(n);
    lr.held.assign(n, true);
    res.legs.push_back(std::move(lr));
  }
  return res;
}

// How a leg's activations become EMG-style %MVIC: the model's MVIC test of
// that side, and which reported groups the model has (a group the model lacks,
// e.g. in a test model or an imported model without segment labels, reports
// NaN rather than failing the whole exercise).
struct LegMvic {
  MvicReference test;
  std::array<bool, kReportedGroups.size()> has{};
};

LegMvic leg_mvic(const Model& model, Data& data, char side) {
  LegMvic m;
  m.test = mvic_test(model, data, side);
  for (size_t g = 0; g < kReportedGroups.size(); ++g)
    m.has[g] = has_muscle_group(model, side, kReportedGroups[g].first, kReportedGroups[g].second);
  return m;
}

// Passive fibre force of every muscle (N, along the tendon) at the posture of the
// last compute_muscle_paths: F_max f_PE(min(l~, stretch_limit)) cos(alpha), the
// Thelen (2003) passive curve of hill_muscle.hpp with a rigid tendon.
Eigen::VectorXd passive_fiber_forces(const Model& model, const Data& data, double stretch_limit) {
  Eigen::VectorXd f(model.n_muscles());
  for (int i = 0; i < model.n_muscles(); ++i) {
    const Muscle& mu = model.muscles[i];
    const FiberState fs = fiber_state(mu, data.muscle_length[i]);
    f[i] = mu.max_isometric_force * passive_force_length(std::min(fs.normalized_length, stretch_limit), mu.hill) *
           fs.cos_pennation;
  }
  return f;
}

// Static optimisation of one leg at frame f: the leg's muscles (and lumped knee
// actuators) balance the generalized forces tau on its hip and knee
// coordinates, less what the passive hip tissue carries at the posture q (a
// joint-level moment, like a ligament: elastic part, LegSetup::hip_tissue).
// fmax is every muscle's strength at the posture, fpassive its passive fibre
// force (empty: none). With a co-contraction floor c every
// actuator is at least c active and the recruitment shares the rest:
// a = c + (1 - c) a', a' optimal for the moments left over.
void recruit_leg(const Data& data, const LegSetup& s, const Eigen::VectorXd& q, const Eigen::VectorXd& tau,
                 const Eigen::VectorXd& fmax,
                 const Eigen::VectorXd& fpassive, const SimulateOptions& opt, RecruitmentWorkspace& work,
                 RecruitmentResult& rr, LegResult& lr, int f) {
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
    F[nm] = s.knee_extensor_max;
    F[nm + 1] = s.knee_flexor_max;
  }
  for (int k = 0; k < 4; ++k) tau_leg[k] = tau[s.dof[k]];
  Eigen::Vector4d tissue = Eigen::Vector4d::Zero();
  tissue[1] = s.hip_tissue.moment(q[s.dof[1]], 0.0);
  Eigen::VectorXd passive = Eigen::VectorXd::Zero(na);
  if (fpassive.size())
    for (int i = 0; i < nm; ++i) passive[i] = fpassive[s.muscles[i]];
  const double c = opt.co_contraction;
  const Eigen::VectorXd known = passive + c * F;  // forces (N; N m for lumped) before the recruitment
  solve_recruitment(R, (1.0 - c) * F, tau_leg - tissue - R * known, opt.recruitment, work, rr);
  rr.activation = (c + (1.0 - c) * rr.activation.array()).matrix();
  rr.force = rr.activation.cwiseProduct(F);
  lr.moment.row(f) = tau_leg.transpose();
  lr.activation.row(f) = rr.activation.transpose();
  lr.force.row(f) = rr.force.transpose();
  lr.passive_force.row(f) = passive.transpose();
  lr.hip_tissue_abduction_moment[f] = -tissue[1];
  lr.reserve.row(f) = rr.reserve.transpose();
  lr.residual.row(f) = (tau_leg - tissue - R * (rr.force + passive) - rr.reserve).transpose();
  lr.converged[f] = rr.converged;
}

// EMG-style activation at frame f: activation / the model's MVIC test activation,
// per muscle and for the reported groups.
void leg_percent_mvic(const Model& model, const LegSetup& s, const LegMvic& mvic, const RecruitmentResult& rr,
                      LegResult& lr, int f) {
  const int nm = static_cast<int>(s.muscles.size());
  const int na = static_cast<int>(lr.actuators.size());
  Eigen::VectorXd act_all = Eigen::VectorXd::Zero(model.n_muscles());
  for (int i = 0; i < nm; ++i) act_all[s.muscles[i]] = rr.activation[i];
  const Eigen::VectorXd pm = percent_mvic(mvic.test, act_all);
  for (int i = 0; i < na; ++i)
    lr.percent_mvic(f, i) = i < nm ? pm[s.muscles[i]] : internal::kNaN;
  Eigen::Matrix<double, kReportedGroups.size(), 1> gp;
  for (size_t g = 0; g < kReportedGroups.size(); ++g)
    gp[g] = mvic.has[g] ? group_percent_mvic(model, mvic.test, act_all, kReportedGroups[g].first,
                                             kReportedGroups[g].second)
                        : internal::kNaN;
  lr.gmed_percent_mvic.row(f) = gp.head<4>().transpose();
  lr.tfl_percent_mvic[f] = gp[4];
}

// Hip contact force at frame f: the joint reaction of the leg's hip under the
// inertial loads, the external loads and every muscle tension of this leg,
// active and passive (others zero; they do not act on this leg's subtree).
void leg_hip_contact_force(const Model& model, Data& data, const LegSetup& s, const std::vector<Vec3>& inertial_f,
                           const std::vector<ExternalLoad>& loads, double body_weight, LegResult& lr, int f) {
  Eigen::VectorXd tension = Eigen::VectorXd::Zero(model.n_muscles());
  for (size_t i = 0; i < s.muscles.size(); ++i) {
    const auto k = static_cast<Eigen::Index>(i);
    tension[s.muscles[i]] = lr.force(f, k) + lr.passive_force(f, k);
  }
  std::vector<Vec3> mf, mm;
  muscle_loads_on_bodies(model, data, tension, mf, mm);
  const Vec3 J = joint_reaction_force(model, data, s.hip_joint, inertial_f, loads, mf);
  lr.hip_contact_force.row(f) = J.transpose();
  lr.hip_contact_force_bw[f] = J.norm() / body_weight;
}

// Knee extensor moment arm that turns the lumped extensors' moment into a
// quadriceps force (the 4.5 cm of kKneeExtensorMaxMoment).
constexpr double kVastiMomentArm = 0.045;  // m
// A leg bears weight when the ground pushes it up with at least this share of body weight.
constexpr double kWeightBearingBw = 0.1;

// Frontal-plane terms of one leg at frame f (forward kinematics and muscle paths
// of `data` at q; lr's forces and hip contact force of frame f filled): Q-angle and
// FPPA (q_angle.hpp, open chain: the tibia where the posture puts it), the
// quadriceps' lateral pull on the patella, pelvic obliquity, trunk lean, lumbar
// moment, the leg's vertical load and, where it bears weight, the seesaw terms
// (seesaw.hpp). `qd` is scratch.
void leg_frontal_plane(const Model& model, const Data& data, Data& qd, const Exercise& ex, const ExerciseSetup& setup,
                       const LegSetup& s, const Eigen::VectorXd& q, const Eigen::VectorXd& tau,
                       const SimulationResult& res, LegResult& lr, int f) {
  const double sigma = s.side == 'r' ? 1.0 : -1.0;
  const Vec3 up = -model.gravity.normalized();
  const int nm = static_cast<int>(s.muscles.size());
  if (s.has_q_landmarks) {
    double quadriceps = 0.0;
    for (int i : s.quadriceps) quadriceps += lr.force(f, i);
    if (s.lumped_knee) quadriceps += lr.force(f, nm) / kVastiMomentArm;
    QAngleOptions qo;
    qo.side = s.side;
    qo.weight_bearing = false;
    qo.camera_view = true;
    qo.quadriceps_force_n = std::max(0.0, quadriceps);
    const QAngleResult qa = q_angle(model, qd, q, qo);
    lr.q_angle[f] = qa.q_angle;
    lr.knee_fppa[f] = qa.knee_fppa;
    lr.patella_lateral_pull[f] = qa.lateral_pull_n;
  }
  if (setup.pelvis >= 0) lr.pelvic_obliquity[f] = pelvic_obliquity(model, data, setup.pelvis, s.side);
  lr.trunk_lean[f] = trunk_lean(model, data, setup.torso, s.side);
  if (setup.lumbar_bending >= 0) lr.lumbar_bending_moment[f] = sigma * setup.lumbar_lean_sign * tau[setup.lumbar_bending];
  double load = 0.0;
  for (size_t c = 0; c < ex.contacts.size(); ++c)
    if (ex.contacts[c].kind != ContactSpec::Kind::support && is_in_subtree(model, setup.contact_point[c].body, s.femur))
      load += Vec3(res.contact_force.block<1, 3>(f, 3 * static_cast<Eigen::Index>(c)).transpose()).dot(up);
  lr.vertical_load_bw[f] = load / setup.body_weight;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (lr.vertical_load_bw[f] < kWeightBearingBw) {
    for (Eigen::VectorXd* v : {&lr.body_weight_lever, &lr.abductor_lever, &lr.abductor_force, &lr.abductor_force_bw,
                               &lr.hip_contact_angle})
      (*v)[f] = nan;
    return;
  }
  double fsum = 0.0, msum = 0.0;
  for (int i : s.abductors) {
    fsum += lr.force(f, i);
    msum += -data.moment_arm(s.muscles[i], s.dof[1]) * lr.force(f, i);
  }
  lr.abductor_force[f] = fsum;
  lr.abductor_force_bw[f] = fsum / setup.body_weight;
  lr.abductor_lever[f] = fsum > 0.0 ? msum / fsum : nan;
  lr.body_weight_lever[f] = -tau[s.dof[1]] / (setup.body_weight - s.leg_weight);
  const Vec3 J = lr.hip_contact_force.row(f).transpose();
  lr.hip_contact_angle[f] = std::atan2((J - J.dot(up) * up).norm(), -J.dot(up));
}

// A leg holds a frame when its reserves exceed those at full strength by no more than this.
constexpr double kHeldReserve = 1e-3;  // N m (StanceResult::feasible's threshold)

// Posture offsets (nq) of the nearest-posture variables x: per weight-bearing leg its
// hip adduction and rotation, then pelvic obliquity and trunk lean toward the first
// weight-bearing leg (rad).
Eigen::VectorXd posture_offset(const Model& model, const ExerciseSetup& setup, const std::vector<int>& bearing,
                               const Eigen::VectorXd& x) {
  Eigen::VectorXd off = Eigen::VectorXd::Zero(model.nq());
  const int nb = static_cast<int>(bearing.size());
  for (int j = 0; j < nb; ++j) {
    const LegSetup& s = setup.legs[bearing[j]];
    off[s.dof[1]] += x[2 * j];
    off[s.dof[2]] += x[2 * j + 1];
  }
  const double sigma = setup.legs[bearing[0]].side == 'r' ? 1.0 : -1.0;
  if (setup.pelvis_list >= 0) off[setup.pelvis_list] += sigma * setup.list_obliquity_sign * x[2 * nb];
  if (setup.lumbar_bending >= 0) off[setup.lumbar_bending] += sigma * setup.lumbar_lean_sign * x[2 * nb + 1];
  return off;
}

// The nearest posture the weakened muscles hold at frame f (exercise.hpp): the
// variables x of posture_offset minimising sum (dq_i / sd_i)^2 + mu sum_legs
// max(0, |reserve| - r0)^2 for mu = 1e2 .. 1e8 (continuation), by Levenberg-Marquardt
// on the stacked residual with a forward-difference Jacobian. `evaluate(offset)`
// simulates frame f at the file's posture plus offset into row f of `res`, whose
// row holds the prescribed posture's values on entry, and returns false for a
// posture the balance rule cannot balance or that leaves a joint range: such a
// trial counts as infinitely far (the step is refused). Returns x.
template <class Evaluate>
Eigen::VectorXd nearest_posture(const Model& model, const ExerciseSetup& setup, const std::vector<int>& bearing,
                                const std::vector<double>& r0, const Eigen::VectorXd& x_start, SimulationResult& res,
                                int f, const Evaluate& evaluate) {
  const int nb = static_cast<int>(bearing.size()), k = 2 * nb + 2, nlegs = static_cast<int>(res.legs.size());
  const Eigen::VectorXd q0 = res.posture.row(f).transpose();
  const LegResult& first = res.legs[bearing[0]];
  const double obliquity0 = first.pelvic_obliquity[f], lean0 = first.trunk_lean[f];
  Eigen::VectorXd sd(k);
  for (int j = 0; j < nb; ++j) sd[2 * j] = kNearestPostureSdDeg[0], sd[2 * j + 1] = kNearestPostureSdDeg[1];
  sd[2 * nb] = kNearestPostureSdDeg[2];
  sd[2 * nb + 1] = kNearestPostureSdDeg[3];
  sd *= M_PI / 180.0;
  constexpr double kRegularisation = 1e-3;  // on x itself: variables the balance undoes stay at 0
  constexpr double kMaxOffset = 30.0 * M_PI / 180.0;
  double mu = 0.0;
  const int nr = 2 * k + nlegs;
  const auto residual = [&](const Eigen::VectorXd& x) {
    Eigen::VectorXd r(nr);
    if (!evaluate(posture_offset(model, setup, bearing, x))) {
      r.setConstant(std::numeric_limits<double>::infinity());
      return r;
    }
    for (int j = 0; j < nb; ++j) {
      const LegSetup& s = setup.legs[bearing[j]];
      r[2 * j] = (res.posture(f, s.dof[1]) - q0[s.dof[1]]) / sd[2 * j];
      r[2 * j + 1] = (res.posture(f, s.dof[2]) - q0[s.dof[2]]) / sd[2 * j + 1];
    }
    const double dob = first.pelvic_obliquity[f] - obliquity0, dl = first.trunk_lean[f] - lean0;
    r[2 * nb] = (std::isfinite(dob) ? dob : 0.0) / sd[2 * nb];
    r[2 * nb + 1] = (std::isfinite(dl) ? dl : 0.0) / sd[2 * nb + 1];
    r.segment(k, k) = kRegularisation * x.cwiseQuotient(sd);
    for (int li = 0; li < nlegs; ++li)
      r[2 * k + li] = std::sqrt(mu) * std::max(0.0, res.legs[li].reserve.row(f).norm() - r0[li]);
    return r;
  };
  Eigen::VectorXd x = x_start.size() == k ? x_start : Eigen::VectorXd::Zero(k);
  if (!residual(x).allFinite()) x.setZero();  // the last frame's answer does not balance here: the prescribed posture does
  for (const double stage : {1e2, 1e4, 1e6, 1e8}) {
    mu = stage;
    Eigen::VectorXd r = residual(x);
    double damping = 1e-3;
    for (int it = 0; it < 50; ++it) {
      Eigen::MatrixXd J(nr, k);
      for (int c = 0; c < k; ++c) {
        Eigen::VectorXd xp = x;
        const double h = 1e-6;
        xp[c] += h;
        J.col(c) = (residual(xp) - r) / h;
        if (!J.col(c).allFinite()) {  // at the edge of what balances: the backward difference, else no slope
          xp[c] = x[c] - h;
          J.col(c) = (r - residual(xp)) / h;
          if (!J.col(c).allFinite()) J.col(c).setZero();
        }
      }
      const Eigen::MatrixXd JtJ = J.transpose() * J;
      const Eigen::VectorXd g = J.transpose() * r;
      bool accepted = false;
      Eigen::VectorXd step;
      for (int tries = 0; tries < 12 && !accepted; ++tries) {
        Eigen::MatrixXd A = JtJ;
        A.diagonal() += damping * (JtJ.diagonal().array() + 1e-12).matrix();
        step = A.ldlt().solve(-g);
        const Eigen::VectorXd xn = (x + step).cwiseMax(-kMaxOffset).cwiseMin(kMaxOffset);
        const Eigen::VectorXd rn = residual(xn);
        if (rn.squaredNorm() < r.squaredNorm()) {
          step = xn - x;
          x = xn;
          r = rn;
          damping = std::max(damping / 3.0, 1e-9);
          accepted = true;
        } else {
          damping *= 4.0;
        }
      }
      if (!accepted || step.norm() < 1e-10) break;
    }
  }
  return x;
}

}  // namespace

LumpedKnee lumped_knee(const Model& model, char side) {
  const auto strength_of = [&](const std::string& base, double gait2392_force) {
    const int m = model.muscle_index(base + "_" + std::string(1, side));
    return m >= 0 ? model.muscles[m].max_isometric_force / gait2392_force : 1.0;
  };
  return {kKneeExtensorMaxMoment * strength_of("rect_fem", kRectusFemorisForce),
          kKneeFlexorMaxMoment * strength_of("bifemlh", kBicepsFemorisLongHeadForce)};
}

Eigen::VectorXd strength_factors(const Model& model, const std::map<std::string, double>& strength) {
  static const std::map<std::string, std::vector<std::string>> kAliases{
      {"abductors", {kHipAbductorGroups.begin(), kHipAbductorGroups.end()}},
      {"external_rotators", {kHipExternalRotatorGroups.begin(), kHipExternalRotatorGroups.end()}}};
  Eigen::VectorXd factor = Eigen::VectorXd::Ones(model.n_muscles());
  for (const auto& [key, value] : strength) {
    if (!(value >= 1e-3 && value <= 10.0))
      throw InvalidArgument("SimulateOptions.strength['" + key + "']: expected a factor in [0.001, 10], got " +
                            fmt(value));
    const auto alias = kAliases.find(key);
    bool matched = false;
    for (int m = 0; m < model.n_muscles(); ++m) {
      const Muscle& mu = model.muscles[m];
      const bool hit = key == "all" || key == mu.name || key == mu.group ||
                       mu.name.substr(0, mu.name.rfind('_')) == key ||
                       (alias != kAliases.end() &&
                        std::find(alias->second.begin(), alias->second.end(), mu.group) != alias->second.end());
      if (hit) factor[m] *= value, matched = true;
    }
    if (!matched)
      throw InvalidArgument("SimulateOptions.strength: expected a muscle name, base name, group, 'abductors', "
                            "'external_rotators' or 'all' of model '" + model.name + "', got '" + key + "'");
  }
  return factor;
}

double Exercise::repetition_duration() const {
  if (motion.keyframes.empty()) return Dose::mid(dose.hold_s);
  return motion.keyframes.back().time - motion.keyframes.front().time;
}

Eigen::VectorXd exercise_times(const Exercise& ex) {
  check_exercise_bounds(ex);  // bounds the frame count below
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
  Data neutral(model);
  resolve_exercise(model, ex, neutral);
}

// One frame after another: posture (balanced), body motion, known loads,
// supports, ground contacts, then per analysed leg the recruitment, %MVIC, hip
// contact force and frontal-plane terms. With weakened muscles
// (SimulateOptions::strength), a frame where a weight-bearing leg's reserves
// exceed those of the prescribed posture at full strength moves to the nearest
// posture the muscles hold (exercise.hpp, kNearestPostureSdDeg).
SimulationResult simulate(const Model& model, Data& data, const Exercise& ex, const SimulateOptions& opt) {
  check_fields(opt, "simulate");
  Data bd(model), fd(model), qd(model);
  ExerciseSetup setup = resolve_exercise(model, ex, data);
  const Eigen::VectorXd times = exercise_times(ex);
  {
    Eigen::VectorXd q0;
    setup.trajectory.eval(times[0], q0, nullptr, nullptr);
    setup.band_rest_length = band_rest_lengths(model, ex, setup, q0, data);
  }
  SimulationResult res = empty_result(model, ex, setup, times);
  std::vector<LegMvic> mvic;
  for (const LegSetup& leg : setup.legs) mvic.push_back(leg_mvic(model, fd, leg.side));
  for (LegSetup& leg : setup.legs)  // the tissue other than the fibres this simulation models
    leg.hip_tissue = hip_passive_tissue(model, qd, leg.side, opt.passive_fiber_force ? leg.muscles : std::vector<int>{},
                                        opt.passive_stretch_limit).moment;
  const Eigen::VectorXd factor = strength_factors(model, opt.strength);
  const bool weakened = (factor.array() != 1.0).any();
  const int nlegs = static_cast<int>(setup.legs.size());

  RecruitmentWorkspace work;
  RecruitmentResult rr;
  std::vector<ExternalLoad> loads;
  std::vector<double> magnitude;
  std::vector<Vec3> inertial_f, inertial_m;
  Eigen::VectorXd q, tau, fmax, fpassive;  // of the posed frame; fmax, fpassive at full strength
  // Frame f at the file's posture plus `offset` (nq): posture (balanced), kinematics, known loads,
  // supports and ground contacts, giving q, tau and the muscles' maximal and passive forces at
  // full strength. A final frame throws where the posture cannot be balanced or leaves a joint
  // range; a trial (final = false, the nearest posture's search) returns false there.
  const auto pose = [&](int f, double t, const std::vector<BodyMotion>& motion, const Eigen::VectorXd* offset,
                        bool final) {
    bool balanced = true;
    q = balanced_posture(model, ex, setup, t, bd, offset, final ? nullptr : &balanced);
    if (final) check_frame_ranges(model, ex, q, t);
    else if (!balanced || out_of_range(model, ex, q) >= 0) return false;
    res.posture.row(f) = q.transpose();
    forward_kinematics(model, data, q);
    compute_muscle_paths(model, data, q);

    known_loads(model, ex, setup, data, t, loads, &magnitude);
    for (size_t i = 0; i < magnitude.size(); ++i) res.load_magnitude(f, static_cast<Eigen::Index>(i)) = magnitude[i];
    const FrameStatics statics(model, data, motion);
    tau = statics.tau(loads);
    if (opt.rest_supports) support_contacts(model, ex, setup, statics, t, tau, loads, res, f);
    ground_contacts(ex, setup, statics, t, tau, loads, res, f);

    body_inertial_loads(model, data, motion, inertial_f, inertial_m);
    fmax = effective_max_force(model, data);  // strength at the posture
    fpassive = opt.passive_fiber_force ? passive_fiber_forces(model, data, opt.passive_stretch_limit) : Eigen::VectorXd();
    return true;
  };
  // Everything the muscles of each leg do in the posed frame f, scaled by `scale` (nullptr: full strength).
  Eigen::VectorXd fmax_s, fpassive_s;
  const auto muscles = [&](int f, const Eigen::VectorXd* scale) {
    if (scale) {  // a weakened muscle has fewer fibres: active and passive force alike
      fmax_s = fmax.cwiseProduct(*scale);
      fpassive_s = fpassive.size() ? Eigen::VectorXd(fpassive.cwiseProduct(*scale)) : fpassive;
    }
    const Eigen::VectorXd& fm = scale ? fmax_s : fmax;
    const Eigen::VectorXd& fp = scale ? fpassive_s : fpassive;
    for (int li = 0; li < nlegs; ++li) {
      const LegSetup& s = setup.legs[li];
      LegResult& lr = res.legs[li];
      recruit_leg(data, s, q, tau, fm, fp, opt, work, rr, lr, f);
      leg_percent_mvic(model, s, mvic[li], rr, lr, f);
      leg_hip_contact_force(model, data, s, inertial_f, loads, setup.body_weight, lr, f);
      leg_frontal_plane(model, data, qd, ex, setup, s, q, tau, res, lr, f);
    }
  };
  const auto frame = [&](int f, double t, const std::vector<BodyMotion>& motion, const Eigen::VectorXd* offset,
                         const Eigen::VectorXd* scale, bool final) {
    if (!pose(f, t, motion, offset, final)) return false;
    muscles(f, scale);
    return true;
  };
  Eigen::VectorXd x_prev;  // the last frame's nearest-posture variables
  for (int f = 0; f < static_cast<int>(times.size()); ++f) {
    const double t = times[f];
    const std::vector<BodyMotion> motion =
        ex.is_static() ? std::vector<BodyMotion>{} : body_motion(model, ex, setup, t, opt.time_step_fd_s, fd, bd);
    if (!weakened) {
      frame(f, t, motion, nullptr, nullptr, true);
      continue;
    }
    // the prescribed posture; the reserves the weakened muscles may keep are those of full
    // strength there (the recruitment alone: the posture, loads and forces are those of the frame)
    pose(f, t, motion, nullptr, true);
    std::vector<double> r0(nlegs);
    for (int li = 0; li < nlegs; ++li) {
      recruit_leg(data, setup.legs[li], q, tau, fmax, fpassive, opt, work, rr, res.legs[li], f);
      r0[li] = res.legs[li].reserve.row(f).norm();
    }
    muscles(f, &factor);
    std::vector<int> bearing;  // weight-bearing legs
    bool all_held = true;
    for (int li = 0; li < nlegs; ++li) {
      if (res.legs[li].vertical_load_bw[f] >= kWeightBearingBw) bearing.push_back(li);
      all_held = all_held && res.legs[li].reserve.row(f).norm() <= r0[li] + kHeldReserve;
    }
    if (all_held || bearing.empty() || !opt.nearest_posture) {
      for (int li = 0; li < nlegs; ++li) res.legs[li].held[f] = res.legs[li].reserve.row(f).norm() <= r0[li] + kHeldReserve;
      x_prev.resize(0);
      continue;
    }
    // the prescribed posture's angles, then the nearest posture and what changed
    const Eigen::VectorXd q0 = res.posture.row(f).transpose();
    std::vector<double> obliquity0(nlegs), lean0(nlegs);
    for (int li = 0; li < nlegs; ++li)
      obliquity0[li] = res.legs[li].pelvic_obliquity[f], lean0[li] = res.legs[li].trunk_lean[f];
    x_prev = nearest_posture(model, setup, bearing, r0, x_prev, res, f,
                             [&](const Eigen::VectorXd& offset) { return frame(f, t, motion, &offset, &factor, false); });
    const Eigen::VectorXd offset = posture_offset(model, setup, bearing, x_prev);
    frame(f, t, motion, &offset, &factor, true);
    for (int li = 0; li < nlegs; ++li) {
      LegResult& lr = res.legs[li];
      const LegSetup& s = setup.legs[li];
      lr.hip_adduction_change[f] = res.posture(f, s.dof[1]) - q0[s.dof[1]];
      lr.hip_rotation_change[f] = res.posture(f, s.dof[2]) - q0[s.dof[2]];
      lr.pelvic_obliquity_change[f] = lr.pelvic_obliquity[f] - obliquity0[li];
      lr.trunk_lean_change[f] = lr.trunk_lean[f] - lean0[li];
      lr.held[f] = lr.reserve.row(f).norm() <= r0[li] + kHeldReserve;
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
    s.gmed_tfl_ratio = gmed_tfl_ratio(s.gmed_mean_percent_mvic, s.tfl_mean_percent_mvic);
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
    // frontal plane: NaN-aware peaks
    const auto peak_of = [](const Eigen::VectorXd& v, bool absolute) {
      double best = std::numeric_limits<double>::quiet_NaN();
      for (double x : v) {
        if (!std::isfinite(x)) continue;
        const double y = absolute ? std::abs(x) : x;
        if (!(y <= best)) best = y;  // true while best is NaN
      }
      return best;
    };
    s.peak_q_angle = peak_of(lr.q_angle, false);
    s.peak_knee_valgus = peak_of(lr.knee_fppa, false);
    s.peak_pelvic_drop = peak_of(lr.pelvic_obliquity, false);
    s.peak_trunk_lean = peak_of(lr.trunk_lean, false);
    s.peak_lumbar_moment_nm = peak_of(lr.lumbar_bending_moment, true);
    s.peak_abductor_force_bw = peak_of(lr.abductor_force_bw, false);
    s.max_posture_change = 0.0;
    for (const Eigen::VectorXd* v : {&lr.hip_adduction_change, &lr.hip_rotation_change, &lr.pelvic_obliquity_change,
                                     &lr.trunk_lean_change})
      s.max_posture_change = std::max(s.max_posture_change, v->cwiseAbs().maxCoeff());
    s.held_fraction = n ? static_cast<double>(std::count(lr.held.begin(), lr.held.end(), true)) / n : 1.0;
    out.push_back(s);
  }
  return out;
}

}  // namespace biomech
