// Internal to biomech::io (included by *_io.cpp only; not installed): the one
// way the project's YAML files (model files, exercise files, postures files)
// are read. Anything wrong is a FileError(file, line, field, message) naming
// the line of the offending node and the dotted path of the field; numbers
// are parsed strictly (no NaN, no inf, no trailing text); unknown and
// duplicate keys are rejected, so a typo never passes silently.
#pragma once
#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <vector>

#include "biomech/errors.hpp"
#include "biomech/model.hpp"

namespace biomech::yaml {

// The text of the file at `path` (text_file.hpp: a regular file of at most
// kMaxTextFileBytes, valid UTF-8). Throws FileNotFound("<what> not found: <path>")
// when it does not exist, FileError naming the file otherwise.
std::string read_file(const std::string& path, const std::string& what);

// YAML text -> root node. Before loading: valid UTF-8 (FileError with the line and
// column of a bad byte) and the limits of yaml_limits.hpp (aliases expanding beyond
// kMaxYamlValues, nesting beyond kMaxYamlDepth). A syntax error becomes
// FileError(file, line, "", "YAML syntax: ...").
YAML::Node parse(const std::string& text, const std::string& file);

// Typed reads from the nodes of one file.
class Reader {
 public:
  // field_lines: when given, the line of every field read (number, text, list) is recorded there.
  explicit Reader(std::string file, std::map<std::string, int>* field_lines = nullptr)
      : file_(std::move(file)), field_lines_(field_lines) {}

  const std::string& file() const { return file_; }
  static int line(const YAML::Node& n);  // 1-based; 0 when unknown
  static std::string join(const std::string& field, const std::string& key) {
    return field.empty() ? key : field + "." + key;
  }
  // How a node looks, for messages: "'text'", "a list", "a mapping", "an empty value", "nothing".
  static std::string kind(const YAML::Node& n);
  static bool has(const YAML::Node& map, const std::string& key) { return map[key].IsDefined(); }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& field, const std::string& msg) const {
    throw FileError(file_, line(at), field, msg);
  }
  [[noreturn]] void fail_line(int line_no, const std::string& field, const std::string& msg) const {
    throw FileError(file_, line_no, field, msg);
  }
  // Records the line of `field` (see the constructor).
  void note(const YAML::Node& n, const std::string& field) const;

  void expect_map(const YAML::Node& n, const std::string& field) const;
  void expect_seq(const YAML::Node& n, const std::string& field) const;
  // Rejects keys not in `allowed` and duplicate keys, naming the key's own line.
  void check_keys(const YAML::Node& map, const std::string& field, const std::vector<std::string>& allowed) const;

  // map[key], which must be present and not empty.
  YAML::Node get(const YAML::Node& map, const std::string& key, const std::string& field) const;

  double number(const YAML::Node& n, const std::string& field) const;
  double positive(const YAML::Node& n, const std::string& field, bool allow_zero = false) const;
  // map[key] as a number, or `fallback` when the key is absent.
  double number_or(const YAML::Node& map, const std::string& field, const std::string& key, double fallback) const;
  std::vector<double> numbers(const YAML::Node& n, const std::string& field, int count = -1) const;
  Vec3 vec3(const YAML::Node& n, const std::string& field) const;
  std::string text(const YAML::Node& n, const std::string& field) const;
  // map[key] as text, or `fallback` when the key is absent or empty.
  std::string text_or(const YAML::Node& map, const std::string& field, const std::string& key,
                      const std::string& fallback = "") const;
  std::string name(const YAML::Node& n, const std::string& field) const;  // non-empty text

 private:
  std::string file_;
  std::map<std::string, int>* field_lines_ = nullptr;
};

// Runs read(); a yaml-cpp exception from deep inside (e.g. a scalar indexed as
// a map) becomes a FileError, so that readers only ever throw FileError.
template <class Read>
auto guarded(const std::string& file, Read&& read) -> decltype(read()) {
  try {
    return read();
  } catch (const YAML::Exception& e) {
    throw FileError(file, e.mark.is_null() ? 0 : e.mark.line + 1, "", e.msg);
  }
}

}  // namespace biomech::yaml
