// Model files: the project's YAML schema for musculoskeletal models (see
// docs/model_file.md for every field, its unit and its default).
//
// Files use degrees and carry the unit in every field name (`_m`, `_kg`,
// `_deg`, `_n`, `_kg_m2`); a loaded Model is in SI units and radians. Unknown
// keys are rejected everywhere, so a typo never passes silently.
#pragma once
#include <map>
#include <string>

#include "biomech/model.hpp"
#include "biomech/subject.hpp"

namespace biomech {

// Everything a model file holds: the model (whose `subject` is the file's
// reference subject, the person the unscaled geometry describes) and the
// default subjects the file offers for scaling (`subjects:`, e.g. male/female).
struct ModelFile {
  Model model;                               // finalized, unscaled
  std::map<std::string, Subject> subjects;   // keyed by the name in the file; Subject::name is that key
  std::string default_subject;               // a key of `subjects`, empty when the file names none
};

// Reads a model file. Applies no subject scaling. Returns a finalized Model.
// Throws FileNotFound when the file does not exist, and FileError(file, line,
// field, message) for anything wrong inside it (YAML syntax, a missing field,
// an unknown key, a wrong unit, a negative mass, NaN or inf, a reference to an
// unknown body, coordinate or wrap cylinder, a bad function).
Model load_model(const std::string& path);

// The model and the subjects of one file, read in one pass.
ModelFile load_model_file(const std::string& path);

// The file's default subjects (`subjects:`), keyed by name; empty when it has none.
std::map<std::string, Subject> load_subjects(const std::string& path);

// Parses model-file text; `file_name` is used in error messages only.
ModelFile parse_model_file(const std::string& text, const std::string& file_name = "<string>");

// Writes `model` in the same schema (degrees and unit-suffixed fields), numbers
// in shortest round-trip form, so that load_model(save_model(m)) reproduces m
// to rounding (1e-12). `subjects` and `default_subject` go to the `subjects:`
// and `default_subject:` sections when given. Throws FileError when the file
// cannot be written and InvalidArgument when the model has dangling indices.
void save_model(const Model& model, const std::string& path);
void save_model(const Model& model, const std::string& path, const std::map<std::string, Subject>& subjects,
                const std::string& default_subject = "");

// The shipped default model file (models/gait2392_hip.yaml) scaled to `s`
// (scale_model, scaling.hpp), or to the file's default subject (male) when `s`
// is null. Looks for the file in $BIOMECH_MODELS_DIR, then
// $BIOMECH_SOURCE_DIR/models, then the installed share/biomech/models. Throws
// FileNotFound when it is nowhere. (Implemented in scaling_io.cpp.)
Model default_model(const Subject* s = nullptr);
// Same, from an explicit model file.
Model default_model(const Subject* s, const std::string& model_file);
// Where default_model looks for the file: the first existing candidate.
std::string default_model_path();

// The text save_model writes.
std::string model_to_yaml(const Model& model, const std::map<std::string, Subject>& subjects = {},
                          const std::string& default_subject = "");

}  // namespace biomech
