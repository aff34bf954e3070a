// Exercise files: YAML -> Exercise (schema: docs/exercise_file.md).
#include "biomech/exercise_io.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <set>

#include "biomech/errors.hpp"
#include "yaml_reader.hpp"
#include "internal.hpp"

namespace biomech {
namespace {

using internal::kDeg;

// Reads one file, remembering the line of every field it touches (Exercise::field_line).
class ExerciseReader : public yaml::Reader {
 public:
  ExerciseReader(const std::string& file, Exercise& ex) : yaml::Reader(file, &ex.field_line), ex_(ex) {}

  Vec3 unit3(const YAML::Node& n, const std::string& field) {
    Vec3 v = vec3(n, field);
    if (v.norm() < 1e-12) fail(n, field, "expected a non-zero direction");
    return v.normalized();
  }

  // A number or [min, max].
  std::array<double, 2> range(const YAML::Node& n, const std::string& field, bool positive) {
    std::array<double, 2> r{};
    if (n.IsSequence()) {
      if (n.size() != 2) fail(n, field, "expected a number or a range [min, max]");
      r = {number(n[0], field + "[0]"), number(n[1], field + "[1]")};
      if (r[1] < r[0]) fail(n, field, "expected min <= max");
    } else {
      r[0] = r[1] = number(n, field);
    }
    if (r[0] < 0 || (positive && r[0] <= 0)) fail(n, field, positive ? "expected a positive value" : "expected a value >= 0");
    return r;
  }

  TimeWindow window(const YAML::Node& n, const std::string& field) {
    note(n, field);
    if (!n.IsSequence() || n.size() != 2) fail(n, field, "expected a time window [from_s, to_s]");
    TimeWindow w{number(n[0], field + "[0]"), number(n[1], field + "[1]")};
    if (w.to < w.from) fail(n, field, "expected from_s <= to_s");
    return w;
  }

  BodyPoint point(const YAML::Node& n, const std::string& field) {
    note(n, field);
    check_keys(n, field, {"body", "landmark", "to", "fraction", "offset_m", "offset_h"});
    BodyPoint p;
    p.body = text(get(n, "body", field), field + ".body");
    p.landmark = text_or(n, field, "landmark");
    p.landmark_to = text_or(n, field, "to");
    if (!p.landmark_to.empty() && p.landmark.empty()) fail(n, field + ".to", "'to' needs 'landmark'");
    if (n["fraction"].IsDefined()) {
      if (p.landmark_to.empty()) fail(n["fraction"], field + ".fraction", "'fraction' needs 'landmark' and 'to'");
      p.fraction = number(n["fraction"], field + ".fraction");
    } else if (!p.landmark_to.empty()) {
      fail(n, field + ".fraction", "missing required field 'fraction' (with 'to')");
    }
    if (n["offset_m"].IsDefined()) p.offset_m = vec3(n["offset_m"], field + ".offset_m");
    if (n["offset_h"].IsDefined()) p.offset_h = vec3(n["offset_h"], field + ".offset_h");
    return p;
  }

  // Angles (deg -> rad) or lengths (m) by coordinate name.
  void values(const YAML::Node& n, const std::string& field, double scale, std::map<std::string, double>& out) {
    note(n, field);
    if (!n.IsMap()) fail(n, field, "expected a mapping of coordinate name to value");
    for (const auto& kv : n) {
      const std::string name = kv.first.as<std::string>();
      if (out.count(name)) fail(kv.first, field + "." + name, "coordinate '" + name + "' given twice");
      out[name] = number(kv.second, field + "." + name) * scale;
    }
  }

  // A named item of list `list` (a contact or a load): its `name` (non-empty, without '.', '[', ']'
  // or spaces, not in `seen`) and its `type`, returned. `field` ("<list>[i]") becomes
  // "<list>.<name>", the item's field from here on.
  std::string name_and_type(const YAML::Node& item, const std::string& list, std::string& field, std::string& name,
                            std::set<std::string>& seen) const {
    const std::string fn = field + ".name";
    name = text(get(item, "name", field), fn);
    const YAML::Node n = item["name"];
    if (name.empty()) fail(n, fn, "expected a non-empty name");
    if (name.find_first_of(". []") != std::string::npos) fail(n, fn, "a name may not contain '.', '[', ']' or spaces");
    if (!seen.insert(name).second) fail(n, fn, "name '" + name + "' used twice");
    field = list + "." + name;
    note(item, field);
    return text(get(item, "type", field), field + ".type");
  }

