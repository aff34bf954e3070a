// Model files: exact round trip, unit conversion, and one clear FileError
// (file, line, field) for every kind of bad input. Broken files are written
// into a temporary directory from the inline text below.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "biomech/errors.hpp"
#include "biomech/model_io.hpp"
#include "tiny_model.hpp"
#include "text_support.hpp"

using namespace biomech;
namespace fs = std::filesystem;

namespace {

// Numbers are gait2392's (Delp et al. 1990, via the OpenSim model file) where
// they look anatomical; the rest are arbitrary test values.
const std::string kModel = R"yaml(# tiny test model
name: tiny
source: "inline test model (geometry numbers from gait2392: Delp et al. 1990)"
license: CC BY 3.0
reference_subject: {name: generic, mass_kg: 75.16, height_m: 1.8, sex: male}
coordinates:
  - {name: pelvis_tilt, range_deg: [-90, 90]}
  - {name: pelvis_ty, range_m: [-1, 2], default_m: 0.95}
  - {name: hip_flexion_r, range_deg: [-120, 120]}
  - {name: hip_adduction_r, range_deg: [-120, 120]}
  - {name: knee_angle_r, range_deg: [-120, 10]}
  - name: knee_beta_r
    range_deg: [-120, 10]
    coupled: {driver: knee_angle_r, function: {linear: {slope_deg_per_deg: 1}}}
bodies:
  - {name: pelvis, mass_kg: 11.777, com_m: [-0.0707, 0, 0], inertia_kg_m2: [0.1028, 0.0871, 0.0579, 0, 0, 0]}
  - name: femur_r
    mass_kg: 9.3014
    com_m: [0, -0.17, 0]
    inertia_kg_m2: [0.1339, 0.0351, 0.1412, 0, 0, 0]
  - {name: tibia_r, mass_kg: 3.7075, com_m: [0, -0.1867, 0], inertia_kg_m2: [0.0504, 0.0051, 0.0511, 0, 0, 0]}
joints:
  - name: ground_pelvis
    parent: ground
    child: pelvis
    rotations:
      - {axis: [0, 0, 1], coordinate: pelvis_tilt}
    translations:
      - {axis: [0, 1, 0], coordinate: pelvis_ty}
  - name: hip_r
    parent: pelvis
    child: femur_r
    parent_offset: {location_m: [-0.0707, -0.0661, 0.0835], orientation_deg: [5, -10, 20]}
    rotations:
      - {axis: [0, 0, 1], coordinate: hip_flexion_r}
      - {axis: [1, 0, 0], coordinate: hip_adduction_r}
  - name: knee_r
    parent: femur_r
    child: tibia_r
    rotations:
      - {axis: [0, 0, 1], coordinate: knee_angle_r}
    translations:
      - {axis: [1, 0, 0], coordinate: knee_angle_r, function: {spline: {x_deg: [-120, -60, -20, 0, 10], y_m: [-0.0032, 0.0041, -0.001, -0.0045, -0.0052]}}}
      - {axis: [0, 1, 0], coordinate: knee_angle_r, function: {polynomial: {coefficients_m_per_deg: [1e-7, 2e-6, -0.396]}}}
wrap_cylinders:
  - {name: cyl_r, body: femur_r, location_m: [0, -0.2, 0], orientation_deg: [0, 10, 0], radius_m: 0.02, length_m: 0.1, quadrant: -x}
landmarks:
  - {name: asis_r, body: pelvis, location_m: [0.0, 0.0, 0.128], source: test value}
muscles:
  - name: glut_med1_r
    group: gluteus_medius
    segment: anterior
    max_isometric_force_n: 819
    optimal_fiber_length_m: 0.0535
    tendon_slack_length_m: 0.078
    pennation_angle_deg: 8
    curves: {active_shape: 0.5, activation_time_s: 0.015}
    path:
      - {body: pelvis, location_m: [-0.0408, 0.0304, 0.1209]}
      - {body: femur_r, location_m: [-0.0218, -0.0117, 0.0555]}
  - name: rect_fem_r
    group: rectus_femoris
    max_isometric_force_n: 1169
    optimal_fiber_length_m: 0.114
    tendon_slack_length_m: 0.31
    pennation_angle_deg: 5
    path:
      - {body: pelvis, location_m: [-0.0295, -0.0311, 0.0968]}
      - {body: femur_r, location_m: [0.0334, -0.403, 0.0019], condition: {coordinate: knee_angle_r, range_deg: [-150, -83.65]}}
      - body: tibia_r
        location_m: [0, 0, 0.0014]
        moving:
          x: {coordinate: knee_angle_r, function: {spline: {x_deg: [-120, -60, 0, 10], y_m: [0.0156, 0.0366, 0.0618, 0.0733]}}}
          y: {coordinate: knee_beta_r, function: {linear: {slope_m_per_deg: 0.0001, intercept_m: 0.021}}}
    wraps:
      - {cylinder: cyl_r, range: [1, 2]}
subjects:
  male: {mass_kg: 70, height_m: 1.75, sex: male, source: "test value"}
  female: {mass_kg: 60, height_m: 1.65, sex: female, pelvis_width_m: 0.26, anteversion_deg: 15, strength_scale: {gluteus_medius: 0.8}}
default_subject: male
)yaml";

