#include "biomech/muscle_path.hpp"

#include "biomech/errors.hpp"
#include "biomech/kinematics.hpp"
#include "biomech/wrapping.hpp"

#include <cmath>
#include <limits>

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

// One entry of the path being built: an active path point, or a tangent point
// of a wrap (wrap >= 0, the index into Muscle::wraps).
struct PathEntry {
  Vec3 p;
  int body = -1;
  int origin = -1;  // index into Muscle::path, -1 for a tangent point
  int wrap = -1;    // index into Muscle::wraps for a tangent point
  double arc = 0.0; // on the first tangent point: the arc length to the second
};

// OpenSim's GeometryPath::applyWrapObjects, reimplemented: each PathWrap wraps
// at most ONE segment of the current path within its range: the first segment
// that cuts the cylinder (a "mandatory" wrap) if any, else the wrapped segment
// whose length grows least (the first of equals). With several PathWraps the
// wraps are applied in turn, each one's tangent points becoming path points for
// the next, repeated (up to 8 times) until the length changes by < 0.5 mm.
void apply_wraps(const Model& model, const Data& d, const Muscle& mus, std::vector<PathEntry>& path) {
  const int nw = static_cast<int>(mus.wraps.size());
  if (nw == 0) return;
  const int npts = static_cast<int>(mus.path.size());
  auto total_length = [&]() {
    double l = 0.0;
    for (size_t k = 0; k + 1 < path.size(); ++k)
      l += path[k].arc > 0.0 && path[k].wrap >= 0 && path[k + 1].wrap == path[k].wrap ? path[k].arc
                                                                                         : (path[k + 1].p - path[k].p).norm();
    return l;
  };
  std::vector<int> order(nw), result(nw);
  for (int i = 0; i < nw; ++i) order[i] = i;
  enum { kNoWrap = 0, kInside = 1, kWrapped = 2, kMandatory = 3 };
  const int max_iterations = nw < 2 ? 1 : 8;
  double last_length = std::numeric_limits<double>::infinity();
  for (int it = 0; it < max_iterations; ++it) {
    for (int i = 0; i < nw; ++i) {
      const int wi = order[i];
      const PathWrap& w = mus.wraps[wi];
      result[i] = kNoWrap;
      for (size_t j = 0; j < path.size(); ++j)
        if (path[j].wrap == wi) {
          path.erase(path.begin() + j, path.begin() + j + 2);
          break;
        }
      // the range: first and last active path points within it
      const int lo = w.range_begin < 0 ? 0 : w.range_begin;
      const int hi = w.range_end < 0 ? npts - 1 : w.range_end;
      int start = -1, end = -1;
      for (int j = 0; j < static_cast<int>(path.size()); ++j) {
        const int o = path[j].origin;
        if (o < lo || o > hi) continue;
        if (start < 0) start = j;
        end = j;
      }
      if (start < 0) return;  // no active point in the range: OpenSim stops wrapping here
      const WrapCylinder& cyl = model.wrap_cylinders[w.cylinder];
      const Eigen::Isometry3d X = d.body_pose[cyl.body] * cyl.pose;
      const Eigen::Isometry3d Xi = X.inverse();
      int best = -1;
      WrapResult best_r;
      double min_change = std::numeric_limits<double>::infinity();
      for (int a = start; a < end; ++a) {
        const PathEntry &pa = path[a], &pb = path[a + 1];
        // not between the two tangent points of one wrap object
        if (pa.wrap >= 0 && pb.wrap >= 0 && mus.wraps[pa.wrap].cylinder == mus.wraps[pb.wrap].cylinder) continue;
        const Vec3 la = Xi * pa.p, lb = Xi * pb.p;
        const WrapResult r = wrap_cylinder(cyl, la, lb);
        if (!r.wrapped) {
          const double ra = std::hypot(la.x(), la.y()), rb = std::hypot(lb.x(), lb.y());
          result[i] = ra < cyl.radius || rb < cyl.radius ? kInside : kNoWrap;
          continue;
        }
        if (r.intersects) {
          result[i] = kMandatory;
          best = a, best_r = r;
          break;
        }
        result[i] = kWrapped;
        const double change = (r.t1 - la).norm() + r.arc_length + (lb - r.t2).norm() - (lb - la).norm();
        if (change < min_change) min_change = change, best = a, best_r = r;
      }
      if (best < 0) continue;
      PathEntry t1, t2;
      t1.p = X * best_r.t1;
      t2.p = X * best_r.t2;
      t1.body = t2.body = cyl.body;
      t1.wrap = t2.wrap = wi;
      t1.arc = best_r.arc_length;
      path.insert(path.begin() + best + 1, {t1, t2});
    }
    const double length = total_length();
    if (std::abs(length - last_length) < 0.0005) break;
    last_length = length;
    if (it == 0 && nw > 1 && result[0] == kNoWrap && result[1] == kInside) {
      // OpenSim: the first wrap missed and the second had a point inside it:
      // swap the first two and try again
      order[0] = 1;
      order[1] = 0;
      for (size_t j = 0; j < path.size(); ++j)
        if (path[j].wrap == 0) {
          path.erase(path.begin() + j, path.begin() + j + 2);
          break;
        }
    }
  }
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
  std::vector<PathEntry> path;
  path.reserve(mus.path.size() + 2 * mus.wraps.size());
  for (int i = 0; i < static_cast<int>(mus.path.size()); ++i) {
    const PathPoint& pp = mus.path[i];
    if (!point_active(d, pp)) continue;
    PathEntry e;
    e.p = d.body_pose[pp.body] * point_location(d, pp);
    e.body = pp.body;
    e.origin = i;
    path.push_back(e);
  }
  apply_wraps(model, d, mus, path);
  for (size_t k = 0; k < path.size(); ++k) {
    const PathEntry& e = path[k];
    push_point(s, e.p, e.body, e.origin);
    if (e.wrap >= 0 && k + 1 < path.size() && path[k + 1].wrap == e.wrap) {
      s.arc.back() = 1;
      s.arc_length.back() = e.arc;
    }
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
  check(model, data, "compute_muscle_paths");
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
  check(model, data, "compute_muscle_paths_batch");
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
  check(model, data, "muscle_path_forces");
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
