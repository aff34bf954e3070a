// Model files (YAML): reading with line-accurate errors, and writing the same
// schema. The schema is documented field by field in docs/model_file.md.
#include "biomech/model_io.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "biomech/errors.hpp"
#include "yaml_reader.hpp"
#include "internal.hpp"

namespace biomech {
namespace {

constexpr int kFormatVersion = 1;

// Files hold degrees and metres; a Model holds radians and metres.
enum class Unit { deg, m };
const char* unit_name(Unit u) { return u == Unit::deg ? "deg" : "m"; }
// internal value = file value * to_si(unit); the writer inverts exactly this product (see num)
double to_si(Unit u) { return u == Unit::deg ? internal::kDeg : 1.0; }
// polynomial coefficient of x^power: internal = file * cy / cx^power
double poly_factor(double cx, double cy, int power) { return cy / std::pow(cx, power); }
Unit coordinate_unit(const Coordinate& c) { return c.rotational ? Unit::deg : Unit::m; }

using internal::rotation_xyz;

Vec3 euler_xyz(const Mat3& R) {
  // R = Rx(a) Ry(b) Rz(c): R(0,2) = sin b, R(1,2) = -sin a cos b, R(0,1) = -cos b sin c
  const double sb = std::clamp(R(0, 2), -1.0, 1.0);
  const double b = std::asin(sb);
  if (std::abs(sb) < 1.0 - 1e-12) return Vec3(std::atan2(-R(1, 2), R(2, 2)), b, std::atan2(-R(0, 1), R(0, 0)));
  // gimbal lock: only a + c (or a - c) is defined; put it all in a
  return Vec3(std::atan2(R(2, 1), R(1, 1)), b, 0.0);
}

// A muscle's `curves:` keys (docs/model_file.md) and their HillParameters members.
constexpr std::pair<const char*, double HillParameters::*> kCurveKeys[] = {
    {"active_shape", &HillParameters::active_shape},
    {"passive_shape", &HillParameters::passive_shape},
    {"passive_strain", &HillParameters::passive_strain},
    {"fv_shape", &HillParameters::fv_shape},
    {"fv_max_lengthening", &HillParameters::fv_max_lengthening},
    {"max_contraction_velocity_per_s", &HillParameters::max_contraction_velocity},
    {"tendon_strain_at_max_force", &HillParameters::tendon_strain_at_max_force},
    {"activation_time_s", &HillParameters::activation_time},
    {"deactivation_time_s", &HillParameters::deactivation_time}};

// ---------------------------------------------------------------- reading

using Reader = yaml::Reader;

// A unit-suffixed field that may come in degrees or metres: returns the key
// found (base_deg or base_m) and its unit. Exactly one must be present unless
// `required` is false (then `found` is false when neither is).
struct UnitField {
  YAML::Node node;
  Unit unit = Unit::deg;
  bool found = false;
};

UnitField unit_field(const Reader& rd, const YAML::Node& map, const std::string& base, const std::string& field,
                     bool required) {
  const bool d = Reader::has(map, base + "_deg"), m = Reader::has(map, base + "_m");
  if (d && m) rd.fail(map[base + "_m"], Reader::join(field, base + "_m"), "give " + base + "_deg or " + base + "_m, not both");
  if (!d && !m) {
    if (required) rd.fail(map, Reader::join(field, base + "_deg"), "missing required field '" + base + "_deg' (or '" + base + "_m')");
    return {};
  }
  UnitField f;
  f.unit = d ? Unit::deg : Unit::m;
  f.node = rd.get(map, base + (d ? "_deg" : "_m"), field);
  f.found = true;
  return f;
}

// The numbers of list `n` (file units) times `factor` (power k: factor(k), k counting down to 0 at
// the end), each checked against kFunctionBounds `value` at its own line; the list's length against
// `count` before any number is read.
template <class Factor>
std::vector<double> function_numbers(const Reader& rd, const YAML::Node& n, const std::string& field,
                                     std::string_view count, std::string_view value, const Factor& factor) {
  rd.expect_seq(n, field);
  const FieldInfo& c = function_bound(count);
  if (n.size() < c.min || n.size() > c.max)
    rd.fail(n, field, "expected " + std::string(count) + " " + detail::bounds_text(c) + ", got " + std::to_string(n.size()));
  std::vector<double> v = rd.numbers(n, field);
  const FieldInfo& b = function_bound(value);
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] *= factor(static_cast<int>(v.size() - 1 - i));
    if (!(std::isfinite(v[i]) && v[i] >= b.min && v[i] <= b.max))
      rd.fail(n[i], field + "[" + std::to_string(i) + "]",
              "expected " + std::string(value) + " " + detail::bounds_text(b) + " (SI), got " + internal::fmt(v[i]));
  }
  return v;
}

// A function y(x) in file units (x in x_unit, y in y_unit), converted to radians/metres.
// {constant: {value_Y}}, {linear: {slope_Y_per_X, intercept_Y}}, {spline: {x_X, y_Y}},
// {polynomial: {coefficients_Y_per_X}} (highest power first). Numbers and counts within
// kFunctionBounds, each error at its own line.
Function read_function(const Reader& rd, const YAML::Node& n, const std::string& field, Unit x_unit, Unit y_unit) {
  rd.check_keys(n, field, {"constant", "linear", "spline", "polynomial"});
  if (n.size() != 1) rd.fail(n, field, "expected exactly one of constant, linear, spline, polynomial");
  const std::string kind = n.begin()->first.Scalar();
  const YAML::Node body = n.begin()->second;
  const std::string f = Reader::join(field, kind);
  const std::string X = unit_name(x_unit), Y = unit_name(y_unit);
  const double cx = to_si(x_unit), cy = to_si(y_unit);
  try {
    if (kind == "constant") {
      rd.check_keys(body, f, {"value_" + Y});
      return Function::constant(rd.number(rd.get(body, "value_" + Y, f), f + ".value_" + Y) * cy);
    }
    if (kind == "linear") {
      const std::string slope = "slope_" + Y + "_per_" + X, icpt = "intercept_" + Y;
      rd.check_keys(body, f, {slope, icpt});
      const double a = rd.number(rd.get(body, slope, f), f + "." + slope);
      const double b = Reader::has(body, icpt) ? rd.number(body[icpt], f + "." + icpt) : 0.0;
      return Function::linear(a * (cy / cx), b * cy);
    }
    if (kind == "spline") {
      const std::string kx = "x_" + X, ky = "y_" + Y;
      rd.check_keys(body, f, {kx, ky});
      const YAML::Node nx = rd.get(body, kx, f), ny = rd.get(body, ky, f);
      std::vector<double> x = function_numbers(rd, nx, f + "." + kx, "spline knots", "function value", [&](int) { return cx; });
      std::vector<double> y = function_numbers(rd, ny, f + "." + ky, "spline knots", "function value", [&](int) { return cy; });
      if (x.size() != y.size())
        rd.fail(ny, f + "." + ky, "expected as many values as " + kx + " (" + std::to_string(x.size()) + "), got " +
                                      std::to_string(y.size()));
      const FieldInfo& spacing = function_bound("spline knot spacing");
      for (size_t i = 1; i < x.size(); ++i) {
        if (!(x[i] > x[i - 1])) rd.fail(nx[i], f + "." + kx, "expected strictly increasing knots");
        if (!(x[i] - x[i - 1] >= spacing.min))
          rd.fail(nx[i], f + "." + kx + "[" + std::to_string(i) + "]",
                  "expected spline knot spacing " + detail::bounds_text(spacing) + " (SI), got " + internal::fmt(x[i] - x[i - 1]));
      }
      return Function::spline(std::move(x), std::move(y));
    }
    // polynomial
    const std::string kc = "coefficients_" + Y + "_per_" + X;
    rd.check_keys(body, f, {kc});
    std::vector<double> c = function_numbers(rd, rd.get(body, kc, f), f + "." + kc, "polynomial coefficients",
                                             "polynomial coefficient", [&](int k) { return poly_factor(cx, cy, k); });
    return Function::polynomial(std::move(c));
  } catch (const InvalidArgument& e) {
    rd.fail(body, f, e.what());
  }
}

