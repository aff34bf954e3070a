// Field tables: an options or result struct describes each of its fields once,
// and every front end is produced from that description: the Python attributes
// and keyword arguments, dict and DataFrame columns, the command-line options,
// the sweep parameters and outputs, and the units of HDF5 attributes.
//
// A struct opts in with a static `fields()` that returns a std::tuple of
// field(...) entries (docs/dev/fields.md has a worked example):
//
//   struct StanceOptions {
//     double trunk_lean = 0.0;  // rad
//     static constexpr auto fields() {
//       return std::tuple{field("trunk_lean_deg", &StanceOptions::trunk_lean, units::deg, -45, 45,
//                               "trunk lean in the frontal plane, + toward the stance side")};
//     }
//   };
//
// The member holds the SI value; the public name carries the unit of the
// public value (trunk_lean_deg = 10 stores 10 pi/180 rad). Bounds are in
// public units and apply to inputs; check_fields() enforces them.
#pragma once
#include <Eigen/Core>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "biomech/errors.hpp"

namespace biomech {

// The unit of a public value: its name and the factor to SI.
struct FieldUnit {
  std::string_view name;  // as printed: "deg", "m", "N m"; "1" dimensionless; "" for text and flags
  double to_si = 1.0;     // SI value = public value * to_si
};

namespace units {
inline constexpr FieldUnit deg{"deg", M_PI / 180.0};
inline constexpr FieldUnit rad{"rad", 1.0};
inline constexpr FieldUnit m{"m", 1.0};
inline constexpr FieldUnit kg{"kg", 1.0};
inline constexpr FieldUnit s{"s", 1.0};
inline constexpr FieldUnit hz{"Hz", 1.0};
inline constexpr FieldUnit n{"N", 1.0};
inline constexpr FieldUnit nm{"N m", 1.0};
inline constexpr FieldUnit nms{"N m s", 1.0};
inline constexpr FieldUnit nm_per_kg{"N m/kg", 1.0};
inline constexpr FieldUnit nm_per_rad{"N m/rad", 1.0};
inline constexpr FieldUnit nms_per_rad{"N m s/rad", 1.0};
inline constexpr FieldUnit deg_per_s{"deg/s", M_PI / 180.0};
inline constexpr FieldUnit j{"J", 1.0};
inline constexpr FieldUnit n_per_m{"N/m", 1.0};
inline constexpr FieldUnit bw{"BW", 1.0};            // body weights (force / weight)
inline constexpr FieldUnit percent_mvic{"%MVIC", 1.0};
inline constexpr FieldUnit percent{"%", 1.0};
inline constexpr FieldUnit one{"1", 1.0};            // dimensionless number
inline constexpr FieldUnit none{"", 1.0};            // text, flags, sides
}  // namespace units

inline constexpr double kUnbounded = std::numeric_limits<double>::infinity();

// How front ends treat a field, from its C++ type.
enum class FieldKind {
  number,    // double (or std::optional<double>: empty = not given)
  integer,   // int
  flag,      // bool
  choice,    // one of a few names: a side (char 'r'/'l'), a sex, ... (see choice_names)
  text,      // std::string
  vector,    // Vec3 / Eigen::VectorXd / std::vector<...>
  matrix,    // Eigen::MatrixXd
  mapping,   // std::map<std::string, double>
};

// Choice types: a type T is a choice when ADL finds choice_names(T) (its public
// names), choice_name(T) and parse_choice(std::string_view, T&). Sides are
// chars 'r'/'l'; one parser for every front end ("right"/"left" accepted).
inline std::vector<std::string_view> choice_names(char) { return {"r", "l"}; }
inline std::string_view choice_name(char c) { return c == 'l' ? "l" : c == 'r' ? "r" : "?"; }
inline bool parse_choice(std::string_view text, char& side) {
  if (text == "r" || text == "R" || text == "right") return side = 'r', true;
  if (text == "l" || text == "L" || text == "left") return side = 'l', true;
  return false;
}
template <class T>
concept Choice = requires(T t, std::string_view v) {
  choice_names(t);
  choice_name(t);
  parse_choice(v, t);
};

// What every front end needs to know of one field.
struct FieldInfo {
  std::string_view name;        // public name, unit suffix included: trunk_lean_deg
  FieldUnit unit;                   // of the public value
  double min = -kUnbounded;     // admissible public values (inputs; results are unbounded)
  double max = kUnbounded;
  std::string_view doc;         // one line
  FieldKind kind = FieldKind::number;
  bool optional = false;        // std::optional member: may be left empty
};

template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_mapping : std::false_type {};
template <class V> struct is_mapping<std::map<std::string, V>> : std::true_type {};

template <class T>
constexpr FieldKind field_kind() {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<U, double> || std::is_same_v<U, std::optional<double>>) return FieldKind::number;
  else if constexpr (std::is_same_v<U, bool>) return FieldKind::flag;
  else if constexpr (std::is_same_v<U, int>) return FieldKind::integer;
  else if constexpr (Choice<U>) return FieldKind::choice;
  else if constexpr (std::is_same_v<U, std::string>) return FieldKind::text;
  else if constexpr (is_mapping<U>::value) return FieldKind::mapping;
  else if constexpr (std::is_base_of_v<Eigen::MatrixBase<U>, U>)
    return U::ColsAtCompileTime == 1 ? FieldKind::vector : FieldKind::matrix;
  else return FieldKind::vector;  // std::vector<...>
}

