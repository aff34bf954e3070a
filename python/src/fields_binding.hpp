// The Python side of the field tables (biomech/fields.hpp), one function for
// every described struct:
//
//   py::class_<StanceOptions> c(m, "StanceOptions", doc);
//   def_fields(c, Access::options);   // StanceOptions(trunk_lean_deg=10), o.trunk_lean_deg, ...
//
// Attributes are in public units (trunk_lean_deg reads and writes degrees);
// options are built from keyword arguments, checked against the table's bounds
// (ValueError naming the field, its range and the value), and unknown names are
// errors with close matches. Every described class gets fields() (the table as
// a list of dicts), to_dict() (public name -> public value), a repr and pickling.
#pragma once
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "biomech/errors.hpp"
#include "biomech/fields.hpp"

namespace biomech::python {

namespace py = pybind11;

enum class Access { options, result };

// A side argument ('r'/'l', "right"/"left"): the one parser of fields.hpp.
inline char side_of(const std::string& text) {
  char side = 'r';
  if (!parse_choice(text, side)) throw InvalidArgument("expected side 'r' or 'l', got '" + text + "'");
  return side;
}

inline const char* kind_name(FieldKind k) {
  switch (k) {
    case FieldKind::number: return "number";
    case FieldKind::integer: return "integer";
    case FieldKind::flag: return "flag";
    case FieldKind::choice: return "choice";
    case FieldKind::text: return "text";
    case FieldKind::vector: return "vector";
    case FieldKind::matrix: return "matrix";
    case FieldKind::mapping: return "mapping";
  }
  return "?";
}

template <class T>
constexpr bool is_eigen_v = std::is_base_of_v<Eigen::MatrixBase<T>, T>;

// The public value of a member, as a Python object.
template <class T>
py::object to_public(const FieldInfo& f, const T& v) {
  if constexpr (std::is_same_v<T, double>) {
    return py::float_(v / f.unit.to_si);
  } else if constexpr (std::is_same_v<T, std::optional<double>>) {
    return v ? py::object(py::float_(*v / f.unit.to_si)) : py::object(py::none());
  } else if constexpr (std::is_same_v<T, bool>) {
    return py::bool_(v);
  } else if constexpr (std::is_same_v<T, int>) {
    return py::int_(v);
  } else if constexpr (Choice<T>) {
    return py::str(std::string(choice_name(v)));
  } else if constexpr (is_eigen_v<T>) {
    if (f.unit.to_si == 1.0) return py::cast(v);
    return py::cast(Eigen::Matrix<double, T::RowsAtCompileTime, T::ColsAtCompileTime>(v / f.unit.to_si));
  } else {
    return py::cast(v);  // text, std::vector, mappings
  }
}

inline bool is_number(py::handle h) {
  return !py::isinstance<py::bool_>(h) && (py::isinstance<py::float_>(h) || py::isinstance<py::int_>(h) ||
                                           py::hasattr(h, "__float__"));
}

// Sets a member from a public Python value. `checked`: apply the field's bounds
// (options); results are restored unchecked (pickling).
template <class T>
void from_public(const FieldInfo& f, T& member, py::handle h, std::string_view where, bool checked) {
  const auto wrong = [&](const char* expected) {
    throw InvalidArgument(std::string(where) + ": expected " + std::string(f.name) + " to be " + expected + ", got " +
                          std::string(py::str(py::repr(h))));
  };
  if constexpr (std::is_same_v<T, double> || std::is_same_v<T, std::optional<double>>) {
    if constexpr (std::is_same_v<T, std::optional<double>>) {
      if (h.is_none()) {
        member.reset();
        return;
      }
    }
    if (!is_number(h) || py::isinstance<py::str>(h)) wrong("a number");
    const double v = h.cast<double>();
    if (checked) set_public_value(f, member, v, where);
    else member = v * f.unit.to_si;
  } else if constexpr (std::is_same_v<T, int>) {
    if (!is_number(h) || py::isinstance<py::str>(h)) wrong("an integer");
    set_public_value(f, member, h.cast<double>(), where);
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!py::isinstance<py::bool_>(h) && !(py::hasattr(h, "dtype") && std::string(py::str(h.attr("dtype"))) == "bool"))
      wrong("True or False");
    member = h.cast<bool>();
  } else if constexpr (Choice<T>) {
    if (!py::isinstance<py::str>(h)) wrong("a name");
    set_choice(f, member, h.cast<std::string>(), where);
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!py::isinstance<py::str>(h)) wrong("text");
    member = h.cast<std::string>();
  } else {
    // pybind11's own "Unable to cast" names neither the field nor what it takes
    const char* expected = f.kind == FieldKind::mapping  ? "a mapping of names to numbers"
                           : f.kind == FieldKind::matrix ? "a 2-D array of numbers"
                                                         : "a list of numbers";
    try {
      if constexpr (is_eigen_v<T>) member = h.cast<T>() * f.unit.to_si;
      else member = h.cast<T>();
    } catch (const py::cast_error&) {
      wrong(expected);
    }
  }
}

