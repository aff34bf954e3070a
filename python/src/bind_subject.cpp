// Python bindings of subject.hpp: biomech.Subject and biomech.Sex.
//
// Subject(...) takes SI units and radians; each angle can instead be given in
// degrees with its `_deg` keyword. Mass and height left out take the sex's
// default subject (male 70 kg 1.75 m, female 60 kg 1.63 m; subject.cpp);
// optional fields left out stay empty and take the sex-specific defaults when
// the model is scaled (with_defaults()). Checked on construction (ValueError).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "biomech/errors.hpp"
#include "biomech/subject.hpp"
#include "bindings.hpp"

namespace py = pybind11;
using namespace pybind11::literals;
using biomech::Sex;
using biomech::Subject;

namespace {

constexpr double kDeg = M_PI / 180.0;

Sex parse_sex(const py::object& o) {
  if (py::isinstance<py::str>(o)) {
    const auto s = o.cast<std::string>();
    if (s == "male" || s == "m" || s == "M") return Sex::male;
    if (s == "female" || s == "f" || s == "F") return Sex::female;
    throw biomech::InvalidArgument("Subject.sex: expected 'male' or 'female', got '" + s + "'");
  }
  return o.cast<Sex>();
}

std::optional<double> angle(const char* field, std::optional<double> rad, std::optional<double> deg) {
  if (rad && deg)
    throw biomech::InvalidArgument(std::string("Subject: expected ") + field + " or " + field +
                                   "_deg, got both");
  if (deg) return *deg * kDeg;
  return rad;
}

const char* sex_name(Sex s) { return s == Sex::female ? "female" : "male"; }

std::string opt(const std::optional<double>& v, double scale = 1.0) {
  if (!v) return "None";
  std::ostringstream os;
  os << *v * scale;
  return os.str();
}

}  // namespace

