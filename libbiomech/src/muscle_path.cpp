#include "biomech/muscle_path.hpp"

#include "biomech/errors.hpp"
#include "biomech/kinematics.hpp"
#include "biomech/wrapping.hpp"

namespace biomech {
namespace {

Vec3 point_location(const Data& data, const PathPoint& p) {
  if (p.type != PathPoint::Type::moving) return p.location;
  Vec3 loc = p.location;
  for (int i = 0; i < 3; ++i)
    if (p.moving_coordinate[i] >= 0) loc[i] = p.moving[i].value(data.coordinate_value[p.moving_coordinate[i]]);
  return loc;
}

bool point_active(const Data& data, const PathPoint& p) {
  if (p.type != PathPoint::Type::conditional) return true;
  const double v = data.coordinate_value[p.condition_coordinate];
  return v >= p.range_min && v <= p.range_max;
}

void push_point(PathScratch& s, const Vec3& p, int body, int origin) {
  s.points.push_back(p);
  s.bodies.push_back(body);
  s.origin.push_back(origin);
  s.arc.push_back(0);
  s.arc_length.push_back(0.0);
}

// Builds the current path of muscle m in data's scratch (points, bodies,
// wrap arcs) and the unit-tension force on every point; returns the length (m).
double build_path(const Model& model, const Data& d, int m, PathScratch& s) {
  const Muscle& mus = model.muscles[m];
  s.points.clear();
  s.bodies.clear();
  s.origin.clear();
  s.arc.clear();
  s.arc_length.clear();
  int prev = -1;  // index into mus.path of the last active point
  for (int i = 0; i < static_cast<int>(mus.path.size()); ++i) {
    const PathPoint& pp = mus.path[i];
    if (!point_active(d, pp)) continue;
    const Vec3 p = d.body_pose[pp.body] * point_location(d, pp);
    if (prev >= 0) {
      // wrap the segment prev -> i over the first cylinder it touches
      const Vec3 a = s.points.back();
      for (const PathWrap& w : mus.wraps) {
        if (w.range_begin >= 0 && (prev < w.range_begin || i > w.range_end)) continue;
        const WrapCylinder& cyl = model.wrap_cylinders[w.cylinder];
        const Eigen::Isometry3d X = d.body_pose[cyl.body] * cyl.pose;
        const Eigen::Isometry3d Xi = X.inverse();
        const WrapResult r = wrap_cylinder(cyl, Xi * a, Xi * p);
        if (!r.wrapped) continue;
        push_point(s, X * r.t1, cyl.body, -1);
        s.arc.back() = 1;
        s.arc_length.back() = r.arc_length;
        push_point(s, X * r.t2, cyl.body, -1);
        break;
      }
    }
    push_point(s, p, pp.body, i);
    prev = i;
  }
  const size_t n = s.points.size();
  s.force.assign(n, Vec3::Zero());
  double length = 0.0;
  for (size_t k = 0; k + 1 < n; ++k) {
    if (s.arc[k]) {
      length += s.arc_length[k];
      continue;
    }
    const Vec3 seg = s.points[k + 1] - s.points[k];
    const double l = seg.norm();
    length += l;
    if (l > 0.0) {
      const Vec3 u = seg / l;
      s.force[k] += u;
      s.force[k + 1] -= u;
    }
  }
  return length;
}

}  // namespace

void compute_muscle_paths(const Model& model, Data& data, const Eigen::Ref<const Eigen::VectorXd>& q) {
  forward_kinematics(model, data, q);
  const int nb = static_cast<int>(model.bodies.size());
  data.moment_arm.setZero();
  for (int m = 0; m < model.n_muscles(); ++m) {
    data.muscle_length[m] = build_path(model, data, m, data.path);
    const PathScratch& ps = data.path;
    // Moment arm r_k = sum_j f_j . dp_j/dq_k with dp/dq = w x p + v for every
    // body below the joint: reduce each body's points to a force and a moment
    // about the ground origin, then sum them over subtrees.
    for (int b = 0; b < nb; ++b) data.body_force[b].setZero(), data.body_moment[b].setZero();
    for (size_t j = 0; j < ps.points.size(); ++j) {
      const int b = ps.bodies[j];
      data.body_force[b] += ps.force[j];
      data.body_moment[b] += ps.points[j].cross(ps.force[j]);
    }
    for (int b = nb - 1; b > 0; --b) {
      const int parent = model.joints[model.bodies[b].joint].parent;
      if (parent < 0) continue;
      data.body_force[parent] += data.body_force[b];
      data.body_moment[parent] += data.body_moment[b];
    }
    auto row = data.moment_arm.row(m);
    for (const MotionTerm& t : data.motion_terms) {
      const int child = model.joints[t.joint].child;
      row[t.posture_index] += t.w.dot(data.body_moment[child]) + t.v.dot(data.body_force[child]);
    }
    // a moving point also slides within its body
    const Muscle& mus = model.muscles[m];
    for (size_t j = 0; j < ps.points.size(); ++j) {
      const int o = ps.origin[j];
      if (o < 0 || mus.path[o].type != PathPoint::Type::moving) continue;
      const PathPoint& pp = mus.path[o];
      const Mat3 R = data.body_pose[pp.body].linear();
      for (int i = 0; i < 3; ++i) {
        const int c = pp.moving_coordinate[i];
        if (c < 0) continue;
        const Coordinate& co = model.coordinates[c];
        const int k = co.driver >= 0 ? model.posture_index[co.driver] : model.posture_index[c];
        const double rate = pp.moving[i].derivative(data.coordinate_value[c]) * data.coordinate_rate[c];
        row[k] += ps.force[j].dot(R.col(i)) * rate;
      }
    }
  }
}

void compute_muscle_paths_batch(const Model& model, Data& data, const Eigen::Ref<const Eigen::MatrixXd>& postures,
                                const std::vector<int>& coords_in, Eigen::Ref<Eigen::MatrixXd> lengths,
                                double* moment_arms) {
  const std::vector<int>& coords = coords_in.empty() ? model.moment_arm_coords : coords_in;
  const int n = static_cast<int>(postures.rows());
  const int nm = model.n_muscles();
  const int nc = static_cast<int>(coords.size());
  if (postures.cols() != model.nq())
    throw InvalidArgument("compute_muscle_paths_batch: expected postures with " + std::to_string(model.nq()) +
                          " columns, got " + std::to_string(postures.cols()));
  if (lengths.rows() != n || lengths.cols() != nm)
    throw InvalidArgument("compute_muscle_paths_batch: expected lengths of shape (" + std::to_string(n) + ", " +
                          std::to_string(nm) + ")");
  for (int c : coords)
    if (c < 0 || c >= model.nq()) throw InvalidArgument("compute_muscle_paths_batch: coordinate index out of range");
  for (int i = 0; i < n; ++i) {
    compute_muscle_paths(model, data, postures.row(i).transpose());
    lengths.row(i) = data.muscle_length.transpose();
    if (!moment_arms) continue;
    double* out = moment_arms + static_cast<size_t>(i) * nm * nc;
    for (int m = 0; m < nm; ++m)
      for (int c = 0; c < nc; ++c) out[m * nc + c] = data.moment_arm(m, coords[c]);
  }
}

MusclePathForces muscle_path_forces(const Model& model, const Data& data, int muscle) {
  if (muscle < 0 || muscle >= model.n_muscles())
    throw InvalidArgument("muscle_path_forces: expected a muscle index below " + std::to_string(model.n_muscles()) +
                          ", got " + std::to_string(muscle));
  PathScratch s;
  MusclePathForces out;
  out.length = build_path(model, data, muscle, s);
  out.points = std::move(s.points);
  out.bodies = std::move(s.bodies);
  out.force = std::move(s.force);
  return out;
}

std::vector<Vec3> muscle_path_points(const Model& model, const Data& data, int muscle) {
  return muscle_path_forces(model, data, muscle).points;
}

}  // namespace biomech