using biomech::test_support::TempDir;
using biomech::test_support::line_of;

std::string replaced_first(std::string text, const std::string& from, const std::string& to) {
  const size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << "test text lacks: " << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

void expect_near(const Eigen::Isometry3d& a, const Eigen::Isometry3d& b, const std::string& what) {
  EXPECT_LE((a.matrix() - b.matrix()).cwiseAbs().maxCoeff(), 1e-12) << what;
}

void expect_same_function(const Function& a, const Function& b, const std::string& what) {
  ASSERT_EQ(a.kind(), b.kind()) << what;
  ASSERT_EQ(a.x().size(), b.x().size()) << what;
  ASSERT_EQ(a.y().size(), b.y().size()) << what;
  for (size_t i = 0; i < a.x().size(); ++i) EXPECT_NEAR(a.x()[i], b.x()[i], 1e-12) << what;
  for (size_t i = 0; i < a.y().size(); ++i) EXPECT_NEAR(a.y()[i], b.y()[i], 1e-12) << what;
  EXPECT_NEAR(a.slope(), b.slope(), 1e-12) << what;
  EXPECT_NEAR(a.intercept(), b.intercept(), 1e-12) << what;
  for (double x : {-2.0, -1.0, -0.3, 0.0, 0.1, 0.5, 2.0}) {
    EXPECT_NEAR(a.value(x), b.value(x), 1e-12) << what << " at " << x;
    EXPECT_NEAR(a.derivative(x), b.derivative(x), 1e-11) << what << " at " << x;
  }
}

void expect_same_model(const Model& a, const Model& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.license, b.license);
  EXPECT_LE((a.gravity - b.gravity).norm(), 1e-12);
  EXPECT_EQ(a.subject.name, b.subject.name);
  EXPECT_NEAR(a.subject.mass, b.subject.mass, 1e-12);
  EXPECT_NEAR(a.subject.height, b.subject.height, 1e-12);
  EXPECT_EQ(a.subject.sex, b.subject.sex);
  ASSERT_EQ(a.coordinates.size(), b.coordinates.size());
  for (size_t i = 0; i < a.coordinates.size(); ++i) {
    const auto &ca = a.coordinates[i], &cb = b.coordinates[i];
    EXPECT_EQ(ca.name, cb.name);
    EXPECT_NEAR(ca.range_min, cb.range_min, 1e-12);
    EXPECT_NEAR(ca.range_max, cb.range_max, 1e-12);
    EXPECT_NEAR(ca.default_value, cb.default_value, 1e-12);
    EXPECT_EQ(ca.rotational, cb.rotational);
    EXPECT_EQ(ca.driver, cb.driver);
    if (ca.driver >= 0) expect_same_function(ca.coupler, cb.coupler, "coupler " + ca.name);
  }
  ASSERT_EQ(a.bodies.size(), b.bodies.size());
  for (size_t i = 0; i < a.bodies.size(); ++i) {
    EXPECT_EQ(a.bodies[i].name, b.bodies[i].name);
    EXPECT_EQ(a.bodies[i].joint, b.bodies[i].joint);
    EXPECT_NEAR(a.bodies[i].mass, b.bodies[i].mass, 1e-12);
    EXPECT_LE((a.bodies[i].com - b.bodies[i].com).norm(), 1e-12);
    EXPECT_LE((a.bodies[i].inertia - b.bodies[i].inertia).cwiseAbs().maxCoeff(), 1e-12);
  }
  ASSERT_EQ(a.joints.size(), b.joints.size());
  for (size_t i = 0; i < a.joints.size(); ++i) {
    const auto &ja = a.joints[i], &jb = b.joints[i];
    EXPECT_EQ(ja.name, jb.name);
    EXPECT_EQ(ja.parent, jb.parent);
    EXPECT_EQ(ja.child, jb.child);
    expect_near(ja.parent_offset, jb.parent_offset, ja.name + " parent offset");
    expect_near(ja.child_offset, jb.child_offset, ja.name + " child offset");
    for (int k = 0; k < 3; ++k) {
      for (int t = 0; t < 2; ++t) {
        const auto& xa = t ? ja.translations[k] : ja.rotations[k];
        const auto& xb = t ? jb.translations[k] : jb.rotations[k];
        const std::string what = ja.name + (t ? " translation " : " rotation ") + std::to_string(k);
        EXPECT_EQ(xa.coordinate, xb.coordinate) << what;
        if (xa.coordinate >= 0) {
          EXPECT_LE((xa.axis - xb.axis).norm(), 1e-12) << what;
          expect_same_function(xa.function, xb.function, what);
        } else {  // a constant axis: only its value matters
          EXPECT_NEAR(xa.function.value(0.0), xb.function.value(0.0), 1e-12) << what;
          if (xa.function.value(0.0) != 0.0) {
            EXPECT_LE((xa.axis - xb.axis).norm(), 1e-12) << what;
          }
        }
      }
    }
  }
  ASSERT_EQ(a.wrap_cylinders.size(), b.wrap_cylinders.size());
  for (size_t i = 0; i < a.wrap_cylinders.size(); ++i) {
    const auto &wa = a.wrap_cylinders[i], &wb = b.wrap_cylinders[i];
    EXPECT_EQ(wa.name, wb.name);
    EXPECT_EQ(wa.body, wb.body);
    expect_near(wa.pose, wb.pose, wa.name);
    EXPECT_NEAR(wa.radius, wb.radius, 1e-12);
    EXPECT_NEAR(wa.length, wb.length, 1e-12);
    EXPECT_EQ(wa.quadrant_axis, wb.quadrant_axis);
    EXPECT_EQ(wa.quadrant_sign, wb.quadrant_sign);
  }
  ASSERT_EQ(a.landmarks.size(), b.landmarks.size());
  for (size_t i = 0; i < a.landmarks.size(); ++i) {
    EXPECT_EQ(a.landmarks[i].name, b.landmarks[i].name);
    EXPECT_EQ(a.landmarks[i].body, b.landmarks[i].body);
    EXPECT_LE((a.landmarks[i].location - b.landmarks[i].location).norm(), 1e-12);
    EXPECT_EQ(a.landmarks[i].source, b.landmarks[i].source);
  }
  ASSERT_EQ(a.muscles.size(), b.muscles.size());
  for (size_t i = 0; i < a.muscles.size(); ++i) {
    const auto &ma = a.muscles[i], &mb = b.muscles[i];
    EXPECT_EQ(ma.name, mb.name);
    EXPECT_EQ(ma.side, mb.side);
    EXPECT_EQ(ma.group, mb.group);
    EXPECT_EQ(ma.segment, mb.segment);
    EXPECT_NEAR(ma.max_isometric_force, mb.max_isometric_force, 1e-12);
    EXPECT_NEAR(ma.optimal_fiber_length, mb.optimal_fiber_length, 1e-12);
    EXPECT_NEAR(ma.tendon_slack_length, mb.tendon_slack_length, 1e-12);
    EXPECT_EQ(ma.hill.active_shape, mb.hill.active_shape);
    EXPECT_EQ(ma.hill.activation_time, mb.hill.activation_time);
    EXPECT_NEAR(ma.pennation_angle, mb.pennation_angle, 1e-12);
    ASSERT_EQ(ma.path.size(), mb.path.size());
    for (size_t k = 0; k < ma.path.size(); ++k) {
      const auto &pa = ma.path[k], &pb = mb.path[k];
      EXPECT_EQ(pa.type, pb.type);
      EXPECT_EQ(pa.body, pb.body);
      EXPECT_LE((pa.location - pb.location).norm(), 1e-12);
      EXPECT_EQ(pa.condition_coordinate, pb.condition_coordinate);
      if (pa.type == PathPoint::Type::conditional) {
        EXPECT_NEAR(pa.range_min, pb.range_min, 1e-12);
        EXPECT_NEAR(pa.range_max, pb.range_max, 1e-12);
      }
      EXPECT_EQ(pa.moving_coordinate, pb.moving_coordinate);
      for (int d = 0; d < 3; ++d)
        if (pa.moving_coordinate[d] >= 0) expect_same_function(pa.moving[d], pb.moving[d], ma.name + " moving");
    }
    ASSERT_EQ(ma.wraps.size(), mb.wraps.size());
    for (size_t k = 0; k < ma.wraps.size(); ++k) {
      EXPECT_EQ(ma.wraps[k].cylinder, mb.wraps[k].cylinder);
      EXPECT_EQ(ma.wraps[k].range_begin, mb.wraps[k].range_begin);
      EXPECT_EQ(ma.wraps[k].range_end, mb.wraps[k].range_end);
    }
  }
  EXPECT_EQ(a.independent, b.independent);
  EXPECT_EQ(a.moment_arm_coords, b.moment_arm_coords);
}

}  // namespace

