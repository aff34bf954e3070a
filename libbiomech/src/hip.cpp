// The hip of one side (hip.hpp): coordinates, joint, posture, abductors.
#include "biomech/hip.hpp"

#include <cmath>
#include <string>

#include "biomech/data.hpp"
#include "biomech/errors.hpp"
#include "biomech/muscle_path.hpp"
#include "internal.hpp"

namespace biomech {
namespace {
using internal::check_side;
using internal::fmt;
}  // namespace

HipCoordinates hip_coordinates(const Model& model, char side) {
  check_side(side, "hip_coordinates");
  const std::string s(1, side);
  HipCoordinates h;
  h.flexion = model.posture_coordinate("hip_flexion_" + s);
  h.adduction = model.posture_coordinate("hip_adduction_" + s);
  h.rotation = model.posture_coordinate("hip_rotation_" + s);
  if (h.flexion < 0 || h.adduction < 0 || h.rotation < 0)
    throw InvalidArgument("hip_coordinates: expected a model with hip_flexion_" + s + ", hip_adduction_" + s +
                          " and hip_rotation_" + s + ", got model '" + model.name + "' without them");
  h.knee = model.posture_coordinate("knee_angle_" + s);
  if (h.knee >= 0) {
    // OpenSim models differ: gait2392's knee_angle is negative in flexion (range
    // -120..10 deg), Rajagopal's positive. The range says which.
    const Coordinate& c = model.coordinates[model.independent[h.knee]];
    h.knee_flexion_sign = (-c.range_min > c.range_max) ? -1.0 : 1.0;
  }
  const int flexion_coordinate = model.independent[h.flexion];
  for (size_t j = 0; j < model.joints.size(); ++j)
    for (const TransformAxis& ax : model.joints[j].rotations)
      if (ax.coordinate == flexion_coordinate) h.joint = static_cast<int>(j);
  if (h.joint < 0)
    throw InvalidArgument("hip_coordinates: expected a joint that rotates about hip_flexion_" + s + ", got none");
  return h;
}

Eigen::VectorXd hip_posture(const Model& model, char side, double flexion, double adduction, double rotation,
                            double knee_flexion) {
  const HipCoordinates h = hip_coordinates(model, side);
  for (double v : {flexion, adduction, rotation, knee_flexion})
    if (!std::isfinite(v)) throw InvalidArgument("hip_posture: expected finite angles, got " + fmt(v));
  Eigen::VectorXd q = model.default_posture();
  q[h.flexion] = flexion;
  q[h.adduction] = adduction;
  q[h.rotation] = rotation;
  if (h.knee >= 0) q[h.knee] = h.knee_flexion_sign * knee_flexion;
  return q;
}

std::vector<int> abductor_muscles(const Model& model, char side, double min_moment_arm) {
  check_side(side, "abductor_muscles");
  std::vector<int> out;
  for (int i = 0; i < model.n_muscles(); ++i)
    if (model.muscles[i].side == side && is_hip_abductor_group(model.muscles[i].group)) out.push_back(i);
  if (!out.empty()) return out;
  const int add = model.posture_coordinate(std::string("hip_adduction_") + side);
  if (add < 0) return out;
  Data d(model);
  compute_muscle_paths(model, d, model.default_posture());
  for (int i = 0; i < model.n_muscles(); ++i)
    if (model.muscles[i].side == side && -d.moment_arm(i, add) > min_moment_arm) out.push_back(i);
  return out;
}

}  // namespace biomech