// One entry of a field table: the description and the member it describes.
template <class S, class T>
struct Field {
  FieldInfo info;
  T S::*member;
};

// An input field with bounds (public units).
template <class S, class T>
constexpr Field<S, T> field(std::string_view name, T S::*member, FieldUnit unit, double min, double max,
                            std::string_view doc) {
  return {FieldInfo{name, unit, min, max, doc, field_kind<T>(), is_optional<T>::value}, member};
}
// A field without bounds (results; text, flags and sides).
template <class S, class T>
constexpr Field<S, T> field(std::string_view name, T S::*member, FieldUnit unit, std::string_view doc) {
  return {FieldInfo{name, unit, -kUnbounded, kUnbounded, doc, field_kind<T>(), is_optional<T>::value}, member};
}

// A struct with a field table.
template <class T>
concept Described = requires { T::fields(); };

// Calls f(info, member) for every field of `s` in table order, with `member` a
// reference to the field's value; the fields of a described member (e.g. the
// RecruitmentOptions inside SimulateOptions) are visited in its place, so
// front ends see one flat list of names.
template <class S, class F>
void visit_fields(S& s, F&& f);

namespace detail {
template <class S, class X, class F>
void visit_one(S& s, const X& x, F& f) {
  auto& member = s.*(x.member);
  if constexpr (Described<std::remove_cvref_t<decltype(member)>>) visit_fields(member, f);
  else f(x.info, member);
}
}  // namespace detail

template <class S, class F>
void visit_fields(S& s, F&& f) {
  std::apply([&](const auto&... x) { (detail::visit_one(s, x, f), ...); }, std::remove_const_t<S>::fields());
}

// Every field of S (nested tables flattened), in table order.
template <class S>
std::vector<FieldInfo> field_infos() {
  std::vector<FieldInfo> out;
  const S s{};
  visit_fields(s, [&](const FieldInfo& f, const auto&) { out.push_back(f); });
  return out;
}

// The numeric scalar fields (number, integer, flag) of S: sweep parameters and outputs.
template <class S>
std::vector<FieldInfo> numeric_fields() {
  std::vector<FieldInfo> out;
  for (const FieldInfo& f : field_infos<S>())
    if (f.kind == FieldKind::number || f.kind == FieldKind::integer || f.kind == FieldKind::flag) out.push_back(f);
  return out;
}

namespace detail {
inline std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
inline std::string bounds_text(const FieldInfo& f) {
  const std::string u = f.unit.name.empty() || f.unit.name == "1" ? "" : " " + std::string(f.unit.name);
  if (std::isinf(f.min) && std::isinf(f.max)) return "finite";
  if (std::isinf(f.max)) return ">= " + format_number(f.min) + u;
  if (std::isinf(f.min)) return "<= " + format_number(f.max) + u;
  return "in [" + format_number(f.min) + ", " + format_number(f.max) + "]" + u;
}
}  // namespace detail

// Throws InvalidArgument "<where>: expected <name> in [min, max] unit, got v"
// when the public value `v` of field `f` is not finite or out of bounds.
inline void check_field_value(const FieldInfo& f, double v, std::string_view where) {
  if (std::isfinite(v) && v >= f.min && v <= f.max) return;
  const std::string finite = std::isfinite(v) ? "" : "a finite ";
  throw InvalidArgument(std::string(where) + ": expected " + finite + std::string(f.name) + " " +
                        detail::bounds_text(f) + ", got " + detail::format_number(v));
}

// Throws InvalidArgument "<where>: expected <name> one of a, b, got x" unless
// `text` names one of the field's choices.
template <class T>
void set_choice(const FieldInfo& f, T& member, std::string_view text, std::string_view where) {
  if (parse_choice(text, member)) return;
  std::string names;
  for (std::string_view n : choice_names(member)) names += (names.empty() ? "'" : ", '") + std::string(n) + "'";
  throw InvalidArgument(std::string(where) + ": expected " + std::string(f.name) + " one of " + names + ", got '" +
                        std::string(text) + "'");
}
template <class T>
void check_choice(const FieldInfo& f, std::string_view name, std::string_view where) {
  T probe{};
  set_choice(f, probe, name, where);
}

