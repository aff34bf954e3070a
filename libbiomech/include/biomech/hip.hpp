// The hip of one side, as every analysis names it: its coordinates and joint
// (hip_coordinates), a posture of one hip and knee (hip_posture), and its
// abductor muscles (abductor_muscles).
#pragma once
#include <Eigen/Core>
#include <array>
#include <string>
#include <vector>

#include "biomech/model.hpp"

namespace biomech {

// Posture indices of one hip's coordinates ('r' or 'l') and of its knee, and the
// hip joint. Throws InvalidArgument when the model lacks
// hip_{flexion,adduction,rotation}_<side> or no joint rotates about hip_flexion_<side>.
struct HipCoordinates {
  int flexion = -1, adduction = -1, rotation = -1;
  int knee = -1;  // knee_angle_<side>, -1 when absent
  // +1 when the knee coordinate is positive in flexion, -1 when negative (gait2392)
  double knee_flexion_sign = -1.0;
  int joint = -1;  // index of the hip joint (model.joints): the joint hip_flexion_<side> rotates
};
HipCoordinates hip_coordinates(const Model& model, char side);

// Posture vector (nq): the model's default posture with one hip and knee set
// (rad; knee_flexion positive in flexion whatever the model's knee sign).
Eigen::VectorXd hip_posture(const Model& model, char side, double hip_flexion, double hip_adduction,
                            double hip_rotation, double knee_flexion = 0.0);

// The primary hip abductors: gluteus medius, gluteus minimus and tensor fasciae
// latae (Neumann DA (2010) Kinesiology of the hip: a focus on muscular actions.
// J Orthop Sports Phys Ther 40(2):82-94).
inline constexpr std::array<const char*, 3> kHipAbductorGroups{"gluteus_medius", "gluteus_minimus", "tfl"};

// Whether a muscle group is one of kHipAbductorGroups.
inline bool is_hip_abductor_group(const std::string& group) {
  for (const char* g : kHipAbductorGroups)
    if (group == g) return true;
  return false;
}

// The deep hip external rotators a model of gait2392's muscle set has: piriformis, gemelli and
// quadratus femoris (Neumann 2010, as above; gait2392 has no obturators).
inline constexpr std::array<const char*, 3> kHipExternalRotatorGroups{"piriformis", "gemelli", "quadratus_femoris"};

// Abduction moment arm (m) below which a muscle does not count as an abductor
// in a model without the abductor groups (see abductor_muscles).
inline constexpr double kMinAbductorMomentArm = 0.01;

// Indices (into model.muscles) of the hip abductors of one side: the muscles of
// that side in kHipAbductorGroups. A set of muscles, not a role at a posture: a
// weakened abductor stays weak in every posture, and where its line of action
// passes to the adduction side of the hip (in gait2392 at 90 deg of hip
// flexion: gluteus medius anterior, gluteus minimus anterior and middle) it is
// still an abductor, acting as an antagonist there. A model without those groups on that side (an
// import without group labels) falls back on mechanics: every muscle of that
// side whose abduction moment arm at the default posture exceeds min_moment_arm (m).
// Used by the seesaw (abductor_strength_scale, abductor force) and the pelvis
// dynamics (the plant's muscles).
std::vector<int> abductor_muscles(const Model& model, char side, double min_moment_arm = kMinAbductorMomentArm);

}  // namespace biomech
