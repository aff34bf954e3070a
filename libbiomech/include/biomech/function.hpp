// Scalar functions of one coordinate, as OpenSim uses them in joints, coupler
// constraints and moving path points.
#pragma once
#include <string>
#include <vector>

namespace biomech {

// y = f(x) with derivative. Kinds:
//  - constant:   y = c
//  - linear:     y = slope * x + intercept
//  - spline:     OpenSim's SimmSpline (Forsythe-Malcolm-Moler cubic spline, end
//                conditions from divided differences; linear extrapolation outside
//                the knots; fewer than 4 knots: piecewise linear)
//  - polynomial: coefficients highest power first (OpenSim's PolynomialFunction)
class Function {
 public:
  enum class Kind { constant, linear, spline, polynomial };

  static Function constant(double c);
  static Function linear(double slope, double intercept);
  // x strictly increasing, same length as y, at least 2 knots; throws InvalidArgument.
  static Function spline(std::vector<double> x, std::vector<double> y);
  static Function polynomial(std::vector<double> coefficients_highest_first);
  Function() = default;  // constant 0

  double value(double x) const;
  double derivative(double x) const;
  // Same function with y multiplied by s (used when scaling translations).
  Function scaled(double s) const;
  // The same in place, reusing this function's memory (scaled(s) == copy, then scale(s)).
  void scale(double s);

  Kind kind() const { return kind_; }
  const std::vector<double>& x() const { return x_; }  // knots (spline)
  const std::vector<double>& y() const { return y_; }  // knot values (spline) / coefficients
  double slope() const { return a_; }       // linear
  double intercept() const { return b_; }   // linear, constant value

 private:
  Kind kind_ = Kind::constant;
  double a_ = 0.0, b_ = 0.0;
  std::vector<double> x_, y_, b_coef_, c_coef_, d_coef_;
  void fit_spline();
};

}  // namespace biomech