Eigen::Isometry3d read_frame(const Reader& rd, const YAML::Node& n, const std::string& field) {
  rd.check_keys(n, field, {"location_m", "orientation_deg"});
  Eigen::Isometry3d X = Eigen::Isometry3d::Identity();
  if (Reader::has(n, "location_m")) X.translation() = rd.vec3(n["location_m"], field + ".location_m");
  if (Reader::has(n, "orientation_deg"))
    X.linear() = rotation_xyz(rd.vec3(n["orientation_deg"], field + ".orientation_deg") * to_si(Unit::deg));
  return X;
}

Subject read_subject(const Reader& rd, const YAML::Node& n, const std::string& field, bool with_name) {
  std::vector<std::string> keys = {"mass_kg", "height_m", "sex", "pelvis_width_m", "femur_length_m",
                                   "neck_shaft_angle_deg", "anteversion_deg", "tibiofemoral_angle_deg",
                                   "tuberosity_offset_m", "strength_scale", "source"};
  if (with_name) keys.push_back("name");
  rd.check_keys(n, field, keys);
  Subject s;
  if (with_name && Reader::has(n, "name")) s.name = rd.name(n["name"], field + ".name");
  s.mass = rd.positive(rd.get(n, "mass_kg", field), field + ".mass_kg");
  s.height = rd.positive(rd.get(n, "height_m", field), field + ".height_m");
  const YAML::Node sex = rd.get(n, "sex", field);
  const std::string sx = rd.text(sex, field + ".sex");
  if (sx == "male") s.sex = Sex::male;
  else if (sx == "female") s.sex = Sex::female;
  else rd.fail(sex, field + ".sex", "expected 'male' or 'female', got '" + sx + "'");
  auto opt_len = [&](const char* key, std::optional<double>& out) {
    if (Reader::has(n, key)) out = rd.positive(n[key], Reader::join(field, key));
  };
  auto opt_angle = [&](const char* key, std::optional<double>& out) {
    if (Reader::has(n, key)) out = rd.number(n[key], Reader::join(field, key)) * to_si(Unit::deg);
  };
  opt_len("pelvis_width_m", s.pelvis_width);
  opt_len("femur_length_m", s.femur_length);
  opt_angle("neck_shaft_angle_deg", s.neck_shaft_angle);
  opt_angle("anteversion_deg", s.anteversion);
  opt_angle("tibiofemoral_angle_deg", s.tibiofemoral_angle);
  if (Reader::has(n, "tuberosity_offset_m")) s.tuberosity_offset = rd.number(n["tuberosity_offset_m"], field + ".tuberosity_offset_m");
  if (Reader::has(n, "strength_scale")) {
    const YAML::Node ss = n["strength_scale"];
    const std::string f = field + ".strength_scale";
    rd.expect_map(ss, f);
    for (auto it = ss.begin(); it != ss.end(); ++it) {
      const std::string k = rd.name(it->first, f);
      if (s.strength_scale.count(k)) rd.fail(it->first, f + "." + k, "duplicate key '" + k + "'");
      s.strength_scale[k] = rd.positive(it->second, f + "." + k, true);
    }
  }
  if (Reader::has(n, "source")) rd.text(n["source"], field + ".source");
  try {
    validate(s);
  } catch (const InvalidArgument& e) {
    rd.fail(n, field, e.what());
  }
  return s;
}

class ModelReader {
 public:
  ModelReader(const YAML::Node& root, std::string file) : root_(root), rd_(std::move(file)) {}

  ModelFile read() {
    rd_.check_keys(root_, "", {"format_version", "name", "source", "license", "gravity_m_s2", "reference_subject",
                               "coordinates", "bodies", "joints", "wrap_cylinders", "landmarks", "muscles",
                               "subjects", "default_subject"});
    if (Reader::has(root_, "format_version")) {
      const double v = rd_.number(root_["format_version"], "format_version");
      if (v != kFormatVersion)
        rd_.fail(root_["format_version"], "format_version",
                 "this reader knows format_version " + std::to_string(kFormatVersion) + ", got " + root_["format_version"].Scalar());
    }
    m_.name = rd_.name(rd_.get(root_, "name", ""), "name");
    m_.source = rd_.text(rd_.get(root_, "source", ""), "source");
    if (Reader::has(root_, "license")) m_.license = rd_.text(root_["license"], "license");
    if (Reader::has(root_, "gravity_m_s2")) m_.gravity = rd_.vec3(root_["gravity_m_s2"], "gravity_m_s2");
    if (Reader::has(root_, "reference_subject"))
      m_.subject = read_subject(rd_, root_["reference_subject"], "reference_subject", true);

    read_coordinates();
    read_bodies_and_joints();
    read_wrap_cylinders();
    read_landmarks();
    read_muscles();

    ModelFile out;
    if (Reader::has(root_, "subjects")) {
      const YAML::Node subs = root_["subjects"];
      rd_.expect_map(subs, "subjects");
      for (auto it = subs.begin(); it != subs.end(); ++it) {
        const std::string k = rd_.name(it->first, "subjects");
        const std::string f = "subjects." + k;
        if (out.subjects.count(k)) rd_.fail(it->first, f, "duplicate subject '" + k + "'");
        Subject s = read_subject(rd_, it->second, f, false);
        s.name = k;
        out.subjects[k] = s;
      }
    }
    if (Reader::has(root_, "default_subject")) {
      const YAML::Node d = root_["default_subject"];
      out.default_subject = rd_.name(d, "default_subject");
      if (!out.subjects.count(out.default_subject))
        rd_.fail(d, "default_subject", "unknown subject '" + out.default_subject + "' (not in subjects:)");
    }

    try {
      m_.finalize();
    } catch (const InvalidArgument& e) {
      rd_.fail_line(0, "model", e.what());
    }
    out.model = std::move(m_);
    return out;
  }

