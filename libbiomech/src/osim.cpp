// OpenSim 4 (.osim) import with tinyxml2. Reads the whole body tree, then keeps
// the pelvis, legs and torso with the muscles that cross the hip (OsimScope::hip)
// or every body and muscle of the person (OsimScope::full); see osim.hpp and
// docs/model_file.md for the rules.
#include "biomech/osim.hpp"

#include <tinyxml2.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <utility>
#include <sstream>

#include "biomech/errors.hpp"
#include "internal.hpp"
#include "text_file.hpp"

namespace biomech {
namespace {

using tinyxml2::XMLDocument;
using tinyxml2::XMLElement;

struct GroupSegment {
  const char* group;
  const char* segment;
};

// Muscle base name (no _r/_l) -> group, segment. gait2392 names (Delp et al.
// 1990) and Rajagopal et al. 2016 names; segments follow the anatomical region
// each line of action represents.
const std::map<std::string, GroupSegment>& group_map() {
  static const std::map<std::string, GroupSegment> m = {
      // gluteus medius / minimus: 1 anterior, 2 middle, 3 posterior
      {"glut_med1", {"gluteus_medius", "anterior"}}, {"glut_med2", {"gluteus_medius", "middle"}},
      {"glut_med3", {"gluteus_medius", "posterior"}}, {"glmed1", {"gluteus_medius", "anterior"}},
      {"glmed2", {"gluteus_medius", "middle"}}, {"glmed3", {"gluteus_medius", "posterior"}},
      {"glut_min1", {"gluteus_minimus", "anterior"}}, {"glut_min2", {"gluteus_minimus", "middle"}},
      {"glut_min3", {"gluteus_minimus", "posterior"}}, {"glmin1", {"gluteus_minimus", "anterior"}},
      {"glmin2", {"gluteus_minimus", "middle"}}, {"glmin3", {"gluteus_minimus", "posterior"}},
      // gluteus maximus: 1 superior, 2 middle, 3 inferior
      {"glut_max1", {"gluteus_maximus", "superior"}}, {"glut_max2", {"gluteus_maximus", "middle"}},
      {"glut_max3", {"gluteus_maximus", "inferior"}}, {"glmax1", {"gluteus_maximus", "superior"}},
      {"glmax2", {"gluteus_maximus", "middle"}}, {"glmax3", {"gluteus_maximus", "inferior"}},
      {"tfl", {"tfl", ""}},
      {"peri", {"piriformis", ""}}, {"piri", {"piriformis", ""}},
      {"gem", {"gemelli", ""}},
      {"quad_fem", {"quadratus_femoris", ""}},
      {"pect", {"pectineus", ""}},
      // adductors: one group, the muscle (and magnus region) as segment
      {"add_long", {"adductors", "adductor_longus"}}, {"addlong", {"adductors", "adductor_longus"}},
      {"add_brev", {"adductors", "adductor_brevis"}}, {"addbrev", {"adductors", "adductor_brevis"}},
      {"add_mag1", {"adductors", "adductor_magnus_proximal"}}, {"add_mag2", {"adductors", "adductor_magnus_middle"}},
      {"add_mag3", {"adductors", "adductor_magnus_distal"}},
      {"addmagProx", {"adductors", "adductor_magnus_proximal"}}, {"addmagMid", {"adductors", "adductor_magnus_middle"}},
      {"addmagDist", {"adductors", "adductor_magnus_distal"}}, {"addmagIsch", {"adductors", "adductor_magnus_ischial"}},
      {"iliacus", {"iliacus", ""}},
      {"psoas", {"psoas", ""}},
      {"sar", {"sartorius", ""}}, {"sart", {"sartorius", ""}},
      {"rect_fem", {"rectus_femoris", ""}}, {"recfem", {"rectus_femoris", ""}},
      {"grac", {"gracilis", ""}},
      // hamstrings: one group, the muscle as segment
      {"semimem", {"hamstrings", "semimembranosus"}}, {"semiten", {"hamstrings", "semitendinosus"}},
      {"bifemlh", {"hamstrings", "biceps_femoris_long_head"}}, {"bflh", {"hamstrings", "biceps_femoris_long_head"}},
  };
  return m;
}

std::vector<std::string> split_ws(const char* s) {
  std::vector<std::string> out;
  if (!s) return out;
  std::istringstream in(s);
  std::string tok;
  while (in >> tok) out.push_back(tok);
  return out;
}

std::string last_component(const std::string& p) {
  const size_t k = p.find_last_of('/');
  return k == std::string::npos ? p : p.substr(k + 1);
}

using internal::rotation_xyz;

TransformAxis identity_axis(const Vec3& axis, int coord) { return {axis, coord, Function::linear(1.0, 0.0)}; }
TransformAxis zero_axis(const Vec3& axis) { return {axis, -1, Function::constant(0.0)}; }

struct OWrap {
  std::string name, type;
  int body = -1;
  bool active = true;
  WrapCylinder cylinder;  // filled for WrapCylinder
  const XMLElement* el = nullptr;
};

struct OBody {
  std::string name;
  double mass = 0.0;
  Vec3 com = Vec3::Zero();
  Mat3 inertia = Mat3::Zero();
  const XMLElement* el = nullptr;
};

struct OJoint {
  std::string name, type;
  int parent = -1, child = -1;
  Joint joint;              // coordinates index into Importer::coords_
  std::vector<int> coords;  // the joint's own coordinates
  bool supported = true;    // false: only usable when merged at zero default
  const XMLElement* el = nullptr;
};

struct OMuscle {
  Muscle muscle;
  std::vector<std::string> wrap_names;
};

class Importer {
 public:
  Importer(std::string path, OsimScope scope) : path_(std::move(path)), scope_(scope) {}

