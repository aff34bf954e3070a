// Python bindings of the dynamics domain: hill_muscle.hpp and pelvis_dynamics.hpp.
// The integration runs with the GIL released. Options and results through their
// field tables (public names with units).
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "biomech/data.hpp"
#include "biomech/errors.hpp"
#include "biomech/hill_muscle.hpp"
#include "biomech/model.hpp"
#include "biomech/pelvis_dynamics.hpp"
#include "bindings.hpp"
#include "fields_binding.hpp"

namespace py = pybind11;
using namespace pybind11::literals;
using namespace biomech;

void bind_dynamics(py::module_& m) {
  // ---- Hill muscle
  py::class_<HillParameters>(m, "HillParameters",
                             "Hill-type muscle curve parameters (dimensionless) and activation time constants (s); "
                             "defaults: Thelen 2003 curves with the gait2392 file's values (see hill_muscle.hpp).")
      .def(py::init<>())
      .def_readwrite("active_shape", &HillParameters::active_shape)
      .def_readwrite("passive_shape", &HillParameters::passive_shape)
      .def_readwrite("passive_strain", &HillParameters::passive_strain)
      .def_readwrite("fv_shape", &HillParameters::fv_shape)
      .def_readwrite("fv_max_lengthening", &HillParameters::fv_max_lengthening)
      .def_readwrite("max_contraction_velocity", &HillParameters::max_contraction_velocity, "optimal fibre lengths / s")
      .def_readwrite("tendon_strain_at_max_force", &HillParameters::tendon_strain_at_max_force)
      .def_readwrite("tendon_toe_shape", &HillParameters::tendon_toe_shape)
      .def_readwrite("tendon_toe_force", &HillParameters::tendon_toe_force)
      .def_readwrite("fiber_damping", &HillParameters::fiber_damping)
      .def_readwrite("activation_time", &HillParameters::activation_time, "s")
      .def_readwrite("deactivation_time", &HillParameters::deactivation_time, "s")
      .def_readwrite("max_pennation", &HillParameters::max_pennation, "rad");

  // (the active force-length curve is strength's biomech._core.active_force_length)
  m.def("passive_force_length", py::overload_cast<double, const HillParameters&>(&passive_force_length),
        "normalized_length"_a, "parameters"_a = HillParameters{}, "Thelen 2003 passive force-length f_PE(l~).");
  m.def("force_velocity", py::overload_cast<double, double, const HillParameters&>(&force_velocity),
        "normalized_velocity"_a, "activation"_a, "parameters"_a = HillParameters{},
        "Force-velocity multiplier f_V (velocity in optimal fibre lengths times v_max, lengthening +).");
  m.def("tendon_force_strain", &tendon_force_strain, "strain"_a, "parameters"_a = HillParameters{},
        "Thelen 2003 tendon force (normalised) at a strain.");
  m.def("activation_rate", &activation_rate, "excitation"_a, "activation"_a, "parameters"_a = HillParameters{},
        "First-order activation dynamics da/dt (1/s).");

  // ---- pelvis dynamics
  py::class_<PassiveJointMoment>(m, "PassiveJointMoment",
                                 "M = k1 exp(k2 (q - q1)) + k3 exp(k4 (q - q2)) - damping qdot (N m, rad).")
      .def(py::init<>())
      .def_readwrite("k1", &PassiveJointMoment::k1)
      .def_readwrite("k2", &PassiveJointMoment::k2)
      .def_readwrite("k3", &PassiveJointMoment::k3)
      .def_readwrite("k4", &PassiveJointMoment::k4)
      .def_readwrite("q1", &PassiveJointMoment::q1)
      .def_readwrite("q2", &PassiveJointMoment::q2)
      .def_readwrite("damping", &PassiveJointMoment::damping)
      .def("moment", &PassiveJointMoment::moment, "q"_a, "qdot"_a)
      .def_static("hip_adduction", &PassiveJointMoment::hip_adduction)
      .def_static("lumbar_bending", &PassiveJointMoment::lumbar_bending)
      .def_static("none", &PassiveJointMoment::none);

  py::class_<PelvisPlant>(m, "PelvisPlant", "Reduced frontal-plane model of the pelvis over the stance femur.")
      .def_readonly("stance_side", &PelvisPlant::stance_side)
      .def_readonly("posture", &PelvisPlant::posture, "(nq,) stance posture")
      .def_readonly("body_weight", &PelvisPlant::body_weight, "N")
      .def_readonly("axis", &PelvisPlant::axis, "(3,) obliquity axis in ground")
      .def_readonly("hip_center", &PelvisPlant::hip_center, "(3,) m")
      .def_readonly("lumbar_center", &PelvisPlant::lumbar_center, "(3,) m")
      .def_readonly("has_trunk", &PelvisPlant::has_trunk)
      .def_readonly("mass_pelvis", &PelvisPlant::mass_pelvis, "kg, pelvis and swing leg")
      .def_readonly("mass_trunk", &PelvisPlant::mass_trunk, "kg")
      .def_readonly("com_pelvis", &PelvisPlant::com_pelvis, "(3,) m")
      .def_readonly("com_trunk", &PelvisPlant::com_trunk, "(3,) m")
      .def_readonly("inertia_pelvis_hip", &PelvisPlant::inertia_pelvis_hip, "kg m^2")
      .def_readonly("inertia_trunk_com", &PelvisPlant::inertia_trunk_com, "kg m^2")
      .def_readonly("muscle_names", &PelvisPlant::muscle_names)
      .def_readonly("weakened", &PelvisPlant::weakened, "per muscle: abductor_strength weakens it")
      .def_readonly("notes", &PelvisPlant::notes)
      .def_readonly("hip_adduction0", &PelvisPlant::hip_adduction0, "rad, the stance-hip adduction at zero obliquity")
      .def_property_readonly(
          "hip_passive", [](const PelvisPlant& p) { return p.hip_tissue.moment; },
          "PassiveJointMoment of the stance hip's tissue other than the plant muscles' fibres, about the hip "
          "adduction coordinate (hip adduction = hip_adduction0 + obliquity)")
      .def("muscle_geometry", [](const PelvisPlant& p, int i, double theta) {
        if (i < 0 || i >= p.n_muscles())
          throw InvalidArgument("muscle_geometry: expected a muscle index below " + std::to_string(p.n_muscles()) +
                                ", got " + std::to_string(i));
        double L, r;
        p.muscle_geometry(i, theta, L, r);
        return py::make_tuple(L, r);
      }, "muscle"_a, "obliquity"_a, "(length m, moment arm m about the obliquity) of plant muscle i");

  m.def("build_pelvis_plant",
        [](const Model& model, Data& data, const std::string& side, const Eigen::VectorXd& posture,
           const std::vector<std::string>& muscles, double min_arm, bool other_abductors) {
          check(model, data);
          PelvisPlantOptions o;
          o.stance_side = python::side_of(side);
          o.posture = posture;
          o.muscles = muscles;
          o.min_abductor_moment_arm = min_arm;
          o.other_abductors = other_abductors;
          py::gil_scoped_release release;
          return build_pelvis_plant(model, data, o);
        },
        "model"_a, "data"_a, "stance_side"_a = "r", "posture"_a = Eigen::VectorXd(),
        "muscles"_a = std::vector<std::string>{}, "min_abductor_moment_arm"_a = 0.01, "other_abductors"_a = false,
        "Build the reduced model (posture: (nq,) or empty for the default; muscles: names or empty for the abductors; "
        "other_abductors: also the hip's other abducting muscles, which abductor_strength does not weaken).");

  py::class_<PelvisSimulationOptions> options(m, "PelvisSimulationOptions",
                                              "Options of the pelvis simulation (pelvis_simulation.hpp).");
  python::def_fields(options, python::Access::options);
  py::class_<HipHitchOptions> hitch(m, "HipHitchOptions", "The hip hitch motion (pelvis_simulation.hpp).");
  python::def_fields(hitch, python::Access::options);
  py::class_<PelvisSimulationResult> result(m, "PelvisSimulationResult",
                                            "A pelvis simulation: per-sample series and the summary.");
  python::def_fields(result, python::Access::result);

  py::class_<StaticEquilibrium> statics(m, "StaticEquilibrium", "Static equilibrium of the pelvis plant.");
  python::def_fields(statics, python::Access::result);

  m.def("simulate_pelvis", &simulate, "plant"_a, "options"_a, py::call_guard<py::gil_scoped_release>(),
        "Forward simulation of the pelvis over the stance femur (GIL released).");
  m.def("simulate_pelvis_hip_hitch", &simulate_hip_hitch, "plant"_a, "hitch"_a, "options"_a,
        py::call_guard<py::gil_scoped_release>(), "The hip hitch as a tracked motion (GIL released).");
  m.def("pelvis_static_equilibrium", &static_equilibrium, "plant"_a, "options"_a, "obliquity"_a = 0.0, "lean"_a = 0.0,
        "Static equilibrium of the plant at an obliquity and lean (rad).");
  m.def("compensating_lean", &compensating_lean, "plant"_a, "options"_a, "effort"_a,
        "Trunk lean (rad) at which the weakened abductors hold the level pelvis at this effort.");
}
