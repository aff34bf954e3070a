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

#include "biomech/data.hpp"
#include "biomech/fields.hpp"
#include "biomech/hip.hpp"  // abductor_muscles: the abductors that abductor_strength_scale weakens
#include "biomech/model.hpp"
#include "biomech/recruitment.hpp"

namespace biomech {

// ---- the textbook lever

struct LeverInput {
  double partial_weight_n = 0.0;     // W_p: weight above the stance hip (body weight minus the stance leg)
  double body_weight_n = 0.0;        // for ratios; 0 = W_p / (1 - 0.1986): de Leva 1996 male leg (thigh + shank + foot) share
  double body_weight_lever_m = 0.1;  // d_w: horizontal distance from the hip centre to W_p's line
  double abductor_lever_m = 0.05;    // d_a: perpendicular distance from the hip centre to the abductor line
  double abductor_angle = 0.0;       // rad, abductor line from vertical (upper end medial), in [0, 90 deg)

  static constexpr auto fields() {
    using S = LeverInput;
    return std::tuple{
        field("partial_weight_n", &S::partial_weight_n, units::n, 1e-3, 1e5,
              "W_p: weight above the stance hip (body weight minus the stance leg)"),
        field("body_weight_n", &S::body_weight_n, units::n, 0, 1e5,
              "body weight for ratios; 0 = W_p / (1 - 0.1986), the de Leva 1996 male leg share"),
        field("body_weight_lever_m", &S::body_weight_lever_m, units::m, 1e-3, 1,
              "d_w: horizontal distance from the hip centre to the line of W_p"),
        field("abductor_lever_m", &S::abductor_lever_m, units::m, 1e-3, 1,
              "d_a: perpendicular distance from the hip centre to the abductor line"),
        field("abductor_angle_deg", &S::abductor_angle, units::deg, 0, 89.999,
              "abductor line from vertical, upper end medial")};
  }
};

struct LeverResult {
  double abductor_force_n = 0.0;          // F_a = W_p d_w / d_a
  double abductor_force_bw = 0.0;         // F_a / body weight
  Vec3 hip_contact_force_ground_n = Vec3::Zero();  // on the femoral head, ground axes (x anterior, y up, z lateral)
  double hip_contact_force_n = 0.0;       // |contact force|
  double hip_contact_force_bw = 0.0;      // |contact force| / body weight
  double contact_angle = 0.0;             // rad, from vertical
  double body_weight_n = 0.0;
  // the lever, as given (for pictures and tables)
  double partial_weight_n = 0.0, body_weight_lever_m = 0.0, abductor_lever_m = 0.0, abductor_angle = 0.0;

  static constexpr auto fields() {
    using S = LeverResult;
    return std::tuple{
        field("abductor_force_n", &S::abductor_force_n, units::n, "abductor force F_a = W_p d_w / d_a"),
        field("abductor_force_bw", &S::abductor_force_bw, units::bw, "abductor force / body weight"),
        field("hip_contact_force_ground_n", &S::hip_contact_force_ground_n, units::n,
              "force on the femoral head, ground axes (x anterior, y up, z lateral)"),
        field("hip_contact_force_n", &S::hip_contact_force_n, units::n, "magnitude of the hip contact force"),
        field("hip_contact_force_bw", &S::hip_contact_force_bw, units::bw, "hip contact force / body weight"),
        field("contact_angle_deg", &S::contact_angle, units::deg, "hip contact force from vertical"),
        field("body_weight_n", &S::body_weight_n, units::n, "body weight used for the ratios"),
        field("partial_weight_n", &S::partial_weight_n, units::n, "W_p, as given"),
        field("body_weight_lever_m", &S::body_weight_lever_m, units::m, "d_w, as given"),
        field("abductor_lever_m", &S::abductor_lever_m, units::m, "d_a, as given"),
        field("abductor_angle_deg", &S::abductor_angle, units::deg, "abductor line from vertical, as given")};
  }
};

// Closed form. Throws InvalidArgument for an input outside its bounds (LeverInput::fields()).
LeverResult lever_model(const LeverInput& in);

// ---- single-leg stance on a model

struct StanceOptions {
  char stance_side = 'r';                 // 'r' or 'l'
  double trunk_lean = 0.0;                // rad, trunk from vertical in the frontal plane, + toward the stance side
  double trunk_sagittal_offset_m = 0.0;   // trunk centre of mass anterior (+) of the hip centres
  double pelvic_obliquity = 0.0;          // rad, + = swing side drops (Trendelenburg), - = hike
  double stance_hip_adduction = 0.0;      // rad, stance femur from vertical in the frontal plane, + adducted
  double stance_hip_flexion = 0.0;        // rad
  double stance_hip_rotation = 0.0;       // rad, internal +
  double swing_hip_flexion = 30.0 * M_PI / 180.0;   // rad, swing leg posture (foot off the ground)
  double swing_hip_adduction = 0.0;       // rad, swing femur from vertical in the frontal plane
  double swing_knee_flexion = 60.0 * M_PI / 180.0;  // rad (positive flexion)
  double hand_load_contralateral_kg = 0.0;  // held in the swing-side hand
  double hand_load_ipsilateral_kg = 0.0;    // held in the stance-side hand
  double hand_lateral_distance_m = 0.20;    // hand from the trunk midline (at shoulder level)
  double cane_force_bw = 0.0;               // upward push of a cane on the hand, body weights
  bool cane_contralateral = true;           // cane in the swing-side hand (the usual advice)
  double cane_lateral_distance_m = 0.30;    // cane tip line from the trunk midline
  double belt_load_kg = 0.0;                // at the pelvis, on the midline
  double backpack_load_kg = 0.0;            // on the trunk, on the midline
  double backpack_offset_m = 0.15;          // backpack centre of mass behind the trunk's
  double abductor_strength_scale = 1.0;     // factor on the hip abductors' forces (see abductor_muscles)
  RecruitmentOptions recruitment;

