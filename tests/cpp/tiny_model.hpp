// A tiny hip model built inline for tests: pelvis on a free joint, a right
// femur on a 3-dof hip, a tibia on a knee whose centre slides along a spline,
// and a few muscles exercising every path feature but wrapping.
#pragma once
#include "biomech/model.hpp"

namespace biomech::test_models {

inline TransformAxis rot(Vec3 axis, int coord) { return {axis, coord, Function::linear(1.0, 0.0)}; }
inline TransformAxis fixed_axis(Vec3 axis) { return {axis, -1, Function::constant(0.0)}; }

inline Model tiny_model() {
  Model m;
  m.name = "tiny";
  auto coord = [&](const std::string& n, double lo, double hi, bool rotational = true) {
    Coordinate c;
    c.name = n;
    c.range_min = lo;
    c.range_max = hi;
    c.rotational = rotational;
    m.coordinates.push_back(c);
    return static_cast<int>(m.coordinates.size()) - 1;
  };
  const int tilt = coord("pelvis_tilt", -1.5, 1.5), list = coord("pelvis_list", -1.5, 1.5),
            rotn = coord("pelvis_rotation", -1.5, 1.5), tx = coord("pelvis_tx", -1, 1, false),
            ty = coord("pelvis_ty", -1, 2, false), tz = coord("pelvis_tz", -1, 1, false);
  const int hf = coord("hip_flexion_r", -0.5, 2.0), ha = coord("hip_adduction_r", -0.8, 0.5),
            hr = coord("hip_rotation_r", -0.7, 0.7), ka = coord("knee_angle_r", -2.0, 0.1);

  Body pelvis{"pelvis", 0, 11.0, Vec3(-0.07, 0.0, 0.0), Vec3(0.1, 0.09, 0.06).asDiagonal()};
  Body femur{"femur_r", 1, 9.0, Vec3(0.0, -0.17, 0.0), Vec3(0.13, 0.035, 0.14).asDiagonal()};
  Body tibia{"tibia_r", 2, 3.7, Vec3(0.0, -0.19, 0.0), Vec3(0.05, 0.005, 0.05).asDiagonal()};
  m.bodies = {pelvis, femur, tibia};

  Joint ground;
  ground.name = "ground_pelvis";
  ground.parent = -1;
  ground.child = 0;
  ground.rotations = {rot(Vec3::UnitZ(), tilt), rot(Vec3::UnitX(), list), rot(Vec3::UnitY(), rotn)};
  ground.translations = {rot(Vec3::UnitX(), tx), rot(Vec3::UnitY(), ty), rot(Vec3::UnitZ(), tz)};
  Joint hip;
  hip.name = "hip_r";
  hip.parent = 0;
  hip.child = 1;
  hip.parent_offset.translation() = Vec3(-0.0707, -0.0661, 0.0835);
  hip.rotations = {rot(Vec3::UnitZ(), hf), rot(Vec3::UnitX(), ha), rot(Vec3::UnitY(), hr)};
  hip.translations = {fixed_axis(Vec3::UnitX()), fixed_axis(Vec3::UnitY()), fixed_axis(Vec3::UnitZ())};
  Joint knee;
  knee.name = "knee_r";
  knee.parent = 1;
  knee.child = 2;
  knee.rotations = {rot(Vec3::UnitZ(), ka), fixed_axis(Vec3::UnitY()), fixed_axis(Vec3::UnitX())};
  knee.translations = {
      TransformAxis{Vec3::UnitX(), ka, Function::spline({-2.0944, -1.0472, -0.349066, 0.0, 0.197344}, {-0.0032, 0.0041, -0.001, -0.0045, -0.005227})},
      TransformAxis{Vec3::UnitY(), ka, Function::spline({-2.0944, -1.22173, -0.523599, 0.0, 2.0944}, {-0.4226, -0.4082, -0.399, -0.3958, -0.396})},
      fixed_axis(Vec3::UnitZ())};
  m.joints = {ground, hip, knee};

  auto point = [](int body, Vec3 p) {
    PathPoint pp;
    pp.body = body;
    pp.location = p;
    return pp;
  };
  Muscle gmed;  // two-point abductor (gait2392 glut_med1_r)
  gmed.name = "glut_med1_r";
  gmed.group = "gluteus_medius";
  gmed.segment = "anterior";
  gmed.max_isometric_force = 819;
  gmed.optimal_fiber_length = 0.0535;
  gmed.tendon_slack_length = 0.078;
  gmed.path = {point(0, Vec3(-0.0408, 0.0304, 0.1209)), point(1, Vec3(-0.0218, -0.0117, 0.0555))};
  Muscle psoas;  // with a conditional point active in hip extension
  psoas.name = "psoas_r";
  psoas.group = "iliopsoas";
  psoas.max_isometric_force = 1113;
  psoas.optimal_fiber_length = 0.1;
  psoas.tendon_slack_length = 0.16;
  PathPoint cond = point(0, Vec3(0.0171, -0.0796, 0.0741));
  cond.type = PathPoint::Type::conditional;
  cond.condition_coordinate = hf;
  cond.range_min = -1.57;
  cond.range_max = 0.2;
  psoas.path = {point(0, Vec3(-0.0647, 0.0887, 0.0289)), point(0, Vec3(-0.0238, -0.057, 0.0759)), cond,
                point(1, Vec3(0.0016, -0.0507, 0.0038)), point(1, Vec3(-0.0188, -0.0597, 0.0104))};
  Muscle rf;  // biarticular with a moving point on the tibia
  rf.name = "rect_fem_r";
  rf.group = "quadriceps";
  rf.max_isometric_force = 779;
  rf.optimal_fiber_length = 0.084;
  rf.tendon_slack_length = 0.346;
  PathPoint mov = point(2, Vec3(0.0, 0.0, 0.0));
  mov.type = PathPoint::Type::moving;
  mov.moving_coordinate = {ka, ka, -1};
  mov.moving[0] = Function::spline({-2.0944, -1.0472, -0.349066, 0.0, 0.174533}, {0.0155, 0.0251, 0.0412, 0.0566, 0.0601});
  mov.moving[1] = Function::spline({-2.0944, -1.0472, -0.349066, 0.0, 0.174533}, {0.0234, 0.0318, 0.0289, 0.0216, 0.0212});
  mov.location = Vec3(0.0, 0.0, 0.0015);
  rf.path = {point(0, Vec3(-0.0295, -0.0311, 0.0968)), point(1, Vec3(0.0334, -0.403, 0.0019)), mov};
  // A knee-extensor-like path over a cylinder fixed to the distal femur, so the
  // envelope-theorem moment arms over a wrap are checked too.
  WrapCylinder cyl;
  cyl.name = "knee_wrap_r";
  cyl.body = 1;
  cyl.pose.translation() = Vec3(0.0, -0.39, 0.0);
  cyl.radius = 0.03;
  cyl.length = 0.1;
  m.wrap_cylinders = {cyl};
  Muscle vas;
  vas.name = "wrapped_r";
  vas.group = "test";
  vas.max_isometric_force = 1000;
  vas.optimal_fiber_length = 0.09;
  vas.tendon_slack_length = 0.2;
  vas.path = {point(0, Vec3(-0.03, -0.03, 0.097)), point(1, Vec3(0.035, -0.25, 0.01)), point(2, Vec3(0.06, -0.03, 0.0))};
  vas.wraps = {PathWrap{0, -1, -1}};
  Muscle vas_q = vas;  // same path, wrap only on the anterior side
  vas_q.name = "wrapped_quadrant_r";
  m.wrap_cylinders.push_back(cyl);
  m.wrap_cylinders.back().name = "knee_wrap_quadrant_r";
  m.wrap_cylinders.back().quadrant_axis = 0;
  m.wrap_cylinders.back().quadrant_sign = +1;
  vas_q.wraps = {PathWrap{1, 1, 2}};
  m.muscles = {gmed, psoas, rf, vas, vas_q};

  Landmark knee_centre{"knee_centre_r", 2, Vec3::Zero(), "tibia origin"};
  m.landmarks = {knee_centre};
  m.finalize();
  return m;
}

}  // namespace biomech::test_models