TEST(ModelIo, ReadsUnitsIntoRadiansAndMetres) {
  TempDir dir("model_io");
  const ModelFile f = load_model_file(dir.write("tiny.yaml", kModel));
  const Model& m = f.model;
  EXPECT_EQ(m.name, "tiny");
  EXPECT_EQ(m.license, "CC BY 3.0");
  const Coordinate& hip = m.coordinates[m.coordinate_index("hip_flexion_r")];
  EXPECT_TRUE(hip.rotational);
  EXPECT_DOUBLE_EQ(hip.range_max, 120.0 * M_PI / 180.0);
  const Coordinate& ty = m.coordinates[m.coordinate_index("pelvis_ty")];
  EXPECT_FALSE(ty.rotational);
  EXPECT_DOUBLE_EQ(ty.default_value, 0.95);
  // coupled coordinate: identity in degrees is identity in radians
  const Coordinate& beta = m.coordinates[m.coordinate_index("knee_beta_r")];
  EXPECT_EQ(beta.driver, m.coordinate_index("knee_angle_r"));
  EXPECT_DOUBLE_EQ(beta.coupler.value(0.7), 0.7);
  EXPECT_EQ(m.nq(), 5);
  // a spline in (deg -> m) evaluated at a knot given in radians
  const Joint& knee = m.joints[m.bodies[m.body_index("tibia_r")].joint];
  EXPECT_NEAR(knee.translations[0].function.value(-60.0 * M_PI / 180.0), 0.0041, 1e-15);
  // polynomial in degrees: y = 1e-7 x^2 + 2e-6 x - 0.396 with x in deg
  const double xd = -45.0;
  EXPECT_NEAR(knee.translations[1].function.value(xd * M_PI / 180.0), 1e-7 * xd * xd + 2e-6 * xd - 0.396, 1e-15);
  // missing axes are constant zero
  EXPECT_EQ(knee.translations[2].coordinate, -1);
  EXPECT_EQ(knee.translations[2].function.value(0.0), 0.0);
  // orientation: body-fixed XYZ
  const Joint& hipj = m.joints[m.bodies[m.body_index("femur_r")].joint];
  const Mat3 R = (Eigen::AngleAxisd(5 * M_PI / 180, Vec3::UnitX()) * Eigen::AngleAxisd(-10 * M_PI / 180, Vec3::UnitY()) *
                  Eigen::AngleAxisd(20 * M_PI / 180, Vec3::UnitZ())).toRotationMatrix();
  EXPECT_LE((hipj.parent_offset.linear() - R).cwiseAbs().maxCoeff(), 1e-15);
  // muscles: side from the name suffix, units converted
  const Muscle& gm = m.muscles[m.muscle_index("glut_med1_r")];
  EXPECT_EQ(gm.side, 'r');
  EXPECT_DOUBLE_EQ(gm.pennation_angle, 8.0 * M_PI / 180.0);
  EXPECT_DOUBLE_EQ(gm.hill.active_shape, 0.5);  // its own curves; the rest keep the defaults
  EXPECT_DOUBLE_EQ(gm.hill.activation_time, 0.015);
  EXPECT_DOUBLE_EQ(gm.hill.fv_shape, HillParameters{}.fv_shape);
  const Muscle& rf = m.muscles[m.muscle_index("rect_fem_r")];
  EXPECT_EQ(rf.path[1].type, PathPoint::Type::conditional);
  EXPECT_DOUBLE_EQ(rf.path[1].range_max, -83.65 * M_PI / 180.0);
  EXPECT_EQ(rf.path[2].type, PathPoint::Type::moving);
  EXPECT_EQ(rf.path[2].moving_coordinate[2], -1);
  EXPECT_DOUBLE_EQ(rf.path[2].location.z(), 0.0014);
  EXPECT_NEAR(rf.path[2].moving[1].value(M_PI / 180.0), 0.021 + 0.0001, 1e-15);
  ASSERT_EQ(rf.wraps.size(), 1u);
  EXPECT_EQ(rf.wraps[0].range_begin, 1);
  EXPECT_EQ(rf.wraps[0].range_end, 2);
  EXPECT_EQ(m.wrap_cylinders[0].quadrant_axis, 0);
  EXPECT_EQ(m.wrap_cylinders[0].quadrant_sign, -1);
  // reference subject and default subjects
  EXPECT_EQ(m.subject.name, "generic");
  EXPECT_DOUBLE_EQ(m.subject.mass, 75.16);
  EXPECT_EQ(f.default_subject, "male");
  ASSERT_EQ(f.subjects.size(), 2u);
  const Subject& fe = f.subjects.at("female");
  EXPECT_EQ(fe.name, "female");
  EXPECT_EQ(fe.sex, Sex::female);
  EXPECT_DOUBLE_EQ(*fe.anteversion, 15.0 * M_PI / 180.0);
  EXPECT_DOUBLE_EQ(fe.strength_scale.at("gluteus_medius"), 0.8);
  EXPECT_FALSE(fe.neck_shaft_angle.has_value());
  EXPECT_EQ(load_subjects(dir.path("tiny.yaml")).size(), 2u);
}

