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

// Lengths and moment arms of muscles [begin, end) at theta into len[i - begin], arm[i - begin].
void geometry(const PelvisPlant& P, double theta, int begin, int end, double* len, double* arm) {
  const double u = (theta - P.table_min) / P.table_step;
  if (!(u > 0.0 && u < P.table_size - 1)) {  // beyond the tables: linear, with the end knot's slope
    const int k = u <= 0.0 ? 0 : P.table_size - 1;
    const double dtheta = theta - (P.table_min + k * P.table_step);
    for (int i = begin; i < end; ++i) {
      const double r = P.moment_arm(k, i);
      arm[i - begin] = r, len[i - begin] = P.length(k, i) - r * dtheta;
    }
    return;
  }
  const int k = std::min(static_cast<int>(u), P.table_size - 2);
  const double t = u - k, minus_inverse_step = -1.0 / P.table_step;
  const double* c = P.length_cubic.row(k).data();
  for (int i = begin; i < end; ++i) {
    const double c0 = c[4 * i], c1 = c[4 * i + 1], c2 = c[4 * i + 2], c3 = c[4 * i + 3];
    len[i - begin] = c0 + t * (c1 + t * (c2 + t * c3));
    arm[i - begin] = (c1 + t * (2.0 * c2 + 3.0 * t * c3)) * minus_inverse_step;  // r = -dL/dtheta
  }
}

}  // namespace

void PelvisPlant::muscle_geometry(int i, double theta, double& len, double& arm) const {
  geometry(*this, theta, i, i + 1, &len, &arm);
}

void PelvisPlant::muscle_geometry(double theta, double* len, double* arm) const {
  geometry(*this, theta, 0, n_muscles(), len, arm);
}

Vec3 PelvisPlant::muscle_pull(double theta, const double* force) const {
  double u = (theta - table_min) / table_step;
  u = std::clamp(u, 0.0, static_cast<double>(table_size - 1));  // held at the end knots beyond the tables
  const int k = std::min(static_cast<int>(u), table_size - 2);
  const double t = u - k;
  const double *a = unit_force.row(k).data(), *b = unit_force.row(k + 1).data();
  Vec3 at_k = Vec3::Zero(), at_k1 = Vec3::Zero();
  for (int i = 0; i < n_muscles(); ++i) {
    at_k += force[i] * Eigen::Map<const Vec3>(a + 3 * i);
    at_k1 += force[i] * Eigen::Map<const Vec3>(b + 3 * i);
  }
  return (1.0 - t) * at_k + t * at_k1;
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
  // cubic Hermite on each interval, the knot slopes dL/dt = -r * table_step
  p.length_cubic.resize(p.table_size - 1, 4 * n);
  for (int k = 0; k + 1 < p.table_size; ++k)
    for (int i = 0; i < n; ++i) {
      const double p0 = p.length(k, i), p1 = p.length(k + 1, i);
      const double m0 = -p.moment_arm(k, i) * p.table_step, m1 = -p.moment_arm(k + 1, i) * p.table_step;
      p.length_cubic.block<1, 4>(k, 4 * i) << p0, m0, 3 * (p1 - p0) - 2 * m0 - m1, 2 * (p0 - p1) + m0 + m1;
    }
  p.hip_tissue = hip_passive_tissue(model, data, o.stance_side, p.muscles);
  if (!p.hip_tissue.calibrated)
    p.notes.push_back("the plant muscles' passive fibres alone hold the leg in the Ober test: Anderson's ligament curve kept");
  forward_kinematics(model, data, p.posture);
  return p;
}
}  // namespace biomech
