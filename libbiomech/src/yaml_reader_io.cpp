// The YAML reader of the io library (yaml_reader.hpp).
#include "yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "text_file.hpp"
#include "yaml_limits.hpp"

namespace biomech::yaml {

std::string read_file(const std::string& path, const std::string& what) { return read_text_file(path, what); }

YAML::Node parse(const std::string& text, const std::string& file) {
  check_utf8(file, text);        // yaml-cpp passes invalid bytes through into names
  check_yaml_limits(file, text);  // aliases and nesting, before YAML::Load expands anything
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw FileError(file, e.mark.is_null() ? 0 : e.mark.line + 1, "", "YAML syntax: " + e.msg);
  }
}

int Reader::line(const YAML::Node& n) {
  if (!n.IsDefined()) return 0;
  const YAML::Mark m = n.Mark();
  return m.is_null() || m.line < 0 ? 0 : m.line + 1;
}

std::string Reader::kind(const YAML::Node& n) {
  if (!n.IsDefined()) return "nothing";
  switch (n.Type()) {
    case YAML::NodeType::Null: return "an empty value";
    case YAML::NodeType::Scalar: return "'" + n.Scalar() + "'";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "nothing";
  }
}

void Reader::note(const YAML::Node& n, const std::string& field) const {
  if (!field_lines_) return;
  if (const int l = line(n); l > 0) (*field_lines_)[field] = l;
}

void Reader::expect_map(const YAML::Node& n, const std::string& field) const {
  if (!n.IsMap()) fail(n, field, "expected a mapping (key: value), got " + kind(n));
}

void Reader::expect_seq(const YAML::Node& n, const std::string& field) const {
  if (!n.IsSequence()) fail(n, field, "expected a list, got " + kind(n));
}

void Reader::check_keys(const YAML::Node& map, const std::string& field,
                        const std::vector<std::string>& allowed) const {
  expect_map(map, field);
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) fail(key, field, "expected a text key, got " + kind(key));
    const std::string k = key.Scalar();
    const std::string f = join(field, k);
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      fail(key, f, "unknown key '" + k + "' (allowed here: " + list + ")");
    }
    if (!seen.insert(k).second) fail(key, f, "duplicate key '" + k + "'");
  }
}

YAML::Node Reader::get(const YAML::Node& map, const std::string& key, const std::string& field) const {
  const YAML::Node n = map[key];
  if (!n.IsDefined()) fail(map, join(field, key), "missing required field '" + key + "'");
  if (n.IsNull()) fail(n, join(field, key), "field '" + key + "' has no value");
  return n;
}

double Reader::number(const YAML::Node& n, const std::string& field) const {
  note(n, field);
  if (!n.IsScalar()) fail(n, field, "expected a number, got " + kind(n));
  const std::string& s = n.Scalar();
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (b != e && *b == '+') ++b;
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(b, e, v);
  const bool special = s == ".nan" || s == ".NaN" || s == ".NAN" || s == ".inf" || s == "-.inf" || s == "+.inf" ||
                       s == ".Inf" || s == "-.Inf" || s == ".INF" || s == "-.INF";
  if (special || (ec == std::errc() && ptr == e && !std::isfinite(v)))
    fail(n, field, "expected a finite number, got '" + s + "'");
  if (ec != std::errc() || ptr != e) fail(n, field, "expected a number, got '" + s + "'");
  return v;
}

double Reader::positive(const YAML::Node& n, const std::string& field, bool allow_zero) const {
  const double v = number(n, field);
  if (allow_zero ? v < 0.0 : v <= 0.0)
    fail(n, field, std::string("expected a value ") + (allow_zero ? ">= 0" : "> 0") + ", got " + n.Scalar());
  return v;
}

double Reader::number_or(const YAML::Node& map, const std::string& field, const std::string& key,
                         double fallback) const {
  const YAML::Node n = map[key];
  return n.IsDefined() ? number(n, join(field, key)) : fallback;
}

std::vector<double> Reader::numbers(const YAML::Node& n, const std::string& field, int count) const {
  note(n, field);
  expect_seq(n, field);
  if (count >= 0 && static_cast<int>(n.size()) != count)
    fail(n, field, "expected a list of " + std::to_string(count) + " numbers, got " + std::to_string(n.size()));
  std::vector<double> out;
  for (size_t i = 0; i < n.size(); ++i) out.push_back(number(n[i], field + "[" + std::to_string(i) + "]"));
  return out;
}

Vec3 Reader::vec3(const YAML::Node& n, const std::string& field) const {
  const auto v = numbers(n, field, 3);
  return Vec3(v[0], v[1], v[2]);
}

std::string Reader::text(const YAML::Node& n, const std::string& field) const {
  note(n, field);
  if (!n.IsScalar()) fail(n, field, "expected text, got " + kind(n));
  return n.Scalar();
}

std::string Reader::text_or(const YAML::Node& map, const std::string& field, const std::string& key,
                            const std::string& fallback) const {
  const YAML::Node n = map[key];
  return n.IsDefined() && !n.IsNull() ? text(n, join(field, key)) : fallback;
}

std::string Reader::name(const YAML::Node& n, const std::string& field) const {
  std::string s = text(n, field);
  if (s.empty()) fail(n, field, "expected a non-empty name");
  return s;
}

}  // namespace biomech::yaml
