// Python bindings of the dynamics domain: hill_muscle.hpp and pelvis_dynamics.hpp.
// The integration runs with the GIL released. SI units and radians here; the
// Python front (biomech.dynamics) takes degrees where its argument names say so.
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
  m.def("passive_force_length", &passive_force_length, "normalized_length"_a, "parameters"_a = HillParameters{},
        "Thelen 2003 passive force-length f_PE(l~).");
  m.def("force_velocity", &force_velocity, "normalized_velocity"_a, "activation"_a, "parameters"_a = HillParameters{},
        "Force-velocity multiplier f_V (velocity in optimal fibre lengths times v_max, lengthening +).");
  m.def("tendon_force_strain", &tendon_force_strain, "strain"_a, "parameters"_a = HillParameters{},
        "Thelen 2003 tendon force (normalised) at a strain.");
  m.def("activation_rate", &activation_rate, "excitation"_a, "activation"_a, "parameters"_a = HillParameters{},
        "First-order activation dynamics da/dt (1/s).");

  // ---- pelvis dynamics
  py::enum_<TendonModel>(m, "TendonModel").value("rigid", TendonModel::rigid).value("compliant", TendonModel::compliant);
  py::enum_<IntegratorMethod>(m, "IntegratorMethod")
      .value("dopri5", IntegratorMethod::dopri5)
      .value("rosenbrock4", IntegratorMethod::rosenbrock4);
  py::enum_<ControllerKind>(m, "ControllerKind")
      .value("prescribed", ControllerKind::prescribed)
      .value("feedback", ControllerKind::feedback);

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
      .def_readonly("notes", &PelvisPlant::notes)
      .def("muscle_geometry", [](const PelvisPlant& p, int i, double theta) {
        if (i < 0 || i >= p.n_muscles())
          throw InvalidArgument("muscle_geometry: expected a muscle index below " + std::to_string(p.n_muscles()) +
                                ", got " + std::to_string(i));
        double L, r;
        p.muscle_geometry(i, theta, L, r);
        return py::make_tuple(L, r);
      }, "muscle"_a, "obliquity"_a, "(length m, moment arm m about the obliquity) of plant muscle i");

  m.def("build_pelvis_plant",
        [](const Model& model, char side, const Eigen::VectorXd& posture, const std::vector<std::string>& muscles,
           double min_arm) {
          Data data(model);
          PelvisPlantOptions o;
          o.stance_side = side;
          o.posture = posture;
          o.muscles = muscles;
          o.min_abductor_moment_arm = min_arm;
          return build_pelvis_plant(model, data, o);
        },
        "model"_a, "stance_side"_a = 'r', "posture"_a = Eigen::VectorXd(), "muscles"_a = std::vector<std::string>{},
        "min_abductor_moment_arm"_a = 0.01, py::call_guard<py::gil_scoped_release>(),
        "Build the reduced model (posture: (nq,) or empty for the default; muscles: names or empty for the abductors).");

  py::class_<IntegratorOptions>(m, "IntegratorOptions")
      .def(py::init<>())
      .def_readwrite("method", &IntegratorOptions::method)
      .def_readwrite("method_from_tendon", &IntegratorOptions::method_from_tendon)
      .def_readwrite("abs_tol", &IntegratorOptions::abs_tol)
      .def_readwrite("rel_tol", &IntegratorOptions::rel_tol)
      .def_readwrite("max_step", &IntegratorOptions::max_step, "s, 0 = none")
      .def_readwrite("initial_step", &IntegratorOptions::initial_step, "s");

  py::class_<ControllerOptions>(m, "ControllerOptions")
      .def(py::init<>())
      .def_readwrite("kind", &ControllerOptions::kind)
      .def_readwrite("kp", &ControllerOptions::kp, "effort per rad")
      .def_readwrite("kd", &ControllerOptions::kd, "effort per rad/s")
      .def_readwrite("delay", &ControllerOptions::delay, "s")
      .def_readwrite("feedforward", &ControllerOptions::feedforward, "effort, < 0 = computed")
      .def_readwrite("prescribed_time", &ControllerOptions::prescribed_time, "(k,) s")
      .def_readwrite("prescribed_excitations", &ControllerOptions::prescribed_excitations, "(k, n_muscles)")
      .def_readwrite("prescribed_excitation", &ControllerOptions::prescribed_excitation)
      .def_readwrite("compensation", &ControllerOptions::compensation)
      .def_readwrite("lean_gain", &ControllerOptions::lean_gain)
      .def_readwrite("lean_max", &ControllerOptions::lean_max, "rad")
      .def_readwrite("lean_effort", &ControllerOptions::lean_effort)
      .def_readwrite("lumbar_stiffness", &ControllerOptions::lumbar_stiffness, "N m / rad")
      .def_readwrite("lumbar_damping", &ControllerOptions::lumbar_damping, "N m s / rad")
      .def_readwrite("lumbar_gravity_compensation", &ControllerOptions::lumbar_gravity_compensation);

  py::class_<Perturbation>(m, "Perturbation", "Torque pulse on the pelvis (N m, + = drop).")
      .def(py::init<>())
      .def_readwrite("torque", &Perturbation::torque, "N m")
      .def_readwrite("start", &Perturbation::start, "s")
      .def_readwrite("duration", &Perturbation::duration, "s");

  py::class_<PelvisSimulationOptions>(m, "PelvisSimulationOptions")
      .def(py::init<>())
      .def_readwrite("duration", &PelvisSimulationOptions::duration, "s")
      .def_readwrite("sample_rate", &PelvisSimulationOptions::sample_rate, "Hz")
      .def_readwrite("abductor_strength", &PelvisSimulationOptions::abductor_strength, "0..1")
      .def_readwrite("muscles_enabled", &PelvisSimulationOptions::muscles_enabled)
      .def_readwrite("lean_dof", &PelvisSimulationOptions::lean_dof)
      .def_readwrite("tendon", &PelvisSimulationOptions::tendon)
      .def_readwrite("hill", &PelvisSimulationOptions::hill)
      .def_readwrite("hip_passive", &PelvisSimulationOptions::hip_passive)
      .def_readwrite("lumbar_passive", &PelvisSimulationOptions::lumbar_passive)
      .def_readwrite("controller", &PelvisSimulationOptions::controller)
      .def_readwrite("perturbation", &PelvisSimulationOptions::perturbation)
      .def_readwrite("integrator", &PelvisSimulationOptions::integrator)
      .def_readwrite("initial_obliquity", &PelvisSimulationOptions::initial_obliquity, "rad")
      .def_readwrite("initial_obliquity_rate", &PelvisSimulationOptions::initial_obliquity_rate, "rad/s")
      .def_readwrite("initial_lean", &PelvisSimulationOptions::initial_lean, "rad")
      .def_readwrite("initial_activation", &PelvisSimulationOptions::initial_activation, "< 0: from the controller")
      .def_readwrite("drop_threshold", &PelvisSimulationOptions::drop_threshold, "rad")
      .def_readwrite("stop_at_event", &PelvisSimulationOptions::stop_at_event);

  py::class_<HipHitchOptions>(m, "HipHitchOptions")
      .def(py::init<>())
      .def_readwrite("amplitude", &HipHitchOptions::amplitude, "rad")
      .def_readwrite("period", &HipHitchOptions::period, "s")
      .def_readwrite("repetitions", &HipHitchOptions::repetitions);

  py::class_<StaticEquilibrium>(m, "StaticEquilibrium")
      .def_readonly("feasible", &StaticEquilibrium::feasible)
      .def_readonly("effort", &StaticEquilibrium::effort)
      .def_readonly("activation", &StaticEquilibrium::activation)
      .def_readonly("force", &StaticEquilibrium::force, "(n,) N")
      .def_readonly("abductor_force", &StaticEquilibrium::abductor_force, "N")
      .def_readonly("muscle_moment", &StaticEquilibrium::muscle_moment, "N m")
      .def_readonly("gravity_moment", &StaticEquilibrium::gravity_moment, "N m")
      .def_readonly("passive_moment", &StaticEquilibrium::passive_moment, "N m")
      .def_readonly("residual", &StaticEquilibrium::residual, "N m")
      .def_readonly("hip_contact_force", &StaticEquilibrium::hip_contact_force, "(3,) N");

  py::class_<PelvisSimulationResult>(m, "PelvisSimulationResult")
      .def_readonly("muscle_names", &PelvisSimulationResult::muscle_names)
      .def_readonly("time", &PelvisSimulationResult::time)
      .def_readonly("obliquity", &PelvisSimulationResult::obliquity)
      .def_readonly("obliquity_rate", &PelvisSimulationResult::obliquity_rate)
      .def_readonly("lean", &PelvisSimulationResult::lean)
      .def_readonly("lean_rate", &PelvisSimulationResult::lean_rate)
      .def_readonly("trunk_tilt", &PelvisSimulationResult::trunk_tilt)
      .def_readonly("hip_adduction", &PelvisSimulationResult::hip_adduction)
      .def_readonly("effort", &PelvisSimulationResult::effort)
      .def_readonly("excitation", &PelvisSimulationResult::excitation)
      .def_readonly("activation", &PelvisSimulationResult::activation)
      .def_readonly("force", &PelvisSimulationResult::force)
      .def_readonly("fiber_length", &PelvisSimulationResult::fiber_length)
      .def_readonly("abductor_force", &PelvisSimulationResult::abductor_force)
      .def_readonly("muscle_moment", &PelvisSimulationResult::muscle_moment)
      .def_readonly("passive_moment", &PelvisSimulationResult::passive_moment)
      .def_readonly("gravity_moment", &PelvisSimulationResult::gravity_moment)
      .def_readonly("lean_torque", &PelvisSimulationResult::lean_torque)
      .def_readonly("hip_contact_force", &PelvisSimulationResult::hip_contact_force)
      .def_readonly("hip_contact_force_bw", &PelvisSimulationResult::hip_contact_force_bw)
      .def_readonly("energy", &PelvisSimulationResult::energy)
      .def_readonly("max_drop", &PelvisSimulationResult::max_drop)
      .def_readonly("time_of_max_drop", &PelvisSimulationResult::time_of_max_drop)
      .def_readonly("steady_obliquity", &PelvisSimulationResult::steady_obliquity)
      .def_readonly("steady_abductor_force", &PelvisSimulationResult::steady_abductor_force)
      .def_readonly("final_lean", &PelvisSimulationResult::final_lean)
      .def_readonly("peak_hip_contact_force_bw", &PelvisSimulationResult::peak_hip_contact_force_bw)
      .def_readonly("trendelenburg_positive", &PelvisSimulationResult::trendelenburg_positive)
      .def_readonly("drop_threshold", &PelvisSimulationResult::drop_threshold)
      .def_readonly("event_time", &PelvisSimulationResult::event_time)
      .def_readonly("stopped_at_event", &PelvisSimulationResult::stopped_at_event)
      .def_readonly("feedforward_effort", &PelvisSimulationResult::feedforward_effort)
      .def_readonly("anticipatory_lean", &PelvisSimulationResult::anticipatory_lean)
      .def_readonly("integrator", &PelvisSimulationResult::integrator)
      .def_readonly("notes", &PelvisSimulationResult::notes)
      .def_readonly("steps", &PelvisSimulationResult::steps)
      .def_readonly("rhs_evaluations", &PelvisSimulationResult::rhs_evaluations)
      .def_readonly("body_weight", &PelvisSimulationResult::body_weight);

  m.def("simulate_pelvis", &simulate, "plant"_a, "options"_a, py::call_guard<py::gil_scoped_release>(),
        "Forward simulation of the pelvis over the stance femur (GIL released).");
  m.def("simulate_pelvis_hip_hitch", &simulate_hip_hitch, "plant"_a, "hitch"_a, "options"_a,
        py::call_guard<py::gil_scoped_release>(), "The hip hitch as a tracked motion (GIL released).");
  m.def("pelvis_static_equilibrium", &static_equilibrium, "plant"_a, "options"_a, "obliquity"_a = 0.0, "lean"_a = 0.0,
        "Static equilibrium of the plant at an obliquity and lean (rad).");
  m.def("compensating_lean", &compensating_lean, "plant"_a, "options"_a, "effort"_a,
        "Trunk lean (rad) at which the weakened abductors hold the level pelvis at this effort.");
}