 private:
  const YAML::Node root_;
  Reader rd_;
  Model m_;

  YAML::Node list(const char* key, bool required) {
    if (!required && !Reader::has(root_, key)) return YAML::Node(YAML::NodeType::Sequence);
    const YAML::Node n = rd_.get(root_, key, "");
    rd_.expect_seq(n, key);
    return n;
  }

  // The item's `name`, rejected when an earlier item of `items` (the same list) has it.
  template <class Item>
  std::string unique_name(const YAML::Node& n, const std::string& f, const std::vector<Item>& items,
                          const std::string& what) const {
    std::string name = rd_.name(rd_.get(n, "name", f), f + ".name");
    for (const Item& o : items)
      if (o.name == name) rd_.fail(n["name"], f + ".name", "duplicate " + what + " '" + name + "'");
    return name;
  }

  // "coordinates[hip_flexion_r]" once the name is known, "coordinates[3]" before
  static std::string item(const std::string& list, const YAML::Node& n, size_t i) {
    if (n.IsMap() && n["name"].IsDefined() && n["name"].IsScalar() && !n["name"].Scalar().empty())
      return list + "[" + n["name"].Scalar() + "]";
    return list + "[" + std::to_string(i) + "]";
  }

  int coordinate_ref(const YAML::Node& n, const std::string& field) const {
    const std::string c = rd_.name(n, field);
    const int i = m_.coordinate_index(c);
    if (i < 0) rd_.fail(n, field, "unknown coordinate '" + c + "'");
    return i;
  }

  int body_ref(const YAML::Node& n, const std::string& field, bool allow_ground = false) const {
    const std::string b = rd_.name(n, field);
    if (allow_ground && b == "ground") return -1;
    const int i = m_.body_index(b);
    if (i < 0) rd_.fail(n, field, "unknown body '" + b + "'");
    return i;
  }

  void read_coordinates() {
    const YAML::Node list_node = list("coordinates", true);
    std::vector<std::pair<YAML::Node, std::string>> coupled;  // (coupled node, field) per coordinate
    for (size_t i = 0; i < list_node.size(); ++i) {
      const YAML::Node n = list_node[i];
      const std::string f = item("coordinates", n, i);
      rd_.check_keys(n, f, {"name", "range_deg", "range_m", "default_deg", "default_m", "coupled", "source"});
      Coordinate c;
      c.name = unique_name(n, f, m_.coordinates, "coordinate");
      const UnitField r = unit_field(rd_, n, "range", f, true);
      c.rotational = r.unit == Unit::deg;
      const auto range = rd_.numbers(r.node, f + ".range_" + unit_name(r.unit), 2);
      if (!(range[0] <= range[1])) rd_.fail(r.node, f + ".range_" + std::string(unit_name(r.unit)), "expected [min, max] with min <= max");
      c.range_min = range[0] * to_si(r.unit);
      c.range_max = range[1] * to_si(r.unit);
      const UnitField d = unit_field(rd_, n, "default", f, false);
      if (d.found) {
        if (d.unit != r.unit)
          rd_.fail(d.node, f + ".default_" + unit_name(d.unit),
                   std::string("expected default_") + unit_name(r.unit) + " (the range is in " + unit_name(r.unit) + ")");
        c.default_value = rd_.number(d.node, f + ".default_" + unit_name(d.unit)) * to_si(d.unit);
      }
      if (Reader::has(n, "source")) rd_.text(n["source"], f + ".source");
      coupled.emplace_back(n["coupled"], f + ".coupled");
      m_.coordinates.push_back(c);
    }
    for (size_t i = 0; i < coupled.size(); ++i) {
      const auto& [n, f] = coupled[i];
      if (!n.IsDefined()) continue;
      rd_.check_keys(n, f, {"driver", "function"});
      Coordinate& c = m_.coordinates[i];
      c.driver = coordinate_ref(rd_.get(n, "driver", f), f + ".driver");
      const Coordinate& drv = m_.coordinates[c.driver];
      if (c.driver == static_cast<int>(i)) rd_.fail(n["driver"], f + ".driver", "a coordinate cannot drive itself");
      if (Reader::has(list_node[c.driver], "coupled"))
        rd_.fail(n["driver"], f + ".driver", "expected an independent driver, got coupled coordinate '" + drv.name + "'");
      c.coupler = read_function(rd_, rd_.get(n, "function", f), f + ".function", coordinate_unit(drv), coordinate_unit(c));
    }
  }

  // Axis of a SpatialTransform: {axis, coordinate?, function?}.
  TransformAxis read_axis(const YAML::Node& n, const std::string& f, bool rotation) {
    rd_.check_keys(n, f, {"axis", "coordinate", "function"});
    TransformAxis ax;
    ax.axis = rd_.vec3(rd_.get(n, "axis", f), f + ".axis");
    if (!(ax.axis.norm() > 0.0)) rd_.fail(n["axis"], f + ".axis", "expected a non-zero axis");
    ax.axis.normalize();
    const Unit y = rotation ? Unit::deg : Unit::m;
    if (Reader::has(n, "coordinate")) {
      ax.coordinate = coordinate_ref(n["coordinate"], f + ".coordinate");
      const Unit x = coordinate_unit(m_.coordinates[ax.coordinate]);
      if (Reader::has(n, "function")) {
        ax.function = read_function(rd_, n["function"], f + ".function", x, y);
      } else if (x == y) {
        ax.function = Function::linear(1.0, 0.0);
      } else {
        rd_.fail(n, f + ".function",
                 std::string("missing field 'function': a ") + (rotation ? "rotation" : "translation") + " driven by " +
                     (x == Unit::deg ? "rotational" : "translational") + " coordinate '" +
                     m_.coordinates[ax.coordinate].name + "' needs an explicit function");
      }
    } else if (Reader::has(n, "function")) {
      ax.function = read_function(rd_, n["function"], f + ".function", Unit::m, y);
      if (ax.function.kind() != Function::Kind::constant)
        rd_.fail(n["function"], f + ".function", "expected a constant function for an axis without a coordinate");
    } else {
      ax.function = Function::constant(0.0);
    }
    return ax;
  }

