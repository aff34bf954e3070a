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

#include "biomech/data.hpp"
#include "biomech/fields.hpp"
#include "biomech/model.hpp"

namespace biomech {

struct QAngleOptions {
  char side = 'r';
  bool weight_bearing = true;       // the foot stays planted (see above); false: open chain
  double quadriceps_force_n = 0.0;  // for the lateral pull on the patella
  // Project on the plane of a level camera in front of the subject (normal: the pelvis's
  // anterior axis made horizontal), as clinical video FPPA is measured; false: on the
  // pelvis's frontal plane. Where the pelvis faces more up or down than forward (lying),
  // no level camera faces it and the pelvis's plane is used.
  bool camera_view = false;

  static constexpr auto fields() {
    using S = QAngleOptions;
    return std::tuple{
        field("side", &S::side, units::none, "'r' or 'l'"),
        field("weight_bearing", &S::weight_bearing, units::none,
              "the foot stays planted (dynamic valgus); false: the tibia follows the femur"),
        field("quadriceps_force_n", &S::quadriceps_force_n, units::n, 0, 1e5,
              "quadriceps force for the lateral pull on the patella"),
        field("camera_view", &S::camera_view, units::none,
              "project on a level camera's plane in front of the subject; false: the pelvis's frontal plane")};
  }
};

struct QAngleResult {
  double q_angle = 0.0;             // rad
  double knee_fppa = 0.0;           // rad, valgus +
  // Resultant of the quadriceps (toward the ASIS) and patellar tendon (toward the
  // tuberosity) pulls on the patella, each of magnitude quadriceps_force_n, in the frontal plane:
  double lateral_pull_n = 0.0;      // its lateral component (toward the side's lateral)
  Vec3 patella_force_n = Vec3::Zero();  // the resultant in ground
  // landmark positions used (ground)
  Vec3 asis_m = Vec3::Zero(), patella_m = Vec3::Zero(), tuberosity_m = Vec3::Zero();
  Vec3 hip_m = Vec3::Zero(), knee_m = Vec3::Zero(), ankle_m = Vec3::Zero();

  static constexpr auto fields() {
    using S = QAngleResult;
    return std::tuple{
        field("q_angle_deg", &S::q_angle, units::deg, "Q-angle: ASIS-patella line to patella-tuberosity line"),
        field("knee_fppa_deg", &S::knee_fppa, units::deg, "knee frontal-plane projection angle, valgus +"),
        field("lateral_pull_n", &S::lateral_pull_n, units::n, "lateral pull of the quadriceps on the patella"),
        field("patella_force_n", &S::patella_force_n, units::n, "resultant pull on the patella, ground axes"),
        field("asis_m", &S::asis_m, units::m, "anterior superior iliac spine, ground"),
        field("patella_m", &S::patella_m, units::m, "patella centre, ground"),
        field("tuberosity_m", &S::tuberosity_m, units::m, "tibial tuberosity, ground"),
        field("hip_m", &S::hip_m, units::m, "hip centre, ground"),
        field("knee_m", &S::knee_m, units::m, "knee centre, ground"),
        field("ankle_m", &S::ankle_m, units::m, "ankle centre, ground")};
  }
};

// Q-angle of options.side at posture q (nq). Needs landmarks asis_<s>,
// patella_centre_<s>, tibial_tuberosity_<s> (and hip_centre_<s>, knee_centre_<s>,
// ankle_centre_<s>, else the hip and knee joint centres and the tibia's child joint).
// Throws InvalidArgument for a missing landmark or an option out of its bounds.
QAngleResult q_angle(const Model& model, Data& data, const Eigen::Ref<const Eigen::VectorXd>& q,
                     const QAngleOptions& options = {});

// The standing posture used for the static Q-angle: the model's default posture
// with the pelvis, hips, knees and trunk at zero angles.
Eigen::VectorXd standing_posture(const Model& model);

}  // namespace biomech
