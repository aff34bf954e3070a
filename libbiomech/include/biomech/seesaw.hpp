// The frontal-plane seesaw of single-leg stance.
//
// Two models:
//  - lever_model: the textbook lever (Pauwels): the femoral head is the fulcrum,
//    the superincumbent weight W_p acts at lever d_w on one side, the abductors
//    at lever d_a on the other, along a line at angle theta from vertical.
//  - single_leg_stance: the same balance on a musculoskeletal Model. The stance
//    foot is the support (a weld to the ground carrying whatever force and
//    moment whole-body statics needs). The pelvis-side of the body (pelvis,
//    torso, swing leg, anything carried) is balanced about the stance hip: the
//    three hip generalized forces from inverse dynamics are the moments the
//    stance-side hip muscles must produce. Muscle forces come from the one
//    static-optimisation solver (recruitment.hpp) over every stance-side muscle
//    that crosses the hip, on the three hip dofs only: biarticular muscles'
//    moments at the knee are not balanced (the knee's own muscles are not in the
//    model and are assumed to take whatever knee moment results). Each muscle
//    can add, at full activation, its force-length-scaled active force
//    (effective_max_force, strength.hpp: the same capacity as the exercises;
//    passive fibre force is not modelled, strength.hpp says why).
//    The hip contact force is the Newton-Euler joint reaction on the femur.
//
// Conventions: SI and radians; the contact force is the force the pelvis
// (acetabulum) exerts on the femoral head; "lateral" is toward the stance side.
#pragma once
#include <Eigen/Core>
#include <string>
#include <vector>

#include "biomech/hip.hpp"  // abductor_muscles: the abductors that abductor_strength_scale weakens
#include "biomech/model.hpp"
#include "biomech/recruitment.hpp"

