#include "biomech/signal.hpp"

#include <Eigen/SparseCore>
#include <Eigen/SparseLU>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "biomech/errors.hpp"

namespace biomech {

namespace {

using cplx = std::complex<double>;

void check_design(int order, double rate_hz) {
  if (order < 1) throw InvalidArgument("butterworth: expected order >= 1, got " + std::to_string(order));
  if (!(rate_hz > 0) || !std::isfinite(rate_hz))
    throw InvalidArgument("butterworth: expected a positive sampling rate, got " + std::to_string(rate_hz));
}

void check_cutoff(double f_hz, double rate_hz) {
  if (!(f_hz > 0 && f_hz < rate_hz / 2))
    throw InvalidArgument("butterworth: expected a cut-off in (0, " + std::to_string(rate_hz / 2) +
                          ") Hz (below Nyquist), got " + std::to_string(f_hz));
}

// Analog frequency (rad/s) that the bilinear transform maps onto f_hz.
double prewarp(double f_hz, double rate_hz) { return 2 * rate_hz * std::tan(std::numbers::pi * f_hz / rate_hz); }

// Poles of the analog Butterworth prototype (cut-off 1 rad/s) in the upper half plane
// and on the real axis: exp(i pi (2k + n + 1) / (2n)), k = 0 .. ceil(n/2) - 1.
std::vector<cplx> prototype_poles(int n) {
  std::vector<cplx> p;
  for (int k = 0; k < (n + 1) / 2; ++k) {
    const double theta = std::numbers::pi * (2.0 * k + n + 1) / (2.0 * n);
    cplx pk = std::polar(1.0, theta);
    if (2 * k + 1 == n) pk = cplx(-1.0, 0.0);  // the real pole of an odd order, exactly
    p.push_back(pk);
  }
  return p;
}

cplx bilinear(cplx s, double rate_hz) { return (2 * rate_hz + s) / (2 * rate_hz - s); }

// Denominator 1 + a1 z^-1 + a2 z^-2 with roots z1, z2 (a conjugate pair or two reals).
void set_poles(Biquad& q, cplx z1, cplx z2) {
  q.a1 = -(z1 + z2).real();
  q.a2 = (z1 * z2).real();
}

// Scale the first section so that |H| = 1 at f_ref_hz.
void normalise(std::vector<Biquad>& sos, double f_ref_hz, double rate_hz) {
  const double g = std::abs(frequency_response(sos, f_ref_hz, rate_hz));
  sos[0].b0 /= g;
  sos[0].b1 /= g;
  sos[0].b2 /= g;
}

// Low- or high-pass: digital poles of the scaled prototype, zeros at z = -1 (low) or +1 (high).
std::vector<Biquad> lowhigh(int order, double cutoff_hz, double rate_hz, bool high) {
  check_design(order, rate_hz);
  check_cutoff(cutoff_hz, rate_hz);
  const double wc = prewarp(cutoff_hz, rate_hz);
  const double zs = high ? -1.0 : 1.0;  // b = (1 + zs z^-1)^k
  std::vector<Biquad> sos;
  for (cplx p : prototype_poles(order)) {
    const cplx s = high ? wc / p : wc * p;
    const cplx z = bilinear(s, rate_hz);
    Biquad q;
    if (p.imag() == 0.0) {  // first-order section
      q.b0 = 1, q.b1 = zs, q.b2 = 0;
      q.a1 = -z.real(), q.a2 = 0;
    } else {
      q.b0 = 1, q.b1 = 2 * zs, q.b2 = 1;
      set_poles(q, z, std::conj(z));
    }
    sos.push_back(q);
  }
  normalise(sos, high ? rate_hz / 2 : 0.0, rate_hz);
  return sos;
}

}  // namespace

std::vector<Biquad> butterworth_lowpass(int order, double cutoff_hz, double rate_hz) {
  return lowhigh(order, cutoff_hz, rate_hz, false);
}

std::vector<Biquad> butterworth_highpass(int order, double cutoff_hz, double rate_hz) {
  return lowhigh(order, cutoff_hz, rate_hz, true);
}

std::vector<Biquad> butterworth_bandpass(int order, double low_hz, double high_hz, double rate_hz) {
  check_design(order, rate_hz);
  check_cutoff(low_hz, rate_hz);
  check_cutoff(high_hz, rate_hz);
  if (!(low_hz < high_hz))
    throw InvalidArgument("butterworth_bandpass: expected low < high cut-off, got " + std::to_string(low_hz) +
                          " and " + std::to_string(high_hz) + " Hz");
  const double w1 = prewarp(low_hz, rate_hz), w2 = prewarp(high_hz, rate_hz);
  const double bw = w2 - w1, w0 = std::sqrt(w1 * w2);
  // Each prototype pole p gives two band-pass poles p bw/2 +- sqrt((p bw/2)^2 - w0^2);
  // every section gets one zero at z = +1 and one at z = -1.
  std::vector<Biquad> sos;
  for (cplx p : prototype_poles(order)) {
    const cplx c = p * bw / 2.0;
    const cplx r = std::sqrt(c * c - w0 * w0);
    const cplx z1 = bilinear(c + r, rate_hz), z2 = bilinear(c - r, rate_hz);
    Biquad q;
    q.b0 = 1, q.b1 = 0, q.b2 = -1;
    if (p.imag() == 0.0) {  // real prototype pole: its two poles make one section
      set_poles(q, z1, z2);
      sos.push_back(q);
    } else {  // a conjugate pair of prototype poles: two sections
      set_poles(q, z1, std::conj(z1));
      sos.push_back(q);
      set_poles(q, z2, std::conj(z2));
      sos.push_back(q);
    }
  }
  // |H| = 1 at the analog centre w0, i.e. at the digital frequency it maps to.
  normalise(sos, rate_hz / std::numbers::pi * std::atan(w0 / (2 * rate_hz)), rate_hz);
  return sos;
}

std::complex<double> frequency_response(const std::vector<Biquad>& sos, double f_hz, double rate_hz) {
  const cplx zi = std::polar(1.0, -2 * std::numbers::pi * f_hz / rate_hz);  // z^-1
  cplx h = 1.0;
  for (const Biquad& q : sos) h *= (q.b0 + zi * (q.b1 + zi * q.b2)) / (1.0 + zi * (q.a1 + zi * q.a2));
  return h;
}

namespace {

// One section, transposed direct form II, from state (z0, z1); in place.
void run_section(const Biquad& q, Eigen::VectorXd& x, double z0, double z1) {
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const double xi = x[i];
    const double y = q.b0 * xi + z0;
    z0 = q.b1 * xi - q.a1 * y + z1;
    z1 = q.b2 * xi - q.a2 * y;
    x[i] = y;
  }
}

// Steady state of each section for a unit step at the cascade's input (scipy's sosfilt_zi).
std::vector<std::array<double, 2>> step_state(const std::vector<Biquad>& sos) {
  std::vector<std::array<double, 2>> zi;
  double scale = 1.0;
  for (const Biquad& q : sos) {
    const double B0 = q.b1 - q.a1 * q.b0, B1 = q.b2 - q.a2 * q.b0;
    const double z0 = (B0 + B1) / (1 + q.a1 + q.a2);
    zi.push_back({scale * z0, scale * (B1 - q.a2 * z0)});
    scale *= (q.b0 + q.b1 + q.b2) / (1 + q.a1 + q.a2);
  }
  return zi;
}

void run_cascade(const std::vector<Biquad>& sos, const std::vector<std::array<double, 2>>& zi, double x0,
                 Eigen::VectorXd& x) {
  for (size_t s = 0; s < sos.size(); ++s) run_section(sos[s], x, zi[s][0] * x0, zi[s][1] * x0);
}

void check_sos(const std::vector<Biquad>& sos) {
  if (sos.empty()) throw InvalidArgument("filter: expected at least one second-order section, got none");
}

}  // namespace

