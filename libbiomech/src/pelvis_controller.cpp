// The controller of the pelvis dynamics (pelvis_controller.hpp): effort ->
// excitations, feedback on the (delayed) obliquity, feed-forward along a
// reference motion, prescribed excitations, the trunk-lean target.
#include "biomech/pelvis_controller.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

#include "pelvis_system.hpp"

namespace biomech {

// ---------------------------------------------------------------- effort map

EffortMap::EffortMap(std::vector<double> capacity) : c_(std::move(capacity)) {
  const int n = static_cast<int>(c_.size());
  order_.resize(n);
  std::iota(order_.begin(), order_.end(), 0);
  std::sort(order_.begin(), order_.end(), [&](int a, int b) { return c_[a] > c_[b]; });
  total_ = 0.0;
  for (double x : c_) total_ += x;
  sat_sum_.assign(n + 1, 0.0);
  unsat_sq_.assign(n + 1, 0.0);
  for (int k = 0; k <= n; ++k) {
    for (int j = 0; j < k; ++j) sat_sum_[k] += c_[order_[j]];
    for (int j = k; j < n; ++j) unsat_sq_[k] += c_[order_[j]] * c_[order_[j]];
  }
  // moment when muscle order_[k] just saturates (s = 1 / c)
  for (int k = 0; k < n && c_[order_[k]] > 0.0; ++k) moment_at_.push_back(sat_sum_[k] + unsat_sq_[k] / c_[order_[k]]);
  double cmin = std::numeric_limits<double>::infinity();
  for (double x : c_)
    if (x > 0) cmin = std::min(cmin, x);
  saturated_scale_ = std::isfinite(cmin) ? 1.0 / cmin : 0.0;
}

double EffortMap::scale(double e) const {
  const double target = std::clamp(e, 0.0, 1.0) * total_;
  for (size_t k = 0; k < moment_at_.size(); ++k)
    if (target <= moment_at_[k]) return unsat_sq_[k] > 0 ? (target - sat_sum_[k]) / unsat_sq_[k] : 0.0;
  return saturated_scale_;  // everything saturated
}

void EffortMap::excitations(double e, double* u) const {
  const double s = scale(e);
  for (size_t i = 0; i < c_.size(); ++i) u[i] = std::clamp(s * c_[i], 0.0, 1.0);
}

namespace pelvis {

// ---------------------------------------------------------------- delayed feedback

void DelayHistory::push(double ti, double thi, double omi, double ali) {
  if (!t.empty() && ti <= t.back()) {  // replace a point at the same time
    while (t.size() > begin && t.back() >= ti) t.pop_back(), th.pop_back(), om.pop_back(), al.pop_back();
  }
  t.push_back(ti), th.push_back(thi), om.push_back(omi), al.push_back(ali);
}

void DelayHistory::prune(double tmin) {
  while (begin + 2 < t.size() && t[begin + 1] <= tmin) ++begin;
  if (begin > 4096) {
    t.erase(t.begin(), t.begin() + begin), th.erase(th.begin(), th.begin() + begin);
    om.erase(om.begin(), om.begin() + begin), al.erase(al.begin(), al.begin() + begin);
    begin = 0;
  }
}

void DelayHistory::at(double tq, double& thq, double& omq) const {
  if (tq <= t[begin]) {
    thq = th[begin], omq = om[begin];
    return;
  }
  if (tq >= t.back()) {  // cannot happen when steps are capped at the delay; hold the last value
    thq = th.back(), omq = om.back();
    return;
  }
  const size_t k = static_cast<size_t>(std::upper_bound(t.begin() + begin, t.end(), tq) - t.begin()) - 1;
  const double h = t[k + 1] - t[k];
  const double s = (tq - t[k]) / h, s2 = s * s, s3 = s2 * s;
  const double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2, h11 = s3 - s2;
  thq = h00 * th[k] + h10 * h * om[k] + h01 * th[k + 1] + h11 * h * om[k + 1];
  omq = h00 * om[k] + h10 * h * al[k] + h01 * om[k + 1] + h11 * h * al[k + 1];
}

// ---------------------------------------------------------------- drive

double PelvisController::effort_feedforward(double t) const {
  if (feedforward_table.empty()) return feedforward;
  const double u = t / feedforward_dt;
  if (u <= 0) return feedforward_table.front();
  const size_t k = static_cast<size_t>(u);
  if (k + 1 >= feedforward_table.size()) return feedforward_table.back();
  const double s = u - static_cast<double>(k);
  return (1 - s) * feedforward_table[k] + s * feedforward_table[k + 1];
}

double PelvisController::feedback_effort(double t, double theta, double omega, double t_reference) const {
  double thr = 0, omr = 0, alr = 0;
  if (reference) reference(t_reference, thr, omr, alr);
  return std::clamp(effort_feedforward(t) + options.kp * (theta - thr) + options.kd * (omega - omr), 0.0, 1.0);
}

void PelvisController::prescribed(double t, double* u) const {
  const ControllerOptions& c = options;
  if (c.prescribed_time.size() == 0) {
    for (int i = 0; i < n; ++i) u[i] = c.prescribed_excitation;
    return;
  }
  const auto& T = c.prescribed_time;
  const int k = static_cast<int>(T.size());
  if (t <= T[0] || k == 1) {
    for (int i = 0; i < n; ++i) u[i] = c.prescribed_excitations(0, i);
    return;
  }
  if (t >= T[k - 1]) {
    for (int i = 0; i < n; ++i) u[i] = c.prescribed_excitations(k - 1, i);
    return;
  }
  const int j = static_cast<int>(std::upper_bound(T.data(), T.data() + k, t) - T.data()) - 1;
  const double s = (t - T[j]) / (T[j + 1] - T[j]);
  for (int i = 0; i < n; ++i)
    u[i] = (1 - s) * c.prescribed_excitations(j, i) + s * c.prescribed_excitations(j + 1, i);
}

double PelvisController::lean_target(double lean0, double theta_delayed) const {
  if (!options.compensation) return lean0;
  return std::clamp(lean0 + options.lean_gain * std::max(theta_delayed, 0.0), std::min(0.0, lean0), options.lean_max);
}

// Feed-forward effort along a reference motion: the static and inertial
// moment the reference needs (inverse dynamics of the plant, lean held),
// turned into effort for the muscles the nervous system expects (S.expected()),
// then led by the activation time constant so that activations, not excitations, follow it.
void build_feedforward_table(PelvisSystem& S) {
  const PelvisSimulationOptions& O = S.O;
  const double dt = 0.005;
  const int k = static_cast<int>(std::ceil(O.duration / dt)) + 2;
  std::vector<double> e(k);
  const V2 Ra = rot2(S.a, 0.0), Rb = rot2(S.b, -S.lean0);
  const double m_eff = S.I1 + S.m2 * S.a.squaredNorm() + 2 * S.m2 * Ra.dot(Rb) + S.I2 + S.m2 * S.b.squaredNorm();
  for (int i = 0; i < k; ++i) {
    double th, om, al;
    O.reference(i * dt, th, om, al);
    e[i] = static_solve(S, S.expected(), th, S.lean0, m_eff * al, om).effort;
  }
  std::vector<double>& table = S.controller.feedforward_table;
  table.resize(k);
  for (int i = 0; i < k; ++i) {
    const double de = (e[std::min(i + 1, k - 1)] - e[std::max(i - 1, 0)]) / (dt * (i == 0 || i == k - 1 ? 1 : 2));
    const double tau = de > 0 ? O.hill.activation_time * (0.5 + 1.5 * e[i]) : O.hill.deactivation_time / (0.5 + 1.5 * e[i]);
    table[i] = std::clamp(e[i] + tau * de, 0.0, 1.0);
  }
  S.controller.feedforward_dt = dt;
}

}  // namespace pelvis
}  // namespace biomech