  static constexpr auto fields() {
    using S = StanceOptions;
    return std::tuple{
        field("stance_side", &S::stance_side, units::none, "stance leg: 'r' or 'l'"),
        field("trunk_lean_deg", &S::trunk_lean, units::deg, -45, 45,
              "trunk lean in the frontal plane, + toward the stance side"),
        field("trunk_sagittal_offset_m", &S::trunk_sagittal_offset_m, units::m, -0.3, 0.3,
              "trunk centre of mass in front (+) of the hip centres"),
        field("pelvic_obliquity_deg", &S::pelvic_obliquity, units::deg, -30, 30,
              "+ = the swing side drops (Trendelenburg), - = hike"),
        field("stance_hip_adduction_deg", &S::stance_hip_adduction, units::deg, -30, 30,
              "stance femur from vertical in the frontal plane, + adducted"),
        field("stance_hip_flexion_deg", &S::stance_hip_flexion, units::deg, -30, 120, "stance hip flexion"),
        field("stance_hip_rotation_deg", &S::stance_hip_rotation, units::deg, -45, 45,
              "stance hip rotation, internal +"),
        field("swing_hip_flexion_deg", &S::swing_hip_flexion, units::deg, -30, 120, "swing hip flexion"),
        field("swing_hip_adduction_deg", &S::swing_hip_adduction, units::deg, -30, 30,
              "swing femur from vertical in the frontal plane, + adducted"),
        field("swing_knee_flexion_deg", &S::swing_knee_flexion, units::deg, 0, 140, "swing knee flexion"),
        field("hand_load_contralateral_kg", &S::hand_load_contralateral_kg, units::kg, 0, 100,
              "load held in the swing-side hand"),
        field("hand_load_ipsilateral_kg", &S::hand_load_ipsilateral_kg, units::kg, 0, 100,
              "load held in the stance-side hand"),
        field("hand_lateral_distance_m", &S::hand_lateral_distance_m, units::m, 0, 1,
              "hand from the trunk midline, at shoulder level"),
        field("cane_force_bw", &S::cane_force_bw, units::bw, 0, 1, "upward push of a cane on the hand"),
        field("cane_contralateral", &S::cane_contralateral, units::none,
              "cane in the swing-side hand (the usual advice); false: stance side"),
        field("cane_lateral_distance_m", &S::cane_lateral_distance_m, units::m, 0, 1,
              "cane tip line from the trunk midline"),
        field("belt_load_kg", &S::belt_load_kg, units::kg, 0, 100, "load at the pelvis, on the midline"),
        field("backpack_load_kg", &S::backpack_load_kg, units::kg, 0, 100, "load on the trunk, on the midline"),
        field("backpack_offset_m", &S::backpack_offset_m, units::m, -0.5, 0.5,
              "backpack centre of mass behind the trunk's"),
        field("abductor_strength_scale", &S::abductor_strength_scale, units::one, 0, 10,
              "factor on the hip abductors' maximal forces (1 = the model's strength)"),
        field("recruitment", &S::recruitment, units::none, "muscle recruitment options")};
  }
};

struct StanceResult {
  char stance_side = 'r';
  Eigen::VectorXd posture;                  // (nq) rad or m, the stance posture
  double body_weight_n = 0.0;               // total weight of the model
  double superincumbent_weight_n = 0.0;     // weight of the pelvis-side bodies (W_p)
  double load_weight_n = 0.0;               // weight of carried loads (hands, belt, backpack)
  Vec3 hip_moment_nm = Vec3::Zero();        // required hip generalized forces (flexion, adduction, rotation)
  double abductor_moment_nm = 0.0;          // the abduction moment the muscles must produce (= -hip_moment_nm[1])
  double abductor_force_n = 0.0;            // summed tension of the abductors (abductor_muscles)
  double abductor_force_bw = 0.0;
  double abductor_lever_m = 0.0;            // force-weighted abduction moment arm of the abductors
  double body_weight_lever_m = 0.0;         // abduction demand of W_p's gravity alone / W_p
  Vec3 hip_contact_force_ground_n = Vec3::Zero();  // on the femoral head, ground frame
  Vec3 hip_contact_force_pelvis_n = Vec3::Zero();  // the same in the pelvis frame
  Vec3 hip_contact_force_femur_n = Vec3::Zero();   // the same in the stance femur frame
  double hip_contact_force_n = 0.0;         // magnitude
  double hip_contact_force_bw = 0.0;
  double contact_angle = 0.0;               // rad, from vertical
  Vec3 reserve_nm = Vec3::Zero();           // reserve actuators at the hip dofs
  double reserve_torque_nm = 0.0;           // |reserve|
  bool feasible = false;                    // the muscles hold the posture (reserve below 1e-3 N m)
  double equilibrium_residual_nm = 0.0;     // worst of the recruitment and Newton-Euler residuals
  double gmed_force_n = 0.0, gmin_force_n = 0.0, tfl_force_n = 0.0;  // group tensions
  // per muscle (the stance-side hip muscles)
  std::vector<std::string> muscle_names;
  std::vector<std::string> muscle_groups;
  Eigen::VectorXd muscle_force_n;           // active tension (passive fibre force is not modelled)
  Eigen::VectorXd muscle_activation;        // 0..1
  Eigen::VectorXd muscle_max_force_n;       // force-length-scaled capacity at full activation
  Eigen::MatrixXd muscle_moment_arm_m;      // (n x 3) about hip flexion, adduction, rotation
  std::vector<bool> muscle_is_abductor;
  // geometry for drawing (ground frame): hip centre, pelvis-side centre of mass
  Vec3 hip_centre_m = Vec3::Zero(), superincumbent_com_m = Vec3::Zero();

