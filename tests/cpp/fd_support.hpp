// Shared pieces of the finite-difference checks of moment arms.
#pragma once
#include <Eigen/Core>
#include <random>
#include <vector>

#include "biomech/model.hpp"

namespace biomech::test_support {

// The model's default posture with the posture coordinates `coords` drawn
// uniformly within their ranges.
inline Eigen::VectorXd random_posture(const Model& m, std::mt19937& rng, const std::vector<int>& coords) {
  Eigen::VectorXd q = m.default_posture();
  for (int k : coords) {
    const Coordinate& c = m.coordinates[m.independent[k]];
    q[k] = std::uniform_real_distribution<double>(c.range_min, c.range_max)(rng);
  }
  return q;
}

// Every posture coordinate drawn within its range.
inline Eigen::VectorXd random_posture(const Model& m, std::mt19937& rng) {
  std::vector<int> all(m.nq());
  for (int k = 0; k < m.nq(); ++k) all[k] = k;
  return random_posture(m, rng, all);
}

// True when a conditional point of muscle `i` enters or leaves the path while
// posture coordinate k moves over [q_k - h, q_k + h]: the length has a kink
// there, so the central difference is not a derivative and is not checked.
inline bool conditional_switch_within(const Model& m, int i, int k, const Eigen::VectorXd& q, double h) {
  const auto inside = [](const PathPoint& p, double v) { return v >= p.range_min && v <= p.range_max; };
  for (const PathPoint& p : m.muscles[i].path) {
    if (p.type != PathPoint::Type::conditional) continue;
    const Coordinate& c = m.coordinates[p.condition_coordinate];
    double lo = 0.0, hi = 0.0;
    if (m.posture_index[p.condition_coordinate] == k) {
      lo = q[k] - h, hi = q[k] + h;
    } else if (c.driver >= 0 && m.posture_index[c.driver] == k) {
      lo = c.coupler.value(q[k] - h), hi = c.coupler.value(q[k] + h);
    } else {
      continue;
    }
    if (inside(p, lo) != inside(p, hi)) return true;
  }
  return false;
}

}  // namespace biomech::test_support
