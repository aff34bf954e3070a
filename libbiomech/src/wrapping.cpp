// Exact shortest path over a wrap cylinder, with OpenSim's rules for when a
// segment wraps and on which side.
//
// Geometry. In the cylinder frame (axis z) a path p -> t1 -> helix -> t2 -> s
// that wraps one way round is, once the cylinder and the two tangent planes are
// unrolled, a single straight line. Its horizontal length is
//   H = sqrt(rho_p^2 - r^2) + r theta + sqrt(rho_s^2 - r^2)
// (tangent-line lengths in the cross-section plus the arc), its vertical rise is
// dz = s_z - p_z, and the path length is sqrt(H^2 + dz^2): the slope dz/H is the
// same on all three pieces, which is the geodesic condition. The tangent points
// are then fixed in closed form, no iteration is needed, and the length is
// stationary in them (the moment-arm code relies on this envelope property).
//
// When to wrap (OpenSim WrapCylinder::wrapLine semantics, reimplemented):
//  - no wrap when p or s lies inside the cylinder's radius;
//  - unconstrained ("all" quadrant): wrap only when the straight segment passes
//    within the radius of the axis;
//  - quadrant-constrained (+x, -x, +y, -y): if p or s is on the active side,
//    wrap when the segment cuts the cylinder, or when p and s are on opposite
//    sides and the straight line passes the axis on the inactive side; if
//    neither endpoint is on the active side, always wrap (round the active side);
//  - no wrap when both tangent points lie beyond the cylinder's ends (|z| > L/2),
//    as OpenSim does for its display length; length <= 0 means infinite.
// Which way round: the shorter way when unconstrained; when constrained the way
// whose arc mid-point lies on the active side (the shorter of those if both do).
#include "biomech/wrapping.hpp"

#include <cmath>

namespace biomech {
namespace {

constexpr double kTwoPi = 2.0 * M_PI;

// OpenSim's DSIGN: zero counts as positive.
int dsign(double v) { return v >= 0.0 ? 1 : -1; }

double wrap_angle(double a) {
  a = std::fmod(a, kTwoPi);
  if (a < 0.0) a += kTwoPi;
  return a;
}

struct Candidate {
  double phi1 = 0.0, phi2 = 0.0;  // tangent point angles in the cross-section, rad
  double theta = 0.0;             // arc angle, rad, >= 0
  double horizontal = 0.0;        // H, m
  double total = 0.0;             // path length p -> s, m
  double mid = 0.0;               // angle of the arc mid-point, rad
};

}  // namespace

WrapResult wrap_cylinder(const WrapCylinder& cyl, const Vec3& p, const Vec3& s) {
  WrapResult out;
  const double r = cyl.radius;
  if (!(r > 0.0) || !p.allFinite() || !s.allFinite()) return out;

  const double rho_p = std::hypot(p.x(), p.y());
  const double rho_s = std::hypot(s.x(), s.y());
  if (rho_p < r || rho_s < r) return out;

  // closest approach of the segment's line to the axis (a 2-D problem: the
  // common perpendicular of the line and the z axis is horizontal)
  const double ex = s.x() - p.x(), ey = s.y() - p.y();
  const double e2 = ex * ex + ey * ey;
  if (e2 <= 1e-24) return out;  // segment parallel to the axis: nothing to wrap round
  const double t12 = -(p.x() * ex + p.y() * ey) / e2;
  const double nx = p.x() + t12 * ex, ny = p.y() + t12 * ey;
  const bool cuts = (nx * nx + ny * ny < r * r) && t12 > 0.0 && t12 < 1.0;

  const int axis = cyl.quadrant_axis;
  const bool constrained = (axis == 0 || axis == 1) && (cyl.quadrant_sign == 1 || cyl.quadrant_sign == -1);
  const int sign = constrained ? cyl.quadrant_sign : 0;
  if (!constrained) {
    if (!cuts) return out;
  } else {
    const double pa = axis == 0 ? p.x() : p.y();
    const double sa = axis == 0 ? s.x() : s.y();
    const double na = axis == 0 ? nx : ny;
    if (dsign(pa) == sign || dsign(sa) == sign) {
      const bool passes_inactive = dsign(pa) != dsign(sa) && dsign(na) != sign;
      if (!cuts && !passes_inactive) return out;
    }
    // neither endpoint on the active side: OpenSim always wraps round it
  }

  const double alpha_p = std::atan2(p.y(), p.x());
  const double alpha_s = std::atan2(s.y(), s.x());
  const double beta_p = std::acos(std::min(1.0, r / rho_p));
  const double beta_s = std::acos(std::min(1.0, r / rho_s));
  const double lp = std::sqrt(std::max(0.0, rho_p * rho_p - r * r));
  const double ls = std::sqrt(std::max(0.0, rho_s * rho_s - r * r));
  const double dz = s.z() - p.z();

  // dir = +1: counter-clockwise about +z; -1: clockwise
  auto candidate = [&](int dir) {
    Candidate c;
    c.phi1 = alpha_p + dir * beta_p;
    c.phi2 = alpha_s - dir * beta_s;
    c.theta = wrap_angle(dir * (c.phi2 - c.phi1));
    c.horizontal = lp + r * c.theta + ls;
    c.total = std::hypot(c.horizontal, dz);
    c.mid = c.phi1 + dir * 0.5 * c.theta;
    return c;
  };
  const Candidate ccw = candidate(+1), cw = candidate(-1);

  const Candidate* best = ccw.total <= cw.total ? &ccw : &cw;
  if (constrained) {
    auto active = [&](const Candidate& c) {
      const double v = axis == 0 ? std::cos(c.mid) : std::sin(c.mid);
      return v * sign > 0.0;
    };
    const bool a_ccw = active(ccw), a_cw = active(cw);
    if (a_ccw && !a_cw) best = &ccw;
    if (a_cw && !a_ccw) best = &cw;
  }
  const Candidate& c = *best;
  if (!(c.horizontal > 0.0)) return out;

  const double slope = dz / c.horizontal;  // dz per horizontal metre, the same on every piece
  out.t1 = Vec3(r * std::cos(c.phi1), r * std::sin(c.phi1), p.z() + slope * lp);
  out.t2 = Vec3(r * std::cos(c.phi2), r * std::sin(c.phi2), p.z() + slope * (lp + r * c.theta));
  out.arc_length = r * c.theta * std::sqrt(1.0 + slope * slope);

  if (cyl.length > 0.0) {
    const double half = 0.5 * cyl.length;
    if (std::abs(out.t1.z()) > half && std::abs(out.t2.z()) > half) return WrapResult{};
  }
  out.wrapped = true;
  out.intersects = cuts;
  return out;
}

}  // namespace biomech
