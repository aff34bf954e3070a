#include <gtest/gtest.h>

#include <cmath>

#include "biomech/errors.hpp"
#include "biomech/function.hpp"

using biomech::Function;

TEST(Function, SplineInterpolatesKnotsAndHasConsistentDerivative) {
  const std::vector<double> x{-2.0944, -1.74533, -1.39626, -1.0472, -0.698132, -0.349066, -0.174533, 0.197344};
  const std::vector<double> y{-0.0032, 0.00179, 0.00411, 0.0041, 0.00212, -0.001, -0.0031, -0.005227};
  const Function f = Function::spline(x, y);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(f.value(x[i]), y[i], 1e-15);
  for (double t = -2.3; t < 0.4; t += 0.01) {
    const double h = 1e-6;
    EXPECT_NEAR(f.derivative(t), (f.value(t + h) - f.value(t - h)) / (2 * h), 1e-6) << t;
  }
}

TEST(Function, SplineReproducesACubicExactly) {
  // FMM end conditions are exact for cubics
  std::vector<double> x, y;
  for (int i = 0; i < 7; ++i) {
    const double t = 0.3 * i * i - 1.0;
    x.push_back(t);
    y.push_back(0.5 * t * t * t - t * t + 2 * t - 1);
  }
  const Function f = Function::spline(x, y);
  for (double t = x.front(); t <= x.back(); t += 0.05) EXPECT_NEAR(f.value(t), 0.5 * t * t * t - t * t + 2 * t - 1, 1e-10);
}

TEST(Function, PolynomialLinearConstant) {
  const Function p = Function::polynomial({2.0, -3.0, 1.0});  // 2x^2 - 3x + 1
  EXPECT_DOUBLE_EQ(p.value(2.0), 3.0);
  EXPECT_DOUBLE_EQ(p.derivative(2.0), 5.0);
  EXPECT_DOUBLE_EQ(Function::linear(2.0, 1.0).value(3.0), 7.0);
  EXPECT_DOUBLE_EQ(Function::constant(4.0).derivative(1.0), 0.0);
  EXPECT_DOUBLE_EQ(Function::linear(2.0, 1.0).scaled(0.5).value(3.0), 3.5);
}

TEST(Function, BadKnotsAreRejected) {
  EXPECT_THROW(Function::spline({0.0, 0.0}, {1.0, 2.0}), biomech::InvalidArgument);
  EXPECT_THROW(Function::spline({0.0}, {1.0}), biomech::InvalidArgument);
  EXPECT_THROW(Function::spline({0.0, 1.0}, {1.0}), biomech::InvalidArgument);
  EXPECT_THROW(Function::constant(std::nan("")), biomech::InvalidArgument);
}

// kFunctionBounds: counts and magnitudes refused before anything is fitted.
TEST(Function, BoundsOnCountsAndValues) {
  std::vector<double> x(1001), y(1001, 0.0);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 1e-3 * static_cast<double>(i);
  EXPECT_THROW(Function::spline(x, y), biomech::InvalidArgument);  // 1001 knots
  x.pop_back(), y.pop_back();
  EXPECT_NO_THROW(Function::spline(x, y));                          // 1000 knots
  EXPECT_THROW(Function::spline({0.0, 1e308}, {0.0, 1.0}), biomech::InvalidArgument);
  EXPECT_THROW(Function::spline({0.0, 1.0}, {0.0, 1001.0}), biomech::InvalidArgument);
  EXPECT_THROW(Function::spline({0.0, 1e-320, 1.0}, {0.0, 1.0, 0.0}), biomech::InvalidArgument);  // fuzz finding
  EXPECT_NO_THROW(Function::spline({0.0, 1e-9, 1.0}, {0.0, 1.0, 0.0}));
  EXPECT_THROW(Function::polynomial(std::vector<double>(11, 1.0)), biomech::InvalidArgument);
  EXPECT_NO_THROW(Function::polynomial(std::vector<double>(10, 1.0)));
  EXPECT_THROW(Function::polynomial({1.0, 2e4}), biomech::InvalidArgument);
  EXPECT_THROW(Function::polynomial({}), biomech::InvalidArgument);
  EXPECT_THROW(Function::linear(1e308, 0.0), biomech::InvalidArgument);
  EXPECT_THROW(Function::constant(-1e4), biomech::InvalidArgument);
  // scaling keeps the bounds: a translation spline scaled past 1000 m is refused
  const Function f = Function::spline({0.0, 1.0}, {0.0, 0.5});
  EXPECT_NO_THROW(f.scaled(2.0));
  EXPECT_THROW(f.scaled(1e306), biomech::InvalidArgument);
  try {
    Function::spline({0.0, 1.0}, {0.0, 1e308});
  } catch (const biomech::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("expected function value in [-1000, 1000] rad or m, got 1e+308"),
              std::string::npos)
        << e.what();
  }
}
