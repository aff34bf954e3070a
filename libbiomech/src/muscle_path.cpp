#include "biomech/muscle_path.hpp"

#include "biomech/errors.hpp"
#include "biomech/kinematics.hpp"
#include "biomech/wrapping.hpp"

#include <algorithm>
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

using Path = std::vector<PathPointState>;

// The segment after point k is a wrap arc (between the two tangent points of one wrap).
bool arc_after(const Path& path, size_t k) {
  return path[k].wrap >= 0 && k + 1 < path.size() && path[k + 1].wrap == path[k].wrap;
}

// OpenSim's GeometryPath::applyWrapObjects, reimplemented: each PathWrap wraps
// at most ONE segment of the current path within its range: the first segment
// that cuts the cylinder (a "mandatory" wrap) if any, else the wrapped segment
// whose length grows least (the first of equals). With several PathWraps the
// wraps are applied in turn, each one's tangent points becoming path points for
// the next, repeated (up to 8 times) until the length changes by < 0.5 mm.
void apply_wraps(const Model& model, const Data& d, const Muscle& mus, PathScratch& s) {
  const int nw = static_cast<int>(mus.wraps.size());
  Path& path = s.points;
  const int npts = static_cast<int>(mus.path.size());
  auto total_length = [&]() {
    double l = 0.0;
    for (size_t k = 0; k + 1 < path.size(); ++k)
      l += path[k].arc > 0.0 && arc_after(path, k) ? path[k].arc : (path[k + 1].p - path[k].p).norm();
    return l;
  };
  std::vector<int>& order = s.wrap_order;
  std::vector<int>& result = s.wrap_result;
  order.resize(nw);
  result.resize(nw);
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
        const PathPointState &pa = path[a], &pb = path[a + 1];
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
      PathPointState t1, t2;
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

// Path point i of muscle mus as it now stands: in ground, on its body.
// (path_point, add_point_load and add_segment_load are the inner loops; always
// inlined because GCC 12 at -O3 kept them out of line: 29% more instructions.)
[[gnu::always_inline]] inline PathPointState path_point(const Data& d, const Muscle& mus, int i) {
  const PathPoint& pp = mus.path[i];
  PathPointState e;
  e.moving = pp.type == PathPoint::Type::moving;
  e.p = d.body_pose[pp.body] * (e.moving ? point_location(d, pp) : pp.location);
  e.body = pp.body;
  e.origin = i;
  return e;
}

// Builds the current path of muscle m in s.points: points in ground, their bodies,
// wrap tangent points.
void build_path(const Model& model, const Data& d, int m, PathScratch& s) {
  const Muscle& mus = model.muscles[m];
  s.points.clear();
  for (int i = 0; i < static_cast<int>(mus.path.size()); ++i)
    if (point_active(d, mus.path[i])) s.points.push_back(path_point(d, mus, i));
  if (!mus.wraps.empty()) apply_wraps(model, d, mus, s);
}

// Moment arms about the posture indices `coords` only (all when empty): fills
// data.path.wanted_columns, .column and, for every body, the wanted motion terms
// of its joint and of the joints above it (.body_terms).
void select_terms(const Model& model, Data& data, const std::vector<int>& coords) {
  PathScratch& ps = data.path;
  ps.column.assign(model.nq(), -1);
  ps.wanted_columns.clear();
  for (int k = 0; k < model.nq(); ++k)
    if (coords.empty() || std::find(coords.begin(), coords.end(), k) != coords.end()) {
      ps.column[k] = static_cast<int>(ps.wanted_columns.size());
      ps.wanted_columns.push_back(k);
    }
  const int nb = static_cast<int>(model.bodies.size());
  ps.body_terms.clear();
  ps.body_terms_begin.resize(nb + 1);
  for (int b = 0; b < nb; ++b) {  // a parent body precedes its children
    ps.body_terms_begin[b] = static_cast<int>(ps.body_terms.size());
    const int j = model.bodies[b].joint;
    for (int k = data.joint_terms_begin[j]; k < data.joint_terms_begin[j + 1]; ++k)
      if (const int c = ps.column[data.motion_terms[k].posture_index]; c >= 0) ps.body_terms.push_back({k, c});
    if (const int parent = model.joints[j].parent; parent >= 0)
      for (int k = ps.body_terms_begin[parent]; k < ps.body_terms_begin[parent + 1]; ++k) {
        const TermColumn t = ps.body_terms[k];  // a copy: push_back may reallocate
        ps.body_terms.push_back(t);
      }
  }
  ps.body_terms_begin[nb] = static_cast<int>(ps.body_terms.size());
  ps.arms.resize(static_cast<size_t>(model.n_muscles()) * ps.wanted_columns.size());
}

// Moment arm r_k = sum_j f_j . dp_j/dq_k over the path points j, f_j the force a
// unit tension puts on point j, and dp/dq = w x p + v for each joint above the
// point's body. A segment within one body puts equal and opposite forces along
// itself on that body, whose moments cancel: only segments between two bodies
// load the joints. A moving point also slides within its body (dp/dq gains
// R dlocation/dq), under the force of each of its segments.
[[gnu::always_inline]] inline void add_point_load(const Data& data, const PathPointState& pt, const Vec3& f,
                                                  double* row) {
  const PathScratch& ps = data.path;
  const TermColumn* t = ps.body_terms.data() + ps.body_terms_begin[pt.body];
  const TermColumn* end = ps.body_terms.data() + ps.body_terms_begin[pt.body + 1];
  if (t == end) return;
  const Vec3 moment = pt.p.cross(f);
  for (; t != end; ++t) {
    const MotionTerm& mt = data.motion_terms[t->term];
    row[t->column] += mt.w.dot(moment) + mt.v.dot(f);
  }
}

void add_slide_load(const Model& model, const Data& data, int m, const PathPointState& pt, const Vec3& f,
                    double* row) {
  const PathPoint& pp = model.muscles[m].path[pt.origin];
  const Vec3 local_f = data.body_pose[pp.body].linear().transpose() * f;
  for (int i = 0; i < 3; ++i) {
    const int c = pp.moving_coordinate[i];
    if (c < 0) continue;
    const int col = data.path.column[model.driving_posture_index(c)];
    if (col < 0) continue;
    row[col] += local_f[i] * pp.moving[i].derivative(data.coordinate_value[c]) * data.coordinate_rate[c];
  }
}

// The moment arms of a unit tension along the straight segment from a to b of muscle
// m's path (u: unit vector from a to b), added to row.
[[gnu::always_inline]] inline void add_segment_load(const Model& model, const Data& data, int m,
                                                    const PathPointState& a, const PathPointState& b, const Vec3& u,
                                                    double* row) {
  if (a.body != b.body) {  // the tension pulls a towards b, and b towards a
    add_point_load(data, a, u, row);
    add_point_load(data, b, -u, row);
  }
  if (a.moving) add_slide_load(model, data, m, a, u, row);
  if (b.moving) add_slide_load(model, data, m, b, -u, row);
}

// Lengths (into data.muscle_length) and moment arms about the columns select_terms chose,
// into arms: n_muscles x columns, row-major.
void muscle_paths(const Model& model, Data& data, const Eigen::Ref<const Eigen::VectorXd>& q, double* arms) {
  forward_kinematics(model, data, q);
  PathScratch& ps = data.path;
  const int nc = static_cast<int>(ps.wanted_columns.size());
  std::fill(arms, arms + static_cast<size_t>(model.n_muscles()) * nc, 0.0);
  // the straight segment from a to b: its length, and its load on the row
  auto segment = [&](int m, const PathPointState& a, const PathPointState& b, double* row) {
    const Vec3 seg = b.p - a.p;
    const double l = seg.norm();
    if (l > 0.0) add_segment_load(model, data, m, a, b, seg / l, row);
    return l;
  };
  for (int m = 0; m < model.n_muscles(); ++m) {
    const Muscle& mus = model.muscles[m];
    double* row = arms + static_cast<size_t>(m) * nc;
    double length = 0.0;
    if (mus.wraps.empty()) {  // segment by segment as the active points come: no path to store
      PathPointState a;
      bool first = true;
      for (int i = 0; i < static_cast<int>(mus.path.size()); ++i) {
        if (!point_active(data, mus.path[i])) continue;
        const PathPointState b = path_point(data, mus, i);
        if (!first) length += segment(m, a, b, row);
        a = b;
        first = false;
      }
    } else {
      build_path(model, data, m, ps);
      const Path& path = ps.points;
      for (size_t k = 0; k + 1 < path.size(); ++k)
        length += arc_after(path, k) ? path[k].arc : segment(m, path[k], path[k + 1], row);
    }
    data.muscle_length[m] = length;
  }
}

// data.moment_arm from one posture's arms (n_muscles x the wanted columns); the other columns 0.
void store_moment_arms(const Model& model, Data& data, const double* arms) {
  const PathScratch& ps = data.path;
  const int nc = static_cast<int>(ps.wanted_columns.size());
  data.moment_arm.setZero();
  for (int m = 0; m < model.n_muscles(); ++m)
    for (int c = 0; c < nc; ++c) data.moment_arm(m, ps.wanted_columns[c]) = arms[static_cast<size_t>(m) * nc + c];
}

}  // namespace

