// Python bindings of strength.hpp: force-length scaling, the abduction strength
// curve, the MVIC reference, the weakness table, postures and stretch lengths.
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>

#include "biomech/data.hpp"
#include "biomech/errors.hpp"
#include "biomech/strength.hpp"
#include "biomech/strength_io.hpp"  // load_postures
#include "bindings.hpp"
#include "fields_binding.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

using biomech::python::side_of;

}  // namespace

void bind_strength(py::module_& m) {
  using namespace biomech;

  m.attr("THELEN_FORCE_LENGTH_GAMMA") = kThelenForceLengthGamma;
  // the one-argument curve (hill_muscle.hpp overloads it with parameters; both are visible in a unity build)
  m.def("active_force_length", py::vectorize(static_cast<double (*)(double)>(&active_force_length)),
        "normalized_fiber_length"_a,
        "Thelen (2003) active force-length factor exp(-(l - 1)^2 / 0.45) of a normalised fibre length "
        "(scalar or array).");

  py::class_<FiberState>(m, "FiberState", "Fibre state of a muscle (rigid tendon, constant-height pennation).")
      .def_readonly("length", &FiberState::length, "m")
      .def_readonly("normalized_length", &FiberState::normalized_length, "l / l_opt")
      .def_readonly("cos_pennation", &FiberState::cos_pennation)
      .def_readonly("force_length", &FiberState::force_length, "f_L")
      .def_readonly("max_force", &FiberState::max_force, "N, F_max f_L cos(alpha) along the tendon");
  m.def("fiber_state", &fiber_state, "muscle"_a, "muscle_tendon_length"_a,
        "Fibre state of a Muscle at a muscle-tendon length (m).");
  m.def("effective_max_force", &effective_max_force, "model"_a, "data"_a,
        "(n_muscles,) N: maximal isometric force along each tendon at the posture of the last "
        "compute_muscle_paths (force-length and pennation scaled).");
  m.def("normalized_fiber_length", &normalized_fiber_length, "model"_a, "data"_a,
        "(n_muscles,) fibre length / optimal fibre length at the posture of the last compute_muscle_paths.");
  m.def(
      "hip_posture",
      [](const Model& model, const std::string& side, double flexion, double adduction, double rotation,
         double knee_flexion) { return hip_posture(model, side_of(side), flexion, adduction, rotation, knee_flexion); },
      "model"_a, "side"_a, "hip_flexion"_a, "hip_adduction"_a, "hip_rotation"_a, "knee_flexion"_a = 0.0,
      "(nq,) the default posture with one hip and its knee set (rad; knee flexion positive).");

  py::class_<StrengthCurve>(m, "StrengthCurve", "Maximal hip abduction torque over abduction angle.")
      .def_property_readonly("side", [](const StrengthCurve& c) { return std::string(1, c.side); })
      .def_readonly("angular_velocity", &StrengthCurve::angular_velocity, "rad/s, 0 = isometric")
      .def_readonly("body_mass", &StrengthCurve::body_mass, "kg")
      .def_readonly("abduction_angle", &StrengthCurve::abduction_angle, "(k,) rad")
      .def_readonly("torque", &StrengthCurve::torque, "(k,) N m")
      .def_readonly("torque_per_kg", &StrengthCurve::torque_per_kg, "(k,) N m/kg")
      .def_readonly("muscle_torque", &StrengthCurve::muscle_torque, "(k, n_muscles) N m")
      .def_readonly("peak_angle", &StrengthCurve::peak_angle, "rad")
      .def_readonly("peak_torque", &StrengthCurve::peak_torque, "N m")
      .def_readonly("peak_torque_per_kg", &StrengthCurve::peak_torque_per_kg, "N m/kg");
  m.def(
      "strength_curve",
      [](const Model& model, Data& data, const std::string& side, double lo, double hi, int samples,
         double velocity) {
        check(model, data);
        return strength_curve(model, data, side_of(side), lo, hi, samples, velocity);
      },
      "model"_a, "data"_a, "side"_a = "r", "min_abduction_deg"_a = -10.0, "max_abduction_deg"_a = 40.0, "samples"_a = 51,
      "velocity_deg_per_s"_a = 0.0,
      "Maximal abduction torque (all abductors of `side` fully active), standing, from "
      "min_abduction_deg (negative = adduction) to max_abduction_deg; isometric, or concentric at "
      "velocity_deg_per_s (Thelen 2003 force-velocity).");
  m.def(
      "max_isometric_moment",
      [](const Model& model, Data& data, const std::string& side, const Eigen::Ref<const Eigen::VectorXd>& posture,
         const std::string& coordinate, double direction) {
        check(model, data);
        return max_isometric_moment(model, data, side_of(side), posture, coordinate, direction);
      },
      "model"_a, "data"_a, "side"_a, "posture"_a, "coordinate"_a, "direction"_a,
      "N m: every muscle of `side` whose moment arm about `coordinate` has the sign of `direction` (+1/-1) "
      "fully active at `posture`.");

  py::class_<MvicReference>(m, "MvicReference", "The model's MVIC test for hip abduction (docs/emg_estimate.md).")
      .def_property_readonly("side", [](const MvicReference& r) { return std::string(1, r.side); })
      .def_readonly("abduction_angle", &MvicReference::abduction_angle, "rad")
      .def_readonly("posture", &MvicReference::posture, "(nq,)")
      .def_readonly("activation", &MvicReference::activation, "(n_muscles,) 1 for the abductors, else 0")
      .def_readonly("force", &MvicReference::force, "(n_muscles,) N")
      .def_readonly("torque", &MvicReference::torque, "N m");
  m.def(
      "mvic_test",
      [](const Model& model, Data& data, const std::string& side) {
        check(model, data);
        return mvic_test(model, data, side_of(side));
      },
      "model"_a, "data"_a, "side"_a = "r", "The MVIC reference: maximal abduction at the strength curve's peak angle.");
  m.def("percent_mvic", &percent_mvic, "mvic"_a, "activation"_a,
        "(n_muscles,) 100 a / a_mvic; NaN for muscles not in the test.");
  m.def("group_percent_mvic", &group_percent_mvic, "model"_a, "mvic"_a, "activation"_a, "group"_a,
        "segment"_a = std::string(), "%MVIC of a muscle group (max-force weighted mean activation).");

  py::class_<WeaknessTable>(m, "WeaknessTable", "Group shares of a hip moment as one group weakens.")
      .def_property_readonly("side", [](const WeaknessTable& t) { return std::string(1, t.side); })
      .def_readonly("weakened_group", &WeaknessTable::weakened_group)
      .def_readonly("strength", &WeaknessTable::strength, "(levels,)")
      .def_readonly("groups", &WeaknessTable::groups)
      .def_readonly("moment_share", &WeaknessTable::moment_share, "(levels, groups)")
      .def_readonly("mean_activation", &WeaknessTable::mean_activation, "(levels, groups)")
      .def_readonly("reserve", &WeaknessTable::reserve, "(levels, 3) N m")
      .def_readonly("reserve_share", &WeaknessTable::reserve_share, "(levels,)")
      .def_readonly("activation", &WeaknessTable::activation, "(levels, n_muscles)");
  m.def(
      "weakness_table",
      [](const Model& model, Data& data, const std::string& side, const Eigen::Ref<const Eigen::VectorXd>& posture,
         const Eigen::Ref<const Eigen::VectorXd>& hip_moments, const std::vector<double>& levels,
         const std::string& group, double p, double reserve_weight) {
        RecruitmentOptions o;
        o.p = p;
        o.reserve_weight = reserve_weight;
        check(model, data);
        return weakness_table(model, data, side_of(side), posture, hip_moments, levels, group, o);
      },
      "model"_a, "data"_a, "side"_a, "posture"_a, "hip_moments"_a,
      "strength_levels"_a = std::vector<double>{1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3},
      "weakened_group"_a = "gluteus_medius", "p"_a = 2.0, "reserve_weight"_a = 1e4,
      "Static optimisation of one hip at `posture` (nq,) for `hip_moments` (flexion, adduction, rotation; "
      "N m) with the weakened group's strength scaled by each level.");

  py::class_<Posture>(m, "Posture", "A static hip (and knee) posture from the postures file (radians).")
      .def(py::init([](std::string name, double flexion, double adduction, double rotation, double knee,
                       std::string kind, std::string description, std::string source) {
             Posture p;
             p.name = std::move(name);
             p.hip_flexion = flexion;
             p.hip_adduction = adduction;
             p.hip_rotation = rotation;
             p.knee_flexion = knee;
             p.kind = std::move(kind);
             p.description = std::move(description);
             p.source = std::move(source);
             return p;
           }),
           "name"_a, "hip_flexion"_a = 0.0, "hip_adduction"_a = 0.0, "hip_rotation"_a = 0.0, "knee_flexion"_a = 0.0,
           "kind"_a = "stretch", "description"_a = "", "source"_a = "")
      .def_readwrite("name", &Posture::name)
      .def_readwrite("kind", &Posture::kind)
      .def_readwrite("description", &Posture::description)
      .def_readwrite("source", &Posture::source)
      .def_readwrite("hip_flexion", &Posture::hip_flexion, "rad")
      .def_readwrite("hip_adduction", &Posture::hip_adduction, "rad")
      .def_readwrite("hip_rotation", &Posture::hip_rotation, "rad, internal +")
      .def_readwrite("knee_flexion", &Posture::knee_flexion, "rad, flexion +")
      .def_readwrite("inferred", &Posture::inferred, "angle fields inferred from the text")
      .def("__repr__", [](const Posture& p) { return "<biomech.Posture " + p.name + ">"; });
  m.def("load_postures", &load_postures, "path"_a, "Read a postures file (models/postures.yaml schema).");
  m.def("default_postures_path", &default_postures_path, "postures.yaml beside the default model file.");

  py::class_<StretchTable>(m, "StretchTable", "Muscle lengths of one group in postures, ranked.")
      .def_property_readonly("side", [](const StretchTable& t) { return std::string(1, t.side); })
      .def_readonly("postures", &StretchTable::postures)
      .def_readonly("muscles", &StretchTable::muscles)
      .def_readonly("segments", &StretchTable::segments)
      .def_readonly("length", &StretchTable::length, "(postures, muscles) m")
      .def_readonly("length_ratio", &StretchTable::length_ratio, "(postures, muscles) L / L_neutral")
      .def_readonly("fiber_length", &StretchTable::fiber_length, "(postures, muscles) l / l_opt")
      .def_readonly("mean_change", &StretchTable::mean_change, "(postures,) mean L / L_neutral - 1")
      .def_readonly("neutral_length", &StretchTable::neutral_length, "(muscles,) m");
  m.def(
      "stretch_table",
      [](const Model& model, Data& data, const std::vector<Posture>& postures, const std::string& side,
         const std::string& group) {
        check(model, data);
        return stretch_table(model, data, postures, side_of(side), group);
      },
      "model"_a, "data"_a, "postures"_a, "side"_a = "r", "group"_a = "gluteus_medius",
      "Lengths of a muscle group in each posture relative to neutral standing, ranked longest first.");
}
