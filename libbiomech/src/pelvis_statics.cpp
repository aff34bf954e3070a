// Statics of the pelvis plant (pelvis_statics.hpp): the effort whose
// static-optimisation pattern balances gravity and the passive hip, and the
// trunk lean that lets weak abductors hold the level pelvis.
#include "biomech/pelvis_statics.hpp"

#include <algorithm>

#include "pelvis_system.hpp"

namespace biomech {
namespace pelvis {
namespace {

// Muscle generalized force about e at (theta, v = 0) for effort e, at a given strength.
double static_muscle_moment(const PelvisSystem& S, const std::vector<RigidTendonUnit>& units, double th,
                            double e, std::vector<double>* act, std::vector<double>* force, double omega = 0.0) {
  double ubuf[64];
  std::vector<double> uvec;
  double* u = ubuf;
  if (S.n > 64) uvec.resize(S.n), u = uvec.data();
  S.controller.effort_map.excitations(e, u);
  double q = 0.0;
  for (int i = 0; i < S.n; ++i) {
    double L, r;
    S.P.muscle_geometry(i, th, L, r);
    double f;
    if (S.compliant) {
      const double lm = equilibrium_fiber_length(units[i].muscle, S.O.hill, u[i], L);
      f = compliant_tendon_state(units[i].muscle, S.O.hill, u[i], L, lm).tendon_force;
    } else {
      f = units[i].force(u[i], L, -r * omega);
    }
    if (!S.muscles_on) f = 0.0;
    q += r * f;
    if (act) (*act)[i] = u[i];
    if (force) (*force)[i] = f;
  }
  return q;
}

// effort needed to hold the level pelvis at a lean, extended beyond 1 by the unmet moment
double required_effort(const PelvisSystem& S, double lean) {
  const StaticEquilibrium r = static_solve(S, S.units, 0.0, lean);
  if (r.feasible) return r.effort;
  return 1.0 + r.residual / std::max(S.controller.effort_map.total() * S.capacity_strength, 1e-9);
}

}  // namespace

StaticEquilibrium static_solve(const PelvisSystem& S, const std::vector<RigidTendonUnit>& units, double th,
                               double lean, double extra, double omega) {
  StaticEquilibrium r;
  double g_th, g_psi;
  S.gravity_terms(th, th - lean, g_th, g_psi);
  r.gravity_moment = g_th + g_psi;
  r.passive_moment = S.hip_joint.moment(S.hip_joint.at(S.hip_q(th)), omega);  // as the dynamics evaluates it
  const double need_q = r.gravity_moment + r.passive_moment - extra;  // muscles must supply -need_q
  auto resid = [&](double e) { return static_muscle_moment(S, units, th, e, nullptr, nullptr, omega) + need_q; };
  double e = 0.0;
  if (resid(0.0) <= 0.0) {
    e = 0.0;
    r.feasible = true;
  } else if (resid(1.0) > 0.0) {
    e = 1.0;
    r.feasible = false;
  } else {
    double lo = 0.0, hi = 1.0;
    // the residual is piecewise smooth and decreasing in e: secant steps safeguarded by bisection
    // (Illinois variant of regula falsi: the retained end's value is halved)
    double flo = resid(lo), fhi = resid(hi);
    int side = 0;
    e = 0.5 * (lo + hi);
    for (int it = 0; it < 100 && hi - lo > 1e-14; ++it) {
      e = lo - flo * (hi - lo) / (fhi - flo);
      if (!(e > lo && e < hi)) e = 0.5 * (lo + hi);
      const double fm = resid(e);
      if (std::abs(fm) < 1e-12 * (1.0 + std::abs(need_q))) break;
      if (fm > 0.0) {
        lo = e, flo = fm;
        if (side == 1) fhi *= 0.5;
        side = 1;
      } else {
        hi = e, fhi = fm;
        if (side == -1) flo *= 0.5;
        side = -1;
      }
    }
    r.feasible = true;
  }
  std::vector<double> act(S.n), force(S.n);
  r.effort = e;
  r.muscle_moment = static_muscle_moment(S, units, th, e, &act, &force, omega);
  r.residual = r.muscle_moment + need_q;
  r.activation = Eigen::Map<Eigen::VectorXd>(act.data(), S.n);
  r.force = Eigen::Map<Eigen::VectorXd>(force.data(), S.n);
  r.abductor_force = r.force.sum();
  const Vec3 fm = rot3(S.P.axis, th, S.P.muscle_pull(th, force.data()));
  r.hip_contact_force = (S.m1 + S.m2) * S.P.gravity + fm;
  r.abductor_force_bw = r.abductor_force / S.P.body_weight;
  r.hip_contact_force_bw = r.hip_contact_force.norm() / S.P.body_weight;
  return r;
}

double find_compensating_lean(const PelvisSystem& S, double effort) {
  const double lmax = S.O.controller.lean_max;
  if (required_effort(S, 0.0) <= effort) return 0.0;
  if (required_effort(S, lmax) > effort) return lmax;
  double lo = 0.0, hi = lmax;
  for (int it = 0; it < 40; ++it) {  // 30 deg / 2^40: far below any physical meaning
    const double mid = 0.5 * (lo + hi);
    if (required_effort(S, mid) > effort) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace pelvis

StaticEquilibrium static_equilibrium(const PelvisPlant& plant, const PelvisSimulationOptions& options, double obliquity,
                                     double lean) {
  using namespace pelvis;
  check_options(plant, options);
  need(finite(obliquity) && finite(lean), "static_equilibrium: expected a finite obliquity and lean");
  PelvisSystem S(plant, options);
  return static_solve(S, S.units, obliquity, plant.has_trunk ? lean : 0.0);
}

double compensating_lean(const PelvisPlant& plant, const PelvisSimulationOptions& options, double effort) {
  using namespace pelvis;
  check_options(plant, options);
  need(plant.has_trunk, "compensating_lean: the model has no trunk with a lumbar joint");
  need(finite(effort) && effort > 0 && effort <= 1, "compensating_lean: expected an effort in (0, 1], got " + fmt(effort));
  PelvisSystem S(plant, options);
  return find_compensating_lean(S, effort);
}

}  // namespace biomech
