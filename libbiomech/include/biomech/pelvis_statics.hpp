// Statics of the pelvis plant (pelvis_plant.hpp): the static equilibrium the
// simulations of pelvis_simulation.hpp settle to, and the trunk lean that
// lets weak abductors hold the level pelvis.
#pragma once
#include <Eigen/Core>

#include "biomech/pelvis_plant.hpp"
#include "biomech/pelvis_simulation.hpp"

namespace biomech {

// Static equilibrium of the plant at a given obliquity and lean (v = 0): the
// effort whose static-optimisation pattern balances gravity and the passive hip.
struct StaticEquilibrium {
  bool feasible = false;          // false: the muscles cannot hold (effort would exceed 1)
  double effort = 0.0;            // 0..1
  Eigen::VectorXd activation;     // (n)
  Eigen::VectorXd force;          // (n) N, tendon force
  double abductor_force = 0.0;    // N, sum of the plant muscles' tendon forces
  double muscle_moment = 0.0;     // N m about e (negative lifts the swing side)
  double gravity_moment = 0.0;    // N m about e (positive drops)
  double passive_moment = 0.0;    // N m about e
  double residual = 0.0;          // N m, sum of the three
  Vec3 hip_contact_force = Vec3::Zero();  // N, pelvis on femur head, ground
  double abductor_force_bw = 0.0, hip_contact_force_bw = 0.0;  // / body weight

  static constexpr auto fields() {
    using S = StaticEquilibrium;
    return std::tuple{
        field("feasible", &S::feasible, units::none, "the muscles hold the posture (effort <= 1)"),
        field("effort", &S::effort, units::one, "controller effort, 0..1"),
        field("activation", &S::activation, units::one, "per plant muscle"),
        field("force_n", &S::force, units::n, "tendon force per plant muscle"),
        field("abductor_force_n", &S::abductor_force, units::n, "sum of the plant muscles' tendon forces"),
        field("abductor_force_bw", &S::abductor_force_bw, units::bw, "abductor force / body weight"),
        field("muscle_moment_nm", &S::muscle_moment, units::nm, "about the obliquity axis (negative lifts)"),
        field("gravity_moment_nm", &S::gravity_moment, units::nm, "about the obliquity axis (positive drops)"),
        field("passive_moment_nm", &S::passive_moment, units::nm, "about the obliquity axis"),
        field("residual_nm", &S::residual, units::nm, "sum of the three moments"),
        field("hip_contact_force_ground_n", &S::hip_contact_force, units::n, "pelvis on the femoral head, ground"),
        field("hip_contact_force_bw", &S::hip_contact_force_bw, units::bw, "hip contact force / body weight")};
  }
};
StaticEquilibrium static_equilibrium(const PelvisPlant& plant, const PelvisSimulationOptions& options,
                                     double obliquity = 0.0, double lean = 0.0);

// Lean (rad, toward the stance side) at which the weakened abductors hold the
// level pelvis statically at `effort`; 0 when no lean is needed, lean_max when
// even that is not enough. Needs the trunk.
double compensating_lean(const PelvisPlant& plant, const PelvisSimulationOptions& options, double effort);

}  // namespace biomech
