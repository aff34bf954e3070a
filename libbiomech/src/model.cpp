#include "biomech/model.hpp"

#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <string_view>

#include "biomech/errors.hpp"
#include "biomech/kinematics.hpp"

namespace biomech {
namespace {

bool finite(const Vec3& v) { return v.allFinite(); }

// `what` makes the message, only on failure: finalize runs for every scaled model of a sweep.
template <class What>
void check(bool ok, const What& what) {
  if (!ok) throw InvalidArgument("Model: " + what());
}

// The kModelBounds entry named `bound`. finalize looks each up once, not once per value.
const FieldInfo& model_bound(std::string_view bound) {
  for (const FieldInfo& b : kModelBounds)
    if (b.name == bound) return b;
  throw std::logic_error("model_bound: no model bound named " + std::string(bound));
}

// Checks `v` against bound `b`: "Model: <what>: expected <bound> in [a, b] unit, got v".
template <class What>
void check_bound(const FieldInfo& b, const What& what, double v) {
  if (std::isfinite(v) && v >= b.min && v <= b.max) return;
  char got[32];
  std::snprintf(got, sizeof got, "%.6g", v);
  throw InvalidArgument("Model: " + what() + ": expected " + std::string(b.name) + " " + detail::bounds_text(b) +
                        ", got " + got);
}

template <class What>
void check_bounds(const FieldInfo& b, const What& what, const Eigen::Ref<const Eigen::MatrixXd>& v) {
  for (Eigen::Index i = 0; i < v.size(); ++i) check_bound(b, what, v.data()[i]);
}

template <class T>
int find_by_name(const std::vector<T>& items, const std::string& name) {
  for (size_t i = 0; i < items.size(); ++i)
    if (items[i].name == name) return static_cast<int>(i);
  return -1;
}

}  // namespace

bool is_in_subtree(const Model& model, int b, int ancestor) {
  while (b >= 0) {
    if (b == ancestor) return true;
    b = model.joints[model.bodies[b].joint].parent;
  }
  return false;
}

void Model::finalize() {
  const int nb = static_cast<int>(bodies.size());
  const int nc = static_cast<int>(coordinates.size());
  check(nb > 0, [&] { return std::string("expected at least one body, got none"); });
  check(joints.size() == bodies.size(),
        [&] {
          return "expected one joint per body, got " + std::to_string(joints.size()) + " joints for " +
                 std::to_string(nb) + " bodies";
        });

  const FieldInfo &body_mass = model_bound("body mass"), &body_com = model_bound("body centre of mass"),
                  &body_inertia = model_bound("body inertia"), &joint_offset = model_bound("joint offset"),
                  &point_location = model_bound("point location"), &wrap_radius = model_bound("wrap cylinder radius"),
                  &max_force = model_bound("max isometric force"), &fibre_length = model_bound("optimal fibre length"),
                  &slack_length = model_bound("tendon slack length"),
                  &rotation_range = model_bound("coordinate range (rotation)"),
                  &translation_range = model_bound("coordinate range (translation)");
  std::set<std::string_view> names;  // views of the items' own names: no copies
  for (int b = 0; b < nb; ++b) {
    const Body& body = bodies[b];
    check(names.insert(body.name).second, [&] { return "duplicate body name '" + body.name + "'"; });
    check(body.joint >= 0 && body.joint < nb && joints[body.joint].child == b,
          [&] { return "body '" + body.name + "' has no joint whose child it is"; });
    const int parent = joints[body.joint].parent;
    check(parent < b,
          [&] { return "bodies must be ordered parent first; '" + body.name + "' comes before its parent"; });
    check(std::isfinite(body.mass) && body.mass >= 0.0,
          [&] { return "body '" + body.name + "': expected a finite mass >= 0 kg, got " + std::to_string(body.mass); });
    check_bound(body_mass, [&] { return "body '" + body.name + "'"; }, body.mass);
    check_bounds(body_com, [&] { return "body '" + body.name + "'"; }, body.com);
    check_bounds(body_inertia, [&] { return "body '" + body.name + "'"; }, body.inertia);
  }

  names.clear();
  for (int c = 0; c < nc; ++c) {
    const Coordinate& co = coordinates[c];
    check(names.insert(co.name).second, [&] { return "duplicate coordinate name '" + co.name + "'"; });
    check(std::isfinite(co.range_min) && std::isfinite(co.range_max) && co.range_min <= co.range_max,
          [&] { return "coordinate '" + co.name + "': expected a finite range with min <= max"; });
    check(std::isfinite(co.default_value), [&] { return "coordinate '" + co.name + "': non-finite default"; });
    if (co.driver < 0) {  // a coupled coordinate's range is unused (OpenSim writes +-99999.9 there)
      const FieldInfo& range = co.rotational ? rotation_range : translation_range;
      check_bound(range, [&] { return "coordinate '" + co.name + "'"; }, co.range_min);
      check_bound(range, [&] { return "coordinate '" + co.name + "'"; }, co.range_max);
    }
    check(co.driver < nc && co.driver != c, [&] { return "coordinate '" + co.name + "': bad driver index"; });
    if (co.driver >= 0)
      check(coordinates[co.driver].driver < 0,
            [&] {
              return "coordinate '" + co.name + "': expected an independent driver, got coupled '" +
                     coordinates[co.driver].name + "'";
            });
  }

  for (Joint& j : joints)
    for (auto* axes : {&j.rotations, &j.translations})
      for (TransformAxis& ax : *axes)
        if (ax.axis.allFinite() && ax.axis.norm() > 0.0) ax.axis.normalize();
  for (const Joint& j : joints) {
    check(j.child >= 0 && j.child < nb, [&] { return "joint '" + j.name + "': bad child body"; });
    check(j.parent >= -1 && j.parent < nb, [&] { return "joint '" + j.name + "': bad parent body"; });
    check(j.parent_offset.matrix().allFinite() && j.child_offset.matrix().allFinite(),
          [&] { return "joint '" + j.name + "': non-finite offset frame"; });
    check_bounds(joint_offset, [&] { return "joint '" + j.name + "'"; }, j.parent_offset.translation());
    check_bounds(joint_offset, [&] { return "joint '" + j.name + "'"; }, j.child_offset.translation());
    for (const auto* axes : {&j.rotations, &j.translations})
      for (const TransformAxis& ax : *axes) {
        check(ax.coordinate >= -1 && ax.coordinate < nc,
              [&] { return "joint '" + j.name + "': bad coordinate index"; });
        check(finite(ax.axis) && ax.axis.norm() > 0.0,
              [&] { return "joint '" + j.name + "': expected a non-zero axis"; });
      }
  }

  for (const WrapCylinder& w : wrap_cylinders) {
    check(w.body >= 0 && w.body < nb, [&] { return "wrap cylinder '" + w.name + "': bad body"; });
    check_bound(wrap_radius, [&] { return "wrap cylinder '" + w.name + "'"; }, w.radius);
  }
  for (const Landmark& l : landmarks) {
    check(l.body >= 0 && l.body < nb, [&] { return "landmark '" + l.name + "': bad body"; });
    check_bounds(point_location, [&] { return "landmark '" + l.name + "'"; }, l.location);
  }

  names.clear();
  for (const Muscle& m : muscles) {
    check(names.insert(m.name).second, [&] { return "duplicate muscle name '" + m.name + "'"; });
    check(m.side == 'r' || m.side == 'l', [&] { return "muscle '" + m.name + "': expected side 'r' or 'l'"; });
    check_bound(max_force, [&] { return "muscle '" + m.name + "'"; }, m.max_isometric_force);
    check_bound(fibre_length, [&] { return "muscle '" + m.name + "'"; }, m.optimal_fiber_length);
    check_bound(slack_length, [&] { return "muscle '" + m.name + "'"; }, m.tendon_slack_length);
    check(std::isfinite(m.pennation_angle) && m.pennation_angle >= 0.0 && m.pennation_angle < M_PI / 2,
          [&] { return "muscle '" + m.name + "': expected pennation angle in [0, 90) deg"; });
    try {
      validate(m.hill);
    } catch (const InvalidArgument& e) {
      const std::string what = e.what();
      check(false, [&] { return "muscle '" + m.name + "': " + what; });
    }
    check(m.path.size() >= 2, [&] { return "muscle '" + m.name + "': expected at least 2 path points"; });
    for (const PathPoint& p : m.path) {
      check(p.body >= 0 && p.body < nb, [&] { return "muscle '" + m.name + "': path point on an unknown body"; });
      check_bounds(point_location, [&] { return "muscle '" + m.name + "': path point"; }, p.location);
      if (p.type == PathPoint::Type::conditional)
        check(p.condition_coordinate >= 0 && p.condition_coordinate < nc,
              [&] { return "muscle '" + m.name + "': conditional point needs a coordinate"; });
      if (p.type == PathPoint::Type::moving)
        for (int i = 0; i < 3; ++i) {
          const int c = p.moving_coordinate[i];
          check(c >= -1 && c < nc, [&] { return "muscle '" + m.name + "': bad moving coordinate"; });
          if (c < 0 || p.moving[i].kind() != Function::Kind::spline) continue;
          // spline knots: x a coordinate value, y a location (a knot at 1e308 overflows the spline)
          const auto what = [&] { return "muscle '" + m.name + "': moving path point knot"; };
          for (double x : p.moving[i].x())
            check_bound(coordinates[c].rotational ? rotation_range : translation_range,
                        what, x);
          for (double y : p.moving[i].y()) check_bound(point_location, what, y);
        }
    }
    for (const PathWrap& w : m.wraps)
      check(w.cylinder >= 0 && w.cylinder < static_cast<int>(wrap_cylinders.size()),
            [&] { return "muscle '" + m.name + "': unknown wrap cylinder"; });
  }

  independent.clear();
  posture_index.assign(nc, -1);
  for (int c = 0; c < nc; ++c)
    if (coordinates[c].driver < 0) {
      posture_index[c] = static_cast<int>(independent.size());
      independent.push_back(c);
    }

  // A coordinate is crossed by a muscle when it drives a joint with muscle
  // points on both sides, or moves/switches a point of the muscle.
  std::vector<bool> crossed(independent.size(), false);
  // below[j * nb + b]: body b is joint j's child or in its subtree (bodies come parent first)
  std::vector<char> below(joints.size() * nb, 0);
  for (size_t j = 0; j < joints.size(); ++j)
    for (int b = 0; b < nb; ++b) {
      const int parent = joints[bodies[b].joint].parent;
      below[j * nb + b] = b == joints[j].child || (parent >= 0 && below[j * nb + parent]);
    }
  for (const Muscle& m : muscles) {
    for (size_t ji = 0; ji < joints.size(); ++ji) {
      const Joint& j = joints[ji];
      const char* in_subtree = &below[ji * nb];
      bool inside = false, outside = false;
      for (const PathPoint& p : m.path) (in_subtree[p.body] ? inside : outside) = true;
      for (const PathWrap& w : m.wraps) (in_subtree[wrap_cylinders[w.cylinder].body] ? inside : outside) = true;
      if (!(inside && outside)) continue;
      for (const auto* axes : {&j.rotations, &j.translations})
        for (const TransformAxis& ax : *axes)
          if (ax.coordinate >= 0 && ax.function.kind() != Function::Kind::constant) crossed[driving_posture_index(ax.coordinate)] = true;
    }
    for (const PathPoint& p : m.path) {
      if (p.type == PathPoint::Type::moving)
        for (int c : p.moving_coordinate)
          if (c >= 0) crossed[driving_posture_index(c)] = true;
    }
  }
  moment_arm_coords.clear();
  for (size_t k = 0; k < crossed.size(); ++k)
    if (crossed[k]) moment_arm_coords.push_back(static_cast<int>(k));
}

int Model::body_index(const std::string& n) const { return find_by_name(bodies, n); }
int Model::coordinate_index(const std::string& n) const { return find_by_name(coordinates, n); }
int Model::muscle_index(const std::string& n) const { return find_by_name(muscles, n); }
int Model::landmark_index(const std::string& n) const { return find_by_name(landmarks, n); }
int Model::posture_coordinate(const std::string& n) const {
  const int c = coordinate_index(n);
  return c < 0 ? -1 : posture_index[c];
}

std::vector<std::string> Model::coordinate_names() const {
  std::vector<std::string> out;
  for (int c : independent) out.push_back(coordinates[c].name);
  return out;
}

std::vector<std::string> Model::muscle_names() const {
  std::vector<std::string> out;
  for (const Muscle& m : muscles) out.push_back(m.name);
  return out;
}

double Model::total_mass() const {
  double m = 0.0;
  for (const Body& b : bodies) m += b.mass;
  return m;
}

Eigen::VectorXd Model::default_posture() const {
  Eigen::VectorXd q(nq());
  for (int k = 0; k < nq(); ++k) {
    const Coordinate& c = coordinates[independent[k]];
    q[k] = std::clamp(c.default_value, c.range_min, c.range_max);
  }
  return q;
}

}  // namespace biomech