Eigen::VectorXd sos_filter(const std::vector<Biquad>& sos, const Eigen::Ref<const Eigen::VectorXd>& x) {
  check_sos(sos);
  Eigen::VectorXd y = x;
  for (const Biquad& q : sos) run_section(q, y, 0.0, 0.0);
  return y;
}

int default_padlen(const std::vector<Biquad>& sos) {
  int b2_zero = 0, a2_zero = 0;
  for (const Biquad& q : sos) {
    b2_zero += q.b2 == 0.0;
    a2_zero += q.a2 == 0.0;
  }
  return 3 * (2 * static_cast<int>(sos.size()) + 1 - std::min(b2_zero, a2_zero));
}

Eigen::VectorXd pad_odd(const Eigen::Ref<const Eigen::VectorXd>& x, int pad) {
  const Eigen::Index n = x.size();
  if (pad < 0 || pad >= n)
    throw InvalidArgument("pad_odd: expected 0 <= pad < number of samples (" + std::to_string(n) + "), got " +
                          std::to_string(pad));
  Eigen::VectorXd s(n + 2 * pad);
  for (int i = 0; i < pad; ++i) {
    s[i] = 2 * x[0] - x[pad - i];
    s[pad + n + i] = 2 * x[n - 1] - x[n - 2 - i];
  }
  s.segment(pad, n) = x;
  return s;
}