  Model run() {
    const std::string text = read_text_file(path_, "OpenSim model file");
    if (doc_.Parse(text.data(), text.size()) != tinyxml2::XML_SUCCESS)
      throw FileError(path_, doc_.ErrorLineNum(), "", std::string("XML: ") + doc_.ErrorStr());
    const XMLElement* root = doc_.RootElement();
    if (!root || std::string(root->Name()) != "OpenSimDocument")
      fail(root, "OpenSimDocument", "expected an OpenSim model file (root element <OpenSimDocument>)");
    const int version = root->IntAttribute("Version", 0);
    if (version < 40000)
      fail(root, "OpenSimDocument", "expected an OpenSim 4 file (Version >= 40000), got Version " +
                                         std::to_string(version) + "; open and save it in OpenSim 4 first");
    const XMLElement* model = need(root, "Model", "OpenSimDocument");
    model_name_ = model->Attribute("name") ? model->Attribute("name") : "";
    check_units(model);

    read_bodies(model);
    read_joints(model);
    read_constraints(model);
    read_muscles(model);
    return build(model);
  }

 private:
  std::string path_;
  OsimScope scope_;
  XMLDocument doc_;
  std::string model_name_;
  std::vector<OBody> bodies_;
  std::map<std::string, int> body_index_;
  std::vector<OWrap> wraps_;
  std::vector<OJoint> joints_;
  std::vector<int> joint_of_;  // body -> joint whose child it is
  std::vector<Coordinate> coords_;
  std::vector<const XMLElement*> coord_el_;
  std::map<std::string, int> coord_index_;
  std::vector<OMuscle> muscles_;

  // ---- XML helpers
  [[noreturn]] void fail(const XMLElement* el, const std::string& field, const std::string& msg) const {
    throw FileError(path_, el ? el->GetLineNum() : 0, field, msg);
  }
  static const XMLElement* child(const XMLElement* el, const char* name) {
    return el ? el->FirstChildElement(name) : nullptr;
  }
  const XMLElement* need(const XMLElement* el, const char* name, const std::string& field) const {
    const XMLElement* c = child(el, name);
    if (!c) fail(el, field + "/" + name, std::string("missing <") + name + ">");
    return c;
  }
  static std::string name_of(const XMLElement* el) { return el->Attribute("name") ? el->Attribute("name") : ""; }
  static std::string label(const XMLElement* el) { return std::string(el->Name()) + "[" + name_of(el) + "]"; }
  static std::string text(const XMLElement* el) {
    if (!el || !el->GetText()) return "";
    std::string s = el->GetText();
    const size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
  }
  std::vector<double> numbers(const XMLElement* el, const std::string& field, int count = -1) const {
    std::vector<double> out;
    for (const std::string& tok : split_ws(el->GetText())) {
      char* end = nullptr;
      const double v = std::strtod(tok.c_str(), &end);
      if (end == tok.c_str() || *end != '\0') fail(el, field, "expected numbers, got '" + tok + "'");
      if (!std::isfinite(v)) fail(el, field, "expected finite numbers, got '" + tok + "'");
      out.push_back(v);
    }
    if (count >= 0 && static_cast<int>(out.size()) != count)
      fail(el, field, "expected " + std::to_string(count) + " numbers, got " + std::to_string(out.size()));
    return out;
  }
  double number(const XMLElement* el, const std::string& field) const { return numbers(el, field, 1)[0]; }
  Vec3 vec3(const XMLElement* el, const std::string& field) const {
    const auto v = numbers(el, field, 3);
    return Vec3(v[0], v[1], v[2]);
  }
  bool flag(const XMLElement* el, bool fallback) const {
    if (!el) return fallback;
    const std::string t = text(el);
    return t == "true" || t == "1";
  }

  void check_units(const XMLElement* model) const {
    if (const XMLElement* u = child(model, "length_units"))
      if (text(u) != "meters" && text(u) != "m") fail(u, "Model/length_units", "expected meters, got '" + text(u) + "'");
    if (const XMLElement* u = child(model, "force_units"))
      if (text(u) != "N" && text(u) != "newtons") fail(u, "Model/force_units", "expected N, got '" + text(u) + "'");
  }

  // OpenSim functions -> Function (radians, metres as in the file).
  Function read_function(const XMLElement* f, const std::string& field) const {
    const std::string t = f->Name();
    const std::string fl = field + "/" + t;
    try {
      if (t == "function" || t == "x_location" || t == "y_location" || t == "z_location" ||
          t == "coupled_coordinates_function") {
        const XMLElement* inner = f->FirstChildElement();
        if (!inner) fail(f, fl, "missing function element");
        return read_function(inner, field);
      }
      if (t == "LinearFunction") {
        const auto c = numbers(need(f, "coefficients", fl), fl + "/coefficients", 2);
        return Function::linear(c[0], c[1]);
      }
      if (t == "Constant") return Function::constant(number(need(f, "value", fl), fl + "/value"));
      if (t == "SimmSpline") {
        const auto x = numbers(need(f, "x", fl), fl + "/x");
        const auto y = numbers(need(f, "y", fl), fl + "/y");
        return Function::spline(x, y);
      }
      if (t == "PolynomialFunction") return Function::polynomial(numbers(need(f, "coefficients", fl), fl + "/coefficients"));
      if (t == "MultiplierFunction") {
        const XMLElement* inner = need(f, "function", fl);
        const double scale = child(f, "scale") ? number(child(f, "scale"), fl + "/scale") : 1.0;
        return read_function(inner, fl).scaled(scale);
      }
    } catch (const InvalidArgument& e) {
      fail(f, fl, e.what());
    }
    fail(f, fl, "unsupported function type <" + t +
                    "> (supported: LinearFunction, Constant, SimmSpline, PolynomialFunction, MultiplierFunction)");
  }