void compute_muscle_paths(const Model& model, Data& data, const Eigen::Ref<const Eigen::VectorXd>& q) {
  check(model, data, "compute_muscle_paths");
  select_terms(model, data, {});
  muscle_paths(model, data, q, data.path.arms.data());
  store_moment_arms(model, data, data.path.arms.data());
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
  select_terms(model, data, coords);
  // the arms come in the order of the posture indices; the output in the order of coords
  const std::vector<int>& cols = data.path.wanted_columns;
  const bool in_order = std::equal(coords.begin(), coords.end(), cols.begin(), cols.end());
  Eigen::VectorXd& q = data.path.posture;  // a row of `postures` is strided: copied, not allocated
  double* arms = data.path.arms.data();
  for (int i = 0; i < n; ++i) {
    q = postures.row(i).transpose();
    double* out = moment_arms ? moment_arms + static_cast<size_t>(i) * nm * nc : nullptr;
    muscle_paths(model, data, q, out && in_order ? out : arms);
    lengths.row(i) = data.muscle_length.transpose();
    if (out && !in_order)
      for (int m = 0; m < nm; ++m)
        for (int c = 0; c < nc; ++c)
          out[m * nc + c] = arms[static_cast<size_t>(m) * cols.size() + data.path.column[coords[c]]];
  }
  // data holds the last posture's results, as after compute_muscle_paths (about the wanted columns)
  if (n > 0)
    store_moment_arms(model, data, moment_arms && in_order ? moment_arms + static_cast<size_t>(n - 1) * nm * nc : arms);
}

