// Python bindings of hdf5_results.hpp: the HDF5 results writer of the C++ core.
// Big arrays are written with the GIL released. biomech.results builds the
// documented file layout (docs/results_file.md) on top of this.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "biomech/errors.hpp"
#include "biomech/hdf5_results.hpp"
#include "bindings.hpp"

namespace py = pybind11;
using namespace pybind11::literals;
using biomech::DatasetOptions;
using biomech::ResultsWriter;

namespace {

using F64 = py::array_t<double, py::array::c_style | py::array::forcecast>;
using I64 = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

DatasetOptions options_of(const ResultsWriter& w, std::optional<int> compression, std::optional<std::int64_t> chunk_rows,
                          const DatasetOptions& defaults) {
  (void)w;
  DatasetOptions o = defaults;
  if (compression) o.compression = *compression;
  if (chunk_rows) o.chunk_rows = *chunk_rows;
  if (o.compression < 0 || o.compression > 9)
    throw biomech::InvalidArgument("expected compression 0..9, got " + std::to_string(o.compression));
  if (o.chunk_rows < 0) throw biomech::InvalidArgument("expected chunk_rows >= 0, got " + std::to_string(o.chunk_rows));
  return o;
}

// Shape (rows, cols) of a 1-D (cols 0) or 2-D array.
std::pair<std::size_t, std::size_t> shape_of(const py::array& a, const std::string& name) {
  if (a.ndim() == 1) return {static_cast<std::size_t>(a.shape(0)), 0};
  if (a.ndim() == 2) {
    if (a.shape(1) == 0)
      throw biomech::InvalidArgument("expected a 2-D array with at least one column for '" + name + "', got 0 columns");
    return {static_cast<std::size_t>(a.shape(0)), static_cast<std::size_t>(a.shape(1))};
  }
  throw biomech::InvalidArgument("expected a 1-D or 2-D array for '" + name + "', got " + std::to_string(a.ndim()) + "-D");
}

struct PyWriter {
  std::unique_ptr<ResultsWriter> w;
  DatasetOptions defaults;
  ResultsWriter& get() {
    if (!w) throw biomech::InvalidArgument("expected an open results writer, got a closed one");
    return *w;
  }
};

}  // namespace