  static constexpr auto fields() {
    using S = StanceResult;
    return std::tuple{
        field("stance_side", &S::stance_side, units::none, "stance leg: 'r' or 'l'"),
        field("posture", &S::posture, units::none, "the stance posture, model order (rad; m for translations)"),
        field("body_weight_n", &S::body_weight_n, units::n, "total weight of the model"),
        field("superincumbent_weight_n", &S::superincumbent_weight_n, units::n,
              "W_p: weight of the pelvis-side bodies"),
        field("load_weight_n", &S::load_weight_n, units::n, "weight of carried loads (hands, belt, backpack)"),
        field("hip_moment_nm", &S::hip_moment_nm, units::nm,
              "hip generalized forces the muscles must produce (flexion, adduction, rotation)"),
        field("abductor_moment_nm", &S::abductor_moment_nm, units::nm, "abduction moment the muscles must produce"),
        field("abductor_force_n", &S::abductor_force_n, units::n, "summed tension of the hip abductors"),
        field("abductor_force_bw", &S::abductor_force_bw, units::bw, "abductor force / body weight"),
        field("abductor_lever_m", &S::abductor_lever_m, units::m,
              "d_a: force-weighted abduction moment arm of the abductors (capacity-weighted when they carry none)"),
        field("body_weight_lever_m", &S::body_weight_lever_m, units::m,
              "d_w: abduction demand of W_p's gravity alone / W_p"),
        field("hip_contact_force_ground_n", &S::hip_contact_force_ground_n, units::n,
              "force of the pelvis on the femoral head, ground axes"),
        field("hip_contact_force_pelvis_n", &S::hip_contact_force_pelvis_n, units::n, "the same in the pelvis frame"),
        field("hip_contact_force_femur_n", &S::hip_contact_force_femur_n, units::n, "the same in the femur frame"),
        field("hip_contact_force_n", &S::hip_contact_force_n, units::n, "magnitude of the hip contact force"),
        field("hip_contact_force_bw", &S::hip_contact_force_bw, units::bw, "hip contact force / body weight"),
        field("contact_angle_deg", &S::contact_angle, units::deg, "hip contact force from vertical"),
        field("reserve_nm", &S::reserve_nm, units::nm, "reserve actuators at hip flexion, adduction, rotation"),
        field("reserve_torque_nm", &S::reserve_torque_nm, units::nm, "magnitude of the reserve"),
        field("feasible", &S::feasible, units::none, "the muscles hold the posture (reserve below 1e-3 N m)"),
        field("equilibrium_residual_nm", &S::equilibrium_residual_nm, units::nm,
              "worst of the recruitment and Newton-Euler residuals"),
        field("gmed_force_n", &S::gmed_force_n, units::n, "gluteus medius tension"),
        field("gmin_force_n", &S::gmin_force_n, units::n, "gluteus minimus tension"),
        field("tfl_force_n", &S::tfl_force_n, units::n, "tensor fasciae latae tension"),
        field("muscle_names", &S::muscle_names, units::none, "the stance-side muscles that cross the hip"),
        field("muscle_groups", &S::muscle_groups, units::none, "their groups"),
        field("muscle_force_n", &S::muscle_force_n, units::n, "active tension per muscle"),
        field("muscle_activation", &S::muscle_activation, units::one, "activation per muscle, 0..1"),
        field("muscle_max_force_n", &S::muscle_max_force_n, units::n,
              "force-length-scaled capacity per muscle at full activation"),
        field("muscle_moment_arm_m", &S::muscle_moment_arm_m, units::m,
              "(muscles x 3) moment arms about hip flexion, adduction, rotation"),
        field("muscle_is_abductor", &S::muscle_is_abductor, units::none, "per muscle: one of the hip abductors"),
        field("hip_centre_m", &S::hip_centre_m, units::m, "stance hip centre, ground frame"),
        field("superincumbent_com_m", &S::superincumbent_com_m, units::m, "centre of mass of W_p, ground frame")};
  }
};

// Single-leg stance on `model` (needs bodies pelvis, femur_<s>, tibia_<s>; the
// coordinates hip_{flexion,adduction,rotation}_<side>, knee_angle_<side>,
// pelvis_list; lumbar_bending / lumbar_extension when the trunk options are used).
// Throws InvalidArgument for bad options (NaN, negative loads, a side other than
// 'r'/'l', a posture outside the coordinate ranges, a model without what is needed).
StanceResult single_leg_stance(const Model& model, Data& data, const StanceOptions& options = {});

// ---- weakness

struct WeaknessResult {
  double strength_scale = 1.0;
  bool level_feasible = false;            // level pelvis, upright trunk held by the muscles alone
  double level_reserve_nm = 0.0;          // |reserve| with a level pelvis
  double compensating_trunk_lean = 0.0;   // rad toward the stance side that makes level stance feasible; NaN if none <= max_lean
  double pelvic_drop = 0.0;               // rad of swing-side drop at which the muscles' active capacity holds; NaN if none <= max_drop
  std::string passive_model;              // what holds the pelvis in the drop