MusclePathForces muscle_path_forces(const Model& model, const Data& data, int muscle) {
  check(model, data, "muscle_path_forces");
  if (muscle < 0 || muscle >= model.n_muscles())
    throw InvalidArgument("muscle_path_forces: expected a muscle index below " + std::to_string(model.n_muscles()) +
                          ", got " + std::to_string(muscle));
  PathScratch s;
  build_path(model, data, muscle, s);
  const Path& path = s.points;
  MusclePathForces out;
  for (const PathPointState& pt : path) {
    out.points.push_back(pt.p);
    out.bodies.push_back(pt.body);
    out.force.push_back(Vec3::Zero());
  }
  for (size_t k = 0; k + 1 < path.size(); ++k) {
    if (arc_after(path, k)) {  // the arc's load passes to the cylinder's body through its tangent points
      out.length += path[k].arc;
      continue;
    }
    const Vec3 seg = path[k + 1].p - path[k].p;
    const double l = seg.norm();
    out.length += l;
    if (l == 0.0) continue;
    out.force[k] += seg / l;
    out.force[k + 1] -= seg / l;
  }
  return out;
}

std::vector<Vec3> muscle_path_points(const Model& model, const Data& data, int muscle) {
  return muscle_path_forces(model, data, muscle).points;
}

}  // namespace biomech
