// Single-leg stance: see seesaw.hpp for the model.
#include "biomech/seesaw.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "biomech/anthropometry.hpp"
#include "biomech/data.hpp"
#include "biomech/errors.hpp"
#include "biomech/strength.hpp"
#include "biomech/inverse_dynamics.hpp"
#include "biomech/kinematics.hpp"
#include "biomech/muscle.hpp"
#include "biomech/muscle_path.hpp"
#include "internal.hpp"

namespace biomech {
namespace {

constexpr double kFeasibleReserve = 1e-3;  // N m
using internal::kNaN;

int need_coordinate(const Model& m, const std::string& name) {
  const int k = m.posture_coordinate(name);
  if (k < 0) throw InvalidArgument("single_leg_stance: expected the model to have coordinate '" + name + "', it has not");
  return k;
}
HipCoordinates need_hip(const Model& m, char side) {
  try {
    return hip_coordinates(m, side);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string("single_leg_stance: ") + e.what());
  }
}
int need_body(const Model& m, const std::string& name) {
  const int b = m.body_index(name);
  if (b < 0) throw InvalidArgument("single_leg_stance: expected the model to have body '" + name + "', it has not");
  return b;
}

// Sign of the x component of the rotation axis that coordinate `name` drives in its joint
// (+1 when a positive value rotates the child about +x, as hip_adduction_r does in OpenSim).
double x_axis_sign(const Model& m, const std::string& name) {
  const int c = m.coordinate_index(name);
  for (const Joint& j : m.joints)
    for (const TransformAxis& ax : j.rotations)
      if (ax.coordinate == c && std::abs(ax.axis.x()) > 0.5) return ax.axis.x() > 0 ? 1.0 : -1.0;
  throw InvalidArgument("single_leg_stance: coordinate '" + name + "' does not rotate about the x (antero-posterior) axis");
}

struct Loads {
  std::vector<ExternalLoad> external;  // carried loads and the cane, without the ground reaction
  double carried_weight = 0.0;         // N
};

// Whole posture from the options. Frontal-plane angles compose about the ground x
// axis: list rotates the pelvis, hip adduction the femur relative to it.
Eigen::VectorXd stance_posture(const Model& m, const StanceOptions& o, Data& data) {
  const std::string s(1, o.stance_side), w(1, o.stance_side == 'r' ? 'l' : 'r');
  const double sigma = o.stance_side == 'r' ? 1.0 : -1.0;
  Eigen::VectorXd q = m.default_posture();
  const auto set_index = [&](int k, double v) {
    const Coordinate& c = m.coordinates[m.independent[k]];
    if (v < c.range_min - 1e-12 || v > c.range_max + 1e-12)
      throw InvalidArgument("single_leg_stance: the options put coordinate '" + c.name + "' at " +
                            std::to_string(v * 180 / M_PI) + " deg, outside its range [" +
                            std::to_string(c.range_min * 180 / M_PI) + ", " + std::to_string(c.range_max * 180 / M_PI) + "] deg");
    q[k] = v;
  };
  const auto set = [&](const std::string& name, double v) { set_index(need_coordinate(m, name), v); };
  const HipCoordinates stance = need_hip(m, o.stance_side), swing = need_hip(m, w[0]);
  if (stance.knee < 0) need_coordinate(m, "knee_angle_" + s);
  if (swing.knee < 0) need_coordinate(m, "knee_angle_" + w);
  for (const char* root : {"pelvis_tilt", "pelvis_list", "pelvis_rotation"})
    if (m.posture_coordinate(root) >= 0) q[m.posture_coordinate(root)] = 0.0;
  // swing side drops: the pelvis turns about +x by -sigma * drop (right stance: left side down)
  const double list = -sigma * o.pelvic_obliquity;
  set("pelvis_list", list);
  const auto hip_frontal = [&](const HipCoordinates& h, double side_sign, double world_adduction) {
    const std::string& name = m.coordinates[m.independent[h.adduction]].name;
    set_index(h.adduction, (side_sign * world_adduction - list) / x_axis_sign(m, name));
  };
  hip_frontal(stance, sigma, o.stance_hip_adduction);
  hip_frontal(swing, -sigma, o.swing_hip_adduction);
  set_index(stance.flexion, o.stance_hip_flexion);
  set_index(stance.rotation, o.stance_hip_rotation);
  set_index(stance.knee, 0.0);
  set_index(swing.flexion, o.swing_hip_flexion);
  set_index(swing.knee, swing.knee_flexion_sign * o.swing_knee_flexion);

  // trunk: world lean toward the stance side; the lumbar joint takes what the pelvis does not
  const bool has_bending = m.posture_coordinate("lumbar_bending") >= 0;
  if (has_bending) {
    set("lumbar_bending", (sigma * o.trunk_lean - list) / x_axis_sign(m, "lumbar_bending"));
  } else if (o.trunk_lean != 0.0 || o.pelvic_obliquity != 0.0) {
    need_coordinate(m, "lumbar_bending");
  }
  const int ext = m.posture_coordinate("lumbar_extension");
  const int torso = m.body_index("torso");
  if (ext >= 0 && torso >= 0) {
    // trunk centre of mass at trunk_sagittal_offset in front of the hip centres (secant on lumbar_extension)
    const int fr = need_body(m, "femur_r"), fl = need_body(m, "femur_l");
    const auto offset = [&](double e) {
      q[ext] = e;
      forward_kinematics(m, data, q);
      const Vec3 com = center_of_mass(m, data, {torso});
      const double hip_x = 0.5 * (data.body_pose[fr].translation().x() + data.body_pose[fl].translation().x());
      return com.x() - hip_x - o.trunk_sagittal_offset_m;
    };
    double e0 = 0.0, f0 = offset(e0), e1 = -0.1, f1 = offset(e1);
    for (int it = 0; it < 50 && std::abs(f1) > 1e-12; ++it) {
      if (f1 == f0) break;
      const double e2 = e1 - f1 * (e1 - e0) / (f1 - f0);
      e0 = e1, f0 = f1, e1 = e2, f1 = offset(e1);
    }
    if (!(std::abs(f1) < 1e-9)) throw InvalidArgument("single_leg_stance: no lumbar extension puts the trunk centre of mass at the requested sagittal offset");
    set("lumbar_extension", e1);
  } else if (o.trunk_sagittal_offset_m != 0.0) {
    need_coordinate(m, "lumbar_extension");
  }
  return q;
}

// Shoulder-level point of the trunk midline (torso frame): 0.425 m above the back joint for
// the 1.80 m reference (Rajagopal et al. 2016 acromion markers RACR/LACR, torso y = 0.425 m),
// scaled with height.
Vec3 shoulder_midline(const Model& m, const Data& d, int torso) {
  const double k = m.subject.height / 1.80;
  return d.body_pose[torso] * Vec3(0.0, 0.425 * k, 0.0);
}

Loads carried_loads(const Model& m, const Data& d, const StanceOptions& o) {
  Loads L;
  const double g = m.gravity.norm();
  const Vec3 down = m.gravity.normalized();
  const double sigma = o.stance_side == 'r' ? 1.0 : -1.0;
  const int pelvis = need_body(m, "pelvis");
  const int torso = m.body_index("torso") >= 0 ? m.body_index("torso") : pelvis;
  const Vec3 shoulder = torso == pelvis ? d.body_pose[pelvis].translation() : shoulder_midline(m, d, torso);
  const Vec3 lateral = Vec3::UnitZ() * sigma;  // toward the stance side, ground frame
  const auto weight = [&](int body, const Vec3& point, double kg) {
    if (kg == 0.0) return;
    L.external.push_back(ExternalLoad{body, point, kg * g * down, Vec3::Zero()});
    L.carried_weight += kg * g;
  };
  weight(torso, shoulder - o.hand_lateral_distance_m * lateral, o.hand_load_contralateral_kg);
  weight(torso, shoulder + o.hand_lateral_distance_m * lateral, o.hand_load_ipsilateral_kg);
  weight(pelvis, d.body_pose[pelvis].translation(), o.belt_load_kg);
  if (o.backpack_load_kg != 0.0) {
    const Vec3 c = center_of_mass(m, d, {torso}) - o.backpack_offset_m * (d.body_pose[torso].linear() * Vec3::UnitX());
    weight(torso, c, o.backpack_load_kg);
  }
  if (o.cane_force_bw != 0.0) {
    const double side = o.cane_contralateral ? -1.0 : 1.0;
    const double push = o.cane_force_bw * m.total_mass() * g;
    L.external.push_back(ExternalLoad{torso, shoulder + side * o.cane_lateral_distance_m * lateral, -push * down, Vec3::Zero()});
  }
  return L;
}

// The support: a weld at the stance ankle centre carrying what statics needs.
ExternalLoad ground_reaction(const Model& m, const Data& d, const std::vector<Vec3>& fi, const std::vector<Vec3>& mi,
                             const std::vector<ExternalLoad>& loads, int tibia, char side) {
  Vec3 F = Vec3::Zero(), M = Vec3::Zero();
  for (size_t b = 0; b < fi.size(); ++b) F += fi[b], M += mi[b];
  for (const ExternalLoad& l : loads) F -= l.force, M -= l.point.cross(l.force) + l.moment;
  const int lm = m.landmark_index(std::string("ankle_centre_") + side);
  const Vec3 p = lm >= 0 ? landmark_position(m, d, m.landmarks[lm].name)
                         : point_in_ground(d, tibia, Vec3(0.0, -0.43 * m.subject.height / 1.80, 0.0));
  return ExternalLoad{tibia, p, F, M - p.cross(F)};
}

}  // namespace