  static constexpr auto fields() {
    using S = WeaknessResult;
    return std::tuple{
        field("strength_scale", &S::strength_scale, units::one, "factor on the hip abductors' maximal forces"),
        field("level_feasible", &S::level_feasible, units::none,
              "level pelvis and upright trunk held by the muscles alone"),
        field("level_reserve_nm", &S::level_reserve_nm, units::nm, "|reserve| with a level pelvis"),
        field("compensating_trunk_lean_deg", &S::compensating_trunk_lean, units::deg,
              "trunk lean toward the stance side that makes level stance feasible (NaN: none within the limit)"),
        field("pelvic_drop_deg", &S::pelvic_drop, units::deg,
              "swing-side drop at which the muscles hold the pelvis (NaN: none within the limit)"),
        field("passive_model", &S::passive_model, units::none, "what holds the pelvis in the drop")};
  }
};

// For an abductor strength scale: is level-pelvis stance feasible, and if not the
// trunk lean that makes it so and the pelvic drop that results. Drop model: the
// pelvis rotates about the stance hip (the trunk kept vertical, the swing leg
// hanging as posed) until the stance hip muscles' active capacity, which changes
// with the abductors' length, holds the moment; no passive structure (no passive
// fibre force, capsule or ligaments), so a drop is found only where the muscles
// alone can hold it.
WeaknessResult abductor_weakness(const Model& model, Data& data, double strength_scale, const StanceOptions& base = {},
                                 double max_lean = 30.0 * M_PI / 180.0, double max_drop = 30.0 * M_PI / 180.0);

}  // namespace biomech
