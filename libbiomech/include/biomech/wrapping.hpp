// Wrapping of a straight path segment over a cylinder (OpenSim WrapCylinder).
#pragma once
#include "biomech/model.hpp"

namespace biomech {

struct WrapResult {
  bool wrapped = false;  // false: the straight segment does not touch the cylinder
  Vec3 t1 = Vec3::Zero();  // first tangent point, in the cylinder frame
  Vec3 t2 = Vec3::Zero();  // second tangent point, in the cylinder frame
  double arc_length = 0.0; // m, length of the helical path on the surface between t1 and t2
  // The straight segment itself cuts the cylinder (OpenSim's
  // "mandatory" wrap). A path with several segments in a PathWrap's range wraps the
  // first such segment; failing one, the wrapped segment whose length grows least.
  bool intersects = false;
};

// Shortest path from p to s (both in the cylinder frame, axis = z) around the
// cylinder, honouring the quadrant constraint, following OpenSim's WrapCylinder
// rules for when a segment wraps. The path is p -> t1 -> (helix) -> t2 -> s.
// It must be the true geodesic so that the path length is stationary in the
// tangent points (the moment-arm algorithm relies on it).
WrapResult wrap_cylinder(const WrapCylinder& cyl, const Vec3& p, const Vec3& s);

}  // namespace biomech