Eigen::VectorXd filtfilt(const std::vector<Biquad>& sos, const Eigen::Ref<const Eigen::VectorXd>& x, int padlen) {
  check_sos(sos);
  if (padlen < 0) padlen = default_padlen(sos);
  if (x.size() <= padlen)
    throw InvalidArgument("filtfilt: expected more samples than the edge padding (" + std::to_string(padlen) +
                          "), got " + std::to_string(x.size()));
  const auto zi = step_state(sos);
  Eigen::VectorXd y = pad_odd(x, padlen);
  run_cascade(sos, zi, y[0], y);
  y.reverseInPlace();
  run_cascade(sos, zi, y[0], y);
  y.reverseInPlace();
  return y.segment(padlen, x.size());
}

Eigen::MatrixXd filtfilt_columns(const std::vector<Biquad>& sos, const Eigen::Ref<const Eigen::MatrixXd>& x,
                                 int padlen) {
  Eigen::MatrixXd y(x.rows(), x.cols());
  for (Eigen::Index j = 0; j < x.cols(); ++j) y.col(j) = filtfilt(sos, x.col(j), padlen);
  return y;
}

// ---- OpenSim's coordinate filter

Eigen::VectorXd opensim_lowpass_iir(const Eigen::Ref<const Eigen::VectorXd>& x, double dt, double cutoff_hz) {
  const Eigen::Index n = x.size();
  if (n < 4) throw InvalidArgument("opensim_lowpass_iir: expected at least 4 samples, got " + std::to_string(n));
  if (!(dt > 0)) throw InvalidArgument("opensim_lowpass_iir: expected a positive time step, got " + std::to_string(dt));
  check_cutoff(cutoff_hz, 1 / dt);
  // Third-order Butterworth, bilinear with pre-warping: Signal::LowpassIIR's coefficients.
  const double wa = std::tan(std::numbers::pi * cutoff_hz * dt), wa2 = wa * wa, wa3 = wa2 * wa;
  const double den = (wa + 1) * (wa2 + wa + 1);
  const double a[4] = {wa3 / den, 3 * wa3 / den, 3 * wa3 / den, wa3 / den};
  const double b[4] = {1, (3 * wa3 + 2 * wa2 - 2 * wa - 3) / den, (3 * wa3 - 2 * wa2 - 2 * wa + 3) / den,
                       (wa - 1) * (wa2 - wa + 1) / den};
  // One pass: the first three outputs are the inputs, the recursion starts at the fourth.
  auto pass = [&](const Eigen::VectorXd& s) {
    Eigen::VectorXd f(n);
    f.head(3) = s.head(3);
    for (Eigen::Index i = 3; i < n; ++i)
      f[i] = a[0] * s[i] + a[1] * s[i - 1] + a[2] * s[i - 2] + a[3] * s[i - 3] - b[1] * f[i - 1] - b[2] * f[i - 2] -
             b[3] * f[i - 3];
    return f;
  };
  Eigen::VectorXd f = pass(x);
  f.reverseInPlace();
  f = pass(f);
  f.reverseInPlace();
  return f;
}