  // ---- bodies and wrap objects
  void read_wrap_objects(const XMLElement* owner, int body, const std::string& field) {
    const XMLElement* set = child(owner, "WrapObjectSet");
    const XMLElement* objs = child(set, "objects");
    if (!objs) return;
    for (const XMLElement* w = objs->FirstChildElement(); w; w = w->NextSiblingElement()) {
      OWrap o;
      o.name = name_of(w);
      o.type = w->Name();
      o.body = body;
      o.el = w;
      o.active = flag(child(w, "active"), true);
      const std::string fw = field + "/" + label(w);
      if (o.type == "WrapCylinder") {
        WrapCylinder& c = o.cylinder;
        c.name = o.name;
        c.body = body;
        if (const XMLElement* r = child(w, "xyz_body_rotation")) c.pose.linear() = rotation_xyz(vec3(r, fw + "/xyz_body_rotation"));
        if (const XMLElement* tr = child(w, "translation")) c.pose.translation() = vec3(tr, fw + "/translation");
        c.radius = number(need(w, "radius", fw), fw + "/radius");
        c.length = child(w, "length") ? number(child(w, "length"), fw + "/length") : 1.0;  // OpenSim default 1
        const std::string q = child(w, "quadrant") ? text(child(w, "quadrant")) : "all";
        if (q == "all" || q.empty()) c.quadrant_axis = -1, c.quadrant_sign = 0;
        else if (q == "x" || q == "+x") c.quadrant_axis = 0, c.quadrant_sign = 1;
        else if (q == "-x") c.quadrant_axis = 0, c.quadrant_sign = -1;
        else if (q == "y" || q == "+y") c.quadrant_axis = 1, c.quadrant_sign = 1;
        else if (q == "-y") c.quadrant_axis = 1, c.quadrant_sign = -1;
        else o.type = "WrapCylinder with quadrant '" + q + "'";  // rejected if a hip muscle uses it
      }
      wraps_.push_back(o);
    }
  }

  void read_bodies(const XMLElement* model) {
    if (const XMLElement* ground = child(model, "Ground")) read_wrap_objects(ground, -1, "Model/Ground");
    const XMLElement* objs = need(need(model, "BodySet", "Model"), "objects", "Model/BodySet");
    for (const XMLElement* b = objs->FirstChildElement(); b; b = b->NextSiblingElement()) {
      const std::string fb = "BodySet/" + label(b);
      if (std::string(b->Name()) != "Body") fail(b, fb, std::string("unsupported body type <") + b->Name() + ">");
      OBody o;
      o.name = name_of(b);
      o.el = b;
      if (o.name.empty() || o.name == "ground") fail(b, fb, "expected a body name other than '' and 'ground'");
      if (body_index_.count(o.name)) fail(b, fb, "duplicate body '" + o.name + "'");
      o.mass = number(need(b, "mass", fb), fb + "/mass");
      if (o.mass < 0.0) fail(child(b, "mass"), fb + "/mass", "expected a mass >= 0 kg");
      if (const XMLElement* c = child(b, "mass_center")) o.com = vec3(c, fb + "/mass_center");
      if (const XMLElement* in = child(b, "inertia")) {
        const auto I = numbers(in, fb + "/inertia", 6);
        o.inertia << I[0], I[3], I[4], I[3], I[1], I[5], I[4], I[5], I[2];
      }
      body_index_[o.name] = static_cast<int>(bodies_.size());
      bodies_.push_back(o);
      read_wrap_objects(b, static_cast<int>(bodies_.size()) - 1, fb);
    }
    joint_of_.assign(bodies_.size(), -1);
  }

  // "/bodyset/pelvis", "pelvis", "/ground" -> body index (-1 for ground); -2 when unknown
  int body_of_path(const std::string& p) const {
    const std::string n = last_component(p);
    if (n == "ground") return -1;
    const auto it = body_index_.find(n);
    return it == body_index_.end() ? -2 : it->second;
  }

  // ---- joints and coordinates
  int add_coordinate(const XMLElement* c, const std::string& field) {
    Coordinate co;
    co.name = name_of(c);
    if (co.name.empty()) fail(c, field, "coordinate without a name");
    if (coord_index_.count(co.name)) fail(c, field, "duplicate coordinate '" + co.name + "'");
    if (const XMLElement* d = child(c, "default_value")) co.default_value = number(d, field + "/default_value");
    if (const XMLElement* r = child(c, "range")) {
      const auto v = numbers(r, field + "/range", 2);
      co.range_min = std::min(v[0], v[1]);
      co.range_max = std::max(v[0], v[1]);
    }
    co.rotational = true;  // decided from the joint axes below
    coord_index_[co.name] = static_cast<int>(coords_.size());
    coords_.push_back(co);
    coord_el_.push_back(c);
    return static_cast<int>(coords_.size()) - 1;
  }

  int coordinate_ref(const XMLElement* at, const std::string& name, const std::string& field) const {
    const auto it = coord_index_.find(last_component(name));
    if (it == coord_index_.end()) fail(at, field, "unknown coordinate '" + name + "'");
    return it->second;
  }

