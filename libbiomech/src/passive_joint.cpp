// Passive joint moments (passive_joint.hpp).
#include "biomech/passive_joint.hpp"

#include <cmath>

namespace biomech {

double PassiveJointMoment::moment(double q, double qdot) const {
  return k1 * std::exp(k2 * (q - q1)) + k3 * std::exp(k4 * (q - q2)) - damping * qdot;
}

double PassiveJointMoment::potential(double q) const {
  // V = -integral_0^q of the elastic moment
  double v = 0.0;
  if (k1 != 0.0) v -= k1 / k2 * (std::exp(k2 * (q - q1)) - std::exp(-k2 * q1));
  if (k3 != 0.0) v -= k3 / k4 * (std::exp(k4 * (q - q2)) - std::exp(-k4 * q2));
  return v;
}

PassiveJointEvaluator::PassiveJointEvaluator(const PassiveJointMoment& m)
    : m_(m), ratio_(std::exp(m.k4 * (m.q1 - m.q2))), e1_zero_(std::exp(-m.k2 * m.q1)),
      e2_zero_(std::exp(-m.k4 * m.q2)) {
  mirrored_ = m.k4 == -m.k2 && std::isnormal(ratio_);  // a ratio that under- or overflows: two exps
}

PassiveJointEvaluator::Exponentials PassiveJointEvaluator::at(double q) const {
  const double e1 = std::exp(m_.k2 * (q - m_.q1));
  return {e1, mirrored_ ? ratio_ / e1 : std::exp(m_.k4 * (q - m_.q2))};
}

double PassiveJointEvaluator::potential(const Exponentials& e) const {
  double v = 0.0;
  if (m_.k1 != 0.0) v -= m_.k1 / m_.k2 * (e.e1 - e1_zero_);
  if (m_.k3 != 0.0) v -= m_.k3 / m_.k4 * (e.e2 - e2_zero_);
  return v;
}

PassiveJointMoment PassiveJointMoment::hip_adduction() { return {}; }

PassiveJointMoment PassiveJointMoment::lumbar_bending() {
  PassiveJointMoment p;
  p.k1 = -0.25, p.k2 = 20.36, p.k3 = 0.25, p.k4 = -20.36;
  p.q1 = 0.3490658503988659, p.q2 = -0.3490658503988659;
  p.damping = 0.1;
  return p;
}

PassiveJointMoment PassiveJointMoment::none() {
  PassiveJointMoment p;
  p.k1 = p.k3 = 0.0;
  p.k2 = 1.0, p.k4 = -1.0;
  p.damping = 0.0;
  return p;
}

}  // namespace biomech
