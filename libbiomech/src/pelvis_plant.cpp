// The pelvis plant (pelvis_plant.hpp): the reduced frontal-plane model built
// from a Model by forward kinematics at the stance posture, and its muscle
// tables over the obliquity.
#include "biomech/pelvis_plant.hpp"

#include <algorithm>
#include <string>

#include "biomech/hip.hpp"
#include "biomech/kinematics.hpp"
#include "biomech/muscle_path.hpp"
#include "biomech/q_angle.hpp"
#include "biomech/strength.hpp"
#include "pelvis_system.hpp"

namespace biomech {

using pelvis::finite;
using pelvis::need;
using pelvis::fmt;

namespace {

// Where theta falls in the tables: linear extrapolation from end knot k, or the
// cubic Hermite weights on [knot k, knot k + 1] (values and d/dt, t in [0, 1]).
struct TableSpot {
  int k = 0;
  bool extrapolate = false;
  double dtheta = 0.0;  // extrapolation: theta - knot k
  double h = 0.0;       // rad, the knot step
  double h00 = 0, h10 = 0, h01 = 0, h11 = 0, d00 = 0, d10 = 0, d01 = 0, d11 = 0;
};

TableSpot table_spot(const PelvisPlant& P, double theta) {
  TableSpot s;
  const double u = (theta - P.table_min) / P.table_step;
  if (u <= 0.0 || u >= P.table_size - 1) {  // linear extrapolation with the end slope
    s.extrapolate = true;
    s.k = u <= 0.0 ? 0 : P.table_size - 1;
    s.dtheta = theta - (P.table_min + s.k * P.table_step);
    return s;
  }
  s.k = static_cast<int>(u);
  const double t = u - s.k;
  s.h = P.table_step;
  const double t2 = t * t, t3 = t2 * t;
  s.h00 = 2 * t3 - 3 * t2 + 1, s.h10 = t3 - 2 * t2 + t, s.h01 = -2 * t3 + 3 * t2, s.h11 = t3 - t2;
  s.d00 = 6 * t2 - 6 * t, s.d10 = 3 * t2 - 4 * t + 1, s.d01 = -6 * t2 + 6 * t, s.d11 = 3 * t2 - 2 * t;
  return s;
}

void interpolate(const PelvisPlant& P, const TableSpot& s, int i, double& len, double& arm) {
  if (s.extrapolate) {
    arm = P.moment_arm(s.k, i);
    len = P.length(s.k, i) - arm * s.dtheta;
    return;
  }
  const int k = s.k;
  const double p0 = P.length(k, i), p1 = P.length(k + 1, i);
  const double m0 = -P.moment_arm(k, i) * s.h, m1 = -P.moment_arm(k + 1, i) * s.h;
  len = s.h00 * p0 + s.h10 * m0 + s.h01 * p1 + s.h11 * m1;
  const double d = s.d00 * p0 + s.d10 * m0 + s.d01 * p1 + s.d11 * m1;
  arm = -d / s.h;
}

}  // namespace

void PelvisPlant::muscle_geometry(int i, double theta, double& len, double& arm) const {
  interpolate(*this, table_spot(*this, theta), i, len, arm);
}

void PelvisPlant::muscle_geometry(double theta, double* len, double* arm) const {
  const TableSpot s = table_spot(*this, theta);
  for (int i = 0; i < n_muscles(); ++i) interpolate(*this, s, i, len[i], arm[i]);
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

HipPassiveTissue hip_passive_tissue(const Model& model, Data& data, char side, const std::vector<int>& muscles,
                                    double stretch_limit) {
  const HipCoordinates hip = hip_coordinates(model, side);
  const int femur = model.joints[hip.joint].child;
  Eigen::VectorXd q = standing_posture(model);
  q[hip.adduction] = 0.0;
  forward_kinematics(model, data, q);
  const Vec3 centre = (data.body_pose[femur] * model.joints[hip.joint].child_offset).translation();
  double mass = 0.0;
  Vec3 first = Vec3::Zero();
  for (size_t b = 0; b < model.bodies.size(); ++b)
    if (is_in_subtree(model, static_cast<int>(b), femur)) {
      mass += model.bodies[b].mass;
      first += model.bodies[b].mass * (data.body_pose[b] * model.bodies[b].com);
    }
  HipPassiveTissue t;
  const double lever = mass > 0 ? (first / mass - centre).norm() : 0.0;
  t.ober_leg_moment = mass * model.gravity.norm() * lever * std::cos(kOberAdduction);
  q[hip.adduction] = kOberAdduction;
  compute_muscle_paths(model, data, q);
  for (int m : muscles) {
    const FiberState fs = fiber_state(model.muscles[m], data.muscle_length[m]);
    const double stretch = std::min(fs.normalized_length, stretch_limit);
    t.ober_muscle_moment += -data.moment_arm(m, hip.adduction) * model.muscles[m].max_isometric_force *
                            passive_force_length(stretch, model.muscles[m].hill) * fs.cos_pennation;
  }
  t.moment = PassiveJointMoment::hip_adduction();
  const double tissue = t.ober_leg_moment - t.ober_muscle_moment;
  t.calibrated = tissue > -t.moment.k1;
  if (t.calibrated) t.moment.q1 = kOberAdduction - std::log(tissue / -t.moment.k1) / t.moment.k2;
  return t;
}

PelvisPlant build_pelvis_plant(const Model& model, Data& data, const PelvisPlantOptions& o) {
  check(model, data, "build_pelvis_plant");
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
       who + "expected min_abductor_moment_arm >= 0 m, got " + fmt(o.min_abductor_moment_arm));
  need(finite(o.table_min) && finite(o.table_max) && finite(o.table_step) && o.table_step > 0 &&
           o.table_min < 0 && o.table_max > 0 && (o.table_max - o.table_min) / o.table_step < 1e5,
       who + "expected table_min < 0 < table_max and 0 < table_step (rad)");

  const std::string add_name = std::string("hip_adduction_") + o.stance_side;
  HipCoordinates hip;
  try {
    hip = hip_coordinates(model, o.stance_side);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(who + e.what());
  }
  p.posture_hip_adduction = hip.adduction;
  p.hip_adduction0 = p.posture[p.posture_hip_adduction];
  const int hip_joint = hip.joint;
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
    p.muscles = abductor_muscles(model, o.stance_side, o.min_abductor_moment_arm);
    need(!p.muscles.empty(), who + "expected hip abductors on side " + std::string(1, o.stance_side) +
                                 " (muscles of groups gluteus_medius, gluteus_minimus, tfl, or abducting by more than " +
                                 fmt(o.min_abductor_moment_arm) + " m at the default posture), got none");
  } else {
    for (const std::string& n : o.muscles) {
      const int m = model.muscle_index(n);
      need(m >= 0, who + "expected a muscle of the model, got '" + n + "'");
      need(std::abs(data.moment_arm(m, p.posture_hip_adduction)) > 1e-9,
           who + "expected a muscle crossing the stance hip, got '" + n + "' (no adduction moment arm)");
      p.muscles.push_back(m);
    }
  }
  const auto in_groups = [&](int m) { return is_hip_abductor_group(model.muscles[m].group); };
  const bool grouped = o.muscles.empty() && std::any_of(p.muscles.begin(), p.muscles.end(), in_groups);
  if (o.other_abductors && o.muscles.empty())
    for (int m = 0; m < model.n_muscles(); ++m)
      if (data.moment_arm(m, p.posture_hip_adduction) < -o.min_abductor_moment_arm &&
          std::find(p.muscles.begin(), p.muscles.end(), m) == p.muscles.end())
        p.muscles.push_back(m);
  for (int m : p.muscles) {
    p.weakened.push_back(!grouped || in_groups(m));
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
  p.hip_tissue = hip_passive_tissue(model, data, o.stance_side, p.muscles);
  if (!p.hip_tissue.calibrated)
    p.notes.push_back("the plant muscles' passive fibres alone hold the leg in the Ober test: Anderson's ligament curve kept");
  forward_kinematics(model, data, p.posture);
  return p;
}
}  // namespace biomech