  // Resolves a joint socket (frame name in the joint's <frames>, or a body path).
  std::pair<int, Eigen::Isometry3d> resolve_frame(const XMLElement* joint, const std::string& socket,
                                                  const std::string& field, int depth = 0) const {
    if (depth > 8) fail(joint, field, "offset frames nested too deeply");
    const XMLElement* frames = child(joint, "frames");
    const bool is_body_path = socket.find("/bodyset/") != std::string::npos || socket == "/ground";
    if (frames && !is_body_path) {
      const std::string n = last_component(socket);
      for (const XMLElement* f = frames->FirstChildElement(); f; f = f->NextSiblingElement()) {
        if (name_of(f) != n) continue;
        const std::string ff = field + "/" + label(f);
        if (std::string(f->Name()) != "PhysicalOffsetFrame")
          fail(f, ff, std::string("unsupported frame type <") + f->Name() + ">");
        Eigen::Isometry3d X = Eigen::Isometry3d::Identity();
        if (const XMLElement* t = child(f, "translation")) X.translation() = vec3(t, ff + "/translation");
        if (const XMLElement* o = child(f, "orientation")) X.linear() = rotation_xyz(vec3(o, ff + "/orientation"));
        const std::string parent = text(need(f, "socket_parent", ff));
        auto [body, Xp] = resolve_frame(joint, parent, ff, depth + 1);
        return {body, Xp * X};
      }
    }
    const int b = body_of_path(socket);
    if (b == -2) fail(joint, field, "cannot resolve frame '" + socket + "' (expected an offset frame of this joint or a body)");
    return {b, Eigen::Isometry3d::Identity()};
  }

  void read_joints(const XMLElement* model) {
    const XMLElement* objs = need(need(model, "JointSet", "Model"), "objects", "Model/JointSet");
    for (const XMLElement* j = objs->FirstChildElement(); j; j = j->NextSiblingElement()) {
      OJoint o;
      o.name = name_of(j);
      o.type = j->Name();
      o.el = j;
      const std::string fj = "JointSet/" + label(j);
      o.joint.name = o.name;
      auto [parent, Xp] = resolve_frame(j, text(need(j, "socket_parent_frame", fj)), fj + "/socket_parent_frame");
      auto [childb, Xc] = resolve_frame(j, text(need(j, "socket_child_frame", fj)), fj + "/socket_child_frame");
      if (childb < 0) fail(j, fj, "the child frame of a joint must be on a body, not ground");
      if (joint_of_[childb] >= 0)
        fail(j, fj, "body '" + bodies_[childb].name + "' is the child of two joints (closed loops are not supported)");
      o.parent = parent;
      o.child = childb;
      o.joint.parent_offset = Xp;
      o.joint.child_offset = Xc;
      if (const XMLElement* cs = child(j, "coordinates"))
        for (const XMLElement* c = cs->FirstChildElement("Coordinate"); c; c = c->NextSiblingElement("Coordinate"))
          o.coords.push_back(add_coordinate(c, fj + "/coordinates/" + label(c)));

      const Vec3 X = Vec3::UnitX(), Y = Vec3::UnitY(), Z = Vec3::UnitZ();
      auto& R = o.joint.rotations;
      auto& T = o.joint.translations;
      R = {zero_axis(X), zero_axis(Y), zero_axis(Z)};
      T = {zero_axis(X), zero_axis(Y), zero_axis(Z)};
      auto need_coords = [&](size_t n) {
        if (o.coords.size() != n)
          fail(j, fj, o.type + " expects " + std::to_string(n) + " coordinates, got " + std::to_string(o.coords.size()));
      };
      if (o.type == "CustomJoint") {
        read_spatial_transform(j, fj, o);
      } else if (o.type == "WeldJoint") {
        need_coords(0);
      } else if (o.type == "PinJoint") {
        need_coords(1);
        R = {identity_axis(Z, o.coords[0]), zero_axis(X), zero_axis(Y)};
      } else if (o.type == "SliderJoint") {
        need_coords(1);
        T = {identity_axis(X, o.coords[0]), zero_axis(Y), zero_axis(Z)};
        coords_[o.coords[0]].rotational = false;
      } else if (o.type == "UniversalJoint") {
        need_coords(2);
        R = {identity_axis(X, o.coords[0]), identity_axis(Y, o.coords[1]), zero_axis(Z)};
      } else if (o.type == "GimbalJoint") {
        need_coords(3);
        R = {identity_axis(X, o.coords[0]), identity_axis(Y, o.coords[1]), identity_axis(Z, o.coords[2])};
      } else if (o.type == "FreeJoint") {
        need_coords(6);
        R = {identity_axis(X, o.coords[0]), identity_axis(Y, o.coords[1]), identity_axis(Z, o.coords[2])};
        T = {identity_axis(X, o.coords[3]), identity_axis(Y, o.coords[4]), identity_axis(Z, o.coords[5])};
        for (int k = 3; k < 6; ++k) coords_[o.coords[k]].rotational = false;
      } else {
        // BallJoint, EllipsoidJoint, PlanarJoint, ...: usable only when merged
        // away at a default posture where they are the identity
        o.supported = false;
      }
      joint_of_[childb] = static_cast<int>(joints_.size());
      joints_.push_back(o);
    }
    for (size_t b = 0; b < bodies_.size(); ++b)
      if (joint_of_[b] < 0) fail(bodies_[b].el, "BodySet/" + label(bodies_[b].el), "body '" + bodies_[b].name + "' has no joint");
  }

