// Python bindings of the exercise domain: exercise.hpp, exercise_io.hpp.
//
// Exercise, SimulationResult, LegResult and ExerciseSummary are read-only;
// arrays are NumPy float64 copies with the shapes given in each docstring.
// simulate() releases the GIL.
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "biomech/data.hpp"
#include "biomech/exercise.hpp"
#include "biomech/exercise_io.hpp"
#include "bindings.hpp"
#include "fields_binding.hpp"

namespace py = pybind11;
using namespace pybind11::literals;
using namespace biomech;

namespace {

py::dict dose_dict(const Dose& d) {
  auto r = [](const std::array<double, 2>& a) { return py::make_tuple(a[0], a[1]); };
  return py::dict("sets"_a = r(d.sets), "reps"_a = r(d.reps), "hold_s"_a = r(d.hold_s), "rest_s"_a = r(d.rest_s));
}

}  // namespace

void bind_exercise(py::module_& m) {
  py::class_<Exercise>(m, "Exercise", "An exercise read from a file (docs/exercise_file.md); read-only.")
      .def_readonly("id", &Exercise::id)
      .def_readonly("name", &Exercise::name)
      .def_readonly("file", &Exercise::file)
      .def_readonly("description", &Exercise::description)
      .def_readonly("statics", &Exercise::statics, "the whole-body statics assumption (how the weight is shared)")
      .def_readonly("limits", &Exercise::limits, "what the default subject's muscles cannot carry, and why")
      .def_property_readonly(
          "sources", [](const Exercise& e) {
            py::list out;
            for (const auto& c : e.sources) out.append(py::dict("article"_a = c.article, "quote"_a = c.quote));
            return out;
          },
          "list of {article, quote}: the article passages the exercise encodes")
      .def_property_readonly(
          "legs", [](const Exercise& e) {
            py::list out;
            for (const auto& l : e.legs) out.append(py::make_tuple(std::string(1, l.side), l.role));
            return out;
          },
          "list of (side, role): the analysed legs")
      .def_property_readonly(
          "assumptions", [](const Exercise& e) {
            py::list out;
            for (const auto& a : e.assumptions) out.append(py::dict("field"_a = a.field, "reason"_a = a.reason));
            return out;
          },
          "list of {field, reason}: values the article does not give")
      .def_property_readonly("dose", [](const Exercise& e) { return dose_dict(e.dose); },
                             "{sets, reps, hold_s, rest_s}: (min, max) ranges as the article gives them")
      .def_property_readonly("contacts", [](const Exercise& e) {
        std::vector<std::string> out;
        for (const auto& c : e.contacts) out.push_back(c.name);
        return out;
      })
      .def_property_readonly("loads", [](const Exercise& e) {
        std::vector<std::string> out;
        for (const auto& l : e.loads) out.push_back(l.name);
        return out;
      })
      .def_property_readonly(
          "balance_over",
          [](const Exercise& e) {
            std::vector<std::string> out;
            for (const auto& b : e.balance) out.push_back(b.over);
            return out;
          },
          "the contacts the body balances over, one per single-support phase")
      .def_property_readonly("is_static", &Exercise::is_static)
      .def_property_readonly("repetition_duration", &Exercise::repetition_duration, "s")
      .def("__repr__", [](const Exercise& e) { return "<biomech._core.Exercise '" + e.id + "'>"; });

  m.def("exercise_bounds", [] { return biomech::python::bounds_table(biomech::kExerciseBounds); },
        "Bounds on an exercise file's numbers (name, unit, min, max, doc), checked before simulating.");
  m.def("load_exercise", &load_exercise, "path"_a,
        "Read an exercise file. FileNotFoundError when missing, FileError (file, line, field) when wrong.");
  m.def("parse_exercise", &parse_exercise, "text"_a, "file_name"_a = "<string>",
        "Parse exercise-file text (YAML); file_name is used in error messages.");
  m.def("check_exercise", &check_exercise, "model"_a, "exercise"_a,
        "Check an exercise against a model (names, joint ranges, points, legs); raises FileError naming the field.");
  m.def(
      "exercise_times", [](const Exercise& e) { return Eigen::VectorXd(exercise_times(e)); }, "exercise"_a,
      "(n,) s: the sample times of one repetition");
  m.def(
      "exercise_posture",
      [](const Model& model, const Exercise& e, double t) {
        Eigen::VectorXd q, qd, qdd;
        exercise_posture(model, e, t, q, &qd, &qdd);
        return py::make_tuple(q, qd, qdd);
      },
      "model"_a, "exercise"_a, "t"_a,
      "(q, qdot, qddot), each (nq,), rad or m per s^k: the file's trajectory at t before balancing");

  py::class_<LegResult> leg(m, "LegResult", "One analysed leg over the frames of a simulation (read-only).");
  python::def_fields(leg, python::Access::result);  // the per-frame frontal-plane series, public units
  leg.def_property_readonly("side", [](const LegResult& l) { return std::string(1, l.side); })
      .def_readonly("role", &LegResult::role)
      .def_readonly("actuators", &LegResult::actuators, "muscle names, then lumped knee actuators if any")
      .def_readonly("muscle_index", &LegResult::muscle_index, "model muscle index per actuator (-1: lumped)")
      .def_readonly("dofs", &LegResult::dofs, "balanced coordinates: hip flexion, adduction, rotation, knee")
      .def_readonly("knee_flexion_sign", &LegResult::knee_flexion_sign,
                    "+1 when the model's knee coordinate is positive in flexion (lumped extensors act with -sign)")
      .def_readonly("moment", &LegResult::moment, "(n, 4) N m generalized forces the actuators must supply")
      .def_readonly("activation", &LegResult::activation, "(n, actuators) 0..1")
      .def_readonly("force", &LegResult::force, "(n, actuators) N, active (lumped knee actuators: N m)")
      .def_readonly("passive_force", &LegResult::passive_force, "(n, actuators) N, passive fibre force")
      .def_readonly("reserve", &LegResult::reserve, "(n, 4) N m")
      .def_readonly("residual", &LegResult::residual, "(n, 4) N m: moment - R F a - reserve")
      .def_readonly("percent_mvic", &LegResult::percent_mvic, "(n, actuators) %MVIC, NaN outside the MVIC test")
      .def_readonly("gmed_percent_mvic", &LegResult::gmed_percent_mvic,
                    "(n, 4) gluteus medius anterior, middle, posterior, whole (%MVIC)")
      .def_readonly("tfl_percent_mvic", &LegResult::tfl_percent_mvic, "(n,) %MVIC")
      .def_readonly("hip_contact_force", &LegResult::hip_contact_force, "(n, 3) N, pelvis on femur, ground frame")
      .def_readonly("hip_contact_force_bw", &LegResult::hip_contact_force_bw, "(n,) body weights")
      .def_readonly("converged", &LegResult::converged, "(n,) solver converged");

  py::class_<SimulationResult>(m, "SimulationResult", "Per-frame results of simulate() (read-only).")
      .def_readonly("exercise_id", &SimulationResult::exercise_id)
      .def_readonly("time", &SimulationResult::time, "(n,) s")
      .def_readonly("posture", &SimulationResult::posture, "(n, nq) rad or m, balanced")
      .def_readonly("contact_names", &SimulationResult::contact_names)
      .def_readonly("contact_force", &SimulationResult::contact_force, "(n, 3 ncontacts) N on the body, ground frame")
      .def_readonly("contact_moment", &SimulationResult::contact_moment, "(n, 3 ncontacts) N m free moments")
      .def_readonly("root_residual", &SimulationResult::root_residual, "(n,) N or N m left on the root")
      .def_readonly("contact_tension", &SimulationResult::contact_tension, "(n,) a contact had to pull")
      .def_readonly("load_names", &SimulationResult::load_names)
      .def_readonly("load_magnitude", &SimulationResult::load_magnitude, "(n, nloads) N")
      .def_readonly("legs", &SimulationResult::legs)
      .def_readonly("body_mass", &SimulationResult::body_mass, "kg");

  py::class_<SimulateOptions> options(m, "SimulateOptions", "Options of simulate(): recruitment, differentiation and the global mechanics options.");
  python::def_fields(options, python::Access::options);
  m.def(
      "simulate",
      [](const Model& model, Data& data, const Exercise& e, const SimulateOptions& o) {
        check(model, data);
        py::gil_scoped_release release;
        return simulate(model, data, e, o);
      },
      "model"_a, "data"_a, "exercise"_a, "options"_a,
      "Inverse dynamics, contact statics and static optimisation at every frame; options (SimulateOptions, "
      "docs/exercise_file.md): recruitment, passive fibre force with its stretch limit, a co-contraction floor, "
      "supports between body parts on or off.");

  py::class_<ExerciseSummary> summary(m, "ExerciseSummary", "What one analysed leg asks over a repetition and a set.");
  python::def_fields(summary, python::Access::result);
  m.def("summarize", &summarize, "exercise"_a, "result"_a, "One ExerciseSummary per analysed leg.");
}
