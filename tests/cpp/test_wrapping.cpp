// Wrapping over a cylinder: analytic cases, OpenSim's wrap rules and the
// envelope property (path length stationary in the tangent points).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "biomech/muscle_path.hpp"
#include "biomech/wrapping.hpp"
#include "tiny_model.hpp"

using biomech::Vec3;
using biomech::WrapCylinder;
using biomech::wrap_cylinder;

namespace {

WrapCylinder cylinder(double radius, int quadrant_axis = -1, int quadrant_sign = 0, double length = 0.0) {
  WrapCylinder c;
  c.name = "test";
  c.body = 0;
  c.radius = radius;
  c.length = length;
  c.quadrant_axis = quadrant_axis;
  c.quadrant_sign = quadrant_sign;
  return c;
}

// Length of the path p -> (t1 -> helix -> t2) -> s, or the straight line when it does not wrap.
double path_length(const WrapCylinder& c, const Vec3& p, const Vec3& s) {
  const auto w = wrap_cylinder(c, p, s);
  if (!w.wrapped) return (s - p).norm();
  return (w.t1 - p).norm() + w.arc_length + (s - w.t2).norm();
}

double radial(const Vec3& v) { return std::hypot(v.x(), v.y()); }

}  // namespace

TEST(Wrapping, SegmentPassingFarAwayDoesNotWrap) {
  const auto c = cylinder(0.02);
  const auto w = wrap_cylinder(c, Vec3(0.1, 0.1, 0.0), Vec3(0.1, -0.1, 0.05));
  EXPECT_FALSE(w.wrapped);
  // a constrained cylinder with both points on the active side and the line
  // passing on that side does not wrap either
  const auto cx = cylinder(0.02, 0, +1);
  EXPECT_FALSE(wrap_cylinder(cx, Vec3(0.1, 0.1, 0.0), Vec3(0.1, -0.1, 0.05)).wrapped);
}

TEST(Wrapping, EndpointInsideRadiusDoesNotWrap) {
  const auto c = cylinder(0.05);
  EXPECT_FALSE(wrap_cylinder(c, Vec3(0.01, 0.0, 0.0), Vec3(-0.2, 0.0, 0.0)).wrapped);
}

TEST(Wrapping, SegmentEndingBeforeTheCylinderDoesNotWrap) {
  // the infinite line cuts the cylinder but the segment stops short of it
  const auto c = cylinder(0.02);
  EXPECT_FALSE(wrap_cylinder(c, Vec3(-0.3, 0.001, 0.0), Vec3(-0.1, 0.001, 0.0)).wrapped);
}

// p and s symmetric about the x axis of the cross-section, rising by 2h:
// tangent angles +-(pi/2 - beta) with cos(beta) = r/d; arc angle pi - 2 beta;
// total length sqrt(H^2 + (2h)^2) with H = 2 sqrt(d^2 - r^2) + r (pi - 2 beta).
TEST(Wrapping, SymmetricWrapMatchesClosedForm) {
  const double r = 0.03, d = 0.1, h = 0.04;
  const Vec3 p(0.0, -d, -h), s(0.0, d, h);
  for (int sign : {+1, -1}) {
    const auto c = cylinder(r, 0, sign);
    const auto w = wrap_cylinder(c, p, s);
    ASSERT_TRUE(w.wrapped);
    const double beta = std::acos(r / d);
    const double lp = std::sqrt(d * d - r * r);
    const double theta = M_PI - 2.0 * beta;
    const double H = 2.0 * lp + r * theta;
    const double slope = 2.0 * h / H;
    EXPECT_NEAR(w.t1.x(), sign * r * std::sin(beta), 1e-14);
    EXPECT_NEAR(w.t1.y(), -r * std::cos(beta), 1e-14);
    EXPECT_NEAR(w.t1.z(), -h + slope * lp, 1e-14);
    EXPECT_NEAR(w.t2.x(), sign * r * std::sin(beta), 1e-14);
    EXPECT_NEAR(w.t2.y(), r * std::cos(beta), 1e-14);
    EXPECT_NEAR(w.t2.z(), h - slope * lp, 1e-14);
    EXPECT_NEAR(w.arc_length, r * theta * std::sqrt(1.0 + slope * slope), 1e-14);
    EXPECT_NEAR(path_length(c, p, s), std::hypot(H, 2.0 * h), 1e-14);
    // tangent points on the surface, the wrap on the active side
    EXPECT_NEAR(radial(w.t1), r, 1e-15);
    EXPECT_NEAR(radial(w.t2), r, 1e-15);
  }
}