LeverResult lever_model(const LeverInput& in) {
  check_fields(in, "lever_model");
  // W_p is part of the body: a given body weight below it makes no body (and tiny ones overflow the ratios)
  if (in.body_weight_n > 0.0 && in.body_weight_n < in.partial_weight_n)
    throw InvalidArgument("lever_model: expected body_weight_n 0 (derived from W_p) or >= partial_weight_n (" +
                          internal::fmt(in.partial_weight_n) + " N), got " + internal::fmt(in.body_weight_n) + " N");
  LeverResult r;
  r.partial_weight_n = in.partial_weight_n;
  r.body_weight_lever_m = in.body_weight_lever_m;
  r.abductor_lever_m = in.abductor_lever_m;
  r.abductor_angle = in.abductor_angle;
  r.body_weight_n = in.body_weight_n > 0.0 ? in.body_weight_n : in.partial_weight_n / (1.0 - 0.1986);
  // moments about the femoral head: W_p d_w = F_a d_a
  r.abductor_force_n = in.partial_weight_n * in.body_weight_lever_m / in.abductor_lever_m;
  // pelvis-side free body: W_p down, F_a down and lateral (toward the trochanter), R from the
  // head. The force on the femoral head is -R = W_p + F_a (down, lateral).
  const double fa = r.abductor_force_n, th = in.abductor_angle;
  r.hip_contact_force_ground_n = Vec3(0.0, -(in.partial_weight_n + fa * std::cos(th)), fa * std::sin(th));
  r.hip_contact_force_n = r.hip_contact_force_ground_n.norm();
  r.abductor_force_bw = r.abductor_force_n / r.body_weight_n;
  r.hip_contact_force_bw = r.hip_contact_force_n / r.body_weight_n;
  const Vec3& f = r.hip_contact_force_ground_n;
  r.contact_angle = std::atan2(std::hypot(f.x(), f.z()), -f.y());
  return r;
}

