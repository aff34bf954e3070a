// The equations of motion of the pelvis plant (pelvis_system.hpp): the
// frontal-plane double pendulum (pelvis group about the stance hip, trunk group
// about the lumbar joint) driven by Hill-type abductors, the passive hip and
// lumbar moments, the lumbar servo and a perturbation pulse.
#include "pelvis_system.hpp"

#include <algorithm>
#include <limits>

namespace biomech::pelvis {

PelvisSystem::PelvisSystem(const PelvisPlant& plant, const PelvisSimulationOptions& opt)
    : P(plant), O(opt), hip_joint(hip_passive(plant, opt)), lumbar_joint(opt.lumbar_passive),
      controller(opt, plant.n_muscles()) {
  n = P.n_muscles();
  muscles_on = O.muscles_enabled && n > 0;
  compliant = O.tendon == TendonModel::compliant;
  lean_dof = O.lean_dof && P.has_trunk;
  ia = lean_dof ? 4 : 2;
  il = ia + n;
  nx = il + (compliant ? n : 0);
  // each muscle's strength: abductor_strength for the weakened ones (all, in a plant that does not say)
  std::vector<double> strength(n);
  for (int i = 0; i < n; ++i) {
    strength[i] = i >= static_cast<int>(P.weakened.size()) || P.weakened[i] ? O.abductor_strength : 1.0;
    MuscleTendonParameters m = P.muscle_parameters[i];
    nominal_units.emplace_back(m, O.hill);
    m.max_isometric_force *= strength[i];
    units.emplace_back(m, O.hill);
  }
  // frontal plane: u2 up (against gravity, normal to e), u1 = u2 x e
  const Vec3& e = P.axis;
  Vec3 up = -P.gravity;
  if (up.norm() < 1e-12) up = Vec3::UnitY();
  up -= up.dot(e) * e;
  if (up.norm() < 1e-9) up = (std::abs(e.y()) < 0.9 ? Vec3::UnitY() : Vec3::UnitZ()) - e * e.y();
  u2 = up.normalized();
  u1 = u2.cross(e);
  auto proj = [&](const Vec3& v) { return V2(v.dot(u1), v.dot(u2)); };
  d1 = proj(P.com_pelvis - P.hip_center);
  m1 = P.mass_pelvis;
  I1 = P.inertia_pelvis_hip;
  if (P.has_trunk) {
    a = proj(P.lumbar_center - P.hip_center);
    b = proj(P.com_trunk - P.lumbar_center);
    m2 = P.mass_trunk;
    I2 = P.inertia_trunk_com;
  } else {
    a = b = V2::Zero();
  }
  g2 = proj(P.gravity);
  // nominal capacities at the posture for the effort map (abductors only)
  std::vector<double> cap(n, 0.0);
  for (int i = 0; i < n; ++i) {
    double L, r;
    P.muscle_geometry(i, 0.0, L, r);
    if (r >= 0) continue;
    cap[i] = -r * (nominal_units[i].force(1.0, L, 0.0) - nominal_units[i].force(0.0, L, 0.0));
  }
  controller.effort_map = EffortMap(cap);
  double weak = 0.0, all = 0.0;
  for (int i = 0; i < n; ++i)
    all += cap[i], weak += cap[i] * strength[i];
  capacity_strength = all > 0 ? weak / all : O.abductor_strength;
  ubuf.resize(n), fbuf.resize(n), length.resize(n), arm.resize(n), at_length.resize(n);
}

void PelvisSystem::rhs(const double* x, double* dx, double t, Out* out) {
  ++rhs_count;
  const ControllerOptions& C = O.controller;
  const double th = x[0], om = x[1];
  const double la = lean_dof ? x[2] : lean0;
  const double lad = lean_dof ? x[3] : 0.0;
  const double psi = th - la, psid = om - lad;

  // delayed feedback signal
  double thd = th, omd = om;
  if (C.delay > 0.0) controller.history.at(t - C.delay, thd, omd);

  // excitations
  double* u = out && out->u ? out->u : ubuf.data();
  double effort = internal::kNaN;
  if (C.kind == ControllerKind::prescribed) {
    controller.prescribed(t, u);
  } else {
    effort = controller.feedback_effort(t, thd, omd, t - C.delay);
    controller.effort_map.excitations(effort, u);
  }

  // muscles
  double q_mus = 0.0;
  double* fo = out && out->f ? out->f : fbuf.data();
  P.muscle_geometry(th, length.data(), arm.data());
  if (muscles_on && !compliant) {  // every fibre, then every fibre's curves (see RigidTendonUnit::force)
    for (int i = 0; i < n; ++i) at_length[i].fiber = units[i].fiber(length[i]);
    for (int i = 0; i < n; ++i) at_length[i] = units[i].at_length(at_length[i].fiber);
  }
  for (int i = 0; i < n; ++i) {
    const double L = length[i], r = arm[i];
    const double act = x[ia + i];
    double force = 0.0, lm = internal::kNaN;
    if (muscles_on) {
      const double ac = std::clamp(act, 0.0, 1.0);
      if (compliant) {  // tendon force from the fibre-length state; its rate from the damped equilibrium
        const HillState s = compliant_tendon_state(units[i].muscle, O.hill, ac, L, x[il + i]);
        force = s.tendon_force, lm = s.fiber_length;
        dx[il + i] = s.fiber_velocity;
      } else {
        force = units[i].force(ac, at_length[i], -r * om, &lm);
      }
    } else if (compliant) {
      dx[il + i] = 0.0;
    }
    if (out && out->lm) out->lm[i] = lm;
    fo[i] = force;
    q_mus += r * force;
    dx[ia + i] = activation_rate(std::clamp(u[i], 0.0, 1.0), act, O.hill);
    if (out && out->a) out->a[i] = act;
  }

  // passive hip, perturbation, lean actuator
  const PassiveJointEvaluator::Exponentials hip_e = hip_joint.at(hip_q(th));
  const double q_hip = hip_joint.moment(hip_e, om);
  const double q_pert = pulse_on ? O.perturbation.torque : 0.0;
  const Turned R = turned(th, psi);
  double g_th, g_psi;
  gravity_terms(R, g_th, g_psi);

  double lean_target = lean0, tau_lean = 0.0;
  PassiveJointEvaluator::Exponentials lumbar_e;
  if (lean_dof) {
    lean_target = controller.lean_target(lean0, thd);
    // lumbar servo: PD to the target, plus the passive lumbar moment
    lumbar_e = lumbar_joint.at(lumbar_q(la));
    const double lumbar_passive = P.lumbar_sign * lumbar_joint.moment(lumbar_e, P.lumbar_sign * lad);
    tau_lean = C.lumbar_stiffness * (lean_target - la) - C.lumbar_damping * lad + lumbar_passive;
    if (C.lumbar_gravity_compensation) {
      // generalized gravity force on the lean is -g_psi; hold it (and the elastic lumbar moment) at the target
      if (lean_target != lumbar_hold_target) {  // constant unless the target moves
        lumbar_hold_target = lean_target;
        lumbar_hold = P.lumbar_sign * lumbar_joint.moment(lumbar_joint.at(lumbar_q(lean_target)), 0.0);  // elastic
        b_hold = rot2(b, -lean_target);
      }
      const double gp = m2 * g2.dot(perp(rot2(b_hold, R.ct, R.st)));  // b turned by th - lean_target
      tau_lean += gp - lumbar_hold;
    }
  }

  const V2 &Ra = R.a, &Rb = R.b;
  const double C12 = Ra.dot(Rb), S12 = Ra.dot(perp(Rb));
  const double M11 = I1 + m2 * a.squaredNorm(), M22 = I2 + m2 * b.squaredNorm(), M12 = m2 * C12;
  const double Qth = q_mus + q_hip + q_pert + tau_lean + g_th;
  const double Qpsi = -tau_lean + g_psi;
  const double r1 = Qth - m2 * S12 * psid * psid;
  const double r2 = Qpsi + m2 * S12 * om * om;
  double thdd, psidd;
  if (lean_dof) {
    const double inverse_det = 1.0 / (M11 * M22 - M12 * M12);
    thdd = (M22 * r1 - M12 * r2) * inverse_det;
    psidd = (M11 * r2 - M12 * r1) * inverse_det;
    dx[2] = lad;
    dx[3] = thdd - psidd;
  } else {
    thdd = psidd = (r1 + r2) / (M11 + 2 * M12 + M22);
  }
  dx[0] = om;
  dx[1] = thdd;

  if (out) {
    out->effort = effort;
    out->lean_target = lean_target;
    out->muscle_moment = q_mus;
    out->passive_moment = q_hip;
    out->gravity_moment = g_th + g_psi;
    out->lean_torque = tau_lean;
    const double ke = 0.5 * (M11 * om * om + 2 * M12 * om * psid + M22 * psid * psid);
    double pe = potential(R) + hip_joint.potential(hip_e);
    if (lean_dof) pe += lumbar_joint.potential(lumbar_e);
    out->energy = ke + pe;
    out->trunk_tilt = la - th;
    // hip contact force: pelvis on the femoral head = m g + muscle pull on the upper body - m a
    const V2& Rd1 = R.d1;
    const V2 acc = m1 * (thdd * perp(Rd1) - om * om * Rd1) +
                   m2 * (thdd * perp(Ra) - om * om * Ra + psidd * perp(Rb) - psid * psid * Rb);
    // the muscles' pull, summed before the (linear) rotation by theta
    out->contact =
        (m1 + m2) * P.gravity + rot3(P.axis, R.ct, R.st, P.muscle_pull(th, fo)) - (acc.x() * u1 + acc.y() * u2);
  }
}

}  // namespace biomech::pelvis