TEST(Wrapping, StraightPieceIsTangentToTheSurface) {
  const auto c = cylinder(0.025);
  const Vec3 p(-0.12, 0.01, -0.03), s(0.09, -0.004, 0.05);
  const auto w = wrap_cylinder(c, p, s);
  ASSERT_TRUE(w.wrapped);
  // the in-plane direction p -> t1 is perpendicular to the radius at t1
  const Vec3 u = w.t1 - p, n(w.t1.x(), w.t1.y(), 0.0);
  EXPECT_NEAR(u.dot(n) / (u.norm() * n.norm()), 0.0, 1e-12);
  const Vec3 v = s - w.t2, m(w.t2.x(), w.t2.y(), 0.0);
  EXPECT_NEAR(v.dot(m) / (v.norm() * m.norm()), 0.0, 1e-12);
  // unconstrained: the shorter way round, shorter than going the other way
  EXPECT_GT(path_length(c, p, s), (s - p).norm());
}

TEST(Wrapping, UnconstrainedTakesTheShorterSide) {
  const auto c = cylinder(0.02);
  // line passes just above the axis (y > 0): the path goes over the top
  const auto w = wrap_cylinder(c, Vec3(-0.1, 0.005, 0.0), Vec3(0.1, 0.005, 0.0));
  ASSERT_TRUE(w.wrapped);
  EXPECT_GT(w.t1.y(), 0.0);
  EXPECT_GT(w.t2.y(), 0.0);
}

TEST(Wrapping, QuadrantForcesTheActiveSide) {
  // same segment, quadrant -y: the path must go under the cylinder
  const auto c = cylinder(0.02, 1, -1);
  const Vec3 p(-0.1, 0.005, 0.0), s(0.1, 0.005, 0.0);
  const auto w = wrap_cylinder(c, p, s);
  ASSERT_TRUE(w.wrapped);
  EXPECT_LT(w.t1.y(), 0.0);
  EXPECT_LT(w.t2.y(), 0.0);
  EXPECT_GT(path_length(c, p, s), path_length(cylinder(0.02), p, s));
}

TEST(Wrapping, QuadrantWrapsWhenTheLinePassesOnTheInactiveSide) {
  // p below, s above the x axis; the straight line misses the cylinder on the
  // +y side, which is inactive for quadrant -y: OpenSim wraps it under
  const auto c = cylinder(0.02, 1, -1);
  const Vec3 p(-0.1, -0.005, 0.0), s(0.1, 0.06, 0.0);
  ASSERT_FALSE(wrap_cylinder(cylinder(0.02), p, s).wrapped);
  const auto w = wrap_cylinder(c, p, s);
  ASSERT_TRUE(w.wrapped);
  const double mid = std::atan2(w.t1.y() + w.t2.y(), w.t1.x() + w.t2.x());
  EXPECT_LT(std::sin(mid), 0.0);
  // ...but not when it misses on the active side
  EXPECT_FALSE(wrap_cylinder(c, Vec3(-0.1, 0.005, 0.0), Vec3(0.1, -0.06, 0.0)).wrapped);
}

TEST(Wrapping, TangentPointsBeyondTheEndsDoNotWrap) {
  const Vec3 p(-0.1, 0.0, 0.30), s(0.1, 0.001, 0.32);
  EXPECT_TRUE(wrap_cylinder(cylinder(0.02), p, s).wrapped);            // infinite
  EXPECT_FALSE(wrap_cylinder(cylinder(0.02, -1, 0, 0.2), p, s).wrapped);  // ends at |z| = 0.1
}

TEST(Wrapping, LengthIsContinuousWhenTheLineGrazesTheCylinder) {
  const auto c = cylinder(0.02);
  for (double eps : {1e-6, -1e-6}) {
    const Vec3 p(-0.1, 0.02 + eps, 0.0), s(0.1, 0.02 + eps, 0.01);
    EXPECT_NEAR(path_length(c, p, s), (s - p).norm(), 1e-6);
  }
}

