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
};
StaticEquilibrium static_equilibrium(const PelvisPlant& plant, const PelvisSimulationOptions& options,
                                     double obliquity = 0.0, double lean = 0.0);

// Lean (rad, toward the stance side) at which the weakened abductors hold the
// level pelvis statically at `effort`; 0 when no lean is needed, lean_max when
// even that is not enough. Needs the trunk.
double compensating_lean(const PelvisPlant& plant, const PelvisSimulationOptions& options, double effort);

}  // namespace biomech
