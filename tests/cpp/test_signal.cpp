#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>

#include "biomech/errors.hpp"
#include "biomech/signal.hpp"

using namespace biomech;

namespace {

const double kHalfPower = 1 / std::sqrt(2.0);

Eigen::VectorXd sine(int n, double f_hz, double rate_hz) {
  Eigen::VectorXd x(n);
  for (int i = 0; i < n; ++i) x[i] = std::sin(2 * std::numbers::pi * f_hz * i / rate_hz);
  return x;
}

Eigen::VectorXd noise(int n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> d;
  Eigen::VectorXd x(n);
  for (int i = 0; i < n; ++i) x[i] = d(gen);
  return x;
}

}  // namespace

TEST(Signal, ButterworthLowpassIsMinus3dBAtCutoffAndUnityAtDC) {
  for (int order = 1; order <= 8; ++order) {
    const auto sos = butterworth_lowpass(order, 6.0, 100.0);
    EXPECT_EQ(sos.size(), static_cast<size_t>((order + 1) / 2));
    EXPECT_NEAR(std::abs(frequency_response(sos, 0.0, 100.0)), 1.0, 1e-12) << order;
    EXPECT_NEAR(std::abs(frequency_response(sos, 6.0, 100.0)), kHalfPower, 1e-12) << order;
    EXPECT_NEAR(std::abs(frequency_response(sos, 50.0, 100.0)), 0.0, 1e-12) << order;  // zeros at Nyquist
    double last = 1.0;  // Butterworth: monotone magnitude
    for (double f = 0.5; f < 50; f += 0.5) {
      const double g = std::abs(frequency_response(sos, f, 100.0));
      EXPECT_LT(g, last + 1e-12) << order << " " << f;
      last = g;
    }
  }
}

TEST(Signal, ButterworthHighpassAndBandpassGains) {
  for (int order = 1; order <= 6; ++order) {
    const auto hp = butterworth_highpass(order, 20.0, 1000.0);
    EXPECT_NEAR(std::abs(frequency_response(hp, 20.0, 1000.0)), kHalfPower, 1e-12);
    EXPECT_NEAR(std::abs(frequency_response(hp, 500.0, 1000.0)), 1.0, 1e-12);
    EXPECT_NEAR(std::abs(frequency_response(hp, 0.0, 1000.0)), 0.0, 1e-12);
    const auto bp = butterworth_bandpass(order, 20.0, 450.0, 1000.0);
    EXPECT_EQ(bp.size(), static_cast<size_t>(order));
    EXPECT_NEAR(std::abs(frequency_response(bp, 20.0, 1000.0)), kHalfPower, 1e-12) << order;
    EXPECT_NEAR(std::abs(frequency_response(bp, 450.0, 1000.0)), kHalfPower, 1e-12) << order;
    EXPECT_NEAR(std::abs(frequency_response(bp, 0.0, 1000.0)), 0.0, 1e-12);
    EXPECT_NEAR(std::abs(frequency_response(bp, 500.0, 1000.0)), 0.0, 1e-12);
    // inside the band the gain stays between -3 dB and 1
    for (double f = 25; f < 450; f += 5) {
      const double g = std::abs(frequency_response(bp, f, 1000.0));
      EXPECT_GT(g, kHalfPower);
      EXPECT_LT(g, 1 + 1e-12);
    }
  }
}

TEST(Signal, DesignRejectsBadArguments) {
  EXPECT_THROW(butterworth_lowpass(0, 6, 100), InvalidArgument);
  EXPECT_THROW(butterworth_lowpass(2, 50, 100), InvalidArgument);
  EXPECT_THROW(butterworth_lowpass(2, 0, 100), InvalidArgument);
  EXPECT_THROW(butterworth_bandpass(2, 450, 20, 1000), InvalidArgument);
  EXPECT_THROW(filtfilt(butterworth_lowpass(4, 6, 100), Eigen::VectorXd::Zero(10)), InvalidArgument);
}

