// The reduced frontal-plane model of single-leg stance, built from a Model:
// the "plant" of the pelvis dynamics (pelvis_dynamics.hpp has the overview).
//
// The mechanical system. The stance femur is fixed in ground. Everything else
// (pelvis, swing leg held in its posture, trunk) rotates about the stance hip
// centre H, about the axis e along which a change of the stance-hip adduction
// coordinate turns the pelvis relative to the femur: the frontal-plane axis
// (anterior) in upright stance. One degree of freedom, the pelvic obliquity
// theta (rad), positive when the swing side drops; it adds exactly theta to the
// stance-hip adduction. A second, optional degree of freedom is the trunk lean
// lambda (rad) at the lumbar joint L, positive toward the stance side, about the
// axis through L parallel to e. With the lean free the system is a planar double
// pendulum (pelvis group about H, trunk group about L); with the lean locked it
// is one rigid body. Masses, centres of mass and inertias come from the Model's
// bodies by forward kinematics at the stance posture.
//
// Muscles: Hill-type (hill_muscle.hpp), the abductors of the stance hip
// (abductor_muscles, hip.hpp) by default. Lengths and moment arms come from
// compute_muscle_paths at the hip adduction the obliquity implies, tabulated
// once on a 0.5 deg grid and interpolated by cubic Hermite polynomials that
// use the exact derivative dL/dtheta = -r at every knot (so the interpolated
// moment arm is the exact derivative of the interpolated length, and passive
// muscle forces stay conservative).
#pragma once
#include <Eigen/Core>
#include <cmath>
#include <string>
#include <vector>

#include "biomech/data.hpp"
#include "biomech/hill_muscle.hpp"
#include "biomech/hip.hpp"
#include "biomech/model.hpp"
#include "biomech/passive_joint.hpp"