  void read_axes(const YAML::Node& joint, const char* key, const std::string& f, bool rotation,
                 std::array<TransformAxis, 3>& out) {
    std::vector<TransformAxis> axes;
    if (Reader::has(joint, key)) {
      const YAML::Node l = joint[key];
      const std::string fl = f + "." + key;
      rd_.expect_seq(l, fl);
      if (l.size() > 3) rd_.fail(l, fl, "expected at most 3 axes, got " + std::to_string(l.size()));
      for (size_t k = 0; k < l.size(); ++k) axes.push_back(read_axis(l[k], fl + "[" + std::to_string(k) + "]", rotation));
    }
    // missing axes are constant zero about the unit axes least aligned with those given
    while (axes.size() < 3) {
      Vec3 best = Vec3::UnitX();
      double best_score = 1e300;
      const std::array<Vec3, 3> units = {Vec3::UnitX(), Vec3::UnitY(), Vec3::UnitZ()};
      for (const Vec3& cand : units) {
        double score = 0.0;
        for (const auto& a : axes) score = std::max(score, std::abs(a.axis.dot(cand)));
        if (score < best_score) best_score = score, best = cand;
      }
      axes.push_back(TransformAxis{best, -1, Function::constant(0.0)});
    }
    for (int k = 0; k < 3; ++k) out[k] = axes[k];
  }

  void read_bodies_and_joints() {
    const YAML::Node bl = list("bodies", true);
    std::vector<Body> bodies;
    std::vector<YAML::Node> body_nodes;
    for (size_t i = 0; i < bl.size(); ++i) {
      const YAML::Node n = bl[i];
      const std::string f = item("bodies", n, i);
      rd_.check_keys(n, f, {"name", "mass_kg", "com_m", "inertia_kg_m2", "source"});
      Body b;
      b.name = unique_name(n, f, bodies, "body");
      if (b.name == "ground") rd_.fail(n["name"], f + ".name", "'ground' is reserved for the fixed world frame");
      const YAML::Node mass = rd_.get(n, "mass_kg", f);
      b.mass = rd_.number(mass, f + ".mass_kg");
      if (b.mass < 0.0) rd_.fail(mass, f + ".mass_kg", "expected a mass >= 0 kg, got " + mass.Scalar());
      b.com = rd_.vec3(rd_.get(n, "com_m", f), f + ".com_m");
      const YAML::Node in = rd_.get(n, "inertia_kg_m2", f);
      const auto I = rd_.numbers(in, f + ".inertia_kg_m2", 6);
      for (int k = 0; k < 3; ++k)
        if (I[k] < 0.0) rd_.fail(in, f + ".inertia_kg_m2", "expected moments of inertia Ixx, Iyy, Izz >= 0");
      b.inertia << I[0], I[3], I[4], I[3], I[1], I[5], I[4], I[5], I[2];
      if (Reader::has(n, "source")) rd_.text(n["source"], f + ".source");
      bodies.push_back(b);
      body_nodes.push_back(n);
    }
    m_.bodies = bodies;  // provisional order, for name lookups

    const YAML::Node jl = list("joints", true);
    std::vector<Joint> joints;
    std::vector<int> joint_of(bodies.size(), -1);
    std::vector<std::string> joint_field;
    for (size_t i = 0; i < jl.size(); ++i) {
      const YAML::Node n = jl[i];
      const std::string f = item("joints", n, i);
      rd_.check_keys(n, f, {"name", "parent", "child", "parent_offset", "child_offset", "rotations", "translations", "source"});
      Joint j;
      j.name = unique_name(n, f, joints, "joint");
      j.parent = body_ref(rd_.get(n, "parent", f), f + ".parent", true);
      j.child = body_ref(rd_.get(n, "child", f), f + ".child");
      if (j.parent == j.child) rd_.fail(n["child"], f + ".child", "a body cannot be its own parent");
      if (joint_of[j.child] >= 0)
        rd_.fail(n["child"], f + ".child", "body '" + bodies[j.child].name + "' is already the child of joint '" +
                                               joints[joint_of[j.child]].name + "'");
      joint_of[j.child] = static_cast<int>(i);
      if (Reader::has(n, "parent_offset")) j.parent_offset = read_frame(rd_, n["parent_offset"], f + ".parent_offset");
      if (Reader::has(n, "child_offset")) j.child_offset = read_frame(rd_, n["child_offset"], f + ".child_offset");
      read_axes(n, "rotations", f, true, j.rotations);
      read_axes(n, "translations", f, false, j.translations);
      if (Reader::has(n, "source")) rd_.text(n["source"], f + ".source");
      joints.push_back(j);
      joint_field.push_back(f);
    }
    for (size_t b = 0; b < bodies.size(); ++b)
      if (joint_of[b] < 0)
        rd_.fail(body_nodes[b], item("bodies", body_nodes[b], b), "body '" + bodies[b].name + "' is not the child of any joint");

    // order bodies parent first (file order among those ready), joints alongside
    std::vector<int> order, new_index(bodies.size(), -1);
    std::vector<bool> done(bodies.size(), false);
    while (order.size() < bodies.size()) {
      bool progress = false;
      for (size_t b = 0; b < bodies.size(); ++b) {
        if (done[b]) continue;
        const int parent = joints[joint_of[b]].parent;
        if (parent >= 0 && !done[parent]) continue;
        done[b] = true;
        new_index[b] = static_cast<int>(order.size());
        order.push_back(static_cast<int>(b));
        progress = true;
      }
      if (!progress) {
        for (size_t b = 0; b < bodies.size(); ++b)
          if (!done[b]) {
            const int j = joint_of[b];
            rd_.fail(jl[j], joint_field[j], "joints form a loop through body '" + bodies[b].name + "'");
          }
      }
    }
    m_.bodies.clear();
    m_.joints.clear();
    for (int k = 0; k < static_cast<int>(order.size()); ++k) {
      Body b = bodies[order[k]];
      Joint j = joints[joint_of[order[k]]];
      j.child = k;
      j.parent = j.parent < 0 ? -1 : new_index[j.parent];
      b.joint = k;
      m_.bodies.push_back(b);
      m_.joints.push_back(j);
    }
  }