  void read(const YAML::Node& root) {
    if (!root.IsMap()) fail(root, "", "expected a mapping at the top of the exercise file");
    check_keys(root, "", {"id", "name", "description", "sources", "statics", "legs", "motion", "contacts", "loads", "dose",
                    "assumptions", "balance", "limits"});
    ex_.id = text(get(root, "id", ""), "id");
    for (char c : ex_.id)
      if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
        fail(root["id"], "id", "expected lowercase letters, digits and '_', got '" + ex_.id + "'");
    ex_.name = text(get(root, "name", ""), "name");
    ex_.description = text_or(root, "", "description");
    ex_.statics = text(get(root, "statics", ""), "statics");
    ex_.limits = text_or(root, "", "limits");

    const YAML::Node sources = get(root, "sources", "");
    if (!sources.IsSequence() || sources.size() == 0) fail(sources, "sources", "expected a non-empty list of {article, quote}");
    for (size_t i = 0; i < sources.size(); ++i) {
      const std::string f = "sources[" + std::to_string(i) + "]";
      check_keys(sources[i], f, {"article", "quote"});
      ex_.sources.push_back({text(get(sources[i], "article", f), f + ".article"),
                             text(get(sources[i], "quote", f), f + ".quote")});
    }

    const YAML::Node legs = get(root, "legs", "");
    if (!legs.IsSequence() || legs.size() == 0) fail(legs, "legs", "expected a non-empty list of {side, role}");
    std::set<char> sides;
    for (size_t i = 0; i < legs.size(); ++i) {
      const std::string f = "legs[" + std::to_string(i) + "]";
      check_keys(legs[i], f, {"side", "role"});
      const std::string side = text(get(legs[i], "side", f), f + ".side");
      if (side != "r" && side != "l") fail(legs[i]["side"], f + ".side", "expected 'r' or 'l', got '" + side + "'");
      const std::string role = text(get(legs[i], "role", f), f + ".role");
      if (role != "stance" && role != "moving" && role != "alternating")
        fail(legs[i]["role"], f + ".role", "expected stance, moving or alternating, got '" + role + "'");
      if (!sides.insert(side[0]).second) fail(legs[i], f + ".side", "leg '" + side + "' listed twice");
      ex_.legs.push_back({side[0], role});
    }

    read_motion(get(root, "motion", ""));
    read_contacts(root["contacts"]);
    read_balance(root["balance"]);
    read_loads(root["loads"]);
    read_dose(get(root, "dose", ""));
    read_assumptions(root["assumptions"]);
  }

  void read_motion(const YAML::Node& m) {
    check_keys(m, "motion", {"sample_rate_hz", "posture_deg", "posture_m", "keyframes"});
    Motion& mo = ex_.motion;
    mo.sample_rate_hz = number_or(m, "motion", "sample_rate_hz", 20.0);
    if (mo.sample_rate_hz <= 0) fail(m["sample_rate_hz"], "motion.sample_rate_hz", "expected a positive rate");
    if (m["posture_deg"].IsDefined()) values(m["posture_deg"], "motion.posture_deg", kDeg, mo.posture);
    if (m["posture_m"].IsDefined()) values(m["posture_m"], "motion.posture_m", 1.0, mo.posture);
    const YAML::Node kf = m["keyframes"];
    if (!kf.IsDefined() || kf.IsNull()) return;
    if (!kf.IsSequence() || kf.size() < 2) fail(kf, "motion.keyframes", "expected at least 2 keyframes (omit for a static hold)");
    for (size_t i = 0; i < kf.size(); ++i) {
      const std::string f = "motion.keyframes[" + std::to_string(i) + "]";
      note(kf[i], f);
      check_keys(kf[i], f, {"t_s", "deg", "m"});
      KeyFrame k;
      k.time = number(get(kf[i], "t_s", f), f + ".t_s");
      if (!mo.keyframes.empty() && k.time <= mo.keyframes.back().time)
        fail(kf[i]["t_s"], f + ".t_s", "keyframe times must increase strictly");
      if (mo.keyframes.empty() && k.time != 0.0) fail(kf[i]["t_s"], f + ".t_s", "the first keyframe must be at t_s: 0");
      if (kf[i]["deg"].IsDefined()) values(kf[i]["deg"], f + ".deg", kDeg, k.value);
      if (kf[i]["m"].IsDefined()) values(kf[i]["m"], f + ".m", 1.0, k.value);
      mo.keyframes.push_back(std::move(k));
    }
  }

