// Python bindings of sweep.hpp: one chunk of a sweep evaluated by C++ threads
// with the GIL released. biomech.sweep builds grids, populations, streaming to
// HDF5 and executors on top of this.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "biomech/errors.hpp"
#include "biomech/exercise.hpp"
#include "biomech/sweep.hpp"
#include "bindings.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

biomech::SweepSpec make_spec(const std::string& target, const std::vector<std::string>& parameters,
                             const std::map<std::string, double>& options, const std::string& side,
                             const std::optional<biomech::Subject>& base_subject,
                             const biomech::Exercise* exercise) {
  if (side != "r" && side != "l") throw biomech::InvalidArgument("sweep: expected side 'r' or 'l', got '" + side + "'");
  biomech::SweepSpec s;
  s.target = target;
  s.parameters = parameters;
  s.options = options;
  s.side = side[0];
  s.base_subject = base_subject;
  if (exercise) s.exercise = std::make_shared<const biomech::Exercise>(*exercise);
  return s;
}

}  // namespace

void bind_sweep(py::module_& m) {
  m.def("sweep_targets", &biomech::sweep_targets, "Names of the sweep targets.");
  m.def("sweep_parameter_info", [] {
    py::list out;
    for (const auto& p : biomech::sweep_parameter_info())
      out.append(py::dict("name"_a = p.name, "units"_a = p.units, "min"_a = p.min, "max"_a = p.max, "help"_a = p.help));
    return out;
  }, "Every known sweep parameter: name, units, min, max, help (posture parameters <coordinate>_deg come from the model).");
  m.def("sweep_outputs",
        [](const biomech::Model& model, const std::string& target, const std::vector<std::string>& parameters,
           const std::map<std::string, double>& options, const std::string& side,
           const std::optional<biomech::Subject>& base_subject, const biomech::Exercise* exercise) {
          std::vector<std::pair<std::string, std::string>> out;
          for (const auto& o : biomech::sweep_outputs(model, make_spec(target, parameters, options, side, base_subject, exercise)))
            out.emplace_back(o.name, o.units);
          return out;
        },
        "model"_a, "target"_a, "parameters"_a, "options"_a = std::map<std::string, double>{}, "side"_a = "r",
        "base_subject"_a = py::none(), "exercise"_a = py::none(), "[(name, units)] of the outputs the target gives for these parameters.");
  m.def("sweep_chunk",
        [](const biomech::Model& model, const std::string& target, const std::vector<std::string>& parameters,
           const py::array_t<double, py::array::c_style | py::array::forcecast>& params, int n_threads,
           const std::map<std::string, double>& options, const std::string& side,
           const std::optional<biomech::Subject>& base_subject, const biomech::Exercise* exercise) {
          const biomech::SweepSpec spec = make_spec(target, parameters, options, side, base_subject, exercise);
          if (params.ndim() != 2)
            throw biomech::InvalidArgument("sweep_chunk: expected a 2-D parameter array (n, " +
                                           std::to_string(parameters.size()) + "), got " + std::to_string(params.ndim()) + "-D");
          const auto n = params.shape(0), p = params.shape(1);
          const auto n_out = static_cast<py::ssize_t>(biomech::sweep_outputs(model, spec).size());
          py::array_t<double> out({n, n_out});
          {
            py::gil_scoped_release release;
            Eigen::Map<const biomech::RowMatrixXd> in(params.data(), n, p);
            Eigen::Map<biomech::RowMatrixXd> o(out.mutable_data(), n, n_out);
            biomech::sweep_chunk(model, spec, in, o, n_threads);
          }
          return out;
        },
        "model"_a, "target"_a, "parameters"_a, "params"_a, "n_threads"_a = 1,
        "options"_a = std::map<std::string, double>{}, "side"_a = "r", "base_subject"_a = py::none(), "exercise"_a = py::none(),
        "Evaluates `target` for every row of params (n, len(parameters)) with n_threads C++ threads\n"
        "(GIL released); returns (n, n_outputs) float64 in the order of sweep_outputs().");
}
