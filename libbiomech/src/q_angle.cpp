#include "biomech/q_angle.hpp"

#include <algorithm>
#include <cmath>

#include "biomech/data.hpp"
#include "biomech/errors.hpp"
#include "biomech/kinematics.hpp"

namespace biomech {
namespace {

int need_landmark(const Model& m, const std::string& name) {
  const int i = m.landmark_index(name);
  if (i < 0) throw InvalidArgument("q_angle: expected the model to have landmark '" + name + "', it has not");
  return i;
}

// Signed angle from a to b in the plane with normal n; positive when b turns toward `lateral`.
double signed_angle(const Vec3& a, const Vec3& b, const Vec3& n, const Vec3& lateral) {
  const Vec3 pa = a - a.dot(n) * n, pb = b - b.dot(n) * n;
  const double s = pa.cross(pb).dot(n), c = pa.dot(pb);
  // sign convention: rotating a toward `lateral` is positive
  const Vec3 toward = n.cross(pa);
  const double sign = toward.dot(lateral) >= 0.0 ? 1.0 : -1.0;
  return sign * std::atan2(s, c);
}

// The shortest rotation turning direction a into direction b: Eigen's Quaternion::FromTwoVectors,
// same arithmetic, without the JacobiSVD its opposite-vectors case instantiates (two thirds of
// this file's compile time). Opposite vectors: half a turn about an axis perpendicular to a.
Eigen::Quaterniond rotation_between(const Vec3& a, const Vec3& b) {
  const Vec3 u = a.normalized(), v = b.normalized();
  const double c = v.dot(u);
  if (c < -1.0 + 1e-12) return Eigen::Quaterniond(Eigen::AngleAxisd(M_PI, u.unitOrthogonal()));
  const double s = std::sqrt((1.0 + c) * 2.0);
  const Vec3 axis = u.cross(v) * (1.0 / s);
  return Eigen::Quaterniond(s * 0.5, axis.x(), axis.y(), axis.z());
}

}  // namespace

Eigen::VectorXd standing_posture(const Model& model) {
  Eigen::VectorXd q = model.default_posture();
  for (int k = 0; k < model.nq(); ++k) {
    const Coordinate& c = model.coordinates[model.independent[k]];
    if (c.rotational) q[k] = std::clamp(0.0, c.range_min, c.range_max);
  }
  return q;
}

QAngleResult q_angle(const Model& m, Data& d, const Eigen::Ref<const Eigen::VectorXd>& q, const QAngleOptions& o) {
  check_fields(o, "q_angle");
  const char side = o.side;
  const std::string s(1, side);
  const double sigma = side == 'r' ? 1.0 : -1.0;
  const int asis = need_landmark(m, "asis_" + s), pat = need_landmark(m, "patella_centre_" + s),
            tt = need_landmark(m, "tibial_tuberosity_" + s);
  const int pelvis = m.body_index("pelvis"), femur = m.body_index("femur_" + s), tibia = m.body_index("tibia_" + s);
  if (pelvis < 0 || femur < 0 || tibia < 0) throw InvalidArgument("q_angle: expected bodies pelvis, femur_" + s + " and tibia_" + s);

  forward_kinematics(m, d, q);
  const auto landmark_local = [&](const std::string& name, int body, const Vec3& fallback) {
    const int i = m.landmark_index(name);
    if (i >= 0 && m.landmarks[i].body == body) return m.landmarks[i].location;
    return fallback;
  };
  // joint centres as fallbacks: femur origin, tibia origin, the tibia's child joint
  Vec3 ankle_local(0.0, -0.43 * m.subject.height / 1.80, 0.0);
  for (const Joint& j : m.joints)
    if (j.parent == tibia) ankle_local = j.parent_offset.translation();
  const Vec3 hip_l = landmark_local("hip_centre_" + s, femur, m.joints[m.bodies[femur].joint].child_offset.translation());
  const Vec3 knee_l = landmark_local("knee_centre_" + s, tibia, m.joints[m.bodies[tibia].joint].child_offset.translation());
  const Vec3 ankle_l = landmark_local("ankle_centre_" + s, tibia, ankle_local);
  if (m.landmarks[pat].body == tibia || m.landmarks[asis].body != pelvis)
    throw InvalidArgument("q_angle: expected asis_" + s + " on the pelvis and patella_centre_" + s + " on the femur");

  QAngleResult r;
  r.asis_m = landmark_position(m, d, m.landmarks[asis].name);
  r.patella_m = landmark_position(m, d, m.landmarks[pat].name);
  r.hip_m = point_in_ground(d, femur, hip_l);
  Eigen::Isometry3d X_tibia = d.body_pose[tibia];
  if (o.weight_bearing) {
    // the tibia with this side's hip adduction and rotation at zero, then turned about the
    // knee so that the shank reaches the planted ankle from the knee's new place
    Eigen::VectorXd q0 = q;
    for (const char* c : {"hip_adduction_", "hip_rotation_"}) {
      const int k = m.posture_coordinate(c + s);
      if (k >= 0) q0[k] = 0.0;
    }
    Data d0(m);
    forward_kinematics(m, d0, q0);
    const Eigen::Isometry3d X0 = d0.body_pose[tibia];
    const Vec3 K0 = X0 * knee_l, A0 = X0 * ankle_l, K = X_tibia * knee_l;
    const Eigen::Quaterniond turn = rotation_between(A0 - K0, A0 - K);
    Eigen::Isometry3d X = Eigen::Isometry3d::Identity();
    X.linear() = turn.toRotationMatrix() * X0.linear();
    X.translation() = K - X.linear() * knee_l;
    X_tibia = X;
  }
  r.tuberosity_m = X_tibia * m.landmarks[tt].location;
  r.knee_m = X_tibia * knee_l;
  r.ankle_m = X_tibia * ankle_l;

  const Mat3 Rp = d.body_pose[pelvis].linear();
  Vec3 n = Rp.col(0);                 // pelvis anterior: normal of its frontal plane
  Vec3 lateral = sigma * Rp.col(2);   // toward this side
  const Vec3 up = -m.gravity.normalized();
  const Vec3 level = n - n.dot(up) * up;
  if (o.camera_view && level.norm() > std::sqrt(0.5)) {  // the pelvis faces more forward than up or down
    n = level.normalized();
    lateral = sigma * n.cross(up);
  }
  r.q_angle = signed_angle(r.patella_m - r.asis_m, r.tuberosity_m - r.patella_m, n, lateral);
  r.knee_fppa = signed_angle(r.knee_m - r.hip_m, r.ankle_m - r.knee_m, n, lateral);

  const auto in_plane_unit = [&](const Vec3& v) {
    const Vec3 p = v - v.dot(n) * n;
    return Vec3(p.normalized());
  };
  r.patella_force_n = o.quadriceps_force_n * (in_plane_unit(r.asis_m - r.patella_m) + in_plane_unit(r.tuberosity_m - r.patella_m));
  r.lateral_pull_n = r.patella_force_n.dot(lateral);
  return r;
}

}  // namespace biomech
