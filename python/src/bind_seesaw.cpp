// biomech._core: the seesaw (lever model, single-leg stance, weakness) and the Q-angle.
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "biomech/q_angle.hpp"
#include "biomech/seesaw.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

py::dict stance_dict(const biomech::StanceResult& r) {
  py::dict d;
  d["posture"] = r.posture;
  d["body_weight_n"] = r.body_weight_n;
  d["superincumbent_weight_n"] = r.superincumbent_weight_n;
  d["load_weight_n"] = r.load_weight_n;
  d["hip_moment"] = Eigen::Vector3d(r.hip_moment);
  d["abductor_moment_nm"] = r.abductor_moment_nm;
  d["abductor_force_n"] = r.abductor_force_n;
  d["abductor_force_bw"] = r.abductor_force_bw;
  d["abductor_lever_m"] = r.abductor_lever_m;
  d["body_weight_lever_m"] = r.body_weight_lever_m;
  d["hip_contact_force"] = Eigen::Vector3d(r.hip_contact_force);
  d["hip_contact_force_pelvis"] = Eigen::Vector3d(r.hip_contact_force_pelvis);
  d["hip_contact_force_femur"] = Eigen::Vector3d(r.hip_contact_force_femur);
  d["hip_contact_force_bw"] = r.hip_contact_force_bw;
  d["contact_angle"] = r.contact_angle;
  d["reserve"] = Eigen::Vector3d(r.reserve);
  d["reserve_torque_nm"] = r.reserve_torque_nm;
  d["feasible"] = r.feasible;
  d["equilibrium_residual_nm"] = r.equilibrium_residual_nm;
  d["muscle_names"] = r.muscle_names;
  d["muscle_groups"] = r.muscle_groups;
  d["muscle_force"] = r.muscle_force;
  d["muscle_activation"] = r.muscle_activation;
  d["muscle_max_force"] = r.muscle_max_force;
  d["muscle_moment_arm"] = r.muscle_moment_arm;
  d["is_abductor"] = r.is_abductor;
  d["hip_centre"] = Eigen::Vector3d(r.hip_centre);
  d["superincumbent_com"] = Eigen::Vector3d(r.superincumbent_com);
  return d;
}

}  // namespace

void bind_seesaw(py::module_& m) {
  using namespace biomech;
  py::class_<StanceOptions>(m, "StanceOptions", "Options of single_leg_stance (SI units, radians; see seesaw.hpp).")
      .def(py::init<>())
      .def_readwrite("stance_side", &StanceOptions::stance_side)
      .def_readwrite("trunk_lean", &StanceOptions::trunk_lean)
      .def_readwrite("trunk_sagittal_offset", &StanceOptions::trunk_sagittal_offset)
      .def_readwrite("pelvic_obliquity", &StanceOptions::pelvic_obliquity)
      .def_readwrite("stance_hip_adduction", &StanceOptions::stance_hip_adduction)
      .def_readwrite("stance_hip_flexion", &StanceOptions::stance_hip_flexion)
      .def_readwrite("stance_hip_rotation", &StanceOptions::stance_hip_rotation)
      .def_readwrite("swing_hip_flexion", &StanceOptions::swing_hip_flexion)
      .def_readwrite("swing_hip_adduction", &StanceOptions::swing_hip_adduction)
      .def_readwrite("swing_knee_flexion", &StanceOptions::swing_knee_flexion)
      .def_readwrite("hand_load_contralateral", &StanceOptions::hand_load_contralateral)
      .def_readwrite("hand_load_ipsilateral", &StanceOptions::hand_load_ipsilateral)
      .def_readwrite("hand_lateral_distance", &StanceOptions::hand_lateral_distance)
      .def_readwrite("cane_force", &StanceOptions::cane_force)
      .def_readwrite("cane_contralateral", &StanceOptions::cane_contralateral)
      .def_readwrite("cane_lateral_distance", &StanceOptions::cane_lateral_distance)
      .def_readwrite("belt_load", &StanceOptions::belt_load)
      .def_readwrite("backpack_load", &StanceOptions::backpack_load)
      .def_readwrite("backpack_offset", &StanceOptions::backpack_offset)
      .def_readwrite("abductor_strength_scale", &StanceOptions::abductor_strength_scale);

  m.def(
      "lever_model",
      [](double partial_weight, double body_weight, double body_weight_lever, double abductor_lever, double abductor_angle) {
        LeverInput in{partial_weight, body_weight, body_weight_lever, abductor_lever, abductor_angle};
        const LeverResult r = lever_model(in);
        py::dict d;
        d["abductor_force_n"] = r.abductor_force;
        d["abductor_force_bw"] = r.abductor_force_bw;
        d["hip_contact_force"] = Eigen::Vector3d(r.contact_force);
        d["hip_contact_force_bw"] = r.contact_force_bw;
        d["contact_angle"] = r.contact_angle;
        d["body_weight_n"] = r.body_weight;
        return d;
      },
      "partial_weight"_a, "body_weight"_a, "body_weight_lever"_a, "abductor_lever"_a, "abductor_angle"_a,
      "Textbook lever (N, m, rad). Returns a dict; the contact force is on the femoral head, z lateral.");
  m.def(
      "single_leg_stance",
      [](const Model& model, const StanceOptions& o) {
        StanceResult r;
        {
          py::gil_scoped_release release;
          r = single_leg_stance(model, o);
        }
        return stance_dict(r);
      },
      "model"_a, "options"_a, "Single-leg stance on a model (seesaw.hpp); returns a dict of results.");
  m.def(
      "abductor_weakness",
      [](const Model& model, double scale, const StanceOptions& o, double max_lean, double max_drop) {
        WeaknessResult w;
        {
          py::gil_scoped_release release;
          w = abductor_weakness(model, scale, o, max_lean, max_drop);
        }
        py::dict d;
        d["strength_scale"] = w.strength_scale;
        d["level_feasible"] = w.level_feasible;
        d["level_reserve_nm"] = w.level_reserve_nm;
        d["compensating_trunk_lean"] = w.compensating_trunk_lean;
        d["pelvic_drop"] = w.pelvic_drop;
        d["passive_model"] = w.passive_model;
        return d;
      },
      "model"_a, "strength_scale"_a, "options"_a, "max_lean"_a, "max_drop"_a,
      "Is level stance feasible at this abductor strength; else the trunk lean or pelvic drop (rad, NaN if none).");
  m.def(
      "q_angle",
      [](const Model& model, const Eigen::VectorXd& q, char side, bool weight_bearing, double quadriceps_force) {
        QAngleOptions o;
        o.weight_bearing = weight_bearing;
        o.quadriceps_force = quadriceps_force;
        const QAngleResult r = q_angle(model, q, side, o);
        py::dict d;
        d["q_angle"] = r.q_angle;
        d["knee_fppa"] = r.knee_fppa;
        d["lateral_pull_n"] = r.lateral_pull_n;
        d["patella_force"] = Eigen::Vector3d(r.patella_force);
        for (auto [k, v] : {std::pair{"asis", r.asis}, {"patella", r.patella}, {"tuberosity", r.tuberosity},
                            {"hip", r.hip}, {"knee", r.knee}, {"ankle", r.ankle}})
          d[k] = Eigen::Vector3d(v);
        return d;
      },
      "model"_a, "posture"_a, "side"_a, "weight_bearing"_a = true, "quadriceps_force"_a = 0.0,
      "Q-angle and knee frontal-plane projection angle (rad) of one side at a posture (q_angle.hpp).");
  m.def("standing_posture", &standing_posture, "model"_a, "The posture of the static Q-angle: all angles zero.");
}
