// Exercise files (YAML): one exercise per file, schema in docs/exercise_file.md.
// Degrees and units in field names in the file; SI units and radians in the
// Exercise. Unknown keys are rejected everywhere.
#pragma once
#include <string>

#include "biomech/exercise.hpp"

namespace biomech {

// Reads an exercise file. Throws FileNotFound when it does not exist and
// FileError(file, line, field, message) for anything wrong inside it: YAML
// syntax, a missing or unknown field, an unknown load or contact type, a
// negative band stiffness or mass, non-increasing keyframe times, an
// assumption naming a field the file does not have.
Exercise load_exercise(const std::string& path);

// Parses exercise-file text; `file_name` is used in error messages only.
Exercise parse_exercise(const std::string& text, const std::string& file_name = "<string>");

}  // namespace biomech