TEST(ModelIo, BodiesAreOrderedParentFirst) {
  // tibia listed before its parent femur: the loader reorders
  std::string text = replaced_first(kModel, "  - {name: tibia_r, mass_kg: 3.7075, com_m: [0, -0.1867, 0], inertia_kg_m2: [0.0504, 0.0051, 0.0511, 0, 0, 0]}\n", "");
  text = replaced_first(text, "  - {name: pelvis,", "  - {name: tibia_r, mass_kg: 3.7075, com_m: [0, -0.1867, 0], inertia_kg_m2: [0.0504, 0.0051, 0.0511, 0, 0, 0]}\n  - {name: pelvis,");
  const Model m = parse_model_file(text).model;
  EXPECT_EQ(m.bodies[0].name, "pelvis");
  EXPECT_EQ(m.bodies[1].name, "femur_r");
  EXPECT_EQ(m.bodies[2].name, "tibia_r");
  EXPECT_EQ(m.muscles[0].path[1].body, 1);
}

TEST(ModelIo, RoundTripOfAFileIsExact) {
  TempDir dir("model_io");
  const ModelFile a = load_model_file(dir.write("a.yaml", kModel));
  save_model(a.model, dir.path("b.yaml"), a.subjects, a.default_subject);
  const ModelFile b = load_model_file(dir.path("b.yaml"));
  expect_same_model(a.model, b.model);
  EXPECT_EQ(b.default_subject, "male");
  EXPECT_DOUBLE_EQ(*b.subjects.at("female").anteversion, *a.subjects.at("female").anteversion);
  // and writing again gives the same text: the format is a fixed point
  EXPECT_EQ(model_to_yaml(a.model, a.subjects, a.default_subject), model_to_yaml(b.model, b.subjects, b.default_subject));
}

