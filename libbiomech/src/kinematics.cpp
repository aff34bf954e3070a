#include "biomech/kinematics.hpp"

#include <cmath>
#include <cstdio>
#include <string>

#include "biomech/errors.hpp"
#include "internal.hpp"

namespace biomech {

using internal::fmt;
namespace {

double axis_value(const Data& data, const TransformAxis& ax) {
  return ax.function.value(ax.coordinate < 0 ? 0.0 : data.coordinate_value[ax.coordinate]);
}

// d(axis value)/d(driving posture coordinate)
double axis_rate(const Data& data, const TransformAxis& ax) {
  if (ax.coordinate < 0) return 0.0;
  return ax.function.derivative(data.coordinate_value[ax.coordinate]) * data.coordinate_rate[ax.coordinate];
}

MotionTerm* term_for(const Model& model, Data& data, int joint, const TransformAxis& ax) {
  const int k = model.driving_posture_index(ax.coordinate);
  for (int t = data.joint_terms_begin[joint]; t < data.joint_terms_begin[joint + 1]; ++t)
    if (data.motion_terms[t].posture_index == k) return &data.motion_terms[t];
  return nullptr;
}

// R * (the rotation by theta about the unit vector a). About a coordinate axis, the
// usual case, only the other two columns turn (the product with Rodrigues' matrix
// without its zeros and ones).
void rotate(Mat3& R, const Vec3& a, double theta) {
  for (int i = 0; i < 3; ++i)
    if (a[i] == 1.0) {
      const int j = (i + 1) % 3, k = (i + 2) % 3;
      const double c = std::cos(theta), s = std::sin(theta);
      const Vec3 cj = R.col(j), ck = R.col(k);
      R.col(j) = c * cj + s * ck;
      R.col(k) = c * ck - s * cj;
      return;
    }
  R = R * Eigen::AngleAxisd(theta, a).toRotationMatrix();
}

}  // namespace

void check_posture_bounds(const Model& model, const Eigen::Ref<const Eigen::VectorXd>& q, std::string_view where) {
  for (int i = 0; i < static_cast<int>(model.independent.size()) && i < q.size(); ++i) {
    const Coordinate& c = model.coordinates[model.independent[i]];
    const double margin = c.rotational ? kPostureMarginRad : kPostureMarginM;
    if (std::isfinite(q[i]) && q[i] >= c.range_min - margin && q[i] <= c.range_max + margin) continue;
    const double k = c.rotational ? 180.0 / M_PI : 1.0;
    throw InvalidArgument(std::string(where) + ": expected " + c.name + " in [" + fmt((c.range_min - margin) * k) + ", " +
                          fmt((c.range_max + margin) * k) + "] " + (c.rotational ? "deg" : "m") +
                          " (its range widened by " + (c.rotational ? "360 deg" : "1 m") + "), got " + fmt(q[i] * k));
  }
}

void forward_kinematics(const Model& model, Data& data, const Eigen::Ref<const Eigen::VectorXd>& q) {
  check(model, data, "forward_kinematics");
  if (q.size() != model.nq())
    throw InvalidArgument("forward_kinematics: expected a posture of " + std::to_string(model.nq()) +
                          " coordinates, got " + std::to_string(q.size()));
  if (!q.allFinite()) throw InvalidArgument("forward_kinematics: expected finite coordinates, got NaN or inf");
  check_posture_bounds(model, q, "forward_kinematics");  // a string only when it throws
  data.q = q;
  const int nc = static_cast<int>(model.coordinates.size());
  for (int c = 0; c < nc; ++c) {
    const Coordinate& co = model.coordinates[c];
    if (co.driver < 0) {
      data.coordinate_value[c] = q[model.posture_index[c]];
      data.coordinate_rate[c] = 1.0;
    } else {
      const double qd = q[model.posture_index[co.driver]];
      data.coordinate_value[c] = co.coupler.value(qd);
      data.coordinate_rate[c] = co.coupler.derivative(qd);
    }
  }
  for (auto& t : data.motion_terms) t.w.setZero(), t.v.setZero();

  const int nb = static_cast<int>(model.bodies.size());
  for (int b = 0; b < nb; ++b) {
    const int jidx = model.bodies[b].joint;
    const Joint& j = model.joints[jidx];
    const Eigen::Isometry3d X_GF =
        j.parent < 0 ? j.parent_offset : data.body_pose[j.parent] * j.parent_offset;
    const Mat3 R_GF = X_GF.linear();

    // translation of M in F; rotation about M's origin, body-fixed sequence
    Vec3 p = Vec3::Zero();
    for (const TransformAxis& ax : j.translations) p += axis_value(data, ax) * ax.axis;
    const Vec3 origin = X_GF * p;
    Mat3 R = Mat3::Identity();
    for (const TransformAxis& ax : j.rotations) {
      const double rate = axis_rate(data, ax);
      if (rate != 0.0) {
        const Vec3 w = R_GF * (R * ax.axis) * rate;
        MotionTerm* t = term_for(model, data, jidx, ax);
        t->w += w;
        t->v += origin.cross(w);
      }
      const double theta = axis_value(data, ax);
      if (theta != 0.0) rotate(R, ax.axis, theta);
    }
    for (const TransformAxis& ax : j.translations) {
      const double rate = axis_rate(data, ax);
      if (rate != 0.0) term_for(model, data, jidx, ax)->v += R_GF * ax.axis * rate;
    }
    // X_GF * X_FM * child_offset^-1, X_FM = (R, p): rotation R_GF R R_c^T, origin - (that) t_c
    Eigen::Isometry3d& X = data.body_pose[b];
    X.linear().noalias() = R_GF * R * j.child_offset.linear().transpose();
    X.translation() = origin - X.linear() * j.child_offset.translation();
  }
}

Vec3 point_in_ground(const Data& data, int body, const Vec3& local) { return data.body_pose[body] * local; }

Vec3 landmark_position(const Model& model, const Data& data, const std::string& name) {
  check(model, data, "landmark_position");
  const int i = model.landmark_index(name);
  if (i < 0) throw InvalidArgument("landmark_position: expected a landmark of the model, got '" + name + "'");
  const Landmark& l = model.landmarks[i];
  return data.body_pose[l.body] * l.location;
}

Vec3 center_of_mass(const Model& model, const Data& data, const std::vector<int>& bodies) {
  check(model, data, "center_of_mass");
  Vec3 s = Vec3::Zero();
  double m = 0.0;
  auto add = [&](int b) {
    s += model.bodies[b].mass * (data.body_pose[b] * model.bodies[b].com);
    m += model.bodies[b].mass;
  };
  if (bodies.empty())
    for (size_t b = 0; b < model.bodies.size(); ++b) add(static_cast<int>(b));
  else
    for (int b : bodies) {
      if (b < 0 || b >= static_cast<int>(model.bodies.size()))
        throw InvalidArgument("center_of_mass: expected body indices of the model, got " + std::to_string(b));
      add(b);
    }
  if (m <= 0.0) throw InvalidArgument("center_of_mass: the bodies have no mass");
  return s / m;
}

}  // namespace biomech
