// Segment masses, centres of mass and radii of gyration from de Leva (1996),
// "Adjustments to Zatsiorsky-Seluyanov's segment inertia parameters",
// J Biomech 29(9):1223-1230, Table 4 (sex-specific, young adults).
//
// How the model's bodies take them (scale_model in scaling.hpp):
//   pelvis  <- lower trunk (LPT, omphalion to mid-hip)
//   torso   <- head + upper and middle trunk + both arms (the rest of HAT)
//   femur_* <- thigh;  tibia_* <- shank (+ foot when the model has no foot bodies)
//   talus/calcn/toes_* <- foot, split in the reference model's proportions.
#pragma once
#include <Eigen/Core>

#include "biomech/subject.hpp"

namespace biomech {

enum class Segment { head_neck, trunk, upper_trunk, middle_trunk, lower_trunk, upper_arm, forearm, hand, thigh, shank, foot };

struct SegmentParameters {
  double mass_fraction;     // of body mass
  // The following are fractions of the segment length (proximal to distal endpoint);
  // NaN where the model does not use them (trunk subsegments).
  double com_fraction;      // centre of mass from the proximal endpoint
  double rg_sagittal;       // radius of gyration about the sagittal (antero-posterior, x) axis
  double rg_transverse;     // about the transverse (medio-lateral, z) axis
  double rg_longitudinal;   // about the long (y) axis
};

// de Leva 1996 Table 4 parameters of one segment for one sex.
const SegmentParameters& de_leva(Sex sex, Segment segment);

// Mass (kg), centre of mass on the long axis (m from the proximal end) and
// principal moments of inertia about the centre of mass (kg m^2, x = antero-
// posterior, y = long axis, z = medio-lateral) of a limb segment of length
// `length` (m) in a subject of `body_mass` (kg). Throws InvalidArgument for
// non-positive mass or length and for trunk subsegments (no radii used).
struct SegmentInertia {
  double mass = 0.0;
  double com_from_proximal = 0.0;
  Eigen::Vector3d principal_inertia = Eigen::Vector3d::Zero();
};
SegmentInertia segment_inertia(Sex sex, Segment segment, double body_mass, double length);

// Fractions of body mass of the model's HAT bodies (de Leva Table 4):
// pelvis = lower trunk; torso = head/neck + upper + middle trunk + 2 x (upper arm + forearm + hand).
double pelvis_mass_fraction(Sex sex);
double torso_mass_fraction(Sex sex);

}  // namespace biomech