  void read_contacts(const YAML::Node& cs) {
    if (!cs.IsDefined() || cs.IsNull()) return;
    if (!cs.IsSequence()) fail(cs, "contacts", "expected a list of contacts");
    std::set<std::string> seen;
    for (size_t i = 0; i < cs.size(); ++i) {
      const YAML::Node c = cs[i];
      std::string f = "contacts[" + std::to_string(i) + "]";
      check_keys(c, f, {"name", "type", "point", "normal", "on_body", "active_s"});
      ContactSpec spec;
      const std::string type = name_and_type(c, "contacts", f, spec.name, seen);
      if (type == "ground_point") spec.kind = ContactSpec::Kind::ground_point;
      else if (type == "ground_flat") spec.kind = ContactSpec::Kind::ground_flat;
      else if (type == "support") spec.kind = ContactSpec::Kind::support;
      else fail(c["type"], f + ".type", "unknown contact type '" + type + "' (expected ground_point, ground_flat or support)");
      spec.point = point(get(c, "point", f), f + ".point");
      if (c["normal"].IsDefined()) spec.normal = unit3(c["normal"], f + ".normal");
      if (spec.kind == ContactSpec::Kind::support) {
        spec.on_body = text(get(c, "on_body", f), f + ".on_body");
      } else if (c["on_body"].IsDefined()) {
        fail(c["on_body"], f + ".on_body", "'on_body' is for contacts of type support only");
      }
      if (c["active_s"].IsDefined()) spec.active = window(c["active_s"], f + ".active_s");
      ex_.contacts.push_back(std::move(spec));
    }
  }

  void read_balance(const YAML::Node& bs) {
    if (!bs.IsDefined() || bs.IsNull()) return;
    note(bs, "balance");
    if (!bs.IsSequence()) fail(bs, "balance", "expected a list of {over, sagittal, frontal}, one per carrying contact");
    std::set<std::string> seen;
    for (size_t i = 0; i < bs.size(); ++i) {
      const YAML::Node& b = bs[i];
      const std::string f = "balance[" + std::to_string(i) + "]";
      note(b, f);
      if (!b.IsMap()) fail(b, f, "expected a mapping {over, sagittal, frontal}");
      check_keys(b, f, {"over", "sagittal", "frontal"});
      Balance bal;
      bal.over = text(get(b, "over", f), f + ".over");
      bool found = false;
      for (const auto& c : ex_.contacts)
        if (c.name == bal.over) {
          found = c.kind != ContactSpec::Kind::support;
          if (!found) fail(b["over"], f + ".over", "balance needs a ground contact, '" + bal.over + "' is a support");
        }
      if (!found) fail(b["over"], f + ".over", "no contact named '" + bal.over + "'");
      if (!seen.insert(bal.over).second) fail(b["over"], f + ".over", "contact '" + bal.over + "' balanced twice");
      if (b["sagittal"].IsDefined()) values(b["sagittal"], f + ".sagittal", 1.0, bal.sagittal);
      if (b["frontal"].IsDefined()) values(b["frontal"], f + ".frontal", 1.0, bal.frontal);
      if (bal.sagittal.empty() && bal.frontal.empty())
        fail(b, f, "give the coordinates that balance: sagittal and/or frontal");
      ex_.balance.push_back(std::move(bal));
    }
  }

