// Python bindings of subject.hpp: biomech.Subject and biomech.Sex.
//
// Subject(...) takes the fields of Subject::fields() by public name (units in the
// names); checked on construction (ValueError).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>

#include "biomech/errors.hpp"
#include "biomech/subject.hpp"
#include "bindings.hpp"
#include "fields_binding.hpp"

namespace py = pybind11;
using namespace pybind11::literals;
using biomech::Sex;
using biomech::Subject;

void bind_subject(py::module_& m) {
  py::enum_<Sex>(m, "Sex")
      .value("male", Sex::male)
      .value("female", Sex::female);

  py::class_<Subject> cls(m, "Subject",
                          "The person a model is scaled to (units in the names: mass_kg, height_m, "
                          "neck_shaft_angle_deg, ...). Subject.fields() lists every field with its range.");
  biomech::python::def_fields(cls, biomech::python::Access::result);
  cls.def(py::init([](const py::kwargs& kw) {
            // Mass and height left out take the sex's default subject (male 70 kg 1.75 m, female
            // 60 kg 1.63 m; subject.cpp); optional fields left out stay empty and take the
            // sex-specific defaults when the model is scaled (with_defaults()).
            Subject s;
            if (kw.contains("sex")) biomech::python::set_by_name(s, "sex", kw["sex"], "Subject", true);
            const Subject d = biomech::default_subject(s.sex);
            s.mass = d.mass;
            s.height = d.height;
            for (auto [k, v] : kw) biomech::python::set_by_name(s, py::cast<std::string>(k), v, "Subject", true);
            biomech::validate(s);
            return s;
          }),
          "Subject(sex='female', mass_kg=60, height_m=1.63, anteversion_deg=20, ...). ValueError for an "
          "unknown name or a value outside its range.")
      .def_static("default", &biomech::default_subject, "sex"_a,
                  "The default subject of a sex, every optional field filled.")
      .def("with_defaults", &biomech::with_defaults, "This subject with every empty optional field set to its sex default.");

  m.def("parse_side", [](const std::string& text) { return std::string(1, biomech::python::side_of(text)); },
        "text"_a, "'r' or 'l' from 'r', 'l', 'right', 'left' (the one parser of sides; ValueError otherwise).");
}