TEST(Signal, FiltfiltKeepsConstantsAndHalvesTheCutoffAmplitude) {
  const auto sos = butterworth_lowpass(4, 6.0, 100.0);
  const Eigen::VectorXd c = Eigen::VectorXd::Constant(200, 3.7);
  EXPECT_LT((filtfilt(sos, c) - c).cwiseAbs().maxCoeff(), 1e-12);
  // forward-backward: gain |H|^2 = 1/2 at the cut-off
  const Eigen::VectorXd x = sine(4000, 6.0, 100.0);
  const Eigen::VectorXd y = filtfilt(sos, x);
  const Eigen::Index mid = 2000, span = 400;  // away from the edges
  EXPECT_NEAR(y.segment(mid - span, 2 * span).cwiseAbs().maxCoeff(), 0.5, 2e-3);
  // zero phase: the output peaks where the input does
  EXPECT_LT((y.segment(mid - span, 2 * span) - 0.5 * x.segment(mid - span, 2 * span)).cwiseAbs().maxCoeff(), 2e-3);
}

TEST(Signal, FiltfiltImpulseResponseIsSymmetric) {
  for (const auto& sos : {butterworth_lowpass(4, 10.0, 1000.0), butterworth_bandpass(2, 20.0, 450.0, 1000.0),
                          butterworth_highpass(3, 20.0, 1000.0)}) {
    const int n = 4001, c = 2000;
    Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
    x[c] = 1.0;
    const Eigen::VectorXd y = filtfilt(sos, x);
    double worst = 0;
    for (int k = 1; k < 1500; ++k) worst = std::max(worst, std::abs(y[c + k] - y[c - k]));
    EXPECT_LT(worst, 1e-12);
    EXPECT_GT(std::abs(y[c]), 1e-3);
  }
}

TEST(Signal, CausalFilterStepSettlesToTheDCGain) {
  const auto sos = butterworth_lowpass(2, 5.0, 100.0);
  const Eigen::VectorXd y = sos_filter(sos, Eigen::VectorXd::Ones(500));
  EXPECT_NEAR(y[499], 1.0, 1e-9);
  EXPECT_GT(y.maxCoeff(), 1.0);  // second-order Butterworth overshoots a step (4.3 %)
  EXPECT_NEAR(y[0], sos[0].b0, 1e-15);
}

TEST(Signal, PadOddReflectsThroughTheEndSamples) {
  Eigen::VectorXd x(5);
  x << 1, 2, 4, 7, 11;
  const Eigen::VectorXd s = pad_odd(x, 2);
  Eigen::VectorXd expected(9);
  expected << 2 * 1 - 4, 2 * 1 - 2, 1, 2, 4, 7, 11, 2 * 11 - 7, 2 * 11 - 4;
  EXPECT_EQ(s, expected);
  EXPECT_THROW(pad_odd(x, 5), InvalidArgument);
}

TEST(Signal, OpensimLowpassIsAThirdOrderButterworthRunBothWays) {
  const double rate = 120.0, fc = 6.0;
  const Eigen::VectorXd x = noise(3000, 7);
  const Eigen::VectorXd y = opensim_lowpass_iir(x, 1 / rate, fc);
  const Eigen::VectorXd z = filtfilt(butterworth_lowpass(3, fc, rate), x);
  // the same filter; only the start-up differs, which has died out in the middle
  EXPECT_LT((y.segment(1000, 1000) - z.segment(1000, 1000)).cwiseAbs().maxCoeff(), 1e-10);
  const Eigen::VectorXd c = Eigen::VectorXd::Constant(50, -2.5);
  EXPECT_LT((opensim_lowpass_iir(c, 1 / rate, fc) - c).cwiseAbs().maxCoeff(), 1e-12);
  const Eigen::VectorXd s = opensim_lowpass_iir(sine(6000, fc, rate), 1 / rate, fc);
  EXPECT_NEAR(s.segment(2000, 2000).cwiseAbs().maxCoeff(), 0.5, 2e-3);
}