  void read_wrap_cylinders() {
    const YAML::Node wl = list("wrap_cylinders", false);
    for (size_t i = 0; i < wl.size(); ++i) {
      const YAML::Node n = wl[i];
      const std::string f = item("wrap_cylinders", n, i);
      rd_.check_keys(n, f, {"name", "body", "location_m", "orientation_deg", "radius_m", "length_m", "quadrant", "source"});
      WrapCylinder w;
      w.name = unique_name(n, f, m_.wrap_cylinders, "wrap cylinder");
      w.body = body_ref(rd_.get(n, "body", f), f + ".body");
      w.pose = Eigen::Isometry3d::Identity();
      if (Reader::has(n, "location_m")) w.pose.translation() = rd_.vec3(n["location_m"], f + ".location_m");
      if (Reader::has(n, "orientation_deg"))
        w.pose.linear() = rotation_xyz(rd_.vec3(n["orientation_deg"], f + ".orientation_deg") * to_si(Unit::deg));
      w.radius = rd_.positive(rd_.get(n, "radius_m", f), f + ".radius_m");
      if (Reader::has(n, "length_m")) w.length = rd_.positive(n["length_m"], f + ".length_m", true);
      if (Reader::has(n, "quadrant")) {
        const std::string q = rd_.text(n["quadrant"], f + ".quadrant");
        if (q == "all") w.quadrant_axis = -1, w.quadrant_sign = 0;
        else if (q == "+x" || q == "x") w.quadrant_axis = 0, w.quadrant_sign = 1;
        else if (q == "-x") w.quadrant_axis = 0, w.quadrant_sign = -1;
        else if (q == "+y" || q == "y") w.quadrant_axis = 1, w.quadrant_sign = 1;
        else if (q == "-y") w.quadrant_axis = 1, w.quadrant_sign = -1;
        else rd_.fail(n["quadrant"], f + ".quadrant", "expected all, +x, -x, +y or -y, got '" + q + "'");
      }
      if (Reader::has(n, "source")) rd_.text(n["source"], f + ".source");
      m_.wrap_cylinders.push_back(w);
    }
  }

  void read_landmarks() {
    const YAML::Node ll = list("landmarks", false);
    for (size_t i = 0; i < ll.size(); ++i) {
      const YAML::Node n = ll[i];
      const std::string f = item("landmarks", n, i);
      rd_.check_keys(n, f, {"name", "body", "location_m", "source"});
      Landmark l;
      l.name = unique_name(n, f, m_.landmarks, "landmark");
      l.body = body_ref(rd_.get(n, "body", f), f + ".body");
      l.location = rd_.vec3(rd_.get(n, "location_m", f), f + ".location_m");
      l.source = rd_.text(rd_.get(n, "source", f), f + ".source");
      m_.landmarks.push_back(l);
    }
  }

  PathPoint read_point(const YAML::Node& n, const std::string& f) {
    rd_.check_keys(n, f, {"body", "location_m", "condition", "moving"});
    PathPoint p;
    p.body = body_ref(rd_.get(n, "body", f), f + ".body");
    const bool cond = Reader::has(n, "condition"), moving = Reader::has(n, "moving");
    if (cond && moving) rd_.fail(n["moving"], f + ".moving", "a point is either conditional or moving, not both");
    if (moving) {
      p.type = PathPoint::Type::moving;
      if (Reader::has(n, "location_m")) p.location = rd_.vec3(n["location_m"], f + ".location_m");
      const YAML::Node mv = n["moving"];
      const std::string fm = f + ".moving";
      rd_.check_keys(mv, fm, {"x", "y", "z"});
      if (mv.size() == 0) rd_.fail(mv, fm, "expected at least one of x, y, z");
      const char* axes[3] = {"x", "y", "z"};
      for (int k = 0; k < 3; ++k) {
        if (!Reader::has(mv, axes[k])) continue;
        const YAML::Node a = mv[axes[k]];
        const std::string fa = fm + "." + axes[k];
        rd_.check_keys(a, fa, {"coordinate", "function"});
        p.moving_coordinate[k] = coordinate_ref(rd_.get(a, "coordinate", fa), fa + ".coordinate");
        p.moving[k] = read_function(rd_, rd_.get(a, "function", fa), fa + ".function",
                                    coordinate_unit(m_.coordinates[p.moving_coordinate[k]]), Unit::m);
      }
      return p;
    }
    p.location = rd_.vec3(rd_.get(n, "location_m", f), f + ".location_m");
    if (cond) {
      p.type = PathPoint::Type::conditional;
      const YAML::Node c = n["condition"];
      const std::string fc = f + ".condition";
      rd_.check_keys(c, fc, {"coordinate", "range_deg", "range_m"});
      p.condition_coordinate = coordinate_ref(rd_.get(c, "coordinate", fc), fc + ".coordinate");
      const Unit cu = coordinate_unit(m_.coordinates[p.condition_coordinate]);
      const UnitField r = unit_field(rd_, c, "range", fc, true);
      const std::string fr = fc + ".range_" + unit_name(r.unit);
      if (r.unit != cu)
        rd_.fail(r.node, fr, std::string("expected range_") + unit_name(cu) + " for coordinate '" +
                                 m_.coordinates[p.condition_coordinate].name + "'");
      const auto range = rd_.numbers(r.node, fr, 2);
      if (!(range[0] <= range[1])) rd_.fail(r.node, fr, "expected [min, max] with min <= max");
      p.range_min = range[0] * to_si(cu);
      p.range_max = range[1] * to_si(cu);
    }
    return p;
  }