TEST(ModelIo, RoundTripOfAModelBuiltInCodeIsExact) {
  Model m = test_models::tiny_model();
  m.source = "tests/cpp/tiny_model.hpp";
  // add what tiny_model lacks: an oriented wrap cylinder with a quadrant, a landmark, a coupled coordinate
  WrapCylinder w;
  w.name = "wrap\"odd name\"";
  w.body = 1;
  w.pose.translation() = Vec3(0.01, -0.05, 0.02);
  w.pose.linear() = Eigen::AngleAxisd(0.3, Vec3(1, 2, 3).normalized()).toRotationMatrix();
  w.radius = 0.025;
  w.length = 0.2;
  w.quadrant_axis = 1;
  w.quadrant_sign = 1;
  m.wrap_cylinders.push_back(w);
  m.muscles[0].wraps.push_back(PathWrap{0, -1, -1});
  m.landmarks.push_back(Landmark{"asis_r", 0, Vec3(0.01, 0.0, 0.128), "test: value with : colon"});
  Coordinate c;
  c.name = "knee_beta_r";
  c.range_min = -2.0;
  c.range_max = 0.1;
  c.driver = m.coordinate_index("knee_angle_r");
  c.coupler = Function::spline({-2.0, -1.0, 0.0, 0.1}, {-1.9, -1.1, 0.05, 0.12});
  m.coordinates.push_back(c);
  m.finalize();
  const Model back = parse_model_file(model_to_yaml(m)).model;
  expect_same_model(m, back);
}