  void read_spatial_transform(const XMLElement* j, const std::string& fj, OJoint& o) {
    const XMLElement* st = need(j, "SpatialTransform", fj);
    const std::string fs = fj + "/SpatialTransform";
    std::map<int, bool> rotational;  // coordinate -> drives a rotation
    int k = 0;
    for (const XMLElement* ax = st->FirstChildElement("TransformAxis"); ax; ax = ax->NextSiblingElement("TransformAxis"), ++k) {
      if (k >= 6) fail(ax, fs, "expected 6 TransformAxis elements");
      const std::string fa = fs + "/" + label(ax);
      TransformAxis t;
      t.axis = vec3(need(ax, "axis", fa), fa + "/axis");
      if (!(t.axis.norm() > 0.0)) fail(ax, fa + "/axis", "expected a non-zero axis");
      t.axis.normalize();
      const auto names = split_ws(child(ax, "coordinates") ? child(ax, "coordinates")->GetText() : nullptr);
      if (names.size() > 1) fail(ax, fa + "/coordinates", "a TransformAxis driven by several coordinates is not supported");
      const XMLElement* fn = nullptr;
      for (const XMLElement* c = ax->FirstChildElement(); c; c = c->NextSiblingElement()) {
        const std::string n = c->Name();
        if (n != "coordinates" && n != "axis") {
          fn = c;
          break;
        }
      }
      if (!fn) fail(ax, fa, "missing function");
      t.function = read_function(fn, fa);
      if (!names.empty()) {
        t.coordinate = coordinate_ref(ax, names[0], fa + "/coordinates");
        const bool rot = k < 3;
        auto it = rotational.find(t.coordinate);
        rotational[t.coordinate] = (it != rotational.end() && it->second) || rot;
      }
      (k < 3 ? o.joint.rotations[k] : o.joint.translations[k - 3]) = t;
    }
    if (k != 6) fail(st, fs, "expected 6 TransformAxis elements, got " + std::to_string(k));
    for (const auto& [c, rot] : rotational) coords_[c].rotational = rot;
  }

  void read_constraints(const XMLElement* model) {
    const XMLElement* objs = child(child(model, "ConstraintSet"), "objects");
    if (!objs) return;
    for (const XMLElement* c = objs->FirstChildElement(); c; c = c->NextSiblingElement()) {
      const std::string fc = "ConstraintSet/" + label(c);
      const bool enforced = flag(child(c, "isEnforced"), true) && flag(child(c, "isDisabled"), false) == false;
      if (!enforced) continue;
      if (std::string(c->Name()) != "CoordinateCouplerConstraint")
        fail(c, fc, std::string("unsupported constraint <") + c->Name() + "> (only CoordinateCouplerConstraint)");
      const auto ind = split_ws(need(c, "independent_coordinate_names", fc)->GetText());
      if (ind.size() != 1)
        fail(c, fc + "/independent_coordinate_names", "expected exactly one independent coordinate, got " + std::to_string(ind.size()));
      const std::string dep_name = text(need(c, "dependent_coordinate_name", fc));
      const int dep = coordinate_ref(c, dep_name, fc + "/dependent_coordinate_name");
      const int drv = coordinate_ref(c, ind[0], fc + "/independent_coordinate_names");
      if (dep == drv) fail(c, fc, "a coordinate cannot be coupled to itself");
      if (coords_[dep].driver >= 0) fail(c, fc, "coordinate '" + dep_name + "' is coupled twice");
      Function f = read_function(need(c, "coupled_coordinates_function", fc), fc);
      const double scale = child(c, "scale_factor") ? number(child(c, "scale_factor"), fc + "/scale_factor") : 1.0;
      coords_[dep].driver = drv;
      try {
        coords_[dep].coupler = scale == 1.0 ? f : f.scaled(scale);
      } catch (const InvalidArgument& e) {  // the scaled function leaves kFunctionBounds
        fail(child(c, "scale_factor"), fc + "/scale_factor", e.what());
      }
    }
    for (const Coordinate& c : coords_)
      if (c.driver >= 0 && coords_[c.driver].driver >= 0)
        fail(coord_el_[coord_index_.at(c.name)], "coordinate " + c.name,
             "coupled to '" + coords_[c.driver].name + "', which is itself coupled (chains are not supported)");
  }

  // ---- muscles
  static bool is_leg_body(const std::string& b) {
    return b.starts_with("femur") || b.starts_with("tibia") || b.starts_with("patella");
  }

  void read_muscles(const XMLElement* model) {
    const XMLElement* objs = child(child(model, "ForceSet"), "objects");
    if (!objs) return;
    for (const XMLElement* m = objs->FirstChildElement(); m; m = m->NextSiblingElement()) {
      const XMLElement* gp = child(m, "GeometryPath");
      if (!gp || !child(m, "max_isometric_force") || !child(m, "optimal_fiber_length")) continue;  // not a muscle
      const XMLElement* pts = child(child(gp, "PathPointSet"), "objects");
      if (!pts) continue;
      bool on_pelvis = false, on_leg = false;
      for (const XMLElement* p = pts->FirstChildElement(); p; p = p->NextSiblingElement()) {
        const std::string b = last_component(text(child(p, "socket_parent_frame")));
        on_pelvis |= b == "pelvis";
        on_leg |= is_leg_body(b);
      }
      if (scope_ == OsimScope::full || (on_pelvis && on_leg)) read_muscle(m, gp, pts);
    }
  }