namespace {

// Derivatives 0..nd of the degree-p B-spline basis functions that are non-zero on
// knot span i (U[i] <= u < U[i+1]): ders(k, j) = N^(k)_{i-p+j}(u). Piegl & Tiller
// (1997), The NURBS Book, algorithm A2.3.
Eigen::MatrixXd basis_derivatives(const std::vector<double>& U, int i, double u, int p, int nd) {
  Eigen::MatrixXd ndu(p + 1, p + 1), a(2, p + 1), ders = Eigen::MatrixXd::Zero(nd + 1, p + 1);
  std::vector<double> left(p + 1), right(p + 1);
  ndu(0, 0) = 1;
  for (int j = 1; j <= p; ++j) {
    left[j] = u - U[i + 1 - j];
    right[j] = U[i + j] - u;
    double saved = 0;
    for (int r = 0; r < j; ++r) {
      ndu(j, r) = right[r + 1] + left[j - r];
      const double temp = ndu(r, j - 1) / ndu(j, r);
      ndu(r, j) = saved + right[r + 1] * temp;
      saved = left[j - r] * temp;
    }
    ndu(j, j) = saved;
  }
  for (int j = 0; j <= p; ++j) ders(0, j) = ndu(j, p);
  for (int r = 0; r <= p; ++r) {
    int s1 = 0, s2 = 1;
    a(0, 0) = 1;
    for (int k = 1; k <= nd; ++k) {
      double d = 0;
      const int rk = r - k, pk = p - k;
      if (r >= k) {
        a(s2, 0) = a(s1, 0) / ndu(pk + 1, rk);
        d = a(s2, 0) * ndu(rk, pk);
      }
      const int j1 = rk >= -1 ? 1 : -rk;
      const int j2 = r - 1 <= pk ? k - 1 : p - r;
      for (int j = j1; j <= j2; ++j) {
        a(s2, j) = (a(s1, j) - a(s1, j - 1)) / ndu(pk + 1, rk + j);
        d += a(s2, j) * ndu(rk + j, pk);
      }
      if (r <= pk) {
        a(s2, k) = -a(s1, k - 1) / ndu(pk + 1, r);
        d += a(s2, k) * ndu(r, pk);
      }
      ders(k, r) = d;
      std::swap(s1, s2);
    }
  }
  double f = p;
  for (int k = 1; k <= nd; ++k) {
    ders.row(k) *= f;
    f *= p - k;
  }
  return ders;
}

}  // namespace

Eigen::MatrixXd natural_spline_interpolate(const Eigen::Ref<const Eigen::VectorXd>& x,
                                           const Eigen::Ref<const Eigen::MatrixXd>& y,
                                           const Eigen::Ref<const Eigen::VectorXd>& t, int degree,
                                           int derivative) {
  if (degree < 1 || degree > 7 || degree % 2 == 0)
    throw InvalidArgument("natural_spline_interpolate: expected an odd degree 1..7, got " + std::to_string(degree));
  if (derivative < 0 || derivative > degree)
    throw InvalidArgument("natural_spline_interpolate: expected a derivative order 0.." + std::to_string(degree) +
                          ", got " + std::to_string(derivative));
  const int p = degree, m = (degree + 1) / 2;
  const int n = static_cast<int>(x.size());
  if (y.rows() != n)
    throw InvalidArgument("natural_spline_interpolate: expected as many y rows as x, got " + std::to_string(y.rows()) +
                          " and " + std::to_string(n));
  if (n < m + 1)
    throw InvalidArgument("natural_spline_interpolate: expected at least " + std::to_string(m + 1) +
                          " points, got " + std::to_string(n));
  for (int k = 1; k < n; ++k)
    if (!(x[k] > x[k - 1])) throw InvalidArgument("natural_spline_interpolate: expected strictly increasing x");
  // Knots: the data sites, the end ones repeated p + 1 times; n + p - 1 coefficients
  // fixed by n interpolation conditions and m - 1 natural conditions at each end.
  std::vector<double> U(p, x[0]);
  for (int k = 0; k < n; ++k) U.push_back(x[k]);
  U.insert(U.end(), p, x[n - 1]);
  const int nb = n + p - 1;
  auto span = [&](double u) {  // p + index of the interval holding u
    const auto it = std::upper_bound(x.data(), x.data() + n, u);
    const int k = std::clamp(static_cast<int>(it - x.data()) - 1, 0, n - 2);
    return p + k;
  };
  // one factorisation for every column of y
  std::vector<Eigen::Triplet<double>> rows;
  Eigen::MatrixXd rhs = Eigen::MatrixXd::Zero(nb, y.cols());
  int row = 0;
  auto add_row = [&](double u, int order) {
    const int i = span(u);
    const Eigen::MatrixXd d = basis_derivatives(U, i, u, p, order);
    for (int j = 0; j <= p; ++j)
      if (d(order, j) != 0.0) rows.emplace_back(row, i - p + j, d(order, j));
    ++row;
  };
  for (int k = 0; k < n; ++k) {
    rhs.row(row) = y.row(k);
    add_row(x[k], 0);
  }
  for (int order = m; order <= 2 * m - 2; ++order) {
    add_row(x[0], order);
    add_row(x[n - 1], order);
  }
  Eigen::SparseMatrix<double> A(nb, nb);
  A.setFromTriplets(rows.begin(), rows.end());
  Eigen::SparseLU<Eigen::SparseMatrix<double>> lu(A);
  if (lu.info() != Eigen::Success) throw InvalidArgument("natural_spline_interpolate: singular collocation system");
  const Eigen::MatrixXd c = lu.solve(rhs);
  Eigen::MatrixXd out(t.size(), y.cols());
  for (Eigen::Index k = 0; k < t.size(); ++k) {
    const int i = span(t[k]);
    const Eigen::MatrixXd d = basis_derivatives(U, i, t[k], p, derivative);
    out.row(k) = d.row(derivative) * c.middleRows(i - p, p + 1);
  }
  return out;
}

