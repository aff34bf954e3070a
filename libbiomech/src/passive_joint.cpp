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