StanceResult single_leg_stance(const Model& m, Data& d, const StanceOptions& o) {
  check_fields(o, "single_leg_stance");
  const std::string s(1, o.stance_side);
  const HipCoordinates hip = need_hip(m, o.stance_side);
  const int pelvis = need_body(m, "pelvis"), tibia = need_body(m, "tibia_" + s);
  const int hip_joint = hip.joint, femur = m.joints[hip_joint].child;
  const int kq[3] = {hip.flexion, hip.adduction, hip.rotation};

  // ---- posture and kinematics
  StanceResult r;
  r.stance_side = o.stance_side;
  r.posture = stance_posture(m, o, d);
  forward_kinematics(m, d, r.posture);
  compute_muscle_paths(m, d, r.posture);
  const Vec3 H = d.body_pose[femur].translation() + d.body_pose[femur].linear() * m.joints[hip_joint].child_offset.translation();
  r.hip_centre_m = H;

  // ---- loads and the hip moments the muscles must make
  std::vector<Vec3> fi, mi;
  body_inertial_loads(m, d, {}, fi, mi);
  const Loads carried = carried_loads(m, d, o);
  std::vector<ExternalLoad> loads = carried.external;
  loads.push_back(ground_reaction(m, d, fi, mi, carried.external, tibia, o.stance_side));
  const Eigen::VectorXd tau = generalized_forces(m, d, {}, loads);
  for (int j = 0; j < 3; ++j) r.hip_moment_nm[j] = tau[kq[j]];
  // whole-body statics: the root's generalized forces must vanish with the support in place
  double root_residual = 0.0;
  for (int k = 0; k < m.nq(); ++k)
    if (m.joints[m.bodies[pelvis].joint].parent < 0) {
      const Joint& rj = m.joints[m.bodies[pelvis].joint];
      for (const auto* axes : {&rj.rotations, &rj.translations})
        for (const TransformAxis& ax : *axes)
          if (ax.coordinate >= 0 && m.posture_index[ax.coordinate] == k) root_residual = std::max(root_residual, std::abs(tau[k]));
    }

  const double g = m.gravity.norm();
  r.body_weight_n = m.total_mass() * g;
  double wp_mass = 0.0;
  Vec3 wp_moment = Vec3::Zero();
  for (int b = 0; b < static_cast<int>(m.bodies.size()); ++b)
    if (!is_in_subtree(m, b, femur)) {
      wp_mass += m.bodies[b].mass;
      wp_moment += m.bodies[b].mass * center_of_mass(m, d, {b});
    }
  r.superincumbent_weight_n = wp_mass * g;
  r.superincumbent_com_m = wp_moment / wp_mass;
  r.load_weight_n = carried.carried_weight;

  // ---- muscles of the stance side that cross the hip
  std::vector<int> idx;
  for (int i = 0; i < m.n_muscles(); ++i) {
    if (m.muscles[i].side != o.stance_side) continue;
    bool crosses = false;
    for (int k : kq) crosses |= std::abs(d.moment_arm(i, k)) > 1e-9;
    if (crosses) idx.push_back(i);
  }
  const int n = static_cast<int>(idx.size());
  if (n == 0) throw InvalidArgument("single_leg_stance: the model has no " + s + " muscle crossing the hip");
  std::vector<int> abd = abductor_muscles(m, o.stance_side);
  Eigen::MatrixXd R(3, n);
  Eigen::VectorXd Fmax(n);
  const Eigen::VectorXd strength = effective_max_force(m, d);  // the same capacity as the exercises
  r.muscle_moment_arm_m.resize(n, 3);
  r.muscle_is_abductor.assign(n, false);
  for (int c = 0; c < n; ++c) {
    const Muscle& mu = m.muscles[idx[c]];
    for (int j = 0; j < 3; ++j) R(j, c) = r.muscle_moment_arm_m(c, j) = d.moment_arm(idx[c], kq[j]);
    const bool is_abd = std::find(abd.begin(), abd.end(), idx[c]) != abd.end();
    const double scale = is_abd ? o.abductor_strength_scale : 1.0;
    Fmax[c] = strength[idx[c]] * scale;
    r.muscle_names.push_back(mu.name);
    r.muscle_groups.push_back(mu.group);
    r.muscle_is_abductor[c] = is_abd;
  }
  RecruitmentWorkspace work;
  RecruitmentResult rec;
  solve_recruitment(R, Fmax, r.hip_moment_nm, o.recruitment, work, rec);
  require_converged(rec, "single_leg_stance");
  r.muscle_activation = rec.activation;
  r.muscle_max_force_n = Fmax;
  r.muscle_force_n = rec.force;
  r.reserve_nm = rec.reserve;
  r.reserve_torque_nm = rec.reserve.norm();
  r.feasible = r.reserve_torque_nm < kFeasibleReserve;

  // ---- abductors: force, lever, and the body-weight lever
  const int add = 1;
  r.abductor_moment_nm = -r.hip_moment_nm[add];
  double fsum = 0.0, msum = 0.0, csum = 0.0, cmsum = 0.0;
  for (int c = 0; c < n; ++c)
    if (r.muscle_is_abductor[c]) {
      fsum += r.muscle_force_n[c];
      msum += -R(add, c) * r.muscle_force_n[c];
      const double capacity = strength[idx[c]];  // at full strength, so defined at any scale
      csum += capacity;
      cmsum += -R(add, c) * capacity;
    }
  r.abductor_force_n = fsum;
  r.abductor_force_bw = fsum / r.body_weight_n;
  // The lever is geometry: weighted by the forces the abductors carry, or, when they
  // carry none (strength 0, or no abduction demand), by their capacities.
  r.abductor_lever_m = fsum > 0.0 ? msum / fsum : (csum > 0.0 ? cmsum / csum : kNaN);
  {
    // gravity alone on the pelvis side, about the stance hip's adduction axis
    Vec3 w_add = Vec3::Zero();
    for (const MotionTerm& t : d.motion_terms)
      if (t.joint == hip_joint && t.posture_index == kq[add]) w_add = t.w;
    Vec3 mg = Vec3::Zero();
    for (int b = 0; b < static_cast<int>(m.bodies.size()); ++b)
      if (!is_in_subtree(m, b, femur)) mg += (center_of_mass(m, d, {b}) - H).cross(m.bodies[b].mass * m.gravity);
    // tau_add from gravity = w . M_H(rest gravity); the abductors must supply minus that
    r.body_weight_lever_m = -w_add.dot(mg) / r.superincumbent_weight_n;
  }

  // ---- muscle loads, hip contact force and an independent equilibrium check
  Eigen::VectorXd tension = Eigen::VectorXd::Zero(m.n_muscles());
  for (int c = 0; c < n; ++c) {
    tension[idx[c]] = r.muscle_force_n[c];
    const std::string& g = r.muscle_groups[c];
    if (g == "gluteus_medius") r.gmed_force_n += r.muscle_force_n[c];
    if (g == "gluteus_minimus") r.gmin_force_n += r.muscle_force_n[c];
    if (g == "tfl") r.tfl_force_n += r.muscle_force_n[c];
  }
  std::vector<Vec3> fm, mm;
  muscle_loads_on_bodies(m, d, tension, fm, mm);
  const Vec3 hcf = joint_reaction_force(m, d, hip_joint, fi, loads, fm);
  r.hip_contact_force_ground_n = hcf;
  r.hip_contact_force_pelvis_n = d.body_pose[pelvis].linear().transpose() * hcf;
  r.hip_contact_force_femur_n = d.body_pose[femur].linear().transpose() * hcf;
  r.hip_contact_force_n = hcf.norm();
  r.hip_contact_force_bw = r.hip_contact_force_n / r.body_weight_n;
  const Vec3 up = -m.gravity.normalized();
  r.contact_angle = std::atan2((hcf - hcf.dot(up) * up).norm(), -hcf.dot(up));

  // Newton-Euler on the pelvis side about H: gravity + carried loads + muscles, projected on
  // each hip axis, equals the reserve (virtual rotation of the pelvis side, femur held).
  Vec3 Mrest = Vec3::Zero();
  for (int b = 0; b < static_cast<int>(m.bodies.size()); ++b)
    if (!is_in_subtree(m, b, femur)) {
      // body_inertial_loads gives m(a - g) = -m g; the load of gravity is its negative
      Mrest += -(mi[b] - H.cross(fi[b]));
      Mrest += mm[b] - H.cross(fm[b]);
    }
  for (const ExternalLoad& l : carried.external)
    if (!is_in_subtree(m, l.body, femur)) Mrest += (l.point - H).cross(l.force) + l.moment;
  double ne_residual = 0.0;
  for (int j = 0; j < 3; ++j) {
    Vec3 w = Vec3::Zero();
    for (const MotionTerm& t : d.motion_terms)
      if (t.joint == hip_joint && t.posture_index == kq[j]) w = t.w;
    ne_residual = std::max(ne_residual, std::abs(w.dot(Mrest) - r.reserve_nm[j]));
  }
  r.equilibrium_residual_nm = std::max({rec.residual.cwiseAbs().maxCoeff(), ne_residual, root_residual});
  return r;
}