// Public value of a numeric member (number, integer, flag): the member / to_si;
// NaN for an empty optional.
template <class T>
double public_value(const FieldInfo& f, const T& v) {
  if constexpr (std::is_same_v<T, std::optional<double>>) {
    return v ? *v / f.unit.to_si : std::numeric_limits<double>::quiet_NaN();
  } else if constexpr (std::is_arithmetic_v<T>) {
    return static_cast<double>(v) / f.unit.to_si;
  } else {
    static_assert(sizeof(T) == 0, "public_value: not a numeric field");
  }
}

// Sets a numeric member from its public value, checked against the field's bounds.
template <class T>
void set_public_value(const FieldInfo& f, T& member, double value, std::string_view where) {
  if constexpr (std::is_same_v<T, double> || std::is_same_v<T, std::optional<double>>) {
    check_field_value(f, value, where);
    member = value * f.unit.to_si;
  } else if constexpr (std::is_same_v<T, int>) {
    check_field_value(f, value, where);
    if (value != std::round(value))
      throw InvalidArgument(std::string(where) + ": expected an integer " + std::string(f.name) + ", got " +
                            detail::format_number(value));
    member = static_cast<int>(value);
  } else if constexpr (std::is_same_v<T, bool>) {
    if (value != 0.0 && value != 1.0)
      throw InvalidArgument(std::string(where) + ": expected " + std::string(f.name) + " 0 or 1, got " +
                            detail::format_number(value));
    member = value != 0.0;
  } else {
    throw InvalidArgument(std::string(where) + ": " + std::string(f.name) + " is not a number");
  }
}

// Checks every numeric field of `s` (finite, within its bounds; empty
// optionals pass) and every side ('r' or 'l').
template <class S>
void check_fields(const S& s, std::string_view where) {
  visit_fields(s, [&](const FieldInfo& f, const auto& v) {
    using T = std::remove_cvref_t<decltype(v)>;
    if constexpr (std::is_same_v<T, std::optional<double>>) {
      if (v) check_field_value(f, public_value(f, v), where);
    } else if constexpr (std::is_same_v<T, double> || std::is_same_v<T, int>) {
      check_field_value(f, public_value(f, v), where);
    } else if constexpr (Choice<T>) {
      check_choice<T>(f, choice_name(v), where);
    }
  });
}

// Sets the numeric field `name` of `s` from its public value (checked), for
// callers that hold values by name (sweeps). Returns false when S has no
// numeric field of that name.
template <class S>
bool set_field(S& s, std::string_view name, double value, std::string_view where) {
  bool found = false;
  visit_fields(s, [&](const FieldInfo& f, auto& v) {
    using T = std::remove_cvref_t<decltype(v)>;
    if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, std::optional<double>>) {
      if (f.name == name && f.kind != FieldKind::choice) {
        set_public_value(f, v, value, where);
        found = true;
      }
    }
  });
  return found;
}

// True when S has a numeric field (number, integer, flag) named `name`.
template <class S>
bool has_numeric_field(std::string_view name) {
  for (const FieldInfo& f : numeric_fields<S>())
    if (f.name == name) return true;
  return false;
}

// Public value of the numeric field `name` (number, integer, flag), NaN for an
// empty optional. Throws InvalidArgument when S has no such field.
template <class S>
double get_field(const S& s, std::string_view name) {
  double out = 0.0;
  bool found = false;
  visit_fields(s, [&](const FieldInfo& f, const auto& v) {
    using T = std::remove_cvref_t<decltype(v)>;
    if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, std::optional<double>>) {
      if (f.name == name && f.kind != FieldKind::choice) {
        out = public_value(f, v);
        found = true;
      }
    }
  });
  if (!found) throw InvalidArgument("get_field: expected a numeric field, got '" + std::string(name) + "'");
  return out;
}

// Public values of every numeric field of `s` (number, integer, flag; NaN for an
// empty optional) into out, in numeric_fields<S>() order; returns how many. One pass,
// for callers that write a whole result row (sweeps) instead of get_field by name.
template <class S>
int numeric_values(const S& s, double* out) {
  int k = 0;
  visit_fields(s, [&](const FieldInfo& f, const auto& v) {
    using T = std::remove_cvref_t<decltype(v)>;
    if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, std::optional<double>>) {
      if (f.kind == FieldKind::number || f.kind == FieldKind::integer || f.kind == FieldKind::flag)
        out[k++] = public_value(f, v);
    }
  });
  return k;
}

}  // namespace biomech