// The field of `s` at `index` (table order, as field_infos<S>() lists them) in public
// units, and set from a public value. By index, so that each is instantiated once per
// struct: a lambda per field (or per member type) multiplied pybind11's instantiations.
template <class S>
py::object public_value(const S& s, std::size_t index) {
  py::object out;
  std::size_t i = 0;
  visit_fields(s, [&](const FieldInfo& f, const auto& v) {
    if (i++ == index) out = to_public(f, v);
  });
  return out;
}

template <class S>
void set_from_public(S& s, std::size_t index, py::handle h, std::string_view where, bool checked) {
  std::size_t i = 0;
  visit_fields(s, [&](const FieldInfo& f, auto& v) {
    if (i++ == index) from_public(f, v, h, where, checked);
  });
}

inline size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// "unknown option 'x' (did you mean 'y'?); expected one of a, b, ..."
template <class S>
[[noreturn]] void unknown_field(std::string_view name, std::string_view where) {
  std::string names, best;
  size_t best_d = 1000;
  for (const FieldInfo& f : field_infos<S>()) {
    names += (names.empty() ? "" : ", ") + std::string(f.name);
    // a name without its unit suffix (anteversion for anteversion_deg) is the closest
    const bool unit_left_out = f.name.size() > name.size() + 1 && f.name.substr(0, name.size()) == name &&
                               f.name[name.size()] == '_';
    const size_t d = unit_left_out ? 0 : edit_distance(name, f.name);
    if (d < best_d) best_d = d, best = std::string(f.name);
  }
  const std::string hint = best_d <= std::max<size_t>(2, name.size() / 3) ? " (did you mean '" + best + "'?)" : "";
  throw InvalidArgument(std::string(where) + ": unknown option '" + std::string(name) + "'" + hint +
                        "; expected one of " + names);
}

// Sets the field `name` of `s` from a public Python value.
template <class S>
void set_by_name(S& s, std::string_view name, py::handle value, std::string_view where, bool checked) {
  static const std::vector<FieldInfo> infos = field_infos<S>();
  for (std::size_t i = 0; i < infos.size(); ++i)
    if (infos[i].name == name) return set_from_public(s, i, value, where, checked);
  unknown_field<S>(name, where);
}

// Options from keyword arguments (public names), starting from `base`.
template <class S>
S from_kwargs(const py::kwargs& kw, std::string_view where, S base = {}) {
  for (auto [k, v] : kw) set_by_name(base, py::cast<std::string>(k), v, where, true);
  return base;
}

template <class S>
py::dict to_dict(const S& s) {
  py::dict d;
  visit_fields(s, [&](const FieldInfo& f, const auto& v) { d[py::str(std::string(f.name))] = to_public(f, v); });
  return d;
}