FilteredSeries lowpass_like_opensim(const Eigen::Ref<const Eigen::VectorXd>& time,
                                    const Eigen::Ref<const Eigen::MatrixXd>& values, double cutoff_hz) {
  const Eigen::Index n = time.size();
  if (values.rows() != n)
    throw InvalidArgument("lowpass_like_opensim: expected as many value rows as times (" + std::to_string(n) +
                          "), got " + std::to_string(values.rows()));
  if (n < 4) throw InvalidArgument("lowpass_like_opensim: expected at least 4 samples, got " + std::to_string(n));
  for (Eigen::Index k = 1; k < n; ++k)
    if (!(time[k] > time[k - 1]))
      throw InvalidArgument("lowpass_like_opensim: expected strictly increasing times, got " +
                            std::to_string(time[k - 1]) + " then " + std::to_string(time[k]));
  // 1. Storage::pad(getSize() / 2)
  const int pad = static_cast<int>(n / 2);
  Eigen::VectorXd t = pad_odd(time, pad);
  Eigen::MatrixXd v(t.size(), values.cols());
  for (Eigen::Index j = 0; j < values.cols(); ++j) v.col(j) = pad_odd(values.col(j), pad);
  // 2. Storage::lowpassIIR: resample when the padded steps are not uniform
  const Eigen::Index np = t.size();
  double dtmin = std::numeric_limits<double>::infinity();
  for (Eigen::Index k = 1; k < np; ++k) dtmin = std::min(dtmin, t[k] - t[k - 1]);
  const double dtavg = (t[np - 1] - t[0]) / static_cast<double>(np - 1);
  constexpr double simtk_eps = std::numeric_limits<double>::epsilon();
  if (dtavg - dtmin > simtk_eps) {
    std::vector<double> grid;
    for (double s = t[0]; s <= t[np - 1]; s += dtmin) grid.push_back(s);  // GCVSplineSet::constructStorage
    const Eigen::Map<const Eigen::VectorXd> tg(grid.data(), static_cast<Eigen::Index>(grid.size()));
    v = natural_spline_interpolate(t, v, tg, 5);
    t = tg;
  }
  // 3. Signal::LowpassIIR on every column
  for (Eigen::Index j = 0; j < v.cols(); ++j) v.col(j) = opensim_lowpass_iir(v.col(j), dtmin, cutoff_hz);
  // the rows that cover the original time range: from the last at or before its start to
  // the first at or after its end (the original rows when nothing was resampled)
  Eigen::Index first = 0, last = t.size() - 1;
  const double tol = 1e-9 * std::max(1.0, std::abs(time[n - 1]));
  while (first + 1 < t.size() && t[first + 1] <= time[0] + tol) ++first;
  while (last - 1 > first && t[last - 1] >= time[n - 1] - tol) --last;
  return {t.segment(first, last - first + 1), v.middleRows(first, last - first + 1)};
}

}  // namespace biomech
