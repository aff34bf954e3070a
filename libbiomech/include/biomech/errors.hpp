// Exception hierarchy. Python maps InvalidArgument -> ValueError,
// FileError -> ValueError (with file/line/field in the message), NotFound -> FileNotFoundError.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>

namespace biomech {

// Bad argument to a public function: says what was expected and what came.
struct InvalidArgument : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// A model, exercise or config file that cannot be read. The message names the
// file, the line (1-based, 0 when unknown) and the field.
struct FileError : std::runtime_error {
  FileError(std::string file, int line, std::string field, const std::string& what)
      : std::runtime_error(file + ":" + std::to_string(line) + ": field '" + field + "': " + what),
        file(std::move(file)), line(line), field(std::move(field)) {}
  std::string file;
  int line;
  std::string field;
};

// The largest input file (model, exercise, .osim, postures) a loader reads;
// the largest OpenSim model in use is ~2 MB.
inline constexpr std::size_t kMaxTextFileBytes = 64u << 20;
// YAML documents: nesting depth, and values once aliases are expanded.
inline constexpr int kMaxYamlDepth = 64;
inline constexpr std::size_t kMaxYamlValues = 1000000;

// A file that does not exist.
struct FileNotFound : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace biomech
