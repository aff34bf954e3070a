// Hill-type muscle-tendon dynamics (hill_muscle.hpp) on the curves and fibre
// geometry of muscle.hpp.
#include "biomech/hill_muscle.hpp"

#include <algorithm>
#include <cmath>

namespace biomech {

HillState rigid_tendon_state(const MuscleTendonParameters& m, const HillParameters& p, double a, double mt_length,
                             double mt_velocity) {
  HillState s;
  RigidTendonUnit(m, p).force(a, mt_length, mt_velocity, nullptr, &s);
  return s;
}

HillState compliant_tendon_state(const MuscleTendonParameters& m, const HillParameters& p, double a,
                                 double mt_length, double fiber_length) {
  HillState s;
  const double l0 = m.optimal_fiber_length;
  const double h = pennation_height(m);
  const double lm = std::max(fiber_length, min_fiber_length(m, p));
  double sin_a;
  const double cos_a = cos_pennation(h, lm, p, &sin_a);
  const double lt = mt_length - lm * cos_a;
  const double strain = m.tendon_slack_length > 0 ? (lt - m.tendon_slack_length) / m.tendon_slack_length : 0.0;
  const double ft = tendon_force_strain(strain, p);  // normalised
  const double ln = lm / l0;
  const double fl = active_force_length(ln, p);
  const double fpe = passive_force_length(ln, p);
  const double beta = p.fiber_damping;
  const double rhs = ft / cos_a;
  // g(v) = a fl fv(v) + fpe + beta v - rhs is increasing with slope >= beta; bracket the root
  const double af = std::clamp(a, 0.0, 1.0) * fl;
  double lo = (rhs - fpe - af * p.fv_max_lengthening) / beta;
  double hi = (rhs - fpe) / beta;
  auto g = [&](double v) { return af * force_velocity(v, a, p) + fpe + beta * v - rhs; };
  double v = std::clamp(0.0, lo, hi);
  for (int it = 0; it < 60; ++it) {
    const double gv = g(v);
    if (std::abs(gv) < 1e-13) break;
    if (gv > 0) hi = v; else lo = v;
    const double dg = af * force_velocity_derivative(v, a, p) + beta;
    double vn = v - gv / dg;
    if (!(vn > lo && vn < hi)) vn = 0.5 * (lo + hi);  // Newton left the bracket: bisect
    if (std::abs(vn - v) < 1e-14 * (1.0 + std::abs(v))) { v = vn; break; }
    v = vn;
  }
  s.fiber_length = lm;
  s.pennation = std::asin(sin_a);
  s.fiber_velocity = v * l0 * p.max_contraction_velocity;
  s.active_fl = fl;
  s.fv = force_velocity(v, a, p);
  s.passive = fpe;
  s.tendon_force = m.max_isometric_force * ft;
  return s;
}

double equilibrium_fiber_length(const MuscleTendonParameters& m, const HillParameters& p, double a,
                                double mt_length) {
  const double h = pennation_height(m);
  const double lmin = min_fiber_length(m, p);
  const double x_hi = mt_length - m.tendon_slack_length;
  if (x_hi <= 0.0) return lmin;  // the tendon is slack at any fibre length
  const double lm_hi = std::sqrt(x_hi * x_hi + h * h);
  if (lm_hi <= lmin) return lmin;
  // g(l) = f_T(l_T(l)) - (a f_L + f_PE) cos(alpha): > 0 at the shortest fibre, <= 0 when the tendon is slack
  auto g = [&](double lm) {
    const double cos_a = cos_pennation(h, lm, p);
    const double lt = mt_length - lm * cos_a;
    const double strain = m.tendon_slack_length > 0 ? (lt - m.tendon_slack_length) / m.tendon_slack_length : 0.0;
    const double ln = lm / m.optimal_fiber_length;
    return tendon_force_strain(strain, p) -
           (std::clamp(a, 0.0, 1.0) * active_force_length(ln, p) + passive_force_length(ln, p)) * cos_a;
  };
  double lo = lmin, hi = lm_hi;
  if (g(lo) <= 0.0) return lo;
  for (int it = 0; it < 200 && hi - lo > 1e-15; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (g(mid) > 0.0) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace biomech
