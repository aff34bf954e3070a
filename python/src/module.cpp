// biomech._core: the private compiled module behind the `biomech` package.
#include <pybind11/pybind11.h>

#include <exception>
#include <string>

#include "biomech/errors.hpp"
#include "biomech/version.hpp"
#include "bindings.hpp"

namespace py = pybind11;

namespace biomech::python {

py::handle file_error_type() {
  // Created once in PYBIND11_MODULE and kept alive by the module.
  static PyObject* type = nullptr;
  if (type == nullptr) {
    type = PyErr_NewExceptionWithDoc(
        "biomech._core.FileError",
        "A model, exercise or config file could not be read. A ValueError with "
        "attributes file, line (1-based, 0 when unknown) and field.",
        PyExc_ValueError, nullptr);
  }
  return type;
}

}  // namespace biomech::python

namespace {

// C++ exceptions -> Python: InvalidArgument and FileError -> ValueError
// (FileError as biomech._core.FileError, a ValueError subclass carrying file,
// line and field), FileNotFound -> FileNotFoundError. Anything else keeps
// pybind11's defaults (std::invalid_argument -> ValueError, other -> RuntimeError).
// Error text as a Python str: a message that quotes bytes of a damaged file
// (invalid UTF-8) shows them as \x escapes instead of failing to decode.
py::object text(const std::string& s) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "backslashreplace");
  if (!o) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(o);
}

void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const biomech::FileNotFound& e) {
    PyErr_SetObject(PyExc_FileNotFoundError, text(e.what()).ptr());
  } catch (const biomech::FileError& e) {
    py::handle type = biomech::python::file_error_type();
    py::object exc = py::reinterpret_borrow<py::object>(type)(text(e.what()));
    exc.attr("file") = text(e.file);
    exc.attr("line") = e.line;
    exc.attr("field") = text(e.field);
    PyErr_SetObject(type.ptr(), exc.ptr());
  } catch (const biomech::InvalidArgument& e) {
    PyErr_SetObject(PyExc_ValueError, text(e.what()).ptr());
  }
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "biomech._core: compiled core of the biomech hip biomechanics toolkit (use the `biomech` package)";
  m.attr("__version__") = biomech::version_string();
  m.attr("FileError") = biomech::python::file_error_type();
  py::register_exception_translator(&translate);

  // Domains, in dependency order (see bindings.hpp).
  bind_subject(m);
  bind_model(m);
  bind_recruitment(m);
  bind_strength(m);
  bind_seesaw(m);
  bind_hdf5(m);
  bind_sweep(m);
  bind_exercise(m);
  bind_dynamics(m);
  bind_signal(m);
  bind_analyze(m);
}
