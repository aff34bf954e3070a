#include "biomech/function.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "biomech/errors.hpp"

namespace biomech {

const FieldInfo& function_bound(std::string_view name) {
  for (const FieldInfo& b : kFunctionBounds)
    if (b.name == name) return b;
  throw std::logic_error("no function bound named " + std::string(name));
}

namespace {

// "<where>: expected <what> in [a, b], got <count>", before the numbers are fitted.
void check_count(std::string_view name, std::size_t count, std::string_view where) {
  const FieldInfo& b = function_bound(name);
  if (count >= b.min && count <= b.max) return;
  throw InvalidArgument(std::string(where) + ": expected " + std::string(name) + " " + detail::bounds_text(b) +
                        ", got " + std::to_string(count));
}

void check_values(std::string_view name, const std::vector<double>& v, std::string_view where) {
  const FieldInfo& b = function_bound(name);
  for (double x : v) check_field_value(b, x, where);
}

}  // namespace

Function Function::constant(double c) {
  check_field_value(function_bound("function value"), c, "Function::constant");
  Function f;
  f.kind_ = Kind::constant;
  f.b_ = c;
  return f;
}

Function Function::linear(double slope, double intercept) {
  check_field_value(function_bound("function slope"), slope, "Function::linear");
  check_field_value(function_bound("function value"), intercept, "Function::linear");
  Function f;
  f.kind_ = Kind::linear;
  f.a_ = slope;
  f.b_ = intercept;
  return f;
}

Function Function::polynomial(std::vector<double> c) {
  check_count("polynomial coefficients", c.size(), "Function::polynomial");
  check_values("polynomial coefficient", c, "Function::polynomial");
  Function f;
  f.kind_ = Kind::polynomial;
  f.y_ = std::move(c);
  return f;
}

Function Function::spline(std::vector<double> x, std::vector<double> y) {
  check_count("spline knots", x.size(), "Function::spline");
  if (x.size() != y.size())
    throw InvalidArgument("Function::spline: expected as many x as y knots, got " + std::to_string(x.size()) +
                          " and " + std::to_string(y.size()));
  check_values("function value", x, "Function::spline");
  check_values("function value", y, "Function::spline");
  for (size_t i = 1; i < x.size(); ++i) {
    if (!(x[i] > x[i - 1])) throw InvalidArgument("Function::spline: expected strictly increasing x knots");
    check_field_value(function_bound("spline knot spacing"), x[i] - x[i - 1], "Function::spline");
  }
  Function f;
  f.kind_ = Kind::spline;
  f.x_ = std::move(x);
  f.y_ = std::move(y);
  f.fit_spline();
  return f;
}

// Forsythe, Malcolm & Moler (1977) cubic spline, as OpenSim's SimmSpline: end
// conditions match the third derivative of the cubic through the four end knots.
// With fewer than 4 knots the function is piecewise linear.
void Function::fit_spline() {
  const size_t n = x_.size();
  b_coef_.assign(n, 0.0);
  c_coef_.assign(n, 0.0);
  d_coef_.assign(n, 0.0);
  auto& x = x_;
  auto& y = y_;
  auto& b = b_coef_;
  auto& c = c_coef_;
  auto& d = d_coef_;
  if (n < 4) {
    for (size_t i = 0; i + 1 < n; ++i) b[i] = (y[i + 1] - y[i]) / (x[i + 1] - x[i]);
    b[n - 1] = b[n - 2];
    return;
  }
  const size_t nm1 = n - 1;
  d[0] = x[1] - x[0];
  c[1] = (y[1] - y[0]) / d[0];
  for (size_t i = 1; i < nm1; ++i) {
    d[i] = x[i + 1] - x[i];
    b[i] = 2.0 * (d[i - 1] + d[i]);
    c[i + 1] = (y[i + 1] - y[i]) / d[i];
    c[i] = c[i + 1] - c[i];
  }
  b[0] = -d[0];
  b[nm1] = -d[n - 2];
  c[0] = 0.0;
  c[nm1] = 0.0;
  {
    const double d1 = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0]);
    const double d2 = c[nm1 - 1] / (x[nm1] - x[n - 3]) - c[n - 3] / (x[nm1 - 1] - x[n - 4]);
    c[0] = d1 * d[0] * d[0] / (x[3] - x[0]);
    c[nm1] = -d2 * d[n - 2] * d[n - 2] / (x[nm1] - x[n - 4]);
  }
  for (size_t i = 1; i < n; ++i) {
    const double t = d[i - 1] / b[i - 1];
    b[i] -= t * d[i - 1];
    c[i] -= t * c[i - 1];
  }
  c[nm1] /= b[nm1];
  for (size_t k = nm1; k-- > 0;) c[k] = (c[k] - d[k] * c[k + 1]) / b[k];
  b[nm1] = (y[nm1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[nm1]);
  for (size_t i = 0; i < nm1; ++i) {
    b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i]);
    d[i] = (c[i + 1] - c[i]) / d[i];
    c[i] = 3.0 * c[i];
  }
  c[nm1] = 3.0 * c[nm1];
  d[nm1] = d[n - 2];
}

