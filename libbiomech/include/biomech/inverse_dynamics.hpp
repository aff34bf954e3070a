// Newton-Euler loads on the body tree: generalized forces, joint reaction
// forces and the forces muscles apply to bodies. All vectors in ground.
#pragma once
#include <Eigen/Core>
#include <vector>

#include "biomech/data.hpp"
#include "biomech/model.hpp"

namespace biomech {

// A force (N) applied at a point fixed in a body, plus a free moment (N m), both in ground.
struct ExternalLoad {
  int body = -1;
  Vec3 point = Vec3::Zero();   // m, in ground (where the force acts now)
  Vec3 force = Vec3::Zero();   // N, in ground
  Vec3 moment = Vec3::Zero();  // N m, in ground
};

// Motion of a body's centre of mass for inertial loads; zeros for statics.
struct BodyMotion {
  Vec3 com_acceleration = Vec3::Zero();  // m/s^2, in ground
  Vec3 angular_velocity = Vec3::Zero();  // rad/s, in ground
  Vec3 angular_acceleration = Vec3::Zero();  // rad/s^2, in ground
};

// Net force and moment (about the ground origin) that must act on each body so
// that it moves as given under gravity: F_b = m (a - g), M_b = p x F_b + I alpha + w x I w.
// `motion` may be empty (statics). Needs forward_kinematics first.
void body_inertial_loads(const Model& model, const Data& data, const std::vector<BodyMotion>& motion,
                         std::vector<Vec3>& force, std::vector<Vec3>& moment);

// Generalized forces (nq; N m for rotations, N for translations) the joint
// actuators must supply for the bodies to move as given under gravity and the
// external loads: tau_k = sum over moved bodies of J^T (inertial - external).
// For the root's coordinates this is the residual that contacts must cancel.
Eigen::VectorXd generalized_forces(const Model& model, const Data& data,
                                   const std::vector<BodyMotion>& motion,
                                   const std::vector<ExternalLoad>& loads);

// Net force and moment (about the ground origin) that muscles with the given
// tensions (n_muscles, N) apply to each body. Needs compute_muscle_paths at the
// current posture.
void muscle_loads_on_bodies(const Model& model, Data& data, const Eigen::Ref<const Eigen::VectorXd>& tension,
                            std::vector<Vec3>& force, std::vector<Vec3>& moment);

// Force (N, in ground) that the parent body exerts on `joint`'s child through
// the joint: the joint contact force. Sums the inertial loads, external loads
// and muscle loads (force, moment per body as returned above) over the
// child's subtree.
Vec3 joint_reaction_force(const Model& model, const Data& data, int joint,
                          const std::vector<Vec3>& inertial_force,
                          const std::vector<ExternalLoad>& loads,
                          const std::vector<Vec3>& muscle_force);

}  // namespace biomech