  void read_muscles() {
    const YAML::Node ml = list("muscles", false);
    for (size_t i = 0; i < ml.size(); ++i) {
      const YAML::Node n = ml[i];
      const std::string f = item("muscles", n, i);
      rd_.check_keys(n, f, {"name", "side", "group", "segment", "max_isometric_force_n", "optimal_fiber_length_m",
                            "tendon_slack_length_m", "pennation_angle_deg", "curves", "path", "wraps", "source"});
      Muscle mu;
      mu.name = unique_name(n, f, m_.muscles, "muscle");
      if (Reader::has(n, "side")) {
        const std::string s = rd_.text(n["side"], f + ".side");
        if (s != "r" && s != "l") rd_.fail(n["side"], f + ".side", "expected r or l, got '" + s + "'");
        mu.side = s[0];
      } else if (mu.name.size() > 2 && mu.name.compare(mu.name.size() - 2, 2, "_r") == 0) {
        mu.side = 'r';
      } else if (mu.name.size() > 2 && mu.name.compare(mu.name.size() - 2, 2, "_l") == 0) {
        mu.side = 'l';
      } else {
        rd_.fail(n, f + ".side", "missing field 'side' (r or l; the name has no _r/_l suffix)");
      }
      mu.group = rd_.name(rd_.get(n, "group", f), f + ".group");
      if (Reader::has(n, "segment")) mu.segment = rd_.text(n["segment"], f + ".segment");
      mu.max_isometric_force = rd_.positive(rd_.get(n, "max_isometric_force_n", f), f + ".max_isometric_force_n", true);
      mu.optimal_fiber_length = rd_.positive(rd_.get(n, "optimal_fiber_length_m", f), f + ".optimal_fiber_length_m");
      mu.tendon_slack_length = rd_.positive(rd_.get(n, "tendon_slack_length_m", f), f + ".tendon_slack_length_m", true);
      const YAML::Node pen = rd_.get(n, "pennation_angle_deg", f);
      const double pen_deg = rd_.number(pen, f + ".pennation_angle_deg");
      if (pen_deg < 0.0 || pen_deg >= 90.0)
        rd_.fail(pen, f + ".pennation_angle_deg", "expected an angle in [0, 90) deg, got " + pen.Scalar());
      mu.pennation_angle = pen_deg * to_si(Unit::deg);
      if (Reader::has(n, "curves")) {
        const YAML::Node c = n["curves"];
        const std::string fc = f + ".curves";
        std::vector<std::string> keys;
        for (const auto& [key, member] : kCurveKeys) keys.push_back(key);
        rd_.check_keys(c, fc, keys);
        for (const auto& [key, member] : kCurveKeys) {
          if (!Reader::has(c, key)) continue;
          mu.hill.*member = rd_.number(c[key], fc + "." + key);
          try {
            validate(mu.hill);
          } catch (const InvalidArgument& e) {
            rd_.fail(c[key], fc + "." + key, e.what());
          }
        }
      }
      if (Reader::has(n, "source")) rd_.text(n["source"], f + ".source");

      const YAML::Node path = rd_.get(n, "path", f);
      rd_.expect_seq(path, f + ".path");
      if (path.size() < 2) rd_.fail(path, f + ".path", "expected at least 2 path points, got " + std::to_string(path.size()));
      for (size_t k = 0; k < path.size(); ++k)
        mu.path.push_back(read_point(path[k], f + ".path[" + std::to_string(k) + "]"));

      if (Reader::has(n, "wraps")) {
        const YAML::Node wl = n["wraps"];
        rd_.expect_seq(wl, f + ".wraps");
        for (size_t k = 0; k < wl.size(); ++k) {
          const YAML::Node w = wl[k];
          const std::string fw = f + ".wraps[" + std::to_string(k) + "]";
          rd_.check_keys(w, fw, {"cylinder", "range"});
          PathWrap pw;
          const YAML::Node cn = rd_.get(w, "cylinder", fw);
          const std::string cname = rd_.name(cn, fw + ".cylinder");
          for (size_t c = 0; c < m_.wrap_cylinders.size(); ++c)
            if (m_.wrap_cylinders[c].name == cname) pw.cylinder = static_cast<int>(c);
          if (pw.cylinder < 0) rd_.fail(cn, fw + ".cylinder", "unknown wrap cylinder '" + cname + "'");
          if (Reader::has(w, "range")) {
            const auto r = rd_.numbers(w["range"], fw + ".range", 2);
            const int last = static_cast<int>(mu.path.size()) - 1;
            for (double v : r)
              if (v != std::floor(v) || v < -1 || v > last)
                rd_.fail(w["range"], fw + ".range",
                         "expected 0-based point indices in [0, " + std::to_string(last) + "] (or -1 for an open end)");
            pw.range_begin = static_cast<int>(r[0]);
            pw.range_end = static_cast<int>(r[1]);
            if (pw.range_begin >= 0 && pw.range_end >= 0 && pw.range_begin > pw.range_end)
              rd_.fail(w["range"], fw + ".range", "expected [first, last] with first <= last");
          }
          mu.wraps.push_back(pw);
        }
      }
      m_.muscles.push_back(std::move(mu));
    }
  }
};

YAML::Node parse_yaml(const std::string& text, const std::string& file) {
  YAML::Node root = yaml::parse(text, file);
  if (!root.IsMap()) throw FileError(file, Reader::line(root), "", "expected a model file: a YAML mapping at the top level");
  return root;
}

// ---------------------------------------------------------------- writing

// The shortest decimal text t with parse(t) * c == v exactly, so that the
// loader (which multiplies by the same c) gets v back bit for bit; c = 1 gives
// the shortest round-trip form of v. Falls back to 17 digits of v / c.
std::string num(double v, double c = 1.0) {
  if (v == 0.0) return "0";  // also -0
  const double guess = v / c;
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    const auto res = std::to_chars(buf, buf + sizeof buf, guess, std::chars_format::general, prec);
    double back = 0.0;
    std::from_chars(buf, res.ptr, back);
    if (back * c == v) {
      // print the value found in its own shortest form (90 rather than 9e+01)
      const auto r2 = std::to_chars(buf, buf + sizeof buf, back);
      return std::string(buf, r2.ptr);
    }
  }
  const auto res = std::to_chars(buf, buf + sizeof buf, guess);
  return std::string(buf, res.ptr);
}

std::string nums(const std::vector<double>& v, double c = 1.0) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + num(v[i], c);
  return s + "]";
}

std::string vec(const Vec3& v, double c = 1.0) { return nums({v[0], v[1], v[2]}, c); }

// Euler angles (deg) of R, with the fewest digits that rebuild R to 1e-15.
std::string angles_deg(const Mat3& R) {
  const Vec3 a = euler_xyz(R) / to_si(Unit::deg);
  char buf[3][64];
  for (int prec = 1; prec <= 17; ++prec) {
    Vec3 back;
    std::string out = "[";
    for (int k = 0; k < 3; ++k) {
      const auto res = std::to_chars(buf[k], buf[k] + 64, a[k], std::chars_format::general, prec);
      std::from_chars(buf[k], res.ptr, back[k]);
      const auto r2 = std::to_chars(buf[k], buf[k] + 64, back[k]);
      out += (k ? ", " : "") + (back[k] == 0.0 ? std::string("0") : std::string(buf[k], r2.ptr));
    }
    if ((rotation_xyz(back * to_si(Unit::deg)) - R).cwiseAbs().maxCoeff() <= 1e-15) return out + "]";
  }
  return vec(a);
}