double Function::curve_value(double xv) const {
  switch (kind_) {
    case Kind::constant:
    case Kind::linear:
      break;  // inline in value()
    case Kind::polynomial: {
      double v = 0.0;
      for (double c : y_) v = v * xv + c;
      return v;
    }
    case Kind::spline: {
      const size_t n = x_.size();
      // linear extrapolation with the end slopes, as SimmSpline
      if (xv < x_[0]) return y_[0] + (xv - x_[0]) * b_coef_[0];
      if (xv > x_[n - 1]) return y_[n - 1] + (xv - x_[n - 1]) * b_coef_[n - 1];
      size_t k = std::upper_bound(x_.begin(), x_.end(), xv) - x_.begin();
      k = k == 0 ? 0 : k - 1;
      if (k >= n - 1) k = n - 2;
      const double dx = xv - x_[k];
      if (n < 4) return y_[k] + dx * b_coef_[k];
      return y_[k] + dx * (b_coef_[k] + dx * (c_coef_[k] + dx * d_coef_[k]));
    }
  }
  return 0.0;
}

double Function::curve_derivative(double xv) const {
  switch (kind_) {
    case Kind::constant:
    case Kind::linear:
      break;  // inline in derivative()
    case Kind::polynomial: {
      double v = 0.0;
      const size_t deg = y_.size() - 1;
      for (size_t i = 0; i < deg; ++i) v = v * xv + y_[i] * static_cast<double>(deg - i);
      return v;
    }
    case Kind::spline: {
      const size_t n = x_.size();
      if (xv < x_[0]) return b_coef_[0];
      if (xv > x_[n - 1]) return b_coef_[n - 1];
      size_t k = std::upper_bound(x_.begin(), x_.end(), xv) - x_.begin();
      k = k == 0 ? 0 : k - 1;
      if (k >= n - 1) k = n - 2;
      const double dx = xv - x_[k];
      if (n < 4) return b_coef_[k];
      return b_coef_[k] + dx * (2.0 * c_coef_[k] + 3.0 * dx * d_coef_[k]);
    }
  }
  return 0.0;
}

Function Function::scaled(double s) const {
  Function f = *this;
  f.scale(s);
  return f;
}

void Function::scale(double s) {
  switch (kind_) {
    case Kind::constant:
      *this = constant(b_ * s);
      return;
    case Kind::linear:
      *this = linear(a_ * s, b_ * s);
      return;
    case Kind::polynomial:
    case Kind::spline:
      for (double& v : y_) v *= s;
      check_values(kind_ == Kind::spline ? "function value" : "polynomial coefficient", y_, "Function::scale");
      if (kind_ == Kind::spline) fit_spline();
      return;
  }
}

}  // namespace biomech
