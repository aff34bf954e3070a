// Python bindings of analyze.hpp: the analysis of a recorded trial. The trial
// and its external loads come in as NumPy arrays (biomech.analyze reads the
// files); AnalyzeResult is read-only with NumPy float64 copies. analyze()
// releases the GIL except while it calls the progress callback.
#include <pybind11/eigen.h>
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "biomech/analyze.hpp"
#include "biomech/data.hpp"
#include "bindings.hpp"
#include "fields_binding.hpp"

namespace py = pybind11;
using namespace pybind11::literals;
using namespace biomech;

void bind_analyze(py::module_& m) {
  py::class_<AnalyzeOptions> options(m, "AnalyzeOptions", "Options of analyze(): filter, frames, muscle model, recruitment.");
  python::def_fields(options, python::Access::options);
  py::class_<HipFrame> hip(m, "HipFrame", "One hip at one frame of an analysed trial (analyze.hpp).");
  python::def_fields(hip, python::Access::result);

  py::class_<ExternalLoadSeries>(m, "ExternalLoadSeries", "One external force over time, in ground.")
      .def(py::init([](std::string name, std::string body, Eigen::VectorXd time, Eigen::MatrixXd force,
                       Eigen::MatrixXd point, Eigen::MatrixXd torque) {
             return ExternalLoadSeries{std::move(name), std::move(body), std::move(time), std::move(force),
                                       std::move(point), std::move(torque)};
           }),
           "name"_a, "body"_a, "time"_a, "force"_a, "point"_a = Eigen::MatrixXd(0, 3),
           "torque"_a = Eigen::MatrixXd(0, 3),
           "time (n,) s; force, point, torque (n, 3) in ground (N, m, N m); point/torque may be (0, 3)")
      .def_readonly("name", &ExternalLoadSeries::name)
      .def_readonly("body", &ExternalLoadSeries::body);

  py::class_<AnalyzeResult>(m, "AnalyzeResult", "Per-frame results of analyze() (read-only).")
      .def_readonly("time", &AnalyzeResult::time, "(n,) s")
      .def_readonly("coordinates", &AnalyzeResult::coordinates, "posture coordinates of the model")
      .def_readonly("posture", &AnalyzeResult::posture, "(n, nq) rad or m, filtered")
      .def_readonly("generalized_force", &AnalyzeResult::generalized_force, "(n, nq) N m or N, inverse dynamics")
      .def_readonly("muscles", &AnalyzeResult::muscles)
      .def_readonly("activation", &AnalyzeResult::activation, "(n, muscles)")
      .def_readonly("muscle_force", &AnalyzeResult::muscle_force, "(n, muscles) N")
      .def_readonly("reserve", &AnalyzeResult::reserve,
                    "(n, nq) N m or N: reserves, and on the root's coordinates the residuals")
      .def_readonly("converged", &AnalyzeResult::converged, "(n,) 0/1")
      .def_readonly("hips", &AnalyzeResult::hips, "HipFrame per frame and hip, frame-major")
      .def_readonly("body_weight_n", &AnalyzeResult::body_weight, "N")
      .def_readonly("unused_columns", &AnalyzeResult::unused_columns, "trial coordinates the model lacks")
      .def_readonly("defaulted_coordinates", &AnalyzeResult::defaulted_coordinates,
                    "model coordinates the trial lacks (held at their defaults)");

  m.def(
      "analyze",
      [](const Model& model, Data& data, const Eigen::VectorXd& time, const std::vector<std::string>& columns,
         const Eigen::MatrixXd& values, const std::vector<ExternalLoadSeries>& loads, const AnalyzeOptions& o,
         const std::function<void(int, int)>& progress) {
        check(model, data);
        const TrialKinematics k{time, columns, values};
        py::gil_scoped_release release;
        AnalyzeProgress report;
        if (progress)
          report = [&progress](int done, int total) {
            py::gil_scoped_acquire acquire;
            progress(done, total);
          };
        return analyze(model, data, k, loads, o, report);
      },
      "model"_a, "data"_a, "time"_a, "columns"_a, "values"_a, "loads"_a, "options"_a = AnalyzeOptions{},
      "progress"_a = nullptr,
      "Analyse a trial: time (n,) s, coordinate columns and values (n, columns) in rad or m, external loads.");
}