  // The curve parameters a Thelen2003Muscle states (those it omits keep
  // HillParameters' defaults, which are OpenSim's own defaults except KshapeActive).
  // Other muscle types (Millard2012EquilibriumMuscle, ...) have other curves: their
  // muscles take the Thelen curves with the default parameters.
  void read_thelen_curves(const XMLElement* m, const std::string& fm, HillParameters& h) const {
    const std::pair<const char*, double HillParameters::*> props[] = {
        {"KshapeActive", &HillParameters::active_shape},
        {"KshapePassive", &HillParameters::passive_shape},
        {"FmaxMuscleStrain", &HillParameters::passive_strain},
        {"Af", &HillParameters::fv_shape},
        {"Flen", &HillParameters::fv_max_lengthening},
        {"max_contraction_velocity", &HillParameters::max_contraction_velocity},
        {"FmaxTendonStrain", &HillParameters::tendon_strain_at_max_force},
        {"activation_time_constant", &HillParameters::activation_time},
        {"deactivation_time_constant", &HillParameters::deactivation_time}};
    for (const auto& [tag, member] : props) {
      const XMLElement* e = child(m, tag);
      if (!e) continue;
      h.*member = number(e, fm + "/" + tag);
      try {
        validate(h);
      } catch (const InvalidArgument& err) {
        fail(e, fm + "/" + tag, err.what());
      }
    }
  }

  void read_muscle(const XMLElement* m, const XMLElement* gp, const XMLElement* pts) {
    OMuscle om;
    Muscle& mu = om.muscle;
    mu.name = name_of(m);
    const std::string fm = "ForceSet/" + label(m);
    const std::string who = "muscle '" + mu.name + "': ";
    mu.max_isometric_force = number(need(m, "max_isometric_force", fm), fm + "/max_isometric_force");
    mu.optimal_fiber_length = number(need(m, "optimal_fiber_length", fm), fm + "/optimal_fiber_length");
    mu.tendon_slack_length = number(need(m, "tendon_slack_length", fm), fm + "/tendon_slack_length");
    if (const XMLElement* pa = child(m, "pennation_angle_at_optimal"))
      mu.pennation_angle = number(pa, fm + "/pennation_angle_at_optimal");
    if (std::string(m->Name()) == "Thelen2003Muscle") read_thelen_curves(m, fm, mu.hill);
    std::string base = mu.name;
    if (base.size() > 2 && (base.substr(base.size() - 2) == "_r" || base.substr(base.size() - 2) == "_l")) {
      mu.side = base.back();
      base.resize(base.size() - 2);
    }
    const auto gs = muscle_group_segment(base);
    mu.group = gs.first;
    mu.segment = gs.second;

    bool side_from_body = mu.name == base;
    for (const XMLElement* p = pts->FirstChildElement(); p; p = p->NextSiblingElement()) {
      const std::string fp = fm + "/GeometryPath/PathPointSet/" + label(p);
      const std::string type = p->Name();
      PathPoint pp;
      const std::string socket = text(need(p, "socket_parent_frame", fp));
      pp.body = body_of_path(socket);
      if (pp.body < 0) fail(p, fp + "/socket_parent_frame", who + "path point on '" + socket + "', expected a body");
      if (side_from_body) {
        const std::string& bn = bodies_[pp.body].name;
        if (is_leg_body(bn) && bn.size() > 2 && (bn.substr(bn.size() - 2) == "_r" || bn.substr(bn.size() - 2) == "_l"))
          mu.side = bn.back(), side_from_body = false;
      }
      if (type == "PathPoint" || type == "ConditionalPathPoint") {
        pp.location = vec3(need(p, "location", fp), fp + "/location");
        if (type == "ConditionalPathPoint") {
          pp.type = PathPoint::Type::conditional;
          pp.condition_coordinate = coordinate_ref(p, text(need(p, "socket_coordinate", fp)), fp + "/socket_coordinate");
          const auto r = numbers(need(p, "range", fp), fp + "/range", 2);
          pp.range_min = r[0];
          pp.range_max = r[1];
        }
      } else if (type == "MovingPathPoint") {
        pp.type = PathPoint::Type::moving;
        const char* locs[3] = {"x_location", "y_location", "z_location"};
        const char* socks[3] = {"socket_x_coordinate", "socket_y_coordinate", "socket_z_coordinate"};
        for (int k = 0; k < 3; ++k) {
          const XMLElement* fe = child(p, locs[k]);
          if (!fe) continue;
          const Function f = read_function(fe, fp);
          const XMLElement* se = child(p, socks[k]);
          if (se && !text(se).empty()) {
            pp.moving_coordinate[k] = coordinate_ref(se, text(se), fp + "/" + socks[k]);
            pp.moving[k] = f;
          } else {
            pp.location[k] = f.value(0.0);
          }
        }
      } else {
        fail(p, fp, who + "path point type <" + type + "> is not supported (PathPoint, ConditionalPathPoint, MovingPathPoint)");
      }
      mu.path.push_back(pp);
    }

    const XMLElement* wobjs = child(child(gp, "PathWrapSet"), "objects");
    for (const XMLElement* w = wobjs ? wobjs->FirstChildElement() : nullptr; w; w = w->NextSiblingElement()) {
      const std::string fw = fm + "/GeometryPath/PathWrapSet/" + label(w);
      if (std::string(w->Name()) != "PathWrap") fail(w, fw, who + "unsupported path wrap element <" + w->Name() + ">");
      const std::string wname = text(need(w, "wrap_object", fw));
      const OWrap* o = nullptr;
      for (const OWrap& cand : wraps_)
        if (cand.name == wname) o = &cand;
      if (!o) fail(w, fw + "/wrap_object", who + "unknown wrap object '" + wname + "'");
      if (o->type != "WrapCylinder")
        fail(w, fw + "/wrap_object", who + "wrap object '" + wname + "' is a " + o->type +
                                         ", which is not supported (only WrapCylinder)");
      if (o->body < 0) fail(w, fw + "/wrap_object", who + "wrap object '" + wname + "' is on ground, expected a body");
      if (!o->active) continue;  // OpenSim skips inactive wrap objects
      PathWrap pw;
      if (const XMLElement* r = child(w, "range")) {
        const auto v = numbers(r, fw + "/range", 2);
        // OpenSim: 1-based point indices, values < 1 meaning the first / last point
        const int n = static_cast<int>(mu.path.size());
        pw.range_begin = v[0] < 1 ? -1 : static_cast<int>(v[0]) - 1;
        pw.range_end = v[1] < 1 ? -1 : static_cast<int>(v[1]) - 1;
        if (pw.range_begin >= n || pw.range_end >= n) fail(r, fw + "/range", who + "wrap range beyond the path points");
        if (pw.range_begin >= 0 || pw.range_end >= 0) {
          // make both ends explicit so that the range is unambiguous
          if (pw.range_begin < 0) pw.range_begin = 0;
          if (pw.range_end < 0) pw.range_end = n - 1;
        }
      }
      om.wrap_names.push_back(wname);
      mu.wraps.push_back(pw);
    }
    muscles_.push_back(om);
  }