void bind_subject(py::module_& m) {
  py::enum_<Sex>(m, "Sex")
      .value("male", Sex::male)
      .value("female", Sex::female);

  py::class_<Subject>(m, "Subject",
                      "The person a model is scaled to. SI units and radians (angles also as *_deg keywords).")
      .def(py::init([](const std::string& name, const py::object& sex, std::optional<double> mass,
                       std::optional<double> height, std::optional<double> pelvis_width,
                       std::optional<double> femur_length, std::optional<double> neck_shaft_angle,
                       std::optional<double> anteversion, std::optional<double> tibiofemoral_angle,
                       std::optional<double> tuberosity_offset, std::map<std::string, double> strength_scale,
                       std::optional<double> neck_shaft_angle_deg, std::optional<double> anteversion_deg,
                       std::optional<double> tibiofemoral_angle_deg) {
             Subject s;
             s.sex = parse_sex(sex);
             const Subject d = biomech::default_subject(s.sex);
             s.name = name;
             s.mass = mass.value_or(d.mass);
             s.height = height.value_or(d.height);
             s.pelvis_width = pelvis_width;
             s.femur_length = femur_length;
             s.neck_shaft_angle = angle("neck_shaft_angle", neck_shaft_angle, neck_shaft_angle_deg);
             s.anteversion = angle("anteversion", anteversion, anteversion_deg);
             s.tibiofemoral_angle = angle("tibiofemoral_angle", tibiofemoral_angle, tibiofemoral_angle_deg);
             s.tuberosity_offset = tuberosity_offset;
             s.strength_scale = std::move(strength_scale);
             biomech::validate(s);
             return s;
           }),
           py::kw_only(), "name"_a = "default", "sex"_a = py::str("male"), "mass"_a = py::none(),
           "height"_a = py::none(), "pelvis_width"_a = py::none(), "femur_length"_a = py::none(),
           "neck_shaft_angle"_a = py::none(), "anteversion"_a = py::none(), "tibiofemoral_angle"_a = py::none(),
           "tuberosity_offset"_a = py::none(), "strength_scale"_a = std::map<std::string, double>{},
           "neck_shaft_angle_deg"_a = py::none(), "anteversion_deg"_a = py::none(),
           "tibiofemoral_angle_deg"_a = py::none(),
           "name; sex 'male'/'female'; mass (kg); height (m); pelvis_width (m, inter-ASIS); femur_length (m, "
           "hip to knee centre); neck_shaft_angle, anteversion, tibiofemoral_angle (rad, or *_deg in degrees); "
           "tuberosity_offset (m, lateral); strength_scale {muscle, base name, group or 'all': factor}.")
      .def_static("default", &biomech::default_subject, "sex"_a,
                  "The default subject of a sex, every optional field filled.")
      .def_readonly("name", &Subject::name)
      .def_property_readonly("sex", [](const Subject& s) { return std::string(sex_name(s.sex)); }, "'male' or 'female'")
      .def_readonly("mass", &Subject::mass, "kg")
      .def_readonly("height", &Subject::height, "m")
      .def_readonly("pelvis_width", &Subject::pelvis_width, "m, inter-ASIS distance (None: sex default)")
      .def_readonly("femur_length", &Subject::femur_length, "m (None: sex default)")
      .def_readonly("neck_shaft_angle", &Subject::neck_shaft_angle, "rad (None: sex default)")
      .def_readonly("anteversion", &Subject::anteversion, "rad (None: sex default)")
      .def_readonly("tibiofemoral_angle", &Subject::tibiofemoral_angle, "rad, valgus + (None: sex default)")
      .def_readonly("tuberosity_offset", &Subject::tuberosity_offset, "m, lateral (None: sex default)")
      .def_readonly("strength_scale", &Subject::strength_scale)
      .def("with_defaults", &biomech::with_defaults, "This subject with every empty optional field set to its sex default.")
      .def("to_dict", [](const Subject& s) {
        py::dict d;
        d["name"] = s.name;
        d["sex"] = sex_name(s.sex);
        d["mass"] = s.mass;
        d["height"] = s.height;
        d["pelvis_width"] = s.pelvis_width;
        d["femur_length"] = s.femur_length;
        d["neck_shaft_angle"] = s.neck_shaft_angle;
        d["anteversion"] = s.anteversion;
        d["tibiofemoral_angle"] = s.tibiofemoral_angle;
        d["tuberosity_offset"] = s.tuberosity_offset;
        d["strength_scale"] = s.strength_scale;
        return d;
      }, "Fields as a dict (SI units, radians; None for sex defaults).")
      .def(py::pickle(
          [](const Subject& s) {
            return py::make_tuple(s.name, static_cast<int>(s.sex), s.mass, s.height, s.pelvis_width, s.femur_length,
                                  s.neck_shaft_angle, s.anteversion, s.tibiofemoral_angle, s.tuberosity_offset,
                                  s.strength_scale);
          },
          [](const py::tuple& t) {
            if (t.size() != 11) throw std::runtime_error("Subject: bad pickle state");
            Subject s;
            s.name = t[0].cast<std::string>();
            s.sex = static_cast<Sex>(t[1].cast<int>());
            s.mass = t[2].cast<double>();
            s.height = t[3].cast<double>();
            s.pelvis_width = t[4].cast<std::optional<double>>();
            s.femur_length = t[5].cast<std::optional<double>>();
            s.neck_shaft_angle = t[6].cast<std::optional<double>>();
            s.anteversion = t[7].cast<std::optional<double>>();
            s.tibiofemoral_angle = t[8].cast<std::optional<double>>();
            s.tuberosity_offset = t[9].cast<std::optional<double>>();
            s.strength_scale = t[10].cast<std::map<std::string, double>>();
            return s;
          }))
      .def("__repr__", [](const Subject& s) {
        std::ostringstream os;
        os << "Subject(name='" << s.name << "', sex='" << sex_name(s.sex) << "', mass=" << s.mass
           << ", height=" << s.height;
        if (s.pelvis_width) os << ", pelvis_width=" << opt(s.pelvis_width);
        if (s.femur_length) os << ", femur_length=" << opt(s.femur_length);
        if (s.neck_shaft_angle) os << ", neck_shaft_angle_deg=" << opt(s.neck_shaft_angle, 1 / kDeg);
        if (s.anteversion) os << ", anteversion_deg=" << opt(s.anteversion, 1 / kDeg);
        if (s.tibiofemoral_angle) os << ", tibiofemoral_angle_deg=" << opt(s.tibiofemoral_angle, 1 / kDeg);
        if (s.tuberosity_offset) os << ", tuberosity_offset=" << opt(s.tuberosity_offset);
        if (!s.strength_scale.empty()) os << ", strength_scale={...}";
        os << ")";
        return os.str();
      });
}