TEST(Signal, NaturalQuinticSplineInterpolatesAndReproducesQuadratics) {
  std::mt19937 gen(3);
  std::uniform_real_distribution<double> u(0.5, 1.5);
  const int n = 40;
  Eigen::VectorXd x(n), y(n), q(n);
  double t = 0;
  for (int i = 0; i < n; ++i) {
    x[i] = t;
    t += 0.01 * u(gen);
    y[i] = std::sin(8 * x[i]);
    q[i] = 2 - 3 * x[i] + 5 * x[i] * x[i];
  }
  EXPECT_LT((natural_spline_interpolate(x, y, x, 5).col(0) - y).cwiseAbs().maxCoeff(), 1e-12);
  const Eigen::VectorXd tt = Eigen::VectorXd::LinSpaced(333, x[0], x[n - 1]);
  Eigen::MatrixXd yq(n, 2);
  yq << y, q;
  const Eigen::MatrixXd both = natural_spline_interpolate(x, yq, tt, 5);  // one spline per column
  for (Eigen::Index k = 0; k < tt.size(); ++k) {
    EXPECT_NEAR(both(k, 1), 2 - 3 * tt[k] + 5 * tt[k] * tt[k], 1e-10);
    // between the knots it follows the smooth function it interpolates
    EXPECT_NEAR(both(k, 0), std::sin(8 * tt[k]), 1e-5);
  }
  // the natural cubic (degree 3) also reproduces a straight line
  const Eigen::VectorXd line = (2 * x.array() - 1).matrix();
  EXPECT_LT((natural_spline_interpolate(x, line, tt, 3).col(0) - (2 * tt.array() - 1).matrix()).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(Signal, LowpassLikeOpensimOnUniformTimesKeepsTheGrid) {
  const int n = 101;
  const double rate = 100.0;
  Eigen::VectorXd time(n);
  for (int i = 0; i < n; ++i) time[i] = 0.5 + i / rate + 1e-7 * (i % 3);  // jitter as in a file's rounded times
  Eigen::MatrixXd v(n, 2);
  v.col(0) = sine(n, 2.0, rate);
  v.col(1) = noise(n, 11);
  // exactly uniform times: no resampling, the same grid, pad + Signal::LowpassIIR
  Eigen::VectorXd tu = Eigen::VectorXd::LinSpaced(n, 0.0, 1.0);
  const FilteredSeries f = lowpass_like_opensim(tu, v, 6.0);
  ASSERT_EQ(f.time.size(), n);
  EXPECT_EQ(f.time, tu);
  const double dt = tu[1] - tu[0];
  for (int j = 0; j < 2; ++j) {
    const Eigen::VectorXd ref = opensim_lowpass_iir(pad_odd(v.col(j), n / 2), dt, 6.0).segment(n / 2, n);
    EXPECT_LT((f.values.col(j) - ref).cwiseAbs().maxCoeff(), 1e-12);
  }
  // a slow sine passes almost unchanged
  EXPECT_LT((f.values.col(0) - v.col(0)).cwiseAbs().maxCoeff(), 0.02);
  // jittered times are resampled at the smallest step, inside the original range
  const FilteredSeries g = lowpass_like_opensim(time, v, 6.0);
  const Eigen::Index k = g.time.size();
  EXPECT_LE(g.time[0], time[0]);
  EXPECT_GT(g.time[1], time[0]);
  EXPECT_GE(g.time[k - 1], time[n - 1]);
  EXPECT_LT(g.time[k - 2], time[n - 1]);
  const double step = g.time[1] - g.time[0];
  for (Eigen::Index i = 2; i < k; ++i) EXPECT_NEAR(g.time[i] - g.time[i - 1], step, 1e-12);
  EXPECT_NEAR(step, 0.01 - 2e-7, 1e-12);  // the smallest step of the jittered times
  // the same filtered curve as on the uniform grid, seen through the jitter of the times
  for (Eigen::Index i = 0; i < k; ++i) {
    const double s = (g.time[i] - 0.5) * rate;
    const auto j = std::clamp<Eigen::Index>(static_cast<Eigen::Index>(std::floor(s)), 0, n - 2);
    const double w = s - j, ref = (1 - w) * f.values(j, 0) + w * f.values(j + 1, 0);
    EXPECT_NEAR(g.values(i, 0), ref, 3e-3) << i;
  }
  EXPECT_THROW(lowpass_like_opensim(tu, v.topRows(50), 6.0), InvalidArgument);
  EXPECT_THROW(lowpass_like_opensim(tu.reverse(), v, 6.0), InvalidArgument);
}