  // ---- selection, merging, output
  Eigen::Isometry3d joint_transform_at_default(const OJoint& oj) const {
    auto value = [&](const TransformAxis& ax) {
      if (ax.coordinate < 0) return ax.function.value(0.0);
      const Coordinate& c = coords_[ax.coordinate];
      const double q = c.driver >= 0 ? c.coupler.value(coords_[c.driver].default_value) : c.default_value;
      return ax.function.value(q);
    };
    if (!oj.supported) {
      for (int c : oj.coords)
        if (coords_[c].default_value != 0.0)
          fail(oj.el, "JointSet/" + label(oj.el), "joint type " + oj.type + " is not supported (needed to merge body '" +
                                                      bodies_[oj.child].name + "' at a non-zero default posture)");
      return oj.joint.parent_offset * oj.joint.child_offset.inverse();
    }
    Eigen::Isometry3d X = Eigen::Isometry3d::Identity();
    Vec3 p = Vec3::Zero();
    for (const TransformAxis& ax : oj.joint.translations) p += value(ax) * ax.axis;
    Mat3 R = Mat3::Identity();
    for (const TransformAxis& ax : oj.joint.rotations) R = R * Eigen::AngleAxisd(value(ax), ax.axis).toRotationMatrix();
    X.linear() = R;
    X.translation() = p;
    return oj.joint.parent_offset * X * oj.joint.child_offset.inverse();
  }