  void read_loads(const YAML::Node& ls) {
    if (!ls.IsDefined() || ls.IsNull()) return;
    if (!ls.IsSequence()) fail(ls, "loads", "expected a list of loads");
    std::set<std::string> seen;
    for (const auto& c : ex_.contacts) seen.insert(c.name);
    for (size_t i = 0; i < ls.size(); ++i) {
      const YAML::Node l = ls[i];
      std::string f = "loads[" + std::to_string(i) + "]";
      if (!l.IsMap()) fail(l, f, "expected a mapping");
      LoadSpec spec;
      const std::string type = name_and_type(l, "loads", f, spec.name, seen);
      if (type == "weight") {
        check_keys(l, f, {"name", "type", "mass_kg", "point", "active_s"});
        spec.kind = LoadSpec::Kind::weight;
        spec.mass_kg = number(get(l, "mass_kg", f), f + ".mass_kg");
        if (spec.mass_kg < 0) fail(l["mass_kg"], f + ".mass_kg", "expected a mass >= 0 kg, got " + l["mass_kg"].Scalar());
        spec.point = point(get(l, "point", f), f + ".point");
      } else if (type == "band") {
        check_keys(l, f, {"name", "type", "stiffness_n_per_m", "rest_length_m", "pretension_n", "a", "b", "active_s"});
        spec.kind = LoadSpec::Kind::band;
        spec.stiffness_n_per_m = number(get(l, "stiffness_n_per_m", f), f + ".stiffness_n_per_m");
        if (spec.stiffness_n_per_m < 0)
          fail(l["stiffness_n_per_m"], f + ".stiffness_n_per_m",
               "expected a band stiffness >= 0 N/m, got " + l["stiffness_n_per_m"].Scalar());
        if (l["rest_length_m"].IsDefined()) {
          spec.rest_length_m = number(l["rest_length_m"], f + ".rest_length_m");
          if (spec.rest_length_m < 0) fail(l["rest_length_m"], f + ".rest_length_m", "expected a rest length >= 0 m");
          if (l["pretension_n"].IsDefined())
            fail(l["pretension_n"], f + ".pretension_n", "give either rest_length_m or pretension_n, not both");
        } else {
          spec.pretension_n = number_or(l, f, "pretension_n", 0.0);
          if (spec.pretension_n < 0) fail(l["pretension_n"], f + ".pretension_n", "expected a pretension >= 0 N");
        }
        spec.point = point(get(l, "a", f), f + ".a");
        spec.point_b = point(get(l, "b", f), f + ".b");
      } else if (type == "push") {
        check_keys(l, f, {"name", "type", "point", "direction", "force_n", "force_bw", "active_s"});
        spec.kind = LoadSpec::Kind::push;
        spec.point = point(get(l, "point", f), f + ".point");
        spec.direction = unit3(get(l, "direction", f), f + ".direction");
        if (!l["force_n"].IsDefined() && !l["force_bw"].IsDefined())
          fail(l, f + ".force_n", "a push needs force_n or force_bw");
        spec.force_n = number_or(l, f, "force_n", 0.0);
        spec.force_bw = number_or(l, f, "force_bw", 0.0);
        if (spec.force_n < 0 || spec.force_bw < 0) fail(l, f + ".force_n", "expected a push force >= 0");
      } else {
        fail(l["type"], f + ".type", "unknown load type '" + type + "' (expected weight, band or push)");
      }
      if (l["active_s"].IsDefined()) spec.active = window(l["active_s"], f + ".active_s");
      ex_.loads.push_back(std::move(spec));
    }
  }

  void read_dose(const YAML::Node& d) {
    check_keys(d, "dose", {"sets", "reps", "hold_s", "rest_s"});
    Dose& dose = ex_.dose;
    dose.sets = range(get(d, "sets", "dose"), "dose.sets", true);
    dose.reps = range(get(d, "reps", "dose"), "dose.reps", true);
    if (d["hold_s"].IsDefined()) dose.hold_s = range(d["hold_s"], "dose.hold_s", false);
    if (d["rest_s"].IsDefined()) dose.rest_s = range(d["rest_s"], "dose.rest_s", false);
    if (ex_.is_static() && dose.hold_s[0] <= 0)
      fail(d, "dose.hold_s", "a static hold (no keyframes) needs dose.hold_s > 0");
  }

  void read_assumptions(const YAML::Node& as) {
    if (!as.IsDefined() || as.IsNull()) return;
    if (!as.IsSequence()) fail(as, "assumptions", "expected a list of {field, reason}");
    // Snapshot: the assumption entries themselves must not count as fields.
    const std::map<std::string, int> fields = ex_.field_line;
    for (size_t i = 0; i < as.size(); ++i) {
      const std::string f = "assumptions[" + std::to_string(i) + "]";
      check_keys(as[i], f, {"field", "reason"});
      Assumption a{text(get(as[i], "field", f), f + ".field"), text(get(as[i], "reason", f), f + ".reason")};
      if (a.reason.size() < 8) fail(as[i]["reason"], f + ".reason", "give the reason for the assumption");
      // The field must exist (so that assumptions cannot go stale): an exact
      // path or the prefix of one.
      auto it = fields.lower_bound(a.field);
      const bool found = it != fields.end() && (it->first == a.field || it->first.rfind(a.field + ".", 0) == 0 ||
                                                it->first.rfind(a.field + "[", 0) == 0);
      if (!found) fail(as[i]["field"], f + ".field", "assumption names a field the file does not have: '" + a.field + "'");
      ex_.assumptions.push_back(std::move(a));
    }
  }

 private:
  Exercise& ex_;
};

}  // namespace

Exercise parse_exercise(const std::string& text, const std::string& file_name) {
  Exercise ex;
  ex.file = file_name;
  const YAML::Node root = yaml::parse(text, file_name);
  ExerciseReader reader(file_name, ex);
  yaml::guarded(file_name, [&] { reader.read(root); });
  return ex;
}

Exercise load_exercise(const std::string& path) { return parse_exercise(yaml::read_file(path, "exercise file"), path); }

}  // namespace biomech
