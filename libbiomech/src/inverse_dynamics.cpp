#include "biomech/inverse_dynamics.hpp"

#include "biomech/errors.hpp"
#include "biomech/kinematics.hpp"
#include "biomech/muscle_path.hpp"

namespace biomech {
namespace {

void check_loads(const Model& model, const std::vector<ExternalLoad>& loads, const char* who) {
  for (const ExternalLoad& l : loads) {
    if (l.body < 0 || l.body >= static_cast<int>(model.bodies.size()))
      throw InvalidArgument(std::string(who) + ": expected an external load on a body of the model, got body index " +
                            std::to_string(l.body));
    if (!l.point.allFinite() || !l.force.allFinite() || !l.moment.allFinite())
      throw InvalidArgument(std::string(who) + ": expected finite external loads, got NaN or inf");
  }
}

// Sums per-body (force, moment about the origin) over each body's subtree, in place.
void subtree_sums(const Model& model, std::vector<Vec3>& f, std::vector<Vec3>& m) {
  for (int b = static_cast<int>(model.bodies.size()) - 1; b > 0; --b) {
    const int parent = model.joints[model.bodies[b].joint].parent;
    if (parent < 0) continue;
    f[parent] += f[b];
    m[parent] += m[b];
  }
}

}  // namespace

void body_inertial_loads(const Model& model, const Data& data, const std::vector<BodyMotion>& motion,
                         std::vector<Vec3>& force, std::vector<Vec3>& moment) {
  check(model, data, "body_inertial_loads");
  const size_t nb = model.bodies.size();
  if (!motion.empty() && motion.size() != nb)
    throw InvalidArgument("body_inertial_loads: expected one BodyMotion per body (" + std::to_string(nb) + "), got " +
                          std::to_string(motion.size()));
  force.assign(nb, Vec3::Zero());
  moment.assign(nb, Vec3::Zero());
  for (size_t b = 0; b < nb; ++b) {
    const Body& body = model.bodies[b];
    const Vec3 com = data.body_pose[b] * body.com;
    Vec3 acc = -model.gravity;
    Vec3 h = Vec3::Zero();
    if (!motion.empty()) {
      const BodyMotion& mo = motion[b];
      acc += mo.com_acceleration;
      const Mat3 R = data.body_pose[b].linear();
      const Mat3 I = R * body.inertia * R.transpose();
      h = I * mo.angular_acceleration + mo.angular_velocity.cross(I * mo.angular_velocity);
    }
    force[b] = body.mass * acc;
    moment[b] = com.cross(force[b]) + h;
  }
}

Eigen::VectorXd generalized_forces(const Model& model, const Data& data, const std::vector<BodyMotion>& motion,
                                   const std::vector<ExternalLoad>& loads) {
  check(model, data, "generalized_forces");
  check_loads(model, loads, "generalized_forces");
  std::vector<Vec3> f, m;
  body_inertial_loads(model, data, motion, f, m);
  for (const ExternalLoad& l : loads) {
    f[l.body] -= l.force;
    m[l.body] -= l.point.cross(l.force) + l.moment;
  }
  subtree_sums(model, f, m);
  Eigen::VectorXd tau = Eigen::VectorXd::Zero(model.nq());
  for (const MotionTerm& t : data.motion_terms) {
    const int child = model.joints[t.joint].child;
    tau[t.posture_index] += t.w.dot(m[child]) + t.v.dot(f[child]);
  }
  return tau;
}

void muscle_loads_on_bodies(const Model& model, Data& data, const Eigen::Ref<const Eigen::VectorXd>& tension,
                            std::vector<Vec3>& force, std::vector<Vec3>& moment) {
  check(model, data, "muscle_loads_on_bodies");
  if (tension.size() != model.n_muscles())
    throw InvalidArgument("muscle_loads_on_bodies: expected " + std::to_string(model.n_muscles()) +
                          " tensions, got " + std::to_string(tension.size()));
  if (!tension.allFinite()) throw InvalidArgument("muscle_loads_on_bodies: expected finite tensions");
  const size_t nb = model.bodies.size();
  force.assign(nb, Vec3::Zero());
  moment.assign(nb, Vec3::Zero());
  for (int mi = 0; mi < model.n_muscles(); ++mi) {
    if (tension[mi] == 0.0) continue;
    const MusclePathForces pf = muscle_path_forces(model, data, mi);
    for (size_t j = 0; j < pf.points.size(); ++j) {
      const Vec3 fj = tension[mi] * pf.force[j];
      force[pf.bodies[j]] += fj;
      moment[pf.bodies[j]] += pf.points[j].cross(fj);
    }
  }
}

Vec3 joint_reaction_force(const Model& model, const Data& data, int joint, const std::vector<Vec3>& inertial_force,
                          const std::vector<ExternalLoad>& loads, const std::vector<Vec3>& muscle_force) {
  check(model, data, "joint_reaction_force");
  const int nb = static_cast<int>(model.bodies.size());
  if (joint < 0 || joint >= static_cast<int>(model.joints.size()))
    throw InvalidArgument("joint_reaction_force: expected a joint index below " + std::to_string(model.joints.size()) +
                          ", got " + std::to_string(joint));
  if (static_cast<int>(inertial_force.size()) != nb || static_cast<int>(muscle_force.size()) != nb)
    throw InvalidArgument("joint_reaction_force: expected per-body force vectors of size " + std::to_string(nb));
  check_loads(model, loads, "joint_reaction_force");
  (void)data;
  const int child = model.joints[joint].child;
  // Newton on the child's subtree: F_joint + F_ext + F_muscle + m g = m a.
  Vec3 f = Vec3::Zero();
  for (int b = 0; b < nb; ++b)
    if (is_in_subtree(model, b, child)) f += inertial_force[b] - muscle_force[b];
  for (const ExternalLoad& l : loads)
    if (is_in_subtree(model, l.body, child)) f -= l.force;
  return f;
}

}  // namespace biomech
