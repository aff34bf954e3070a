// Passive joint moments: ligaments, capsule and other passive tissue about one
// coordinate, as in Anderson FC (1999) A dynamic optimization solution for a
// complete cycle of normal gait, PhD thesis, Univ. of Texas at Austin, Table
// G.2 and eq. 4.4, double exponential M = k1 exp(k2 (q - q1)) + k3 exp(k4 (q - q2)):
//   hip adduction   k = (-0.03, 14.94, 0.03, -14.94), q1, q2 = 0.5, -0.5 rad
//   lumbar bending  k = (-0.25, 20.36, 0.25, -20.36), q1, q2 = 0.349, -0.349 rad
// (the values as used by Falisse et al. 2019, J R Soc Interface 16:20190402),
// plus linear damping 0.1 N m s/rad (Falisse et al. 2019). Anderson's hip curve
// is soft in adduction: ~0.6 N m at 40 deg (van Arkel et al. 2015, J Biomech
// 48:3803-3809, measured ~5 N m of ligament moment there in cadaver hips).
#pragma once

namespace biomech {

// Passive joint moment M = k1 exp(k2 (q - q1)) + k3 exp(k4 (q - q2)) - damping * qdot,
// in the coordinate's direction (N m, q in rad). Defaults: hip adduction (Anderson 1999).
struct PassiveJointMoment {
  double k1 = -0.03, k2 = 14.94, k3 = 0.03, k4 = -14.94;  // N m, 1/rad, N m, 1/rad
  double q1 = 0.5, q2 = -0.5;                             // rad
  double damping = 0.1;                                   // N m s / rad
  double moment(double q, double qdot) const;
  // potential energy whose negative gradient is the elastic part (J), zero at q = 0
  double potential(double q) const;
  static PassiveJointMoment hip_adduction();   // Anderson 1999, see the file comment
  static PassiveJointMoment lumbar_bending();  // Anderson 1999, see the file comment
  static PassiveJointMoment none();            // no passive moment, no damping
};

// A PassiveJointMoment for inner loops (the dynamics' right-hand side): its constants
// computed once, and one exp per evaluation when k4 = -k2, as in Anderson's mirrored curves
// (then exp(k4 (q - q2)) = exp(k4 (q1 - q2)) / exp(k2 (q - q1))). A sample takes the moment
// and the potential from the same exponentials. Equal to PassiveJointMoment to rounding.
class PassiveJointEvaluator {
 public:
  struct Exponentials {
    double e1 = 0.0, e2 = 0.0;  // exp(k2 (q - q1)), exp(k4 (q - q2))
  };
  explicit PassiveJointEvaluator(const PassiveJointMoment& m);
  Exponentials at(double q) const;
  double moment(const Exponentials& e, double qdot) const {  // N m
    return m_.k1 * e.e1 + m_.k3 * e.e2 - m_.damping * qdot;
  }
  double potential(const Exponentials& e) const;  // J, zero at q = 0 (PassiveJointMoment::potential)

 private:
  PassiveJointMoment m_;
  bool mirrored_ = false;
  double ratio_ = 0.0;                  // exp(k4 (q1 - q2)), when mirrored
  double e1_zero_ = 0.0, e2_zero_ = 0.0;  // the exponentials at q = 0
};

}  // namespace biomech