namespace biomech {

// ---- the textbook lever

struct LeverInput {
  double partial_weight = 0.0;     // N, W_p: weight above the stance hip (body weight minus the stance leg)
  double body_weight = 0.0;        // N, for ratios; 0 = W_p / (1 - 0.1986): de Leva 1996 male leg (thigh + shank + foot) share
  double body_weight_lever = 0.1;  // m, d_w: horizontal distance from the hip centre to W_p's line
  double abductor_lever = 0.05;    // m, d_a: perpendicular distance from the hip centre to the abductor line
  double abductor_angle = 0.0;     // rad, abductor line from vertical (upper end medial), in [0, 90 deg)
};

struct LeverResult {
  double abductor_force = 0.0;      // N, F_a = W_p d_w / d_a
  double abductor_force_bw = 0.0;   // F_a / body weight
  Vec3 contact_force = Vec3::Zero();// N, on the femoral head, ground axes (x anterior, y up, z lateral)
  double contact_force_n = 0.0;     // N, |contact_force|
  double contact_force_bw = 0.0;    // |contact_force| / body weight
  double contact_angle = 0.0;       // rad, from vertical
  double body_weight = 0.0;         // N
};

// Closed form. Throws InvalidArgument for a non-positive or non-finite weight
// or lever, or an angle outside [0, 90) deg.
LeverResult lever_model(const LeverInput& in);

// ---- single-leg stance on a model

struct StanceOptions {
  char stance_side = 'r';                 // 'r' or 'l'
  double trunk_lean = 0.0;                // rad, trunk from vertical in the frontal plane, + toward the stance side
  double trunk_sagittal_offset = 0.0;     // m, trunk centre of mass anterior (+) of the hip centres
  double pelvic_obliquity = 0.0;          // rad, + = swing side drops (Trendelenburg), - = hike
  double stance_hip_adduction = 0.0;      // rad, stance femur from vertical in the frontal plane, + adducted
  double stance_hip_flexion = 0.0;        // rad
  double stance_hip_rotation = 0.0;       // rad, internal +
  double swing_hip_flexion = 30.0 * M_PI / 180.0;   // rad, swing leg posture (foot off the ground)
  double swing_hip_adduction = 0.0;       // rad, swing femur from vertical in the frontal plane
  double swing_knee_flexion = 60.0 * M_PI / 180.0;  // rad (positive flexion)
  double hand_load_contralateral = 0.0;   // kg held in the swing-side hand
  double hand_load_ipsilateral = 0.0;     // kg held in the stance-side hand
  double hand_lateral_distance = 0.20;    // m, hand from the trunk midline (at shoulder level)
  double cane_force = 0.0;                // N, upward push of a cane on the hand
  bool cane_contralateral = true;         // cane in the swing-side hand (the usual advice)
  double cane_lateral_distance = 0.30;    // m, cane tip line from the trunk midline
  double belt_load = 0.0;                 // kg at the pelvis, on the midline
  double backpack_load = 0.0;             // kg on the trunk, on the midline
  double backpack_offset = 0.15;          // m, backpack centre of mass behind the trunk's
  double abductor_strength_scale = 1.0;   // factor on the hip abductors' forces (see abductor_muscles)
  RecruitmentOptions recruitment;
};

struct StanceResult {
  // posture and loads
  Eigen::VectorXd posture;                // (nq) the stance posture
  double body_weight_n = 0.0;             // N, total weight of the model
  double superincumbent_weight_n = 0.0;   // N, weight of the pelvis-side bodies (W_p)
  double load_weight_n = 0.0;             // N, weight of carried loads (hands, belt, backpack)
  // the seesaw in numbers
  Eigen::Vector3d hip_moment = Eigen::Vector3d::Zero();  // N m, required hip generalized forces (flexion, adduction, rotation)
  double abductor_moment_nm = 0.0;        // N m, the abduction moment the muscles must produce (= -hip_moment[1])
  double abductor_force_n = 0.0;          // N, summed tension of the abductors (muscles with an abduction moment arm)
  double abductor_force_bw = 0.0;
  double abductor_lever_m = 0.0;          // m, force-weighted abduction moment arm of the abductors
  double body_weight_lever_m = 0.0;       // m, abduction demand of W_p's gravity alone / W_p
  Vec3 hip_contact_force = Vec3::Zero();  // N, on the femoral head, ground frame
  Vec3 hip_contact_force_pelvis = Vec3::Zero();  // N, the same in the pelvis frame
  Vec3 hip_contact_force_femur = Vec3::Zero();   // N, the same in the stance femur frame
  double hip_contact_force_n = 0.0;
  double hip_contact_force_bw = 0.0;
  double contact_angle = 0.0;             // rad, from vertical
  Eigen::Vector3d reserve = Eigen::Vector3d::Zero();  // N m, reserve actuators at the hip dofs
  double reserve_torque_nm = 0.0;         // N m, |reserve|
  bool feasible = false;                  // the muscles hold the posture (reserve below 1e-3 N m)
  double equilibrium_residual_nm = 0.0;   // N m, worst of the recruitment and Newton-Euler residuals
  // per muscle (the stance-side hip muscles)
  std::vector<std::string> muscle_names;
  std::vector<std::string> muscle_groups;
  Eigen::VectorXd muscle_force;           // N, active tension (passive fibre force is not modelled)
  Eigen::VectorXd muscle_activation;      // 0..1
  Eigen::VectorXd muscle_max_force;       // N, force-length-scaled capacity at full activation
  Eigen::MatrixXd muscle_moment_arm;      // (n x 3) m, about hip flexion, adduction, rotation
  std::vector<bool> is_abductor;
  // geometry for drawing (ground frame, m): hip centre, pelvis-side centre of mass
  Vec3 hip_centre = Vec3::Zero(), superincumbent_com = Vec3::Zero();
};

// Single-leg stance on `model` (needs bodies pelvis, femur_<s>, tibia_<s>; the
// coordinates hip_{flexion,adduction,rotation}_<side>, knee_angle_<side>,
// pelvis_list; lumbar_bending / lumbar_extension when the trunk options are used).
// Throws InvalidArgument for bad options (NaN, negative loads, a side other than
// 'r'/'l', a posture outside the coordinate ranges, a model without what is needed).
StanceResult single_leg_stance(const Model& model, const StanceOptions& options = {});

// ---- weakness

struct WeaknessResult {
  double strength_scale = 1.0;
  bool level_feasible = false;            // level pelvis, upright trunk held by the muscles alone
  double level_reserve_nm = 0.0;          // N m, |reserve| with a level pelvis
  double compensating_trunk_lean = 0.0;   // rad toward the stance side that makes level stance feasible; NaN if none <= max_lean
  double pelvic_drop = 0.0;               // rad of swing-side drop at which the muscles' active capacity holds; NaN if none <= max_drop
  std::string passive_model;              // what holds the pelvis in the drop
};

// For an abductor strength scale: is level-pelvis stance feasible, and if not the
// trunk lean that makes it so and the pelvic drop that results. Drop model: the
// pelvis rotates about the stance hip (the trunk kept vertical, the swing leg
// hanging as posed) until the stance hip muscles' active capacity, which changes
// with the abductors' length, holds the moment; no passive structure (no passive
// fibre force, capsule or ligaments), so a drop is found only where the muscles
// alone can hold it.
WeaknessResult abductor_weakness(const Model& model, double strength_scale, const StanceOptions& base = {},
                                 double max_lean = 30.0 * M_PI / 180.0, double max_drop = 30.0 * M_PI / 180.0);

}  // namespace biomech
