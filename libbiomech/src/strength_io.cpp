// Postures file (models/postures.yaml): static hip and knee postures of the
// stretches and daily habits, with the article passage that describes each.
// Schema (also in docs/emg_estimate.md):
//   postures:
//     - name: figure_four_stretch        # unique id
//       kind: stretch                    # stretch | habit
//       description: "..."               # what the body does
//       source: "'article title', ...: \"...\""   # the passage describing it
//       hip_flexion_deg: 90              # of the hip named by the posture (the stretched /
//       hip_adduction_deg: -30           #   loaded side); adduction +, abduction -
//       hip_rotation_deg: -40            # internal +, external -
//       knee_flexion_deg: 90             # flexion +
//       inferred: [hip_flexion_deg, ...] # angles read into the text, not stated by it
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "biomech/errors.hpp"
#include "biomech/scaling.hpp"
#include "biomech/strength.hpp"

namespace biomech {
namespace {

const std::vector<std::string> kAngleFields = {"hip_flexion_deg", "hip_adduction_deg", "hip_rotation_deg",
                                               "knee_flexion_deg"};

int line_of(const YAML::Node& n) {
  if (!n.IsDefined()) return 0;
  const YAML::Mark m = n.Mark();
  return m.is_null() || m.line < 0 ? 0 : m.line + 1;
}

// `n` is map[key]; a missing field is reported at the line of its mapping `map`.
std::string text(const std::string& file, const YAML::Node& n, const std::string& field,
                 const YAML::Node& map = YAML::Node()) {
  if (!n.IsDefined()) throw FileError(file, line_of(map), field, "missing required field");
  if (n.IsNull()) throw FileError(file, line_of(n), field, "field has no value");
  if (!n.IsScalar()) throw FileError(file, line_of(n), field, "expected text");
  return n.Scalar();
}

double degrees(const std::string& file, const YAML::Node& n, const std::string& field, const YAML::Node& map) {
  const std::string s = text(file, n, field, map);
  double v = 0.0;
  try {
    size_t used = 0;
    v = std::stod(s, &used);
    if (used != s.size()) throw std::invalid_argument(s);
  } catch (const std::exception&) {
    throw FileError(file, line_of(n), field, "expected a number of degrees, got '" + s + "'");
  }
  if (!std::isfinite(v) || std::abs(v) > 180.0)
    throw FileError(file, line_of(n), field, "expected an angle within [-180, 180] deg, got '" + s + "'");
  return v * M_PI / 180.0;
}

}  // namespace

std::vector<Posture> load_postures(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw FileNotFound("postures file not found: " + path);
  std::ifstream in(path, std::ios::binary);
  if (!in || std::filesystem::is_directory(path, ec)) throw FileError(path, 0, "", "cannot open the file for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(ss.str());
  } catch (const YAML::Exception& e) {
    throw FileError(path, e.mark.is_null() ? 0 : e.mark.line + 1, "", "YAML syntax: " + e.msg);
  }
  if (!root.IsMap()) throw FileError(path, line_of(root), "", "expected a mapping with a 'postures' list");
  for (auto it = root.begin(); it != root.end(); ++it)
    if (it->first.Scalar() != "postures")
      throw FileError(path, line_of(it->first), it->first.Scalar(), "unknown key (allowed: postures)");
  const YAML::Node list = root["postures"];
  if (!list.IsDefined() || !list.IsSequence() || list.size() == 0)
    throw FileError(path, line_of(list.IsDefined() ? list : root), "postures", "expected a non-empty list");

  const std::vector<std::string> allowed = {"name", "kind", "description", "source", "hip_flexion_deg",
                                            "hip_adduction_deg", "hip_rotation_deg", "knee_flexion_deg",
                                            "inferred"};
  std::vector<Posture> out;
  std::set<std::string> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node n = list[i];
    const std::string f = "postures[" + std::to_string(i) + "]";
    if (!n.IsMap()) throw FileError(path, line_of(n), f, "expected a mapping");
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string k = it->first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
        throw FileError(path, line_of(it->first), f + "." + k, "unknown key '" + k + "'");
    }
    Posture p;
    p.name = text(path, n["name"], f + ".name", n);
    if (!names.insert(p.name).second)
      throw FileError(path, line_of(n["name"]), f + ".name", "duplicate posture '" + p.name + "'");
    p.kind = text(path, n["kind"], f + ".kind", n);
    if (p.kind != "stretch" && p.kind != "habit")
      throw FileError(path, line_of(n["kind"]), f + ".kind", "expected 'stretch' or 'habit', got '" + p.kind + "'");
    p.description = text(path, n["description"], f + ".description", n);
    p.source = text(path, n["source"], f + ".source", n);
    p.hip_flexion = degrees(path, n["hip_flexion_deg"], f + ".hip_flexion_deg", n);
    p.hip_adduction = degrees(path, n["hip_adduction_deg"], f + ".hip_adduction_deg", n);
    p.hip_rotation = degrees(path, n["hip_rotation_deg"], f + ".hip_rotation_deg", n);
    p.knee_flexion = degrees(path, n["knee_flexion_deg"], f + ".knee_flexion_deg", n);
    if (n["inferred"].IsDefined()) {
      const YAML::Node inf = n["inferred"];
      if (!inf.IsSequence()) throw FileError(path, line_of(inf), f + ".inferred", "expected a list of angle fields");
      for (std::size_t j = 0; j < inf.size(); ++j) {
        const std::string a = text(path, inf[j], f + ".inferred");
        if (std::find(kAngleFields.begin(), kAngleFields.end(), a) == kAngleFields.end())
          throw FileError(path, line_of(inf[j]), f + ".inferred",
                          "expected one of hip_flexion_deg, hip_adduction_deg, hip_rotation_deg, knee_flexion_deg, got '" +
                              a + "'");
        p.inferred.push_back(a);
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::string default_postures_path() {
  const std::filesystem::path model = default_model_path();
  const std::filesystem::path p = model.parent_path() / "postures.yaml";
  if (!std::filesystem::exists(p)) throw FileNotFound("postures file not found: " + p.string());
  return p.string();
}

}  // namespace biomech