// Envelope property: d(length)/dp is the unit vector t1 -> p and
// d(length)/ds is the unit vector t2 -> s (tangent points held fixed), which
// holds only if the path is the exact geodesic. Checked by central differences.
TEST(Wrapping, LengthIsStationaryInTheTangentPoints) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> U(-1.0, 1.0);
  int checked = 0;
  for (int quadrant : {-1, 0, 1}) {
    for (int trial = 0; trial < 200; ++trial) {
      const auto c = quadrant < 0 ? cylinder(0.02) : cylinder(0.02, quadrant, trial % 2 ? 1 : -1);
      const Vec3 p(0.12 * U(rng), 0.12 * U(rng), 0.1 * U(rng));
      const Vec3 s(0.12 * U(rng), 0.12 * U(rng), 0.1 * U(rng));
      const auto w = wrap_cylinder(c, p, s);
      if (!w.wrapped || radial(p) < 0.03 || radial(s) < 0.03) continue;
      const Vec3 gp = (p - w.t1).normalized(), gs = (s - w.t2).normalized();
      const double h = 1e-6;
      for (int k = 0; k < 3; ++k) {
        Vec3 dp = Vec3::Zero();
        dp[k] = h;
        const auto wp = wrap_cylinder(c, p + dp, s), wm = wrap_cylinder(c, p - dp, s);
        const auto sp = wrap_cylinder(c, p, s + dp), sm = wrap_cylinder(c, p, s - dp);
        // skip the rare sample where a finite step crosses a wrap/side switch
        if (!wp.wrapped || !wm.wrapped || !sp.wrapped || !sm.wrapped) continue;
        if ((wp.t1 - wm.t1).norm() > 1e-3 || (sp.t2 - sm.t2).norm() > 1e-3) continue;
        const double fd_p = (path_length(c, p + dp, s) - path_length(c, p - dp, s)) / (2 * h);
        const double fd_s = (path_length(c, p, s + dp) - path_length(c, p, s - dp)) / (2 * h);
        EXPECT_NEAR(fd_p, gp[k], 1e-7) << "trial " << trial << " axis " << k;
        EXPECT_NEAR(fd_s, gs[k], 1e-7) << "trial " << trial << " axis " << k;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

// Moving the cylinder instead of the end points: the length changes by the
// net force the two straight pieces put on it (again the envelope property).
TEST(Wrapping, LengthDerivativeWithRespectToCylinderTranslation) {
  const auto c = cylinder(0.02);
  const Vec3 p(-0.11, 0.012, -0.04), s(0.09, -0.003, 0.06);
  const auto w = wrap_cylinder(c, p, s);
  ASSERT_TRUE(w.wrapped);
  const Vec3 f = (w.t1 - p).normalized() + (w.t2 - s).normalized();
  const double h = 1e-6;
  for (int k = 0; k < 2; ++k) {  // translating the cylinder by d == moving p and s by -d
    Vec3 d = Vec3::Zero();
    d[k] = h;
    const double fd = (path_length(c, p - d, s - d) - path_length(c, p + d, s + d)) / (2 * h);
    EXPECT_NEAR(fd, f[k], 1e-7);
  }
}

// ------------------------------------------------------- one wrap per PathWrap
// OpenSim (GeometryPath::applyWrapObjects) wraps at most one segment of a path
// per PathWrap: the first segment that cuts the cylinder, else the wrapped
// segment whose length grows least. Wrapping every segment that touches the
// cylinder made Rajagopal 2016's glmax1 (4 points, one "-x" cylinder) up to
// 0.26 m longer than OpenSim's.
namespace {

using biomech::Model;
using biomech::Muscle;
using biomech::PathPoint;
using biomech::PathWrap;

// tiny_model plus one muscle with its points on the pelvis (from index
// femur_from on, on the femur) and one wrap over cyl, fixed to the pelvis (at
// the pelvis origin, axis = pelvis z, unless cyl.pose says otherwise)
Model model_with_pelvis_muscle(const WrapCylinder& cyl, const std::vector<Vec3>& points, int femur_from = 1000) {
  Model m = biomech::test_models::tiny_model();
  WrapCylinder c = cyl;
  c.body = 0;
  m.wrap_cylinders.push_back(c);
  Muscle mu;
  mu.name = "multi_segment_r";
  mu.group = "test";
  mu.max_isometric_force = 500;
  mu.optimal_fiber_length = 0.1;
  mu.tendon_slack_length = 0.1;
  for (int k = 0; k < static_cast<int>(points.size()); ++k) {
    PathPoint p;
    p.body = k >= femur_from ? 1 : 0;
    p.location = points[k];
    mu.path.push_back(p);
  }
  mu.wraps = {PathWrap{static_cast<int>(m.wrap_cylinders.size()) - 1, -1, -1}};
  m.muscles.push_back(mu);
  m.finalize();
  return m;
}

double muscle_length(const Model& m, const Eigen::VectorXd& q) {
  biomech::Data d(m);
  biomech::compute_muscle_paths(m, d, q);
  return d.muscle_length[m.n_muscles() - 1];
}

}  // namespace

TEST(Wrapping, OnlyTheFirstSegmentCuttingTheCylinderWraps) {
  const auto c = cylinder(0.02);
  const std::vector<Vec3> pts = {Vec3(-0.1, 0.01, 0.0), Vec3(0.1, 0.005, 0.02), Vec3(-0.1, -0.01, 0.04)};
  ASSERT_TRUE(wrap_cylinder(c, pts[0], pts[1]).intersects);
  ASSERT_TRUE(wrap_cylinder(c, pts[1], pts[2]).intersects);
  const Model m = model_with_pelvis_muscle(c, pts);
  const double expected = path_length(c, pts[0], pts[1]) + (pts[2] - pts[1]).norm();
  EXPECT_NEAR(muscle_length(m, m.default_posture()), expected, 1e-14);
}

TEST(Wrapping, WithoutACutTheSegmentGrowingLeastWraps) {
  // "+y" cylinder, every point on the -y side: each segment wraps round the
  // far (+y) side without cutting it; only the cheaper of the two wraps
  const auto c = cylinder(0.02, 1, +1);
  const std::vector<Vec3> pts = {Vec3(-0.1, -0.05, 0.0), Vec3(0.0, -0.1, 0.01), Vec3(0.1, -0.03, 0.03)};
  const auto w1 = wrap_cylinder(c, pts[0], pts[1]), w2 = wrap_cylinder(c, pts[1], pts[2]);
  ASSERT_TRUE(w1.wrapped && !w1.intersects);
  ASSERT_TRUE(w2.wrapped && !w2.intersects);
  const double s1 = (pts[1] - pts[0]).norm(), s2 = (pts[2] - pts[1]).norm();
  const double g1 = path_length(c, pts[0], pts[1]) - s1, g2 = path_length(c, pts[1], pts[2]) - s2;
  ASSERT_GT(std::abs(g1 - g2), 1e-3);
  const Model m = model_with_pelvis_muscle(c, pts);
  EXPECT_NEAR(muscle_length(m, m.default_posture()), s1 + s2 + std::min(g1, g2), 1e-14);
}

TEST(Wrapping, OneWrapPerPathKeepsMomentArmsExactDerivatives) {
  // Rajagopal 2016's glmax1_r: two points on the pelvis, two on the femur, a
  // "-x" cylinder on the pelvis (Gmax1_at_pelvis_r), the pelvis points and the
  // cylinder shifted by tiny_model's hip centre minus Rajagopal's so that the
  // geometry about the hip is the same; moment arms against central differences
  const Vec3 shift = Vec3(-0.0707, -0.0661, 0.0835) - Vec3(-0.056276, -0.07849, 0.07726);
  auto c = cylinder(0.04, 0, -1, 0.15);
  c.pose.linear() = (Eigen::AngleAxisd(-0.6, Vec3::UnitX()) * Eigen::AngleAxisd(0.45, Vec3::UnitY())).toRotationMatrix();
  c.pose.translation() = Vec3(-0.077, -0.099, 0.061) + shift;
  const Model m = model_with_pelvis_muscle(
      c, {Vec3(-0.1231, 0.0345, 0.0563) + shift, Vec3(-0.1257, -0.0242, 0.0779) + shift, Vec3(-0.0444, -0.0326, 0.0302),
          Vec3(-0.0277, -0.0566, 0.047)},
      2);
  biomech::Data d(m);
  std::mt19937 rng(3);
  int checked = 0, wrapped = 0;
  for (int trial = 0; trial < 300; ++trial) {
    Eigen::VectorXd q = m.default_posture();
    for (const char* name : {"hip_flexion_r", "hip_adduction_r", "hip_rotation_r"}) {
      const int k = m.posture_coordinate(name);
      const auto& co = m.coordinates[m.independent[k]];
      q[k] = std::uniform_real_distribution<double>(co.range_min, co.range_max)(rng);
    }
    biomech::compute_muscle_paths(m, d, q);
    const int mu = m.n_muscles() - 1;
    const size_t n_points = biomech::muscle_path_points(m, d, mu).size();
    EXPECT_TRUE(n_points == 4 || n_points == 6);  // never more than one wrap
    wrapped += n_points == 6;
    for (const char* name : {"hip_flexion_r", "hip_adduction_r", "hip_rotation_r"}) {
      const int k = m.posture_coordinate(name);
      const double h = 1e-6;
      Eigen::VectorXd qp = q, qm = q;
      qp[k] += h;
      qm[k] -= h;
      const double fd = -(muscle_length(m, qp) - muscle_length(m, qm)) / (2 * h);
      const double fd2 = -(muscle_length(m, qp) - muscle_length(m, q)) / h;
      if (std::abs(fd - fd2) > 1e-4) continue;  // a step across a wrap switch
      EXPECT_NEAR(d.moment_arm(mu, k), fd, 1e-7) << name << " trial " << trial;
      ++checked;
    }
  }
  EXPECT_GT(checked, 800);
  EXPECT_GT(wrapped, 30);
  EXPECT_LT(wrapped, 270);
}