WeaknessResult abductor_weakness(const Model& model, Data& data, double strength_scale, const StanceOptions& base, double max_lean,
                                 double max_drop) {
  if (!std::isfinite(strength_scale) || strength_scale < 0.0)
    throw InvalidArgument("abductor_weakness: expected a strength scale >= 0, got " + std::to_string(strength_scale));
  if (!(max_lean > 0.0) || !(max_drop > 0.0)) throw InvalidArgument("abductor_weakness: expected positive search limits");
  WeaknessResult w;
  w.strength_scale = strength_scale;
  w.passive_model =
      "pelvis rotates about the stance hip (trunk kept vertical, swing leg as posed); held by the stance hip muscles' "
      "active capacity at each drop angle (force-length scaled); no passive structure: no passive fibre force, "
      "capsule or ligaments";
  StanceOptions o = base;
  o.abductor_strength_scale = strength_scale;
  o.pelvic_obliquity = 0.0;
  const StanceResult level = single_leg_stance(model, data, o);
  w.level_feasible = level.feasible;
  w.level_reserve_nm = level.reserve_torque_nm;
  if (level.feasible) return w;
  // feasible(x) is monotone in the search variable for these models; bisection to 0.01 deg
  const auto search = [&](auto&& feasible_at, double hi) {
    if (!feasible_at(hi)) return kNaN;
    double lo = 0.0;
    while (hi - lo > 0.01 * internal::kDeg) {
      const double mid = 0.5 * (lo + hi);
      (feasible_at(mid) ? hi : lo) = mid;
    }
    return hi;
  };
  w.compensating_trunk_lean = search(
      [&](double lean) {
        StanceOptions t = o;
        t.trunk_lean = lean;
        return single_leg_stance(model, data, t).feasible;
      },
      max_lean);
  w.pelvic_drop = search(
      [&](double drop) {
        StanceOptions t = o;
        t.pelvic_obliquity = drop;
        t.trunk_lean = 0.0;
        try {
          return single_leg_stance(model, data, t).feasible;
        } catch (const InvalidArgument&) {
          return false;  // a posture outside the coordinate ranges
        }
      },
      max_drop);
  return w;
}

}  // namespace biomech
