// biomech._core: the seesaw (lever model, single-leg stance, weakness) and the Q-angle.
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "fields_binding.hpp"
#include "biomech/data.hpp"
#include "biomech/q_angle.hpp"
#include "biomech/seesaw.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

void bind_seesaw(py::module_& m) {
  using namespace biomech;
  using python::Access;
  using python::def_fields;

  py::class_<LeverInput> lever_in(m, "LeverInput", "Inputs of the textbook lever (seesaw.hpp).");
  def_fields(lever_in, Access::options);
  py::class_<LeverResult> lever_out(m, "LeverResult", "The textbook lever: abductor and hip contact force.");
  def_fields(lever_out, Access::result);
  py::class_<StanceOptions> options(m, "StanceOptions", "Options of single_leg_stance (seesaw.hpp).");
  def_fields(options, Access::options);
  py::class_<StanceResult> result(m, "StanceResult", "Single-leg stance on a model (seesaw.hpp).");
  def_fields(result, Access::result);
  py::class_<WeaknessResult> weakness(m, "WeaknessResult", "Level stance, trunk lean or pelvic drop at an abductor strength.");
  def_fields(weakness, Access::result);

  m.def("lever_model", &lever_model, "input"_a, "Pauwels' lever: F_a = W_p d_w / d_a, contact force = W_p + F_a.");
  m.def(
      "single_leg_stance",
      [](const Model& model, Data& data, const StanceOptions& o) {
        check(model, data);
        py::gil_scoped_release release;
        return single_leg_stance(model, data, o);
      },
      "model"_a, "data"_a, "options"_a, "Single-leg stance on a model (seesaw.hpp).");
  m.def(
      "abductor_weakness",
      [](const Model& model, Data& data, double scale, const StanceOptions& o, double max_lean, double max_drop) {
        check(model, data);
        py::gil_scoped_release release;
        return abductor_weakness(model, data, scale, o, max_lean, max_drop);
      },
      "model"_a, "data"_a, "strength_scale"_a, "options"_a, "max_lean"_a, "max_drop"_a,
      "Is level stance feasible at this abductor strength; else the trunk lean or pelvic drop (rad, NaN if none).");
  py::class_<QAngleOptions> qa_options(m, "QAngleOptions", "Options of q_angle (q_angle.hpp).");
  def_fields(qa_options, Access::options);
  py::class_<QAngleResult> qa_result(m, "QAngleResult", "Q-angle and knee frontal-plane projection angle.");
  def_fields(qa_result, Access::result);
  m.def(
      "q_angle",
      [](const Model& model, Data& data, const Eigen::VectorXd& q, const QAngleOptions& o) {
        check(model, data);
        return q_angle(model, data, q, o);
      },
      "model"_a, "data"_a, "posture"_a, "options"_a,
      "Q-angle and knee frontal-plane projection angle of one side at a posture (q_angle.hpp).");
  m.def("standing_posture", &standing_posture, "model"_a, "The posture of the static Q-angle: all angles zero.");
}