bool plain_safe(const std::string& s) {
  if (s.empty()) return false;
  static const std::set<std::string> reserved = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~",
                                                 "True", "False", "Yes", "No", "On", "Off", "Null", "NULL", "TRUE",
                                                 "FALSE", "YES", "NO", "Y", "N", "ON", "OFF"};
  if (reserved.count(s)) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

std::string str(const std::string& s) {
  if (plain_safe(s)) return s;
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string function_yaml(const Function& fn, Unit x, Unit y) {
  const std::string X = unit_name(x), Y = unit_name(y);
  const double cx = to_si(x), cy = to_si(y);
  switch (fn.kind()) {
    case Function::Kind::constant:
      return "{constant: {value_" + Y + ": " + num(fn.intercept(), cy) + "}}";
    case Function::Kind::linear:
      return "{linear: {slope_" + Y + "_per_" + X + ": " + num(fn.slope(), cy / cx) + ", intercept_" + Y + ": " +
             num(fn.intercept(), cy) + "}}";
    case Function::Kind::spline:
      return "{spline: {x_" + X + ": " + nums(fn.x(), cx) + ", y_" + Y + ": " + nums(fn.y(), cy) + "}}";
    case Function::Kind::polynomial: {
      const std::vector<double>& c = fn.y();
      const int deg = static_cast<int>(c.size()) - 1;
      std::string s = "[";
      for (int i = 0; i <= deg; ++i) s += (i ? ", " : "") + num(c[i], poly_factor(cx, cy, deg - i));
      return "{polynomial: {coefficients_" + Y + "_per_" + X + ": " + s + "]}}";
    }
  }
  return "{}";
}

bool is_identity_linear(const Function& f) {
  return f.kind() == Function::Kind::linear && f.slope() == 1.0 && f.intercept() == 0.0;
}

std::string frame_yaml(const Eigen::Isometry3d& X) {
  return "{location_m: " + vec(X.translation()) + ", orientation_deg: " + angles_deg(X.linear()) + "}";
}

bool is_identity(const Eigen::Isometry3d& X) { return X.matrix() == Eigen::Matrix4d::Identity(); }

std::string subject_yaml(const Subject& s, bool with_name) {
  std::string o = "{";
  if (with_name) o += "name: " + str(s.name) + ", ";
  o += "mass_kg: " + num(s.mass) + ", height_m: " + num(s.height) + ", sex: " + (s.sex == Sex::male ? "male" : "female");
  const double d = to_si(Unit::deg);
  if (s.pelvis_width) o += ", pelvis_width_m: " + num(*s.pelvis_width);
  if (s.femur_length) o += ", femur_length_m: " + num(*s.femur_length);
  if (s.neck_shaft_angle) o += ", neck_shaft_angle_deg: " + num(*s.neck_shaft_angle, d);
  if (s.anteversion) o += ", anteversion_deg: " + num(*s.anteversion, d);
  if (s.tibiofemoral_angle) o += ", tibiofemoral_angle_deg: " + num(*s.tibiofemoral_angle, d);
  if (s.tuberosity_offset) o += ", tuberosity_offset_m: " + num(*s.tuberosity_offset);
  if (!s.strength_scale.empty()) {
    o += ", strength_scale: {";
    bool first = true;
    for (const auto& [k, v] : s.strength_scale) o += (first ? "" : ", ") + str(k) + ": " + num(v), first = false;
    o += "}";
  }
  return o + "}";
}

void check_index(bool ok, const std::string& what) {
  if (!ok) throw InvalidArgument("save_model: " + what);
}

}  // namespace

ModelFile parse_model_file(const std::string& text, const std::string& file_name) {
  const YAML::Node root = parse_yaml(text, file_name);
  return yaml::guarded(file_name, [&] { return ModelReader(root, file_name).read(); });
}

ModelFile load_model_file(const std::string& path) {
  return parse_model_file(yaml::read_file(path, "model file"), path);
}

Model load_model(const std::string& path) { return load_model_file(path).model; }

std::map<std::string, Subject> load_subjects(const std::string& path) { return load_model_file(path).subjects; }