void bind_hdf5(py::module_& m) {
  m.attr("RESULTS_FORMAT") = biomech::kResultsFormat;
  m.attr("RESULTS_FORMAT_VERSION") = biomech::kResultsFormatVersion;

  py::class_<PyWriter>(m, "ResultsWriter",
                       "Writes one HDF5 results file atomically: everything goes to a temporary file in the\n"
                       "target's directory, and commit() renames it over `path`. Leaving a `with` block\n"
                       "commits; an exception (or abort()) deletes the temporary file and keeps the old one.")
      .def(py::init([](const std::string& path, int compression, std::int64_t chunk_rows) {
             DatasetOptions o;
             o.compression = compression;
             o.chunk_rows = chunk_rows;
             auto p = std::make_unique<PyWriter>();
             p->defaults = o;
             p->w = std::make_unique<ResultsWriter>(path, o);
             return p;
           }),
           "path"_a, "compression"_a = 0, "chunk_rows"_a = 0,
           "compression: gzip level 0-9 (0 none) for numeric datasets; chunk_rows: rows per chunk (0 automatic)")
      .def_property_readonly("path", [](PyWriter& p) { return p.get().path(); })
      .def_property_readonly("temporary_path", [](PyWriter& p) { return p.get().temporary_path(); })
      .def("create_group", [](PyWriter& p, const std::string& g) { p.get().create_group(g); }, "group"_a)
      .def("exists", [](PyWriter& p, const std::string& o) { return p.get().exists(o); }, "path"_a)
      .def("set_attribute", [](PyWriter& p, const std::string& o, const std::string& n, const std::string& v) {
             p.get().set_attribute(o, n, v);
           }, "object"_a, "name"_a, "value"_a)
      .def("set_attribute", [](PyWriter& p, const std::string& o, const std::string& n, bool v) {
             p.get().set_attribute(o, n, static_cast<std::int64_t>(v));
           }, "object"_a, "name"_a, "value"_a)
      .def("set_attribute", [](PyWriter& p, const std::string& o, const std::string& n, std::int64_t v) {
             p.get().set_attribute(o, n, v);
           }, "object"_a, "name"_a, "value"_a)
      .def("set_attribute", [](PyWriter& p, const std::string& o, const std::string& n, double v) {
             p.get().set_attribute(o, n, v);
           }, "object"_a, "name"_a, "value"_a)
      .def("set_attribute", [](PyWriter& p, const std::string& o, const std::string& n, const std::vector<std::string>& v) {
             p.get().set_attribute(o, n, v);
           }, "object"_a, "name"_a, "value"_a)
      .def("set_attribute", [](PyWriter& p, const std::string& o, const std::string& n, const std::vector<double>& v) {
             p.get().set_attribute(o, n, v);
           }, "object"_a, "name"_a, "value"_a,
           "Attribute on a group or dataset: str, bool (as int64), int, float, list of str or list of float.")
      .def("write", [](PyWriter& p, const std::string& name, const py::array& data, const std::string& units,
                      std::optional<int> compression, std::optional<std::int64_t> chunk_rows) {
             ResultsWriter& w = p.get();
             const DatasetOptions o = options_of(w, compression, chunk_rows, p.defaults);
             const auto [rows, cols] = shape_of(data, name);
             if (py::isinstance<py::array_t<std::int64_t>>(data) || py::isinstance<py::array_t<std::int32_t>>(data) ||
                 py::isinstance<py::array_t<bool>>(data)) {
               I64 a = I64::ensure(data);
               py::gil_scoped_release release;
               w.write(name, a.data(), rows, cols, units, &o);
             } else {
               F64 a = F64::ensure(data);
               if (!a) throw biomech::InvalidArgument("expected a numeric array for '" + name + "'");
               py::gil_scoped_release release;
               w.write(name, a.data(), rows, cols, units, &o);
             }
           },
           "name"_a, "data"_a, "units"_a, "compression"_a = py::none(), "chunk_rows"_a = py::none(),
           "A 1-D (n,) or 2-D (n, m) dataset, float64 (integer and bool arrays as int64), with its `units`\n"
           "attribute. Written with the GIL released.")
      .def("write_strings", [](PyWriter& p, const std::string& name, const std::vector<std::string>& values) {
             ResultsWriter& w = p.get();
             py::gil_scoped_release release;
             w.write_strings(name, values, &p.defaults);
           }, "name"_a, "values"_a, "A 1-D dataset of UTF-8 strings (units 'text').")
      .def("set_column_units", [](PyWriter& p, const std::string& name, const std::vector<std::string>& u) {
             p.get().set_column_units(name, u);
           }, "name"_a, "units"_a, "One unit per column of a 2-D dataset (the `units` attribute becomes a list).")
      .def("create_appendable", [](PyWriter& p, const std::string& name, std::size_t cols, const std::string& units,
                                   bool int64, std::optional<int> compression, std::optional<std::int64_t> chunk_rows) {
             ResultsWriter& w = p.get();
             const DatasetOptions o = options_of(w, compression, chunk_rows, p.defaults);
             w.create_appendable(name, cols, units, &o, int64);
           },
           "name"_a, "cols"_a, "units"_a, "int64"_a = false, "compression"_a = py::none(), "chunk_rows"_a = py::none(),
           "An empty dataset with an unlimited first dimension: (0,) when cols == 0, else (0, cols).")
      .def("append", [](PyWriter& p, const std::string& name, const py::array& data) {
             ResultsWriter& w = p.get();
             const auto [rows, cols] = shape_of(data, name);
             (void)cols;
             if (py::isinstance<py::array_t<std::int64_t>>(data) || py::isinstance<py::array_t<std::int32_t>>(data) ||
                 py::isinstance<py::array_t<bool>>(data)) {
               I64 a = I64::ensure(data);
               py::gil_scoped_release release;
               w.append(name, a.data(), rows);
             } else {
               F64 a = F64::ensure(data);
               py::gil_scoped_release release;
               w.append(name, a.data(), rows);
             }
           }, "name"_a, "data"_a, "Appends rows (n,) or (n, cols) to an appendable dataset, GIL released.")
      .def("rows", [](PyWriter& p, const std::string& name) { return p.get().rows(name); }, "name"_a)
      .def("write_provenance", [](PyWriter& p, const std::string& package_version, const std::string& git_commit,
                                  const std::string& created_utc, const std::string& options, const std::string& producer) {
             p.get().write_provenance({package_version, git_commit, created_utc, options, producer});
           },
           "package_version"_a = "", "git_commit"_a = "", "created_utc"_a = "", "options"_a = "",
           "producer"_a = "biomech",
           "Root attributes format, format_version, package_version, git_commit ('unknown' when empty),\n"
           "created_utc (now when empty), options (JSON text) and producer.")
      .def("flush", [](PyWriter& p) {
             ResultsWriter& w = p.get();
             py::gil_scoped_release release;
             w.flush();
           })
      .def("commit", [](PyWriter& p) {
             ResultsWriter& w = p.get();
             {
               py::gil_scoped_release release;
               w.commit();
             }
             p.w.reset();
           }, "Flush, close, fsync and rename the temporary file over the target.")
      .def("abort", [](PyWriter& p) { p.w.reset(); }, "Close and delete the temporary file; the target is untouched.")
      .def_property_readonly("closed", [](PyWriter& p) { return !p.w; })
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyWriter& p, py::object type, py::object, py::object) {
        if (!p.w) return false;
        if (type.is_none()) {
          py::gil_scoped_release release;
          p.w->commit();
        }
        p.w.reset();
        return false;
      });

  m.def("hdf5_write_model", [](PyWriter& p, const biomech::Model& model, const std::string& group) {
          biomech::write_model(p.get(), model, group);
        }, "writer"_a, "model"_a, "group"_a = "/model", "Model parameters (docs/results_file.md, /model).");
  m.def("hdf5_write_muscle_table", [](PyWriter& p, const biomech::Model& model, const std::string& group) {
          biomech::write_muscle_table(p.get(), model, group);
        }, "writer"_a, "model"_a, "group"_a = "/muscles", "The muscle table (docs/results_file.md, /muscles).");
  m.def("hdf5_write_subject", [](PyWriter& p, const biomech::Subject& s, const std::string& group) {
          biomech::write_subject(p.get(), s, group);
        }, "writer"_a, "subject"_a, "group"_a = "/subject", "Subject parameters (docs/results_file.md, /subject).");
  m.def("utc_now_iso8601", &biomech::utc_now_iso8601);
  m.def("stale_temporaries", &biomech::stale_temporaries, "path"_a,
        "Temporary files a killed writer left beside `path`.");
}
