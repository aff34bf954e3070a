// Python bindings of recruitment.hpp: the static-optimisation solver, one frame
// or a batch of frames (GIL released).
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>

#include "biomech/errors.hpp"
#include "biomech/recruitment.hpp"
#include "bindings.hpp"
#include "fields_binding.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

constexpr const char* kOptionsDoc = R"(
Options (keywords, RecruitmentOptions.fields()): p (activation exponent > 1; 2 default, 3 optional),
reserve_weight (w_r of the reserve cost w_r (m / m_ref)^2), reserve_reference_nm (m_ref), tolerance_nm
(on the moment equality), max_iterations (Newton iterations per frame).)";

}  // namespace

void bind_recruitment(py::module_& m) {
  using biomech::RecruitmentOptions;
  using biomech::python::from_kwargs;
  py::class_<RecruitmentOptions> options(m, "RecruitmentOptions", "Options of the static-optimisation solver.");
  biomech::python::def_fields(options, biomech::python::Access::options);

  // pybind11 keeps the pointer: the docstrings must outlive the module.
  static const std::string doc_single = (std::string(R"(Static optimisation for one frame:
minimise sum a^p + w_r sum (m/m_ref)^2 s.t. R diag(F) a + m = tau, 0 <= a <= 1.

moment_arms: (m, n) m, dofs x muscles (the transpose of Model moment-arm tables).
max_force: (n,) N, force-length-scaled maximal forces.
tau: (m,) N m, the moments the muscles must produce.)") +
       kOptionsDoc + "\nReturns a RecruitmentResult. Raises ValueError on bad input.");
  static const std::string doc_batch = (std::string(R"(Static optimisation for many frames in one call (the GIL is released).

moment_arms: (frames, n, m) m, [frame][muscle][dof] (the layout of batched moment-arm tables).
max_force: (n,), (1, n) or (frames, n) N.
tau: (frames, m) N m.)") +
       kOptionsDoc + R"(
warm_start: start each frame from the previous frame's multipliers (same optimum, fewer iterations
on smooth trajectories).
Returns a dict: activation (frames, n), reserve (frames, m) N m, iterations (frames,), converged (frames,) bool.)");

  py::class_<biomech::RecruitmentResult>(m, "RecruitmentResult",
                                         "Result of solve_recruitment for one frame (n muscles, m dofs).")
      .def_readonly("activation", &biomech::RecruitmentResult::activation, "(n,) activations, 0..1")
      .def_readonly("force", &biomech::RecruitmentResult::force, "(n,) muscle forces, N")
      .def_readonly("reserve", &biomech::RecruitmentResult::reserve,
                    "(m,) reserve moments, N m (~1e-6 when the muscles suffice)")
      .def_readonly("residual", &biomech::RecruitmentResult::residual, "(m,) tau - R F a - reserve, N m")
      .def_readonly("multiplier", &biomech::RecruitmentResult::multiplier,
                    "(m,) Lagrange multipliers: marginal cost of one more N m about each dof")
      .def_readonly("cost", &biomech::RecruitmentResult::cost)
      .def_readonly("iterations", &biomech::RecruitmentResult::iterations)
      .def_readonly("converged", &biomech::RecruitmentResult::converged)
      .def("__repr__", [](const biomech::RecruitmentResult& r) {
        return "<RecruitmentResult n=" + std::to_string(r.activation.size()) +
               " m=" + std::to_string(r.reserve.size()) + " cost=" + std::to_string(r.cost) +
               " iterations=" + std::to_string(r.iterations) +
               " converged=" + (r.converged ? "True" : "False") + ">";
      });

  m.def(
      "solve_recruitment",
      [](const Eigen::Ref<const Eigen::MatrixXd>& moment_arms, const Eigen::Ref<const Eigen::VectorXd>& max_force,
         const Eigen::Ref<const Eigen::VectorXd>& tau, const py::kwargs& kw) {
        const auto options = from_kwargs<RecruitmentOptions>(kw, "solve_recruitment");
        biomech::RecruitmentWorkspace work;
        biomech::RecruitmentResult result;
        biomech::solve_recruitment(moment_arms, max_force, tau, options, work, result);
        return result;
      },
      "moment_arms"_a, "max_force"_a, "tau"_a, doc_single.c_str());

  m.def(
      "solve_recruitment_batch",
      [](py::array_t<double, py::array::c_style | py::array::forcecast> moment_arms,
         py::array_t<double, py::array::c_style | py::array::forcecast> max_force_in,
         const Eigen::Ref<const Eigen::MatrixXd>& tau, const py::kwargs& kw) {
        const auto options = from_kwargs<RecruitmentOptions>(kw, "solve_recruitment_batch");
        if (moment_arms.ndim() != 3)
          throw biomech::InvalidArgument(
              "solve_recruitment_batch: expected moment_arms of shape (frames, muscles, dofs), got " +
              std::to_string(moment_arms.ndim()) + " dimensions");
        const auto frames = static_cast<int>(moment_arms.shape(0));
        const auto n = static_cast<int>(moment_arms.shape(1));
        const auto dofs = static_cast<int>(moment_arms.shape(2));
        // (n,) is the same forces in every frame.
        if (max_force_in.ndim() < 1 || max_force_in.ndim() > 2)
          throw biomech::InvalidArgument("solve_recruitment_batch: expected max_force of shape (n,) or (frames, n), got " +
                                         std::to_string(max_force_in.ndim()) + " dimensions");
        const Eigen::Index rows = max_force_in.ndim() == 1 ? 1 : max_force_in.shape(0);
        const Eigen::Index cols = max_force_in.ndim() == 1 ? max_force_in.shape(0) : max_force_in.shape(1);
        const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> max_force(
            max_force_in.data(), rows, cols);
        Eigen::MatrixXd activation(frames, n), reserve(frames, dofs);
        Eigen::VectorXi iterations(frames), converged(frames);
        const double* data = moment_arms.data();
        {
          py::gil_scoped_release release;
          biomech::solve_recruitment_batch(data, frames, n, dofs, max_force, tau, options, activation, reserve,
                                           iterations, converged);
        }
        py::dict out;
        out["activation"] = std::move(activation);
        out["reserve"] = std::move(reserve);
        out["iterations"] = std::move(iterations);
        out["converged"] = py::array(py::cast(converged)).attr("astype")("bool");
        return out;
      },
      "moment_arms"_a, "max_force"_a, "tau"_a, doc_batch.c_str());
}