  Model build(const XMLElement* model_el) {
    const auto pit = body_index_.find("pelvis");
    if (pit == body_index_.end()) fail(model_el, "BodySet", "expected a body named 'pelvis'");
    const int pelvis = pit->second;
    const int nb = static_cast<int>(bodies_.size());
    auto parent_of = [&](int b) { return joints_[joint_of_[b]].parent; };

    // bodies connected to the pelvis (descendants, and its ancestors up to ground)
    auto below = [&](int b, int anc) {
      for (int k = 0; b >= 0 && k <= nb; b = parent_of(b), ++k)
        if (b == anc) return true;
      return false;
    };
    std::vector<bool> keep(nb, false);
    auto keep_with_ancestors = [&](int b) {
      for (int k = 0; b >= 0 && k <= nb; b = parent_of(b), ++k) keep[b] = true;
    };
    keep_with_ancestors(pelvis);
    for (int b = 0; b < nb; ++b)
      if (parent_of(b) == pelvis) keep[b] = true;
    for (const OMuscle& om : muscles_) {
      for (const PathPoint& p : om.muscle.path) keep_with_ancestors(p.body);
      for (const std::string& w : om.wrap_names)
        for (const OWrap& o : wraps_)
          if (o.name == w) keep_with_ancestors(o.body);
    }
    // the person: the pelvis's root and everything below it; other trees (a
    // treadmill, a platform) are dropped
    int root = pelvis;
    while (parent_of(root) >= 0) root = parent_of(root);
    for (int b = 0; b < nb; ++b) {
      if (scope_ == OsimScope::full && below(b, root)) keep[b] = true;
      if (keep[b] && !below(b, root)) keep[b] = false;
    }
    for (int b = 0; b < nb; ++b)
      if (keep[b] && !joints_[joint_of_[b]].supported)
        fail(joints_[joint_of_[b]].el, "JointSet/" + label(joints_[joint_of_[b]].el),
             "joint type " + joints_[joint_of_[b]].type + " is not supported (it moves the kept body '" + bodies_[b].name + "')");

    // merge every other body of the person into its nearest kept ancestor
    std::vector<OBody> merged = bodies_;
    for (int b = 0; b < nb; ++b) {
      if (keep[b] || !below(b, root)) continue;
      Eigen::Isometry3d X = Eigen::Isometry3d::Identity();  // pose of b in the kept ancestor
      int a = b;
      while (!keep[a]) {
        X = joint_transform_at_default(joints_[joint_of_[a]]) * X;
        a = parent_of(a);
      }
      OBody& A = merged[a];
      const OBody& B = bodies_[b];
      const double m = A.mass + B.mass;
      if (m <= 0.0) continue;
      const Vec3 cb = X * B.com;
      const Vec3 c = (A.mass * A.com + B.mass * cb) / m;
      auto shift = [](double mass, const Vec3& d) { return mass * (d.squaredNorm() * Mat3::Identity() - d * d.transpose()); };
      const Mat3 Rb = X.linear();
      A.inertia = A.inertia + shift(A.mass, A.com - c) + Rb * B.inertia * Rb.transpose() + shift(B.mass, cb - c);
      A.com = c;
      A.mass = m;
    }

    // coordinates of the kept joints (and the drivers of kept coupled ones)
    std::vector<bool> keep_coord(coords_.size(), false);
    for (int b = 0; b < nb; ++b)
      if (keep[b])
        for (int c : joints_[joint_of_[b]].coords) keep_coord[c] = true;
    for (size_t c = 0; c < coords_.size(); ++c)
      if (keep_coord[c] && coords_[c].driver >= 0 && !keep_coord[coords_[c].driver])
        fail(coord_el_[c], "coordinate " + coords_[c].name,
             "coupled to '" + coords_[coords_[c].driver].name + "', which belongs to a joint that is not imported");
    auto check_coord = [&](int c, const std::string& muscle) {
      if (c >= 0 && !keep_coord[c])
        fail(coord_el_[c], "coordinate " + coords_[c].name,
             "muscle '" + muscle + "' depends on coordinate '" + coords_[c].name + "' of a joint that is not imported");
    };
    std::vector<int> coord_new(coords_.size(), -1);
    Model out;
    for (size_t c = 0; c < coords_.size(); ++c)
      if (keep_coord[c]) {
        coord_new[c] = static_cast<int>(out.coordinates.size());
        out.coordinates.push_back(coords_[c]);
      }
    for (Coordinate& c : out.coordinates)
      if (c.driver >= 0) c.driver = coord_new[c.driver];

    // bodies parent first, joints alongside
    std::vector<int> order, body_new(nb, -1);
    std::vector<bool> placed(nb, false);
    for (bool progress = true; progress;) {
      progress = false;
      for (int b = 0; b < nb; ++b) {
        if (!keep[b] || placed[b]) continue;
        const int p = parent_of(b);
        if (p >= 0 && !placed[p]) continue;
        placed[b] = progress = true;
        body_new[b] = static_cast<int>(order.size());
        order.push_back(b);
      }
    }
    for (int k = 0; k < static_cast<int>(order.size()); ++k) {
      const int b = order[k];
      const OBody& ob = merged[b];
      Body body;
      body.name = ob.name;
      body.joint = k;
      body.mass = ob.mass;
      body.com = ob.com;
      body.inertia = ob.inertia;
      out.bodies.push_back(body);
      Joint j = joints_[joint_of_[b]].joint;
      j.parent = parent_of(b) < 0 ? -1 : body_new[parent_of(b)];
      j.child = k;
      for (auto* axes : {&j.rotations, &j.translations})
        for (TransformAxis& ax : *axes)
          if (ax.coordinate >= 0) ax.coordinate = coord_new[ax.coordinate];
      out.joints.push_back(j);
    }

    // wrap cylinders used by the imported muscles, in file order
    std::map<std::string, int> cyl_new;
    for (const OWrap& o : wraps_) {
      bool used = false;
      for (const OMuscle& om : muscles_)
        for (const std::string& w : om.wrap_names) used |= w == o.name;
      if (!used || !o.active) continue;
      WrapCylinder c = o.cylinder;
      c.body = body_new[o.body];
      cyl_new[o.name] = static_cast<int>(out.wrap_cylinders.size());
      out.wrap_cylinders.push_back(c);
    }

    for (const OMuscle& om : muscles_) {
      Muscle mu = om.muscle;
      for (PathPoint& p : mu.path) {
        p.body = body_new[p.body];
        check_coord(p.condition_coordinate, mu.name);
        if (p.condition_coordinate >= 0) p.condition_coordinate = coord_new[p.condition_coordinate];
        for (int& c : p.moving_coordinate) {
          check_coord(c, mu.name);
          if (c >= 0) c = coord_new[c];
        }
      }
      for (size_t k = 0; k < mu.wraps.size(); ++k) mu.wraps[k].cylinder = cyl_new.at(om.wrap_names[k]);
      out.muscles.push_back(mu);
    }

    out.name = model_name_;
    const XMLElement* credits = child(model_el, "credits");
    const XMLElement* pubs = child(model_el, "publications");
    const std::string file = std::filesystem::path(path_).filename().string();
    out.source = "OpenSim model '" + model_name_ + "' (" + file + "), imported by biomech import_osim.";
    if (!text(credits).empty()) out.source += " Credits: " + text(credits);
    if (!text(pubs).empty()) out.source += " Publications: " + text(pubs);
    const std::string cr = text(credits);
    const size_t lic = cr.find("License:");
    if (lic != std::string::npos) {
      std::string l = cr.substr(lic + 8);
      const size_t end = l.find(". ");
      if (end != std::string::npos) l = l.substr(0, end);
      const size_t b = l.find_first_not_of(' ');
      out.license = b == std::string::npos ? "" : l.substr(b);
    } else {
      out.license = "not stated in the OpenSim file";
    }
    if (const XMLElement* g = child(model_el, "gravity")) out.gravity = vec3(g, "Model/gravity");
    out.subject.name = model_name_;
    double total = 0.0;
    for (int b = 0; b < nb; ++b)
      if (below(b, root)) total += bodies_[b].mass;
    out.subject.mass = total;

    try {
      out.finalize();
    } catch (const InvalidArgument& e) {
      throw FileError(path_, 0, "Model", e.what());
    }
    return out;
  }
};

}  // namespace

std::pair<std::string, std::string> muscle_group_segment(const std::string& base_name) {
  const auto& m = group_map();
  const auto it = m.find(base_name);
  if (it == m.end()) return {base_name, ""};
  return {it->second.group, it->second.segment};
}

Model import_osim(const std::string& path, OsimScope scope) { return Importer(path, scope).run(); }

OsimScope parse_osim_scope(const std::string& name) {
  if (name == "hip") return OsimScope::hip;
  if (name == "full") return OsimScope::full;
  throw InvalidArgument("import_osim: expected scope 'hip' or 'full', got '" + name + "'");
}

}  // namespace biomech
