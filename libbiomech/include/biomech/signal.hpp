// Digital filters for recorded motion and EMG: Butterworth designs as
// second-order sections, causal and zero-phase (forward-backward) filtering,
// and OpenSim's low-pass of coordinates (AnalyzeTool, InverseDynamicsTool).
#pragma once
#include <Eigen/Core>
#include <complex>
#include <vector>

namespace biomech {

// One second-order section, a0 = 1:
//   H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2).
// A first-order section has b2 = a2 = 0 (scipy.signal's zpk2sos layout).
struct Biquad {
  double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
};

// Butterworth filters designed by the bilinear transform with the cut-offs
// pre-warped (2 fs tan(pi f / fs)), so that the gain at each cut-off is exactly
// 1/sqrt(2) (-3 dB). `order` >= 1 is the order of the low-pass prototype: a
// low- or high-pass has `order` poles, a band-pass 2 * order (as scipy.signal.butter).
// Gain 1 at DC (low-pass), at Nyquist (high-pass), at the pre-warped geometric
// centre of the band (band-pass). Cut-offs in Hz, 0 < f < rate_hz / 2; throws InvalidArgument.
std::vector<Biquad> butterworth_lowpass(int order, double cutoff_hz, double rate_hz);
std::vector<Biquad> butterworth_highpass(int order, double cutoff_hz, double rate_hz);
std::vector<Biquad> butterworth_bandpass(int order, double low_hz, double high_hz, double rate_hz);

// Complex frequency response H(e^{i 2 pi f / fs}) of the cascade at f_hz.
std::complex<double> frequency_response(const std::vector<Biquad>& sos, double f_hz, double rate_hz);

// Causal filtering from rest (zero initial state), transposed direct form II per section.
Eigen::VectorXd sos_filter(const std::vector<Biquad>& sos, const Eigen::Ref<const Eigen::VectorXd>& x);

// Default edge padding of filtfilt: 3 (2 n_sections + 1 - min(#b2 == 0, #a2 == 0)), scipy's.
int default_padlen(const std::vector<Biquad>& sos);

// Zero-phase filtering: forward then backward, so the gain is |H|^2 and the phase 0
// (a Butterworth low-pass run this way has gain 1/2, -6 dB, at its cut-off).
// The signal is extended at each end by `padlen` samples reflected through the end
// point (odd extension: 2 x[0] - x[k]); each pass starts from the steady state of a
// step of the first sample it sees. padlen < 0 means default_padlen(sos); it must be
// less than x.size(). The same arithmetic as scipy.signal.sosfiltfilt(padtype='odd').
Eigen::VectorXd filtfilt(const std::vector<Biquad>& sos, const Eigen::Ref<const Eigen::VectorXd>& x,
                         int padlen = -1);

// Column-wise filtfilt of a (n_samples, n_columns) matrix.
Eigen::MatrixXd filtfilt_columns(const std::vector<Biquad>& sos, const Eigen::Ref<const Eigen::MatrixXd>& x,
                                 int padlen = -1);

// OpenSim's coordinate low-pass, as AnalyzeTool and InverseDynamicsTool run it when
// lowpass_cutoff_frequency_for_coordinates >= 0 (opensim-core: Storage::pad(getSize()/2)
// then Storage::lowpassIIR(cutoff), which calls Signal::LowpassIIR):
//  1. pad: n/2 (integer division) samples prepended and appended, reflected through the
//     end sample (odd extension; Signal::Pad), the time column likewise;
//  2. if the padded times are not uniform (mean step - smallest step > 2.2e-16, SimTK::Eps),
//     resample every column at the smallest step from the first padded time
//     (t += dt while t <= last time) through a natural quintic interpolating spline
//     (Storage::resample(dt, 5): GCVSplineSet with error variance 0);
//  3. Signal::LowpassIIR: third-order Butterworth (bilinear, pre-warped), run forward,
//     then on the reversed result, then reversed again (zero-phase, gain 1/2 at the
//     cut-off); each pass copies its first three input samples to the output and runs
//     the recursion from the fourth.
// Returns the rows of the filtered (padded, possibly resampled) series from the last at or
// before time.front() to the first at or after time.back(): the input's rows when the times
// were uniform. Differences from OpenSim: a cut-off >= rate/2 throws
// (OpenSim warns and uses 0.49 rate); OpenSim caps a resampling at 100000 samples.
// time: (n,) s, strictly increasing, n >= 4; values: (n, m).
struct FilteredSeries {
  Eigen::VectorXd time;    // (k,) s
  Eigen::MatrixXd values;  // (k, m)
};
FilteredSeries lowpass_like_opensim(const Eigen::Ref<const Eigen::VectorXd>& time,
                                    const Eigen::Ref<const Eigen::MatrixXd>& values, double cutoff_hz);

// The steps of lowpass_like_opensim, for tests and for callers that need them alone.
// Odd extension by `pad` samples at each end (Signal::Pad); pad <= x.size() - 1.
Eigen::VectorXd pad_odd(const Eigen::Ref<const Eigen::VectorXd>& x, int pad);
// Signal::LowpassIIR on uniformly sampled x (dt s), n >= 4.
Eigen::VectorXd opensim_lowpass_iir(const Eigen::Ref<const Eigen::VectorXd>& x, double dt, double cutoff_hz);
// Natural interpolating spline of odd degree 2m - 1 (m = 1..4; natural: derivatives
// m..2m-2 vanish at both ends) through (x, y), evaluated at t (inside [x0, xn]);
// y (n, k): one spline per column, returns (t.size(), k): the values, or their
// `derivative`-th time derivative (0..degree). Degree 5 with error variance 0 is
// OpenSim's GCVSplineSet of coordinates (speeds and accelerations of the
// InverseDynamicsTool and AnalyzeTool), degree 3 its GCVSpline of external loads.
Eigen::MatrixXd natural_spline_interpolate(const Eigen::Ref<const Eigen::VectorXd>& x,
                                           const Eigen::Ref<const Eigen::MatrixXd>& y,
                                           const Eigen::Ref<const Eigen::VectorXd>& t, int degree,
                                           int derivative = 0);

}  // namespace biomech
