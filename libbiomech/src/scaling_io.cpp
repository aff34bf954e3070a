// default_model: the shipped model file scaled to a subject. In biomech::io
// (file name *_io.cpp) because it reads the model file.
#include <cstdlib>
#include <filesystem>

#include "biomech/errors.hpp"
#include "biomech/model_io.hpp"
#include "biomech/scaling.hpp"

namespace biomech {

namespace {
constexpr const char* kDefaultModelFile = "gait2392_hip.yaml";
}

std::string default_model_path() {
  std::vector<std::filesystem::path> candidates;
  if (const char* d = std::getenv("BIOMECH_MODELS_DIR")) candidates.emplace_back(std::filesystem::path(d) / kDefaultModelFile);
  if (const char* d = std::getenv("BIOMECH_SOURCE_DIR"))
    candidates.emplace_back(std::filesystem::path(d) / "models" / kDefaultModelFile);
#ifdef BIOMECH_MODELS_DIR
  candidates.emplace_back(std::filesystem::path(BIOMECH_MODELS_DIR) / kDefaultModelFile);
#endif
  std::string tried;
  for (const auto& c : candidates) {
    if (std::filesystem::exists(c)) return c.string();
    tried += (tried.empty() ? "" : ", ") + c.string();
  }
  throw FileNotFound(std::string("default model file ") + kDefaultModelFile + " not found (tried: " +
                     (tried.empty() ? "nothing; set BIOMECH_MODELS_DIR" : tried) + ")");
}

Model default_model(const Subject* s, const std::string& model_file) {
  const ModelFile f = load_model_file(model_file);
  if (s) return scale_model(f.model, *s);
  if (!f.default_subject.empty()) return scale_model(f.model, f.subjects.at(f.default_subject));
  return scale_model(f.model, default_subject(Sex::male));
}

Model default_model(const Subject* s) { return default_model(s, default_model_path()); }

}  // namespace biomech