namespace biomech {

// Modified Ober test end position (Ferber et al. 2010, see HipPassiveTissue), rad of adduction.
inline constexpr double kOberAdduction = 24.59 * M_PI / 180.0;
// Fibre stretch beyond which passive fibre force is not extrapolated (l / l_opt): Thelen's
// passive curve reaches the maximal isometric force at 1 + 0.6; beyond it gait2392's
// short-fibred muscles give tensions no tissue carries.
inline constexpr double kPassiveStretchLimit = 1.6;

// Passive frontal-plane moment of a hip's tissue other than the fibres of `muscles` (the
// iliotibial band, fascia, capsule and the muscles left out), as a function of the hip
// adduction coordinate (PassiveJointMoment: coordinate direction, so negative = abducting
// in adduction). Anderson's (1999) double exponential (passive_joint.hpp) with its adduction
// branch moved so that, in the modified Ober test (side-lying, hip and knee extended, the
// relaxed leg lowered into adduction), this moment plus the passive fibre force of `muscles`
// (each muscle's own Thelen curve, stretch held at stretch_limit) hold the leg's own
// weight where people's legs come to rest: 24.6 deg of adduction (Ferber, Kendall & McElroy
// 2010, Normative and critical criteria for iliotibial band and iliopsoas muscle flexibility,
// J Athl Train 45:344-348, 600 limbs, SD 7.3 deg). Abduction branch: Anderson's. The one
// definition of passive hip tissue: the pelvis plant (its muscles) and the exercise statics
// (the analysed leg's muscles when their passive fibre force is modelled, none otherwise) use it.
struct HipPassiveTissue {
  PassiveJointMoment moment;
  double ober_leg_moment = 0.0;     // N m, the leg's weight moment at the Ober end position
  double ober_muscle_moment = 0.0;  // N m, the passive fibre moment of `muscles` there
  bool calibrated = true;           // false: the fibres alone hold the leg, Anderson's curve kept
};

// How the reduced model is built from a Model.
struct PelvisPlantOptions {
  char stance_side = 'r';         // 'r' or 'l'
  Eigen::VectorXd posture;        // (nq) stance posture; empty = model.default_posture()
  // Abductor muscles by name; empty = abductor_muscles(model, stance_side,
  // min_abductor_moment_arm) of hip.hpp, the seesaw's abductors.
  std::vector<std::string> muscles;
  double min_abductor_moment_arm = kMinAbductorMomentArm;  // m
  // Also the stance hip's other muscles that abduct it at the posture by more than
  // min_abductor_moment_arm (gait2392: gluteus maximus 1-2, piriformis, rectus femoris,
  // sartorius; a quarter of the default male's isometric abduction capacity in stance).
  // abductor_strength does not weaken them: a superior gluteal nerve block (Kendall et al.
  // 2013, Clin J Sport Med 23:45-51) weakens gluteus medius, minimus and TFL and spares them.
  // Off by default: the plant of the seesaw's abductors.
  bool other_abductors = false;
  // Lumbar coordinate that names the trunk joint; the lean DOF exists when the
  // model has it (and its joint's child body carries mass).
  std::string lumbar_coordinate = "lumbar_bending";
  double table_min = -0.8;        // rad, obliquity range of the muscle tables
  double table_max = 1.3;         // rad
  double table_step = 0.5 * M_PI / 180.0;  // rad
};

// The reduced frontal-plane model. Built once; read-only afterwards (one plant
// can serve many simulations, also from several threads).
struct PelvisPlant {
  char stance_side = 'r';
  Eigen::VectorXd posture;        // (nq) the stance posture (theta = 0, lambda = 0)
  double body_weight = 0.0;       // N, whole model
  Vec3 gravity = Vec3::Zero();    // m/s^2, ground
  Vec3 axis = Vec3::UnitX();      // e: unit axis, ground; positive rotation = swing side drops
  Vec3 hip_center = Vec3::Zero(); // H, ground, m
  Vec3 lumbar_center = Vec3::Zero();  // L, ground, m (when has_trunk)
  int posture_hip_adduction = -1;     // posture index of the stance-hip adduction
  double hip_adduction0 = 0.0;        // rad, its value in the posture
  int posture_lumbar = -1;            // posture index of the lumbar coordinate (-1: none)
  double lumbar0 = 0.0;               // rad, its value in the posture
  double lumbar_sign = 1.0;           // d(lumbar coordinate)/d(lambda): +1 or -1
  bool has_trunk = false;             // a lean DOF is possible
  // Pelvis group (upper body minus trunk) and trunk group, at the posture.
  double mass_pelvis = 0.0, mass_trunk = 0.0;  // kg
  Vec3 com_pelvis = Vec3::Zero(), com_trunk = Vec3::Zero();  // ground, m
  double inertia_pelvis_hip = 0.0;   // kg m^2, pelvis group about the e axis through H
  double inertia_trunk_com = 0.0;    // kg m^2, trunk group about the e axis through its com
  std::vector<int> upper_bodies, trunk_bodies;  // body indices
  // Muscles.
  std::vector<int> muscles;                    // model muscle indices
  std::vector<std::string> muscle_names;
  std::vector<MuscleTendonParameters> muscle_parameters;  // as in the model (nominal strength)
  // per muscle: PelvisSimulationOptions::abductor_strength weakens it (the abductor groups of
  // hip.hpp; every muscle when none is in them, or when the muscles were named)
  std::vector<bool> weakened;
  // Tables over theta (knots theta_k = table_min + k * table_step):
  double table_min = 0.0, table_step = 0.0;
  int table_size = 0;
  Eigen::MatrixXd length;        // (table_size x n) m, muscle-tendon length
  Eigen::MatrixXd moment_arm;    // (table_size x n) m, r = -dL/dtheta (abductors negative)
  // The same interpolation as polynomials, built from the two tables above: on interval k
  // (knots k, k + 1) muscle i's length is c0 + t (c1 + t (c2 + t c3)), t = (theta - theta_k) /
  // table_step in [0, 1], with (c0, c1, c2, c3) at columns 4i..4i+3 of row k (one row holds
  // every muscle: the dynamics reads a row per right-hand side).
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> length_cubic;  // (table_size - 1 x 4n) m
  // unit-tension force of each muscle on the upper body (pelvis side), ground,
  // with the pelvis at its posture and the femur adducted by theta: 3 columns per muscle
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> unit_force;  // (table_size x 3n) N/N
  // Passive frontal-plane tissue of the stance hip other than the plant muscles' fibres:
  // hip_passive_tissue (below) of the plant's muscles.
  HipPassiveTissue hip_tissue;
  std::vector<std::string> notes;  // assumptions taken while building (printed by the front ends)

  int n_muscles() const { return static_cast<int>(muscles.size()); }
  // Interpolated length (m) and moment arm (m) of plant muscle i at obliquity theta.
  void muscle_geometry(int i, double theta, double& length, double& moment_arm) const;
  // The same for every plant muscle at once (n values each; the interpolation weights are shared).
  void muscle_geometry(double theta, double* length, double* moment_arm) const;
  // The plant muscles' pull on the upper body at obliquity theta for tensions force (n, N):
  // sum_i force[i] times muscle i's unit force (see unit_force), ground frame of the posture.
  Vec3 muscle_pull(double theta, const double* force) const;
};

HipPassiveTissue hip_passive_tissue(const Model& model, Data& data, char side, const std::vector<int>& muscles,
                                    double stretch_limit = kPassiveStretchLimit);

// Builds the plant. Throws InvalidArgument when the model lacks the stance-hip
// adduction coordinate, has no mass above the stance hip, a named muscle is
// unknown or crosses nothing, or no abductor is found.
PelvisPlant build_pelvis_plant(const Model& model, Data& data, const PelvisPlantOptions& options = {});

}  // namespace biomech
