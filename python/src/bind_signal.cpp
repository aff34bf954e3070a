// Python bindings of signal.hpp: Butterworth designs (second-order sections as an
// (n_sections, 6) array in scipy.signal's sos layout [b0 b1 b2 1 a1 a2]),
// filtering, and OpenSim's coordinate low-pass. biomech.signal is the Python front.
#include <pybind11/complex.h>
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "biomech/errors.hpp"
#include "biomech/signal.hpp"
#include "bindings.hpp"

namespace py = pybind11;
using namespace pybind11::literals;
using namespace biomech;

namespace {

using SosArray = Eigen::Matrix<double, Eigen::Dynamic, 6, Eigen::RowMajor>;

SosArray to_array(const std::vector<Biquad>& sos) {
  SosArray a(static_cast<Eigen::Index>(sos.size()), 6);
  for (size_t i = 0; i < sos.size(); ++i) a.row(static_cast<Eigen::Index>(i)) << sos[i].b0, sos[i].b1, sos[i].b2, 1.0, sos[i].a1, sos[i].a2;
  return a;
}

std::vector<Biquad> from_array(const Eigen::Ref<const Eigen::MatrixXd>& a) {
  if (a.cols() != 6) throw InvalidArgument("expected sos of shape (n_sections, 6), got " + std::to_string(a.cols()) + " columns");
  std::vector<Biquad> sos;
  for (Eigen::Index i = 0; i < a.rows(); ++i) {
    const double a0 = a(i, 3);
    if (a0 == 0.0) throw InvalidArgument("expected a0 != 0 in every section, got 0 in section " + std::to_string(i));
    sos.push_back({a(i, 0) / a0, a(i, 1) / a0, a(i, 2) / a0, a(i, 4) / a0, a(i, 5) / a0});
  }
  return sos;
}

}  // namespace

void bind_signal(py::module_& m) {
  m.def("butterworth_lowpass", [](int order, double f, double fs) { return to_array(butterworth_lowpass(order, f, fs)); },
        "order"_a, "cutoff_hz"_a, "rate_hz"_a,
        "(n_sections, 6) sos: Butterworth low-pass (bilinear transform, pre-warped; -3 dB at the cut-off).");
  m.def("butterworth_highpass", [](int order, double f, double fs) { return to_array(butterworth_highpass(order, f, fs)); },
        "order"_a, "cutoff_hz"_a, "rate_hz"_a, "(n_sections, 6) sos: Butterworth high-pass.");
  m.def("butterworth_bandpass",
        [](int order, double f1, double f2, double fs) { return to_array(butterworth_bandpass(order, f1, f2, fs)); },
        "order"_a, "low_hz"_a, "high_hz"_a, "rate_hz"_a,
        "(order, 6) sos: Butterworth band-pass with 2 * order poles (as scipy.signal.butter).");
  m.def("frequency_response",
        [](const Eigen::Ref<const Eigen::MatrixXd>& sos, double f, double fs) { return frequency_response(from_array(sos), f, fs); },
        "sos"_a, "f_hz"_a, "rate_hz"_a, "Complex gain of the cascade at f_hz.");
  m.def("sos_filter",
        [](const Eigen::Ref<const Eigen::MatrixXd>& sos, const Eigen::Ref<const Eigen::VectorXd>& x) {
          return sos_filter(from_array(sos), x);
        },
        "sos"_a, "x"_a, "(n,) causal filtering from rest.");
  m.def("default_padlen", [](const Eigen::Ref<const Eigen::MatrixXd>& sos) { return default_padlen(from_array(sos)); },
        "sos"_a, "Edge padding filtfilt uses by default (scipy.signal.sosfiltfilt's).");
  m.def("filtfilt_columns",
        [](const Eigen::Ref<const Eigen::MatrixXd>& sos, const Eigen::Ref<const Eigen::MatrixXd>& x, int padlen) {
          const std::vector<Biquad> s = from_array(sos);
          py::gil_scoped_release release;
          return filtfilt_columns(s, x, padlen);
        },
        "sos"_a, "x"_a, "padlen"_a = -1,
        "(n, m) zero-phase forward-backward filtering of each column with odd edge padding (padlen < 0: default).");
  m.def("pad_odd", &pad_odd, "x"_a, "pad"_a, "(n + 2 pad,) odd extension through the end samples (OpenSim's Signal::Pad).");
  m.def("opensim_lowpass_iir", &opensim_lowpass_iir, "x"_a, "dt"_a, "cutoff_hz"_a,
        "(n,) OpenSim's Signal::LowpassIIR (third-order Butterworth, forward then backward) on uniform samples.");
  m.def("natural_spline_interpolate", &natural_spline_interpolate, "x"_a, "y"_a, "t"_a, "degree"_a = 5,
        "derivative"_a = 0,
        "(k, m) natural interpolating spline of odd degree through (x, y (n, m)), evaluated at t (k,), or its "
        "derivative-th time derivative.");
  m.def(
      "lowpass_like_opensim",
      [](const Eigen::Ref<const Eigen::VectorXd>& time, const Eigen::Ref<const Eigen::MatrixXd>& values, double fc) {
        FilteredSeries f;
        {
          py::gil_scoped_release release;
          f = lowpass_like_opensim(time, values, fc);
        }
        return py::make_tuple(f.time, f.values);
      },
      "time"_a, "values"_a, "cutoff_hz"_a,
      "(time (k,), values (k, m)): OpenSim's coordinate low-pass (Storage::pad(n/2) + Storage::lowpassIIR); "
      "see signal.hpp.");
}
