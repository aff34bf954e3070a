// The shipped default model file, loaded once per test program (default_model_path
// looks in $BIOMECH_MODELS_DIR, then $BIOMECH_SOURCE_DIR/models, then the source
// tree's models/): the generic model as the file gives it, and scaled to the
// default male and female subjects.
#pragma once
#include "biomech/model_io.hpp"
#include "biomech/scaling.hpp"

namespace biomech::test_models {

inline const ModelFile& generic_file() {
  static const ModelFile f = load_model_file(default_model_path());
  return f;
}
inline const Model& generic_model() { return generic_file().model; }
inline const Model& default_male() {
  static const Model m = default_model(nullptr);
  return m;
}
inline const Model& default_female() {
  static const Model m = [] {
    const Subject s = default_subject(Sex::female);
    return default_model(&s);
  }();
  return m;
}

}  // namespace biomech::test_models
