// The Q-angle (quadriceps angle) and the knee's frontal-plane projection angle
// from landmarks, for any posture.
//
// Q-angle: the angle between the line from the anterior superior iliac spine
// (asis_<side>) to the patella centre (patella_centre_<side>) and the line from
// the patella centre to the tibial tuberosity (tibial_tuberosity_<side>), both
// projected on the pelvis's frontal plane; positive when the tuberosity lies
// lateral to the extended ASIS-patella line (the normal case).
// Knee frontal-plane projection angle (FPPA): the angle between the thigh line
// (hip_centre -> knee_centre) and the shank line (knee_centre -> ankle_centre) in
// the same plane; positive = valgus (knee medial of the hip-ankle line).
//
// Weight bearing (the default): the foot stays planted. The femur takes the
// posture's hip angles; the tibia keeps the orientation it has with that side's
// hip adduction and rotation at zero, turned only as much as needed for the
// shank to reach from the knee's new place to the planted ankle (no knee
// frontal or axial rotation dof is needed). Hip adduction then moves the knee
// medially over the foot (dynamic valgus) and hip internal rotation turns the
// patella inward over the fixed tibia, as Powers (2010, JOSPT 40:42-51)
// describes. Open chain: the tibia follows the femur through the model's knee.
#pragma once
#include <Eigen/Core>

#include "biomech/model.hpp"

namespace biomech {

struct QAngleOptions {
  bool weight_bearing = true;
  double quadriceps_force = 0.0;  // N, for the lateral pull on the patella
};

struct QAngleResult {
  double q_angle = 0.0;             // rad
  double knee_fppa = 0.0;           // rad, valgus +
  // Resultant of the quadriceps (toward the ASIS) and patellar tendon (toward the
  // tuberosity) pulls on the patella, each of magnitude quadriceps_force, in the frontal plane:
  double lateral_pull_n = 0.0;      // N, its lateral component (toward the side's lateral)
  Vec3 patella_force = Vec3::Zero();// N, the resultant in ground
  // landmark positions used (ground, m)
  Vec3 asis = Vec3::Zero(), patella = Vec3::Zero(), tuberosity = Vec3::Zero();
  Vec3 hip = Vec3::Zero(), knee = Vec3::Zero(), ankle = Vec3::Zero();
};

// Q-angle of `side` ('r' or 'l') at posture q (nq). Needs landmarks asis_<s>,
// patella_centre_<s>, tibial_tuberosity_<s> (and hip_centre_<s>, knee_centre_<s>,
// ankle_centre_<s>, else the hip and knee joint centres and the tibia's child joint).
// Throws InvalidArgument for a missing landmark, a bad side or a negative force.
QAngleResult q_angle(const Model& model, const Eigen::Ref<const Eigen::VectorXd>& q, char side,
                     const QAngleOptions& options = {});

// The standing posture used for the static Q-angle: the model's default posture
// with the pelvis, hips, knees and trunk at zero angles.
Eigen::VectorXd standing_posture(const Model& model);

}  // namespace biomech
