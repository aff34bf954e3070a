// Hip abduction strength curve, MVIC test, weakness table and stretch
// lengths, on the muscle model of muscle.hpp.
#include "biomech/strength.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "biomech/errors.hpp"
#include "biomech/hill_muscle.hpp"
#include "biomech/muscle_path.hpp"
#include "internal.hpp"

namespace biomech {
namespace {

using internal::check_side;
using internal::fmt;
using internal::kNaN;

bool in_group(const Muscle& mu, char side, const std::string& group, const std::string& segment = "") {
  return mu.side == side && mu.group == group && (segment.empty() || mu.segment == segment);
}

}  // namespace

StrengthCurve strength_curve(const Model& model, Data& data, char side, double min_deg, double max_deg, int samples,
                             double velocity_deg) {
  check_side(side, "strength_curve");
  if (!(std::isfinite(min_deg) && std::isfinite(max_deg) && min_deg < max_deg && min_deg >= -90 && max_deg <= 90))
    throw InvalidArgument("strength_curve: expected -90 <= min_abduction_deg < max_abduction_deg <= 90, got " +
                          fmt(min_deg) + ", " + fmt(max_deg));
  if (samples < 3 || samples > kMaxStrengthSamples)
    throw InvalidArgument("strength_curve: expected samples in [3, " + std::to_string(kMaxStrengthSamples) + "], got " +
                          std::to_string(samples));
  if (!(std::isfinite(velocity_deg) && velocity_deg >= 0.0))
    throw InvalidArgument("strength_curve: expected a finite velocity_deg_per_s >= 0, got " + fmt(velocity_deg));
  const HipCoordinates h = hip_coordinates(model, side);
  StrengthCurve c;
  c.side = side;
  c.body_mass = model.total_mass();
  const double deg = internal::kDeg;
  c.angular_velocity = velocity_deg * deg;
  c.abduction_angle = Eigen::VectorXd::LinSpaced(samples, min_deg * deg, max_deg * deg);
  c.torque.setZero(samples);
  c.muscle_torque.setZero(samples, model.n_muscles());
  for (int k = 0; k < samples; ++k) {
    compute_muscle_paths(model, data, hip_posture(model, side, 0.0, -c.abduction_angle[k], 0.0, 0.0));
    for (int i = 0; i < model.n_muscles(); ++i) {
      const Muscle& mu = model.muscles[i];
      const double r_abd = -data.moment_arm(i, h.adduction);
      if (mu.side != side || !(r_abd > 0.0)) continue;
      const FiberState fs = fiber_state(mu, data.muscle_length[i]);
      double fv = 1.0;
      if (c.angular_velocity > 0.0) {
        const double v = -r_abd * c.angular_velocity * fs.cos_pennation;  // m/s, shortening < 0
        fv = force_velocity(v / (mu.optimal_fiber_length * mu.hill.max_contraction_velocity), 1.0, mu.hill);
      }
      c.muscle_torque(k, i) = fs.max_force * fv * r_abd;
    }
    c.torque[k] = c.muscle_torque.row(k).sum();
  }
  c.torque_per_kg = c.torque / c.body_mass;
  Eigen::Index best = 0;
  c.peak_torque = c.torque.maxCoeff(&best);
  c.peak_angle = c.abduction_angle[best];
  if (best > 0 && best + 1 < samples) {
    // vertex of the parabola through the best sample and its neighbours (equal spacing)
    const double y0 = c.torque[best - 1], y1 = c.torque[best], y2 = c.torque[best + 1];
    const double den = y0 - 2.0 * y1 + y2;
    if (den < 0.0) {
      const double t = 0.5 * (y0 - y2) / den;  // in (-1, 1) samples
      const double step = c.abduction_angle[1] - c.abduction_angle[0];
      c.peak_angle += t * step;
      c.peak_torque = y1 - 0.25 * (y0 - y2) * t;
    }
  }
  c.peak_torque_per_kg = c.peak_torque / c.body_mass;
  return c;
}

double max_isometric_moment(const Model& model, Data& data, char side, const Eigen::Ref<const Eigen::VectorXd>& posture,
                            const std::string& coordinate, double direction) {
  check_side(side, "max_isometric_moment");
  const int pi = model.posture_coordinate(coordinate);
  if (pi < 0) throw InvalidArgument("max_isometric_moment: expected a coordinate of model '" + model.name + "', got '" + coordinate + "'");
  if (posture.size() != model.nq())
    throw InvalidArgument("max_isometric_moment: expected posture of size " + std::to_string(model.nq()) + ", got " +
                          std::to_string(posture.size()));
  if (direction != 1.0 && direction != -1.0)
    throw InvalidArgument("max_isometric_moment: expected direction +1 or -1, got " + fmt(direction));
  compute_muscle_paths(model, data, posture);
  const Eigen::VectorXd f = effective_max_force(model, data);
  double moment = 0.0;
  for (int i = 0; i < model.n_muscles(); ++i) {
    const double r = direction * data.moment_arm(i, pi);
    if (model.muscles[i].side == side && r > 0.0) moment += f[i] * r;
  }
  return moment;
}

MvicReference mvic_test(const Model& model, Data& data, char side) {
  check_side(side, "mvic_test");
  const HipCoordinates h = hip_coordinates(model, side);
  const StrengthCurve curve = strength_curve(model, data, side);
  MvicReference r;
  r.side = side;
  r.abduction_angle = curve.peak_angle;
  r.posture = hip_posture(model, side, 0.0, -r.abduction_angle, 0.0, 0.0);
  compute_muscle_paths(model, data, r.posture);
  const Eigen::VectorXd f = effective_max_force(model, data);
  r.activation.setZero(model.n_muscles());
  r.force.setZero(model.n_muscles());
  for (int i = 0; i < model.n_muscles(); ++i) {
    const double r_abd = -data.moment_arm(i, h.adduction);
    if (model.muscles[i].side != side || !(r_abd > 0.0)) continue;
    r.activation[i] = 1.0;
    r.force[i] = f[i];
    r.torque += f[i] * r_abd;
  }
  return r;
}

// Activations are fractions of full activation: finite, in [0, 1].
static void check_activations(const Eigen::Ref<const Eigen::VectorXd>& a, const char* where) {
  for (Eigen::Index i = 0; i < a.size(); ++i)
    if (!(a[i] >= 0.0 && a[i] <= 1.0))
      throw InvalidArgument(std::string(where) + ": expected activations in [0, 1], got " + fmt(a[i]) +
                            " for muscle " + std::to_string(i));
}

Eigen::VectorXd percent_mvic(const MvicReference& mvic, const Eigen::Ref<const Eigen::VectorXd>& a) {
  if (a.size() != mvic.activation.size())
    throw InvalidArgument("percent_mvic: expected activation of size " + std::to_string(mvic.activation.size()) +
                          ", got " + std::to_string(a.size()));
  check_activations(a, "percent_mvic");
  Eigen::VectorXd p(a.size());
  for (Eigen::Index i = 0; i < a.size(); ++i)
    p[i] = mvic.activation[i] > 0.0 ? 100.0 * a[i] / mvic.activation[i] : kNaN;
  return p;
}

bool has_muscle_group(const Model& model, char side, const std::string& group, const std::string& segment) {
  return std::any_of(model.muscles.begin(), model.muscles.end(),
                     [&](const Muscle& mu) { return in_group(mu, side, group, segment); });
}

double group_percent_mvic(const Model& model, const MvicReference& mvic, const Eigen::Ref<const Eigen::VectorXd>& a,
                          const std::string& group, const std::string& segment) {
  if (a.size() != model.n_muscles() || mvic.activation.size() != model.n_muscles())
    throw InvalidArgument("group_percent_mvic: expected activation and MVIC reference of size " +
                          std::to_string(model.n_muscles()) + ", got " + std::to_string(a.size()) + " and " +
                          std::to_string(mvic.activation.size()));
  check_activations(a, "group_percent_mvic");
  double num_ = 0.0, den = 0.0;
  int found = 0;
  for (int i = 0; i < model.n_muscles(); ++i) {
    const Muscle& mu = model.muscles[i];
    if (!in_group(mu, mvic.side, group, segment)) continue;
    ++found;
    num_ += mu.max_isometric_force * a[i];
    den += mu.max_isometric_force * mvic.activation[i];
  }
  if (found == 0)
    throw InvalidArgument("group_percent_mvic: expected a muscle group of side '" + std::string(1, mvic.side) +
                          "', got group '" + group + "'" + (segment.empty() ? "" : " segment '" + segment + "'") +
                          " with no muscle");
  return den > 0.0 ? 100.0 * num_ / den : kNaN;
}

static_assert(kTflFloorPercentMvic == 1.0, "the gmed_tfl_ratio field docs and docs/exercise_file.md say 1 %MVIC");

double gmed_tfl_ratio(double gmed_percent_mvic, double tfl_percent_mvic) {
  if (std::isnan(gmed_percent_mvic) || std::isnan(tfl_percent_mvic)) return kNaN;
  return gmed_percent_mvic / std::max(tfl_percent_mvic, kTflFloorPercentMvic);
}

WeaknessTable weakness_table(const Model& model, Data& data, char side, const Eigen::Ref<const Eigen::VectorXd>& posture,
                             const Eigen::Ref<const Eigen::VectorXd>& hip_moments,
                             const std::vector<double>& levels, const std::string& weakened_group,
                             const RecruitmentOptions& options) {
  check_side(side, "weakness_table");
  const HipCoordinates h = hip_coordinates(model, side);
  if (posture.size() != model.nq())
    throw InvalidArgument("weakness_table: expected posture of size " + std::to_string(model.nq()) + ", got " +
                          std::to_string(posture.size()));
  if (hip_moments.size() != 3 || !hip_moments.allFinite())
    throw InvalidArgument("weakness_table: expected 3 finite hip moments (flexion, adduction, rotation; N m), got " +
                          std::to_string(hip_moments.size()) + " values");
  if (levels.empty()) throw InvalidArgument("weakness_table: expected at least one strength level, got none");
  for (double s : levels)
    if (!(std::isfinite(s) && s > 0.0))
      throw InvalidArgument("weakness_table: expected strength levels > 0, got " + fmt(s));

  compute_muscle_paths(model, data, posture);
  const Eigen::VectorXd f_eff = effective_max_force(model, data);
  const int dofs[3] = {h.flexion, h.adduction, h.rotation};

  // Muscles of this side that cross this hip, and their groups in model order.
  std::vector<int> muscles;
  WeaknessTable t;
  t.side = side;
  t.weakened_group = weakened_group;
  for (int i = 0; i < model.n_muscles(); ++i) {
    if (model.muscles[i].side != side) continue;
    double arm = 0.0;
    for (int d : dofs) arm = std::max(arm, std::abs(data.moment_arm(i, d)));
    if (arm < 1e-9) continue;
    muscles.push_back(i);
    if (std::find(t.groups.begin(), t.groups.end(), model.muscles[i].group) == t.groups.end())
      t.groups.push_back(model.muscles[i].group);
  }
  if (std::find(t.groups.begin(), t.groups.end(), weakened_group) == t.groups.end())
    throw InvalidArgument("weakness_table: expected a muscle group crossing the " + std::string(1, side) +
                          " hip, got '" + weakened_group + "'");
  const int n = static_cast<int>(muscles.size()), L = static_cast<int>(levels.size()),
            G = static_cast<int>(t.groups.size());
  Eigen::MatrixXd R(3, n);
  Eigen::VectorXd F(n);
  std::vector<int> group_of(n);
  for (int k = 0; k < n; ++k) {
    for (int d = 0; d < 3; ++d) R(d, k) = data.moment_arm(muscles[k], dofs[d]);
    group_of[k] = static_cast<int>(std::find(t.groups.begin(), t.groups.end(), model.muscles[muscles[k]].group) -
                                   t.groups.begin());
  }
  t.strength = Eigen::Map<const Eigen::VectorXd>(levels.data(), L);
  t.moment_share.setZero(L, G);
  t.mean_activation.setZero(L, G);
  t.reserve.setZero(L, 3);
  t.reserve_share.setZero(L);
  t.activation.setZero(L, model.n_muscles());
  RecruitmentWorkspace work;
  RecruitmentResult res;
  const double tau_add = hip_moments[1];
  for (int l = 0; l < L; ++l) {
    for (int k = 0; k < n; ++k)
      F[k] = f_eff[muscles[k]] * (model.muscles[muscles[k]].group == weakened_group ? levels[l] : 1.0);
    solve_recruitment(R, F, hip_moments, options, work, res);
    require_converged(res, "weakness_table");
    Eigen::VectorXd weight = Eigen::VectorXd::Zero(G);
    for (int k = 0; k < n; ++k) {
      const int g = group_of[k];
      const double fmax = model.muscles[muscles[k]].max_isometric_force;
      t.activation(l, muscles[k]) = res.activation[k];
      t.mean_activation(l, g) += fmax * res.activation[k];
      weight[g] += fmax;
      t.moment_share(l, g) += R(1, k) * res.force[k];
    }
    t.mean_activation.row(l).array() /= weight.transpose().array();
    t.reserve.row(l) = res.reserve.transpose();
    if (std::abs(tau_add) > 1e-12) {
      t.moment_share.row(l) /= tau_add;
      t.reserve_share[l] = res.reserve[1] / tau_add;
    } else {
      t.moment_share.row(l).setConstant(kNaN);
      t.reserve_share[l] = kNaN;
    }
  }
  return t;
}

StretchTable stretch_table(const Model& model, Data& data, const std::vector<Posture>& postures, char side,
                           const std::string& group) {
  check_side(side, "stretch_table");
  StretchTable t;
  t.side = side;
  std::vector<int> muscles;
  for (int i = 0; i < model.n_muscles(); ++i)
    if (in_group(model.muscles[i], side, group)) {
      muscles.push_back(i);
      t.muscles.push_back(model.muscles[i].name);
      t.segments.push_back(model.muscles[i].segment);
    }
  if (muscles.empty())
    throw InvalidArgument("stretch_table: expected a muscle group with muscles on side '" + std::string(1, side) +
                          "', got '" + group + "'");
  const int P = static_cast<int>(postures.size()), M = static_cast<int>(muscles.size());
  compute_muscle_paths(model, data, hip_posture(model, side, 0.0, 0.0, 0.0, 0.0));
  t.neutral_length.resize(M);
  for (int k = 0; k < M; ++k) t.neutral_length[k] = data.muscle_length[muscles[k]];

  Eigen::MatrixXd length(P, M), ratio(P, M), fiber(P, M);
  Eigen::VectorXd mean(P);
  for (int p = 0; p < P; ++p) {
    const Posture& ps = postures[p];
    compute_muscle_paths(model, data,
                         hip_posture(model, side, ps.hip_flexion, ps.hip_adduction, ps.hip_rotation, ps.knee_flexion));
    for (int k = 0; k < M; ++k) {
      const int i = muscles[k];
      length(p, k) = data.muscle_length[i];
      ratio(p, k) = data.muscle_length[i] / t.neutral_length[k];
      fiber(p, k) = fiber_state(model.muscles[i], data.muscle_length[i]).normalized_length;
    }
    mean[p] = ratio.row(p).mean() - 1.0;
  }
  // rank: longest (largest mean relative change) first; ties keep the file order
  std::vector<int> order(P);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return mean[a] > mean[b]; });
  t.length.resize(P, M);
  t.length_ratio.resize(P, M);
  t.fiber_length.resize(P, M);
  t.mean_change.resize(P);
  for (int r = 0; r < P; ++r) {
    const int p = order[r];
    t.postures.push_back(postures[p].name);
    t.length.row(r) = length.row(p);
    t.length_ratio.row(r) = ratio.row(p);
    t.fiber_length.row(r) = fiber.row(p);
    t.mean_change[r] = mean[p];
  }
  return t;
}

}  // namespace biomech