TEST(ModelIo, MissingFileIsFileNotFound) {
  EXPECT_THROW(load_model("/nonexistent/biomech/model.yaml"), FileNotFound);
}

// "[0, 1, ..., n - 1]"
static std::string count_list(int n) {
  std::string s = "[";
  for (int i = 0; i < n; ++i) s += (i ? ", " : "") + std::to_string(i);
  return s + "]";
}

struct BadCase {
  std::string name;
  std::string from, to;   // edit of kModel
  std::string at;         // text marking the line the error must name
  std::string field;      // the field the error must name
};

class BadInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadInput, GivesOneFileErrorWithLineAndField) {
  const BadCase& c = GetParam();
  TempDir dir("model_io");
  const std::string text = replaced_first(kModel, c.from, c.to);
  const std::string path = dir.write(c.name + ".yaml", text);
  try {
    load_model(path);
    FAIL() << c.name << ": expected a FileError";
  } catch (const FileError& e) {
    EXPECT_EQ(e.file, path);
    EXPECT_EQ(e.line, line_of(text, c.at)) << e.what();
    EXPECT_EQ(e.field, c.field) << e.what();
    EXPECT_NE(std::string(e.what()).find(path + ":" + std::to_string(e.line)), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    ModelIo, BadInput,
    ::testing::Values(
        BadCase{"missing_field", "    mass_kg: 9.3014\n", "", "  - name: femur_r", "bodies[femur_r].mass_kg"},
        BadCase{"unknown_key", "    com_m: [0, -0.17, 0]", "    com: [0, -0.17, 0]", "    com: [", "bodies[femur_r].com"},
        BadCase{"unknown_top_level_key", "license: CC BY 3.0", "licence: CC BY 3.0", "licence:", "licence"},
        BadCase{"negative_mass", "mass_kg: 9.3014", "mass_kg: -9.3014", "mass_kg: -9.3014", "bodies[femur_r].mass_kg"},
        BadCase{"nan", "com_m: [0, -0.17, 0]", "com_m: [0, .nan, 0]", "com_m: [0, .nan", "bodies[femur_r].com_m[1]"},
        BadCase{"inf", "max_isometric_force_n: 819", "max_isometric_force_n: .inf", "max_isometric_force_n: .inf",
                "muscles[glut_med1_r].max_isometric_force_n"},
        BadCase{"not_a_number", "optimal_fiber_length_m: 0.114", "optimal_fiber_length_m: 0.114m",
                "optimal_fiber_length_m: 0.114m", "muscles[rect_fem_r].optimal_fiber_length_m"},
        BadCase{"muscle_on_unknown_body", "{body: femur_r, location_m: [-0.0218", "{body: femur_x, location_m: [-0.0218",
                "body: femur_x", "muscles[glut_med1_r].path[1].body"},
        BadCase{"unknown_coordinate", "coordinate: hip_adduction_r}", "coordinate: hip_abduction_r}", "hip_abduction_r",
                "joints[hip_r].rotations[1].coordinate"},
        BadCase{"unknown_driver", "coupled: {driver: knee_angle_r,", "coupled: {driver: knee_angel_r,", "knee_angel_r",
                "coordinates[knee_beta_r].coupled.driver"},
        BadCase{"spline_not_increasing", "x_deg: [-120, -60, -20, 0, 10]", "x_deg: [-120, -60, -70, 0, 10]",
                "x_deg: [-120, -60, -70", "joints[knee_r].translations[0].function.spline.x_deg"},
        BadCase{"spline_sizes_differ", "y_m: [-0.0032, 0.0041, -0.001, -0.0045, -0.0052]", "y_m: [-0.0032, 0.0041]",
                "y_m: [-0.0032, 0.0041]", "joints[knee_r].translations[0].function.spline.y_m"},
        BadCase{"function_unit_mismatch", "slope_m_per_deg: 0.0001", "slope_m_per_m: 0.0001", "slope_m_per_m",
                "muscles[rect_fem_r].path[2].moving.y.function.linear.slope_m_per_m"},
        BadCase{"unknown_function_kind", "{linear: {slope_deg_per_deg: 1}}", "{cubic: {a: 1}}", "cubic",
                "coordinates[knee_beta_r].coupled.function.cubic"},
        BadCase{"axis_needs_function", "{axis: [1, 0, 0], coordinate: hip_adduction_r}",
                "{axis: [1, 0, 0], coordinate: pelvis_ty}", "{axis: [1, 0, 0], coordinate: pelvis_ty}",
                "joints[hip_r].rotations[1].function"},
        BadCase{"range_in_wrong_unit", "range_deg: [-150, -83.65]", "range_m: [-2.6, -1.46]", "range_m: [-2.6",
                "muscles[rect_fem_r].path[1].condition.range_m"},
        BadCase{"unknown_wrap_cylinder", "{cylinder: cyl_r, range", "{cylinder: cyl_x, range", "cylinder: cyl_x",
                "muscles[rect_fem_r].wraps[0].cylinder"},
        BadCase{"wrap_range_out_of_path", "range: [1, 2]}", "range: [1, 3]}", "range: [1, 3]",
                "muscles[rect_fem_r].wraps[0].range"},
        BadCase{"bad_quadrant", "quadrant: -x", "quadrant: -z", "quadrant: -z", "wrap_cylinders[cyl_r].quadrant"},
        BadCase{"pennation_out_of_range", "pennation_angle_deg: 8", "pennation_angle_deg: 95", "pennation_angle_deg: 95",
                "muscles[glut_med1_r].pennation_angle_deg"},
        BadCase{"unknown_curve", "curves: {active_shape: 0.5,", "curves: {width: 0.5,", "curves: {width",
                "muscles[glut_med1_r].curves.width"},
        BadCase{"bad_curve", "curves: {active_shape: 0.5,", "curves: {active_shape: -0.5,", "curves: {active_shape: -0.5",
                "muscles[glut_med1_r].curves.active_shape"},
        BadCase{"duplicate_key", "    mass_kg: 9.3014\n", "    mass_kg: 9.3014\n    mass_kg: 9.4\n", "mass_kg: 9.4",
                "bodies[femur_r].mass_kg"},
        BadCase{"duplicate_body", "{name: tibia_r, mass_kg: 3.7075", "{name: femur_r, mass_kg: 3.7075",
                "{name: femur_r, mass_kg: 3.7075", "bodies[femur_r].name"},
        BadCase{"duplicate_coordinate", "{name: knee_angle_r, range_deg: [-120, 10]}",
                "{name: hip_adduction_r, range_deg: [-120, 10]}", "hip_adduction_r, range_deg: [-120, 10]",
                "coordinates[hip_adduction_r].name"},
        BadCase{"duplicate_landmark", "source: test value}\n",
                "source: test value}\n  - {name: asis_r, body: pelvis, location_m: [0.1, 0.0, 0.128]}\n",
                "location_m: [0.1, 0.0, 0.128]", "landmarks[asis_r].name"},
        BadCase{"unknown_default_subject", "default_subject: male", "default_subject: mal", "default_subject: mal",
                "default_subject"},
        BadCase{"bad_sex", "sex: female, pelvis", "sex: f, pelvis", "sex: f, pelvis", "subjects.female.sex"},
        BadCase{"child_of_two_joints", "    parent: femur_r\n    child: tibia_r\n", "    parent: femur_r\n    child:  femur_r\n",
                "child:  femur_r", "joints[knee_r].child"},
        BadCase{"yaml_syntax", "  - {name: tibia_r, mass_kg: 3.7075,", "  - {name: tibia_r, mass_kg: [3.7075,",
                "mass_kg: [3.7075", "<file>"},
        // functions within kFunctionBounds: counts before any number is read, each value at its line
        BadCase{"coupler_knot_1e308", "{linear: {slope_deg_per_deg: 1}}", "{spline: {x_deg: [0, 1e308], y_deg: [0, 1]}}",
                "x_deg: [0, 1e308]", "coordinates[knee_beta_r].coupled.function.spline.x_deg[1]"},
        BadCase{"coupler_too_many_knots", "{linear: {slope_deg_per_deg: 1}}",
                "{spline: {x_deg: " + count_list(1001) + ", y_deg: " + count_list(1001) + "}}", "x_deg: [0, 1, 2",
                "coordinates[knee_beta_r].coupled.function.spline.x_deg"},
        BadCase{"spline_knots_too_close", "x_deg: [-120, -60, -20, 0, 10]", "x_deg: [-120, -60, -20, 0, 1e-320]",
                "x_deg: [-120, -60, -20, 0, 1e-320]", "joints[knee_r].translations[0].function.spline.x_deg[4]"},
        BadCase{"coupler_slope_1e308", "{linear: {slope_deg_per_deg: 1}}", "{linear: {slope_deg_per_deg: 1e308}}",
                "slope_deg_per_deg: 1e308", "coordinates[knee_beta_r].coupled.function.linear"},
        BadCase{"polynomial_degree", "coefficients_m_per_deg: [1e-7, 2e-6, -0.396]",
                "coefficients_m_per_deg: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]", "coefficients_m_per_deg: [1, 1",
                "joints[knee_r].translations[1].function.polynomial.coefficients_m_per_deg"},
        BadCase{"polynomial_coefficient", "coefficients_m_per_deg: [1e-7, 2e-6, -0.396]",
                "coefficients_m_per_deg: [1e-7, 1e300, -0.396]", "coefficients_m_per_deg: [1e-7, 1e300",
                "joints[knee_r].translations[1].function.polynomial.coefficients_m_per_deg[1]"}));

TEST(ModelIo, TopLevelMustBeAMapping) {
  EXPECT_THROW(parse_model_file("- just\n- a list\n", "list.yaml"), FileError);
  EXPECT_THROW(parse_model_file("", "empty.yaml"), FileError);
}
