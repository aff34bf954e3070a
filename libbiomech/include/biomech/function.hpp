// Scalar functions of one coordinate, as OpenSim uses them in joints, coupler
// constraints and moving path points.
#pragma once
#include <string>
#include <vector>

#include "biomech/fields.hpp"

namespace biomech {

// Bounds on a function's numbers (SI: rad or m, as the coordinates it maps), checked by the
// factories below before any allocation, so every model loader reports them with file, line and
// field. Far beyond any joint (gait2392 and Rajagopal 2016 use at most 17 knots, 5 coefficients),
// they keep coupled coordinates, joint frames and path points finite. docs/errors.md lists them.
inline constexpr FieldUnit kFunctionUnit{"rad or m", 1.0};
inline constexpr FieldInfo kFunctionBounds[] = {
    {"spline knots", units::one, 2, 1000, "how many knots a spline has"},
    {"function value", kFunctionUnit, -1000, 1000,
     "each spline knot (x and y), a constant, a linear function's intercept"},
    {"spline knot spacing", kFunctionUnit, 1e-9, kUnbounded,
     "between consecutive x knots (closer knots overflow the spline's coefficients)"},
    {"function slope", units::one, -1000, 1000, "of a linear function (rad or m per rad or m)"},
    {"polynomial coefficients", units::one, 1, 10, "how many coefficients a polynomial has (degree + 1)"},
    {"polynomial coefficient", units::one, -1e4, 1e4, "each coefficient, in SI units (y per x^k)"},
};
// The kFunctionBounds entry `name`.
const FieldInfo& function_bound(std::string_view name);

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
  // Each throws InvalidArgument for a number or count outside kFunctionBounds.
  // x strictly increasing, same length as y.
  static Function spline(std::vector<double> x, std::vector<double> y);
  static Function polynomial(std::vector<double> coefficients_highest_first);
  Function() = default;  // constant 0

  // constant and linear inline: most joint axes of a model are one of them
  double value(double x) const {
    return kind_ == Kind::constant ? b_ : kind_ == Kind::linear ? a_ * x + b_ : curve_value(x);
  }
  double derivative(double x) const {
    return kind_ == Kind::constant ? 0.0 : kind_ == Kind::linear ? a_ : curve_derivative(x);
  }
  // Same function with y multiplied by s (used when scaling translations); throws
  // InvalidArgument when a value leaves kFunctionBounds.
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
  double curve_value(double x) const;       // spline, polynomial
  double curve_derivative(double x) const;  // spline, polynomial
};

}  // namespace biomech
