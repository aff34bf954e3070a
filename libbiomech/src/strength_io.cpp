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
#include <set>

#include "biomech/errors.hpp"
#include "biomech/model_io.hpp"
#include "biomech/strength_io.hpp"
#include "internal.hpp"
#include "yaml_reader.hpp"

namespace biomech {
namespace {

const std::vector<std::string> kAngleFields = {"hip_flexion_deg", "hip_adduction_deg", "hip_rotation_deg",
                                               "knee_flexion_deg"};

// An angle field of a posture (deg in the file), in radians.
double degrees(const yaml::Reader& rd, const YAML::Node& map, const std::string& key, const std::string& field) {
  const YAML::Node n = rd.get(map, key, field);
  const double v = rd.number(n, yaml::Reader::join(field, key));
  if (std::abs(v) > 180.0)
    rd.fail(n, yaml::Reader::join(field, key), "expected an angle within [-180, 180] deg, got '" + n.Scalar() + "'");
  return v * internal::kDeg;  // as model and exercise files
}

}  // namespace

std::vector<Posture> load_postures(const std::string& path) {
  const YAML::Node root = yaml::parse(yaml::read_file(path, "postures file"), path);
  const yaml::Reader rd(path);
  return yaml::guarded(path, [&] {
    rd.check_keys(root, "", {"postures"});
    const YAML::Node list = root["postures"];
    if (!list.IsDefined() || !list.IsSequence() || list.size() == 0)
      rd.fail(list.IsDefined() ? list : root, "postures", "expected a non-empty list");
    std::vector<Posture> out;
    std::set<std::string> names;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const YAML::Node n = list[i];
      const std::string f = "postures[" + std::to_string(i) + "]";
      rd.check_keys(n, f, {"name", "kind", "description", "source", "hip_flexion_deg", "hip_adduction_deg",
                           "hip_rotation_deg", "knee_flexion_deg", "inferred"});
      Posture p;
      p.name = rd.name(rd.get(n, "name", f), f + ".name");
      if (!names.insert(p.name).second) rd.fail(n["name"], f + ".name", "duplicate posture '" + p.name + "'");
      p.kind = rd.text(rd.get(n, "kind", f), f + ".kind");
      if (p.kind != "stretch" && p.kind != "habit")
        rd.fail(n["kind"], f + ".kind", "expected 'stretch' or 'habit', got '" + p.kind + "'");
      p.description = rd.text(rd.get(n, "description", f), f + ".description");
      p.source = rd.text(rd.get(n, "source", f), f + ".source");
      p.hip_flexion = degrees(rd, n, "hip_flexion_deg", f);
      p.hip_adduction = degrees(rd, n, "hip_adduction_deg", f);
      p.hip_rotation = degrees(rd, n, "hip_rotation_deg", f);
      p.knee_flexion = degrees(rd, n, "knee_flexion_deg", f);
      if (yaml::Reader::has(n, "inferred")) {
        const YAML::Node inf = n["inferred"];
        rd.expect_seq(inf, f + ".inferred");
        for (std::size_t j = 0; j < inf.size(); ++j) {
          const std::string a = rd.text(inf[j], f + ".inferred");
          if (std::find(kAngleFields.begin(), kAngleFields.end(), a) == kAngleFields.end())
            rd.fail(inf[j], f + ".inferred",
                    "expected one of hip_flexion_deg, hip_adduction_deg, hip_rotation_deg, knee_flexion_deg, got '" +
                        a + "'");
          p.inferred.push_back(a);
        }
      }
      out.push_back(std::move(p));
    }
    return out;
  });
}

std::string default_postures_path() {
  const std::filesystem::path model = default_model_path();
  const std::filesystem::path p = model.parent_path() / "postures.yaml";
  if (!std::filesystem::exists(p)) throw FileNotFound("postures file not found: " + p.string());
  return p.string();
}

}  // namespace biomech