template <class S>
py::list fields_table() {
  py::list out;
  const S probe{};
  visit_fields(probe, [&](const FieldInfo& f, const auto& v) {
    using T = std::remove_cvref_t<decltype(v)>;
    py::dict d;
    d["name"] = std::string(f.name);
    d["unit"] = std::string(f.unit.name);
    d["kind"] = kind_name(f.kind);
    d["min"] = f.min;
    d["max"] = f.max;
    d["default"] = to_public(f, v);
    d["optional"] = f.optional;
    d["doc"] = std::string(f.doc);
    if constexpr (Choice<T>) {
      py::list c;
      for (std::string_view n : choice_names(v)) c.append(std::string(n));
      d["choices"] = c;
    } else {
      d["choices"] = py::none();
    }
    out.append(d);
  });
  return out;
}

// A table of bounds (kExerciseBounds, kModelBounds) as a list of dicts name, unit, min, max, doc.
template <std::size_t N>
py::list bounds_table(const FieldInfo (&bounds)[N]) {
  py::list out;
  for (const FieldInfo& f : bounds) {
    py::dict d;
    d["name"] = std::string(f.name);
    d["unit"] = std::string(f.unit.name);
    d["min"] = f.min;
    d["max"] = f.max;
    d["doc"] = std::string(f.doc);
    out.append(d);
  }
  return out;
}

// Attributes, keyword construction (options), fields(), to_dict(), repr, pickling.
template <class S, class... Extra>
void def_fields(py::class_<S, Extra...>& cls, Access access) {
  const std::string cls_name = py::str(cls.attr("__name__"));
  const bool writable = access == Access::options;
  const std::vector<FieldInfo> infos = field_infos<S>();
  for (std::size_t i = 0; i < infos.size(); ++i) {
    const FieldInfo& f = infos[i];
    const auto getter = [i](const S& s) { return public_value(s, i); };
    const std::string doc = std::string(f.doc) + (f.unit.name.empty() ? "" : " (" + std::string(f.unit.name) + ")");
    if (writable) {
      cls.def_property(
          std::string(f.name).c_str(), getter,
          [i, cls_name](S& s, py::handle v) { set_from_public(s, i, v, cls_name, true); }, doc.c_str());
    } else {
      cls.def_property_readonly(std::string(f.name).c_str(), getter, doc.c_str());
    }
  }
  if (writable) {
    cls.def(py::init([cls_name](const py::kwargs& kw) {
              S s;
              for (auto [k, v] : kw) set_by_name(s, py::cast<std::string>(k), v, cls_name, true);
              return s;
            }),
            ("Options by public name (units in the names; see fields()). ValueError for an unknown "
             "name or a value outside its range."));
  }
  cls.def_static("fields", &fields_table<S>, "The field table: name, unit, kind, min, max, default, doc, choices.");
  cls.def("to_dict", &to_dict<S>, "Public name -> value, in the units the names give.");
  cls.def("__repr__", [cls_name, writable](const S& s) {
    std::string out = cls_name + "(";
    bool first = true;
    const S defaults{};
    std::size_t i = 0;
    visit_fields(s, [&](const FieldInfo& f, const auto& v) {
      using T = std::remove_cvref_t<decltype(v)>;
      const std::size_t index = i++;
      if constexpr (std::is_arithmetic_v<T> || Choice<T> || std::is_same_v<T, std::optional<double>>) {
        const py::object now = to_public(f, v);
        if (writable && now.equal(public_value(defaults, index))) return;
        out += (first ? "" : ", ") + std::string(f.name) + "=" + std::string(py::str(py::repr(now)));
        first = false;
      }
    });
    return out + ")";
  });
  cls.def(py::pickle([](const S& s) { return to_dict(s); },
                     [cls_name](const py::dict& d) {
                       S s;
                       for (auto [k, v] : d) set_by_name(s, py::cast<std::string>(k), v, cls_name, false);
                       return s;
                     }));
}

}  // namespace biomech::python