std::string model_to_yaml(const Model& m, const std::map<std::string, Subject>& subjects,
                          const std::string& default_subject) {
  const int nb = static_cast<int>(m.bodies.size()), nc = static_cast<int>(m.coordinates.size());
  auto body_name = [&](int b) {
    check_index(b >= 0 && b < nb, "body index " + std::to_string(b) + " out of range");
    return str(m.bodies[b].name);
  };
  auto coord = [&](int c) -> const Coordinate& {
    check_index(c >= 0 && c < nc, "coordinate index " + std::to_string(c) + " out of range");
    return m.coordinates[c];
  };
  if (!default_subject.empty() && !subjects.count(default_subject))
    throw InvalidArgument("save_model: default subject '" + default_subject + "' is not among the subjects");

  std::ostringstream o;
  o << "# biomech model file, format_version " << kFormatVersion
    << ". Schema: docs/model_file.md. Angles in degrees, other quantities in SI units (unit in each field name).\n";
  o << "format_version: " << kFormatVersion << "\n";
  o << "name: " << str(m.name) << "\n";
  o << "source: " << str(m.source) << "\n";
  if (!m.license.empty()) o << "license: " << str(m.license) << "\n";
  o << "gravity_m_s2: " << vec(m.gravity) << "\n";
  o << "reference_subject: " << subject_yaml(m.subject, true) << "\n";

  o << "\ncoordinates:\n";
  for (const Coordinate& c : m.coordinates) {
    const Unit u = coordinate_unit(c);
    const double s = to_si(u);
    o << "  - {name: " << str(c.name) << ", range_" << unit_name(u) << ": " << nums({c.range_min, c.range_max}, s)
      << ", default_" << unit_name(u) << ": " << num(c.default_value, s);
    if (c.driver >= 0)
      o << ", coupled: {driver: " << str(coord(c.driver).name)
        << ", function: " << function_yaml(c.coupler, coordinate_unit(coord(c.driver)), u) << "}";
    o << "}\n";
  }

  o << "\nbodies:\n";
  for (const Body& b : m.bodies) {
    const Mat3& I = b.inertia;
    o << "  - {name: " << str(b.name) << ", mass_kg: " << num(b.mass) << ", com_m: " << vec(b.com)
      << ", inertia_kg_m2: " << nums({I(0, 0), I(1, 1), I(2, 2), I(0, 1), I(0, 2), I(1, 2)}) << "}\n";
  }

  o << "\njoints:\n";
  for (const Joint& j : m.joints) {
    o << "  - name: " << str(j.name) << "\n";
    o << "    parent: " << (j.parent < 0 ? "ground" : body_name(j.parent)) << "\n";
    o << "    child: " << body_name(j.child) << "\n";
    if (!is_identity(j.parent_offset)) o << "    parent_offset: " << frame_yaml(j.parent_offset) << "\n";
    if (!is_identity(j.child_offset)) o << "    child_offset: " << frame_yaml(j.child_offset) << "\n";
    for (int kind = 0; kind < 2; ++kind) {
      const bool rotation = kind == 0;
      const auto& axes = rotation ? j.rotations : j.translations;
      o << "    " << (rotation ? "rotations" : "translations") << ":\n";
      const Unit y = rotation ? Unit::deg : Unit::m;
      for (const TransformAxis& ax : axes) {
        o << "      - {axis: " << vec(ax.axis);
        if (ax.coordinate >= 0) {
          const Coordinate& c = coord(ax.coordinate);
          o << ", coordinate: " << str(c.name);
          if (!(coordinate_unit(c) == y && is_identity_linear(ax.function)))
            o << ", function: " << function_yaml(ax.function, coordinate_unit(c), y);
        } else {
          // without a coordinate the axis holds function(0)
          const double v = ax.function.value(0.0);
          if (v != 0.0) o << ", function: " << function_yaml(Function::constant(v), Unit::m, y);
        }
        o << "}\n";
      }
    }
  }

  if (!m.wrap_cylinders.empty()) {
    o << "\nwrap_cylinders:\n";
    for (const WrapCylinder& w : m.wrap_cylinders) {
      std::string q = "all";
      if (w.quadrant_axis == 0 || w.quadrant_axis == 1)
        q = std::string(w.quadrant_sign < 0 ? "-" : "+") + (w.quadrant_axis == 0 ? "x" : "y");
      o << "  - {name: " << str(w.name) << ", body: " << body_name(w.body) << ", location_m: " << vec(w.pose.translation())
        << ", orientation_deg: " << angles_deg(w.pose.linear()) << ", radius_m: " << num(w.radius)
        << ", length_m: " << num(w.length) << ", quadrant: " << str(q) << "}\n";
    }
  }

  if (!m.landmarks.empty()) {
    o << "\nlandmarks:\n";
    for (const Landmark& l : m.landmarks)
      o << "  - {name: " << str(l.name) << ", body: " << body_name(l.body) << ", location_m: " << vec(l.location)
        << ", source: " << str(l.source) << "}\n";
  }

  if (!m.muscles.empty()) {
    o << "\nmuscles:\n";
    for (const Muscle& mu : m.muscles) {
      o << "  - name: " << str(mu.name) << "\n";
      o << "    side: " << mu.side << "\n";
      o << "    group: " << str(mu.group) << "\n";
      if (!mu.segment.empty()) o << "    segment: " << str(mu.segment) << "\n";
      o << "    max_isometric_force_n: " << num(mu.max_isometric_force) << "\n";
      o << "    optimal_fiber_length_m: " << num(mu.optimal_fiber_length) << "\n";
      o << "    tendon_slack_length_m: " << num(mu.tendon_slack_length) << "\n";
      o << "    pennation_angle_deg: " << num(mu.pennation_angle, to_si(Unit::deg)) << "\n";
      const HillParameters defaults;
      std::string curves;
      for (const auto& [key, member] : kCurveKeys)
        if (mu.hill.*member != defaults.*member)
          curves += std::string(curves.empty() ? "" : ", ") + key + ": " + num(mu.hill.*member);
      if (!curves.empty()) o << "    curves: {" << curves << "}\n";
      o << "    path:\n";
      for (const PathPoint& p : mu.path) {
        o << "      - {body: " << body_name(p.body) << ", location_m: " << vec(p.location);
        if (p.type == PathPoint::Type::conditional) {
          const Coordinate& c = coord(p.condition_coordinate);
          const Unit u = coordinate_unit(c);
          o << ", condition: {coordinate: " << str(c.name) << ", range_" << unit_name(u) << ": "
            << nums({p.range_min, p.range_max}, to_si(u)) << "}";
        } else if (p.type == PathPoint::Type::moving) {
          o << ", moving: {";
          bool first = true;
          for (int k = 0; k < 3; ++k) {
            if (p.moving_coordinate[k] < 0) continue;
            const Coordinate& c = coord(p.moving_coordinate[k]);
            o << (first ? "" : ", ") << "xyz"[k] << ": {coordinate: " << str(c.name)
              << ", function: " << function_yaml(p.moving[k], coordinate_unit(c), Unit::m) << "}";
            first = false;
          }
          check_index(!first, "muscle '" + mu.name + "': a moving point without any moving coordinate");
          o << "}";
        }
        o << "}\n";
      }
      if (!mu.wraps.empty()) {
        o << "    wraps:\n";
        for (const PathWrap& w : mu.wraps) {
          check_index(w.cylinder >= 0 && w.cylinder < static_cast<int>(m.wrap_cylinders.size()),
                      "muscle '" + mu.name + "': wrap cylinder index out of range");
          o << "      - {cylinder: " << str(m.wrap_cylinders[w.cylinder].name);
          if (w.range_begin != -1 || w.range_end != -1) o << ", range: [" << w.range_begin << ", " << w.range_end << "]";
          o << "}\n";
        }
      }
    }
  }

  if (!subjects.empty()) {
    o << "\nsubjects:\n";
    for (const auto& [k, s] : subjects) o << "  " << str(k) << ": " << subject_yaml(s, false) << "\n";
  }
  if (!default_subject.empty()) o << "default_subject: " << str(default_subject) << "\n";
  return o.str();
}

void save_model(const Model& model, const std::string& path, const std::map<std::string, Subject>& subjects,
                const std::string& default_subject) {
  const std::string text = model_to_yaml(model, subjects, default_subject);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw FileError(path, 0, "", "cannot open the file for writing");
  out << text;
  out.close();
  if (!out) throw FileError(path, 0, "", "writing the file failed");
}

void save_model(const Model& model, const std::string& path) { save_model(model, path, {}, ""); }

}  // namespace biomech
