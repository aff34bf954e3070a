// OpenSim import: a small .osim written inline (every supported feature, and
// each rejection with its XML line), then the reference models from
// ../shared/reference_models when present (skipped with a reason otherwise).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "biomech/data.hpp"
#include "biomech/errors.hpp"
#include "biomech/model_io.hpp"
#include "biomech/muscle.hpp"
#include "biomech/muscle_path.hpp"
#include "biomech/osim.hpp"
#include "text_support.hpp"

using namespace biomech;
namespace fs = std::filesystem;

namespace {

// Geometry numbers are gait2392's where they look anatomical; masses and the
// foot are arbitrary test values.
const std::string kOsim = R"xml(<?xml version="1.0" encoding="UTF-8" ?>
<OpenSimDocument Version="40000">
  <Model name="mini">
    <gravity>0 -9.81 0</gravity>
    <credits>Test authors. License: CC0 test licence. More text.</credits>
    <length_units>meters</length_units>
    <force_units>N</force_units>
    <BodySet name="bodyset">
      <objects>
        <Body name="pelvis">
          <mass>10</mass>
          <mass_center>-0.07 0 0</mass_center>
          <inertia>0.1 0.09 0.06 0 0 0</inertia>
          <WrapObjectSet name="wrapobjectset">
            <objects>
              <WrapCylinder name="cyl_pelvis">
                <active>true</active>
                <xyz_body_rotation>0.1 0.2 0.3</xyz_body_rotation>
                <translation>-0.08 -0.1 0.06</translation>
                <quadrant>-x</quadrant>
                <radius>0.04</radius>
                <length>0.15</length>
              </WrapCylinder>
              <WrapEllipsoid name="ell_pelvis">
                <translation>0 0 0</translation>
                <dimensions>0.1 0.1 0.1</dimensions>
              </WrapEllipsoid>
            </objects>
          </WrapObjectSet>
        </Body>
        <Body name="femur_r">
          <mass>8</mass>
          <mass_center>0 -0.17 0</mass_center>
          <inertia>0.13 0.035 0.14 0 0 0</inertia>
        </Body>
        <Body name="tibia_r">
          <mass>3</mass>
          <mass_center>0 -0.2 0</mass_center>
          <inertia>0.05 0.005 0.05 0 0 0</inertia>
        </Body>
        <Body name="foot_r">
          <mass>1</mass>
          <mass_center>0.1 0 0</mass_center>
          <inertia>0.001 0.002 0.003 0 0 0</inertia>
        </Body>
        <Body name="torso">
          <mass>30</mass>
          <mass_center>-0.03 0.32 0</mass_center>
          <inertia>1.4 0.7 1.3 0 0 0</inertia>
        </Body>
      </objects>
    </BodySet>
    <JointSet name="jointset">
      <objects>
        <CustomJoint name="ground_pelvis">
          <socket_parent_frame>ground_offset</socket_parent_frame>
          <socket_child_frame>pelvis_offset</socket_child_frame>
          <coordinates>
            <Coordinate name="pelvis_ty">
              <default_value>0.95</default_value>
              <range>-1 2</range>
            </Coordinate>
          </coordinates>
          <frames>
            <PhysicalOffsetFrame name="ground_offset">
              <socket_parent>/ground</socket_parent>
              <translation>0 0 0</translation>
              <orientation>0 0 0</orientation>
            </PhysicalOffsetFrame>
            <PhysicalOffsetFrame name="pelvis_offset">
              <socket_parent>/bodyset/pelvis</socket_parent>
              <translation>0 0 0</translation>
              <orientation>0 0 0</orientation>
            </PhysicalOffsetFrame>
          </frames>
          <SpatialTransform>
            <TransformAxis name="rotation1"><coordinates></coordinates><axis>0 0 1</axis><Constant name="function"><value>0</value></Constant></TransformAxis>
            <TransformAxis name="rotation2"><coordinates></coordinates><axis>1 0 0</axis><Constant name="function"><value>0</value></Constant></TransformAxis>
            <TransformAxis name="rotation3"><coordinates></coordinates><axis>0 1 0</axis><Constant name="function"><value>0</value></Constant></TransformAxis>
            <TransformAxis name="translation1"><coordinates></coordinates><axis>1 0 0</axis><Constant name="function"><value>0</value></Constant></TransformAxis>
            <TransformAxis name="translation2"><coordinates>pelvis_ty</coordinates><axis>0 1 0</axis><LinearFunction name="function"><coefficients> 1 0</coefficients></LinearFunction></TransformAxis>
            <TransformAxis name="translation3"><coordinates></coordinates><axis>0 0 1</axis><Constant name="function"><value>0</value></Constant></TransformAxis>
          </SpatialTransform>
        </CustomJoint>
        <CustomJoint name="hip_r">
          <socket_parent_frame>pelvis_offset</socket_parent_frame>
          <socket_child_frame>femur_r_offset</socket_child_frame>
          <coordinates>
            <Coordinate name="hip_flexion_r"><default_value>0</default_value><range>-2.0944 2.0944</range></Coordinate>
            <Coordinate name="hip_adduction_r"><default_value>0</default_value><range>-0.5 0.5</range></Coordinate>
          </coordinates>
          <frames>
            <PhysicalOffsetFrame name="pelvis_offset">
              <socket_parent>/bodyset/pelvis</socket_parent>
              <translation>-0.0707 -0.0661 0.0835</translation>
              <orientation>0 0 0</orientation>
            </PhysicalOffsetFrame>
            <PhysicalOffsetFrame name="femur_r_offset">
              <socket_parent>/bodyset/femur_r</socket_parent>
              <translation>0 0 0</translation>
              <orientation>0 0 0</orientation>
            </PhysicalOffsetFrame>
          </frames>
          <SpatialTransform>
            <TransformAxis name="rotation1"><coordinates>hip_flexion_r</coordinates><axis>0 0 1</axis><LinearFunction name="function"><coefficients> 1 0</coefficients></LinearFunction></TransformAxis>
            <TransformAxis name="rotation2"><coordinates>hip_adduction_r</coordinates><axis>1 0 0</axis><MultiplierFunction name="function"><function><LinearFunction><coefficients> 1 0</coefficients></LinearFunction></function><scale>0.5</scale></MultiplierFunction></TransformAxis>
            <TransformAxis name="rotation3"><coordinates></coordinates><axis>0 1 0</axis><Constant name="function"><value>0</value></Constant></TransformAxis>
            <TransformAxis name="translation1"><coordinates></coordinates><axis>1 0 0</axis><Constant name="function"><value>0</value></Constant></TransformAxis>
            <TransformAxis name="translation2"><coordinates></coordinates><axis>0 1 0</axis><Constant name="function"><value>0</value></Constant></TransformAxis>
            <TransformAxis name="translation3"><coordinates></coordinates><axis>0 0 1</axis><Constant name="function"><value>0</value></Constant></TransformAxis>
          </SpatialTransform>
        </CustomJoint>
        <PinJoint name="knee_r">
          <socket_parent_frame>femur_r_offset</socket_parent_frame>
          <socket_child_frame>tibia_r_offset</socket_child_frame>
          <coordinates>
            <Coordinate name="knee_angle_r"><default_value>0</default_value><range>-2 0.1</range></Coordinate>
          </coordinates>
          <frames>
            <PhysicalOffsetFrame name="femur_r_offset">
              <socket_parent>/bodyset/femur_r</socket_parent>
              <translation>0 -0.4 0</translation>
              <orientation>0 0 0</orientation>
            </PhysicalOffsetFrame>
            <PhysicalOffsetFrame name="tibia_r_offset">
              <socket_parent>/bodyset/tibia_r</socket_parent>
              <translation>0 0 0</translation>
              <orientation>0 0 0</orientation>
            </PhysicalOffsetFrame>
          </frames>
        </PinJoint>
        <WeldJoint name="ankle_r">
          <socket_parent_frame>tibia_r_offset</socket_parent_frame>
          <socket_child_frame>/bodyset/foot_r</socket_child_frame>
          <frames>
            <PhysicalOffsetFrame name="tibia_r_offset">
              <socket_parent>/bodyset/tibia_r</socket_parent>
              <translation>0 -0.4 0</translation>
              <orientation>0 0 1.5707963267948966</orientation>
            </PhysicalOffsetFrame>
          </frames>
        </WeldJoint>
        <CustomJoint name="back">
          <socket_parent_frame>pelvis_offset</socket_parent_frame>
          <socket_child_frame>/bodyset/torso</socket_child_frame>
          <coordinates>
            <Coordinate name="lumbar_extension"><default_value>0</default_value><range>-1.57 1.57</range></Coordinate>
            <Coordinate name="lumbar_follow"><default_value>0</default_value><range>-1.57 1.57</range></Coordinate>
          </coordinates>
          <frames>
            <PhysicalOffsetFrame name="pelvis_offset">
              <socket_parent>/bodyset/pelvis</socket_parent>
              <translation>-0.1007 0.0815 0</translation>
              <orientation>0 0 0</orientation>
            </PhysicalOffsetFrame>
          </frames>
          <SpatialTransform>
            <TransformAxis name="rotation1"><coordinates>lumbar_extension</coordinates><axis>0 0 1</axis><LinearFunction name="function"><coefficients> 1 0</coefficients></LinearFunction></TransformAxis>
            <TransformAxis name="rotation2"><coordinates>lumbar_follow</coordinates><axis>1 0 0</axis><LinearFunction name="function"><coefficients> 1 0</coefficients></LinearFunction></TransformAxis>
            <TransformAxis name="rotation3"><coordinates></coordinates><axis>0 1 0</axis><Constant name="function"><value>0</value></Constant></TransformAxis>
            <TransformAxis name="translation1"><coordinates></coordinates><axis>1 0 0</axis><Constant name="function"><value>0</value></Constant></TransformAxis>
            <TransformAxis name="translation2"><coordinates></coordinates><axis>0 1 0</axis><Constant name="function"><value>0</value></Constant></TransformAxis>
            <TransformAxis name="translation3"><coordinates></coordinates><axis>0 0 1</axis><Constant name="function"><value>0.001</value></Constant></TransformAxis>
          </SpatialTransform>
        </CustomJoint>
      </objects>
    </JointSet>
    <ConstraintSet name="constraintset">
      <objects>
        <CoordinateCouplerConstraint name="follow">
          <isEnforced>true</isEnforced>
          <coupled_coordinates_function>
            <SimmSpline><x> -1.57 0 1.57</x><y> -0.5 0 0.7</y></SimmSpline>
          </coupled_coordinates_function>
          <independent_coordinate_names>lumbar_extension</independent_coordinate_names>
          <dependent_coordinate_name>lumbar_follow</dependent_coordinate_name>
          <scale_factor>2</scale_factor>
        </CoordinateCouplerConstraint>
      </objects>
    </ConstraintSet>
    <ForceSet name="forceset">
      <objects>
        <Thelen2003Muscle name="glut_med1_r">
          <GeometryPath name="geometrypath">
            <PathPointSet>
              <objects>
                <PathPoint name="p1"><socket_parent_frame>/bodyset/pelvis</socket_parent_frame><location>-0.0408 0.0304 0.1209</location></PathPoint>
                <PathPoint name="p2"><socket_parent_frame>/bodyset/femur_r</socket_parent_frame><location>-0.0218 -0.0117 0.0555</location></PathPoint>
              </objects>
            </PathPointSet>
            <PathWrapSet>
              <objects>
                <PathWrap name="pathwrap"><wrap_object>cyl_pelvis</wrap_object><method>hybrid</method><range>1 2</range></PathWrap>
              </objects>
            </PathWrapSet>
          </GeometryPath>
          <max_isometric_force>819</max_isometric_force>
          <optimal_fiber_length>0.0535</optimal_fiber_length>
          <tendon_slack_length>0.078</tendon_slack_length>
          <pennation_angle_at_optimal>0.13962634</pennation_angle_at_optimal>
          <KshapeActive>0.5</KshapeActive>
          <Af>0.25</Af>
        </Thelen2003Muscle>
        <Thelen2003Muscle name="rect_fem_r">
          <GeometryPath name="geometrypath">
            <PathPointSet>
              <objects>
                <PathPoint name="p1"><socket_parent_frame>/bodyset/pelvis</socket_parent_frame><location>-0.0295 -0.0311 0.0968</location></PathPoint>
                <ConditionalPathPoint name="p2"><socket_parent_frame>/bodyset/femur_r</socket_parent_frame><location>0.0334 -0.403 0.0019</location><socket_coordinate>/jointset/knee_r/knee_angle_r</socket_coordinate><range>-2.61799 -1.45997</range></ConditionalPathPoint>
                <MovingPathPoint name="p3">
                  <socket_parent_frame>/bodyset/tibia_r</socket_parent_frame>
                  <socket_x_coordinate>/jointset/knee_r/knee_angle_r</socket_x_coordinate>
                  <socket_y_coordinate>/jointset/knee_r/knee_angle_r</socket_y_coordinate>
                  <x_location><SimmSpline><x> -2 -1 0 0.1</x><y> 0.0156 0.0366 0.0618 0.0733</y></SimmSpline></x_location>
                  <y_location><PolynomialFunction><coefficients> 0.001 0.002 0.02</coefficients></PolynomialFunction></y_location>
                  <z_location><Constant><value>0.0014</value></Constant></z_location>
                </MovingPathPoint>
              </objects>
            </PathPointSet>
            <PathWrapSet><objects /></PathWrapSet>
          </GeometryPath>
          <max_isometric_force>1169</max_isometric_force>
          <optimal_fiber_length>0.114</optimal_fiber_length>
          <tendon_slack_length>0.31</tendon_slack_length>
          <pennation_angle_at_optimal>0.08726646</pennation_angle_at_optimal>
        </Thelen2003Muscle>
        <Thelen2003Muscle name="soleus_r">
          <GeometryPath name="geometrypath">
            <PathPointSet>
              <objects>
                <PathPoint name="p1"><socket_parent_frame>/bodyset/tibia_r</socket_parent_frame><location>0 -0.1 0</location></PathPoint>
                <FancyPathPoint name="p2"><socket_parent_frame>/bodyset/foot_r</socket_parent_frame></FancyPathPoint>
              </objects>
            </PathPointSet>
            <PathWrapSet>
              <objects>
                <PathWrap name="pathwrap"><wrap_object>ell_pelvis</wrap_object></PathWrap>
              </objects>
            </PathWrapSet>
          </GeometryPath>
          <max_isometric_force>3000</max_isometric_force>
          <optimal_fiber_length>0.05</optimal_fiber_length>
          <tendon_slack_length>0.25</tendon_slack_length>
        </Thelen2003Muscle>
      </objects>
    </ForceSet>
  </Model>
</OpenSimDocument>
)xml";

using biomech::test_support::TempDir;
using biomech::test_support::line_of;

// every occurrence (so that an element's opening and closing tags change together)
std::string replaced_all(std::string text, const std::string& from, const std::string& to) {
  EXPECT_NE(text.find(from), std::string::npos) << "test text lacks: " << from;
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

std::string shared_dir() {
  if (const char* env = std::getenv("BIOMECH_SHARED")) return env;
  return std::string(BIOMECH_SOURCE_DIR) + "/../shared";
}

std::string reference_model(const std::string& file) {
  return shared_dir() + "/reference_models/" + file;
}

}  // namespace

TEST(Osim, ImportsBodiesJointsAndHipMuscles) {
  TempDir dir("osim");
  const Model m = import_osim(dir.write("mini.osim", kOsim));
  EXPECT_EQ(m.name, "mini");
  EXPECT_EQ(m.license, "CC0 test licence");
  EXPECT_NE(m.source.find("Test authors"), std::string::npos);
  EXPECT_DOUBLE_EQ(m.gravity.y(), -9.81);

  // foot merged into the tibia; total mass kept
  ASSERT_EQ(m.bodies.size(), 4u);
  EXPECT_EQ(m.body_index("foot_r"), -1);
  EXPECT_DOUBLE_EQ(m.total_mass(), 52.0);
  EXPECT_DOUBLE_EQ(m.subject.mass, 52.0);
  const Body& tibia = m.bodies[m.body_index("tibia_r")];
  EXPECT_DOUBLE_EQ(tibia.mass, 4.0);
  // the foot's com (0.1, 0, 0) sits at (0, -0.4, 0) + Rz(90 deg) (0.1, 0, 0) = (0, -0.3, 0) in the tibia
  EXPECT_NEAR(tibia.com.x(), 0.0, 1e-15);
  EXPECT_NEAR(tibia.com.y(), (3 * -0.2 + 1 * -0.3) / 4.0, 1e-15);
  // inertia: both parts about the new com (parallel axes), the foot's rotated by 90 deg about z
  const double d1 = -0.2 - tibia.com.y(), d2 = -0.3 - tibia.com.y();
  EXPECT_NEAR(tibia.inertia(0, 0), 0.05 + 3 * d1 * d1 + 0.002 + 1 * d2 * d2, 1e-15);
  EXPECT_NEAR(tibia.inertia(1, 1), 0.005 + 0.001, 1e-15);
  EXPECT_NEAR(tibia.inertia(2, 2), 0.05 + 3 * d1 * d1 + 0.003 + 1 * d2 * d2, 1e-15);

  // coordinates: translational from the axes they drive; coupled with its scale factor
  ASSERT_EQ(m.coordinates.size(), 6u);
  EXPECT_FALSE(m.coordinates[m.coordinate_index("pelvis_ty")].rotational);
  EXPECT_TRUE(m.coordinates[m.coordinate_index("hip_flexion_r")].rotational);
  const Coordinate& follow = m.coordinates[m.coordinate_index("lumbar_follow")];
  EXPECT_EQ(follow.driver, m.coordinate_index("lumbar_extension"));
  EXPECT_NEAR(follow.coupler.value(1.57), 1.4, 1e-12);
  EXPECT_EQ(m.nq(), 5);

  // joints: offsets from the frames, PinJoint about z, MultiplierFunction, constants
  const Joint& hip = m.joints[m.bodies[m.body_index("femur_r")].joint];
  EXPECT_LE((hip.parent_offset.translation() - Vec3(-0.0707, -0.0661, 0.0835)).norm(), 1e-15);
  EXPECT_NEAR(hip.rotations[1].function.value(0.4), 0.2, 1e-15);
  const Joint& knee = m.joints[m.bodies[m.body_index("tibia_r")].joint];
  EXPECT_EQ(knee.rotations[0].coordinate, m.coordinate_index("knee_angle_r"));
  EXPECT_LE((knee.rotations[0].axis - Vec3::UnitZ()).norm(), 0.0);
  EXPECT_LE((knee.parent_offset.translation() - Vec3(0, -0.4, 0)).norm(), 1e-15);
  const Joint& back = m.joints[m.bodies[m.body_index("torso")].joint];
  EXPECT_DOUBLE_EQ(back.translations[2].function.value(0.0), 0.001);

  // muscles: the two hip muscles only (soleus and its ellipsoid are ignored)
  ASSERT_EQ(m.n_muscles(), 2);
  const Muscle& gm = m.muscles[m.muscle_index("glut_med1_r")];
  EXPECT_EQ(gm.group, "gluteus_medius");
  EXPECT_EQ(gm.segment, "anterior");
  EXPECT_EQ(gm.side, 'r');
  EXPECT_DOUBLE_EQ(gm.pennation_angle, 0.13962634);
  // the curve parameters it states; the others keep the defaults
  EXPECT_DOUBLE_EQ(gm.hill.active_shape, 0.5);
  EXPECT_DOUBLE_EQ(gm.hill.fv_shape, 0.25);
  EXPECT_DOUBLE_EQ(gm.hill.passive_shape, HillParameters{}.passive_shape);
  // the statics use the muscle's own active force-length width
  const double lmt = gm.tendon_slack_length + 1.2 * gm.optimal_fiber_length;
  const FiberState fs = fiber_state(gm, lmt);
  EXPECT_NEAR(fs.force_length, std::exp(-std::pow(fs.normalized_length - 1.0, 2) / 0.5), 1e-15);
  ASSERT_EQ(gm.wraps.size(), 1u);
  EXPECT_EQ(gm.wraps[0].range_begin, 0);  // OpenSim's 1-based "1 2"
  EXPECT_EQ(gm.wraps[0].range_end, 1);
  ASSERT_EQ(m.wrap_cylinders.size(), 1u);
  const WrapCylinder& cyl = m.wrap_cylinders[0];
  EXPECT_EQ(cyl.quadrant_axis, 0);
  EXPECT_EQ(cyl.quadrant_sign, -1);
  EXPECT_DOUBLE_EQ(cyl.radius, 0.04);
  EXPECT_DOUBLE_EQ(cyl.length, 0.15);
  const Mat3 R = (Eigen::AngleAxisd(0.1, Vec3::UnitX()) * Eigen::AngleAxisd(0.2, Vec3::UnitY()) *
                  Eigen::AngleAxisd(0.3, Vec3::UnitZ())).toRotationMatrix();
  EXPECT_LE((cyl.pose.linear() - R).cwiseAbs().maxCoeff(), 1e-15);

  const Muscle& rf = m.muscles[m.muscle_index("rect_fem_r")];
  EXPECT_EQ(rf.group, "rectus_femoris");
  EXPECT_DOUBLE_EQ(rf.hill.active_shape, kThelenForceLengthGamma);  // states none
  ASSERT_EQ(rf.path.size(), 3u);
  EXPECT_EQ(rf.path[1].type, PathPoint::Type::conditional);
  EXPECT_DOUBLE_EQ(rf.path[1].range_min, -2.61799);
  EXPECT_EQ(rf.path[2].type, PathPoint::Type::moving);
  EXPECT_EQ(rf.path[2].moving_coordinate[0], m.coordinate_index("knee_angle_r"));
  EXPECT_EQ(rf.path[2].moving_coordinate[2], -1);            // no socket: constant
  EXPECT_DOUBLE_EQ(rf.path[2].location.z(), 0.0014);
  EXPECT_NEAR(rf.path[2].moving[1].value(-1.0), 0.001 - 0.002 + 0.02, 1e-15);
  EXPECT_NEAR(rf.path[2].moving[0].value(-1.0), 0.0366, 1e-15);
}

TEST(Osim, ImportedModelSurvivesAModelFileRoundTrip) {
  TempDir dir("osim");
  const Model m = import_osim(dir.write("mini.osim", kOsim));
  const Model back = parse_model_file(model_to_yaml(m)).model;
  Data a(m), b(back);
  std::mt19937 rng(3);
  for (int trial = 0; trial < 50; ++trial) {
    Eigen::VectorXd q = m.default_posture();
    for (int k = 0; k < m.nq(); ++k) {
      const Coordinate& c = m.coordinates[m.independent[k]];
      q[k] = std::uniform_real_distribution<double>(c.range_min, c.range_max)(rng);
    }
    compute_muscle_paths(m, a, q);
    compute_muscle_paths(back, b, q);
    EXPECT_LE((a.muscle_length - b.muscle_length).cwiseAbs().maxCoeff(), 1e-12);
    EXPECT_LE((a.moment_arm - b.moment_arm).cwiseAbs().maxCoeff(), 1e-12);
  }  for (int i = 0; i < m.n_muscles(); ++i) {  // the curves the .osim stated survive
    EXPECT_EQ(back.muscles[i].hill.active_shape, m.muscles[i].hill.active_shape);
    EXPECT_EQ(back.muscles[i].hill.fv_shape, m.muscles[i].hill.fv_shape);
  }
}

TEST(Osim, MuscleGroupMapCoversBothNamingSchemes) {
  EXPECT_EQ(muscle_group_segment("glut_med3"), std::make_pair(std::string("gluteus_medius"), std::string("posterior")));
  EXPECT_EQ(muscle_group_segment("glmed1"), std::make_pair(std::string("gluteus_medius"), std::string("anterior")));
  EXPECT_EQ(muscle_group_segment("peri").first, "piriformis");
  EXPECT_EQ(muscle_group_segment("piri").first, "piriformis");
  EXPECT_EQ(muscle_group_segment("bflh").second, "biceps_femoris_long_head");
  EXPECT_EQ(muscle_group_segment("unknown_muscle"), std::make_pair(std::string("unknown_muscle"), std::string()));
}

TEST(Osim, MissingFileIsFileNotFound) { EXPECT_THROW(import_osim("/nonexistent/biomech/model.osim"), FileNotFound); }

struct OsimBadCase {
  std::string name;
  std::string from, to;
  std::string at;          // marker of the line the error must name
  std::string in_message;  // text the message must contain
};

class OsimBadInput : public ::testing::TestWithParam<OsimBadCase> {};

TEST_P(OsimBadInput, IsRejectedWithLineAndReason) {
  const OsimBadCase& c = GetParam();
  TempDir dir("osim");
  const std::string text = replaced_all(kOsim, c.from, c.to);
  const std::string path = dir.write(c.name + ".osim", text);
  try {
    import_osim(path);
    FAIL() << c.name << ": expected a FileError";
  } catch (const FileError& e) {
    EXPECT_EQ(e.file, path);
    EXPECT_EQ(e.line, line_of(text, c.at)) << e.what();
    EXPECT_NE(std::string(e.what()).find(c.in_message), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Osim, OsimBadInput,
    ::testing::Values(
        OsimBadCase{"ellipsoid_on_hip_muscle", "<wrap_object>cyl_pelvis</wrap_object>", "<wrap_object>ell_pelvis</wrap_object>",
                    "<wrap_object>ell_pelvis</wrap_object><method>", "muscle 'glut_med1_r': wrap object 'ell_pelvis' is a WrapEllipsoid"},
        OsimBadCase{"unknown_point_type_on_hip_muscle", "ConditionalPathPoint", "FancyPathPoint",
                    "<FancyPathPoint name=\"p2\">", "muscle 'rect_fem_r': path point type <FancyPathPoint>"},
        OsimBadCase{"unsupported_function", "MultiplierFunction", "GCVSpline",
                    "<GCVSpline name=\"function\">", "unsupported function type <GCVSpline>"},
        OsimBadCase{"unknown_coordinate", "<socket_coordinate>/jointset/knee_r/knee_angle_r</socket_coordinate>",
                    "<socket_coordinate>/jointset/knee_r/knee_angle_x</socket_coordinate>", "<ConditionalPathPoint name=\"p2\">",
                    "unknown coordinate"},
        OsimBadCase{"nan", "<mass>8</mass>", "<mass>nan</mass>", "<mass>nan</mass>", "finite"},
        OsimBadCase{"bad_curve", "<KshapeActive>0.5</KshapeActive>", "<KshapeActive>-1</KshapeActive>",
                    "<KshapeActive>-1", "active_shape > 0"},
        OsimBadCase{"negative_mass", "<mass>8</mass>", "<mass>-8</mass>", "<mass>-8</mass>", "mass >= 0"},
        OsimBadCase{"opensim3", "Version=\"40000\"", "Version=\"30000\"", "<OpenSimDocument", "OpenSim 4"},
        OsimBadCase{"xml_syntax", "<mass>8</mass>", "<mass>8</mas>", "<mass>8</mas>", "XML"},
        OsimBadCase{"coupler_with_two_drivers", "<independent_coordinate_names>lumbar_extension</independent_coordinate_names>",
                    "<independent_coordinate_names>lumbar_extension hip_flexion_r</independent_coordinate_names>",
                    "<CoordinateCouplerConstraint name=\"follow\">", "exactly one independent coordinate"},
        // coupler and moving-point functions within kFunctionBounds, before a spline is fitted
        OsimBadCase{"coupler_knot_1e308", "<y> -0.5 0 0.7</y>", "<y> -0.5 0 1e308</y>",
                    "<SimmSpline><x> -1.57 0 1.57</x>", "expected function value in [-1000, 1000] rad or m, got 1e+308"},
        OsimBadCase{"coupler_scaled_out_of_bounds", "<scale_factor>2</scale_factor>", "<scale_factor>1e306</scale_factor>",
                    "<scale_factor>1e306</scale_factor>", "expected function value in [-1000, 1000]"},
        OsimBadCase{"polynomial_degree", "<coefficients> 0.001 0.002 0.02</coefficients>",
                    "<coefficients> 1 1 1 1 1 1 1 1 1 1 1</coefficients>", "<y_location><PolynomialFunction>",
                    "expected polynomial coefficients in [1, 10], got 11"},
        OsimBadCase{"polynomial_coefficient", "<coefficients> 0.001 0.002 0.02</coefficients>",
                    "<coefficients> 0.001 1e300 0.02</coefficients>", "<y_location><PolynomialFunction>",
                    "expected polynomial coefficient in [-10000, 10000], got 1e+300"}));

// ---- the reference models (../shared), when present

TEST(OsimReference, Gait2392HipMusclesMatchTheExtractedTable) {
  const std::string osim = reference_model("gait2392_thelen2003muscle.osim");
  const std::string csv = reference_model("hip_muscles_gait2392.csv");
  if (!fs::exists(osim) || !fs::exists(csv)) GTEST_SKIP() << "reference models not found (set BIOMECH_SHARED): " << osim;
  const Model m = import_osim(osim);
  // hip_muscles_gait2392.csv (SOURCE.md): one row per path point of every muscle
  // with points on the pelvis and a femur/tibia/patella; x, y, z are columns 7-9
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  std::set<std::string> names;
  int rows = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) f.push_back(cell);
    const std::string muscle = f[1];
    names.insert(muscle);
    const int mi = m.muscle_index(muscle);
    ASSERT_GE(mi, 0) << muscle;
    const int k = std::stoi(f[3]) - 1;
    const PathPoint& p = m.muscles[mi].path.at(k);
    EXPECT_EQ(m.bodies[p.body].name, f[5]) << muscle << " point " << k;
    if (f[9] != "MovingPathPoint") {
      EXPECT_LE((p.location - Vec3(std::stod(f[6]), std::stod(f[7]), std::stod(f[8]))).norm(), 1e-12) << muscle;
    }
    ++rows;
  }
  EXPECT_EQ(rows, 160);  // SOURCE.md: 160 point rows, 54 muscles
  EXPECT_EQ(names.size(), 54u);
  EXPECT_EQ(m.n_muscles(), 54);
  EXPECT_NEAR(m.subject.mass, 75.1646, 1e-9);  // sum of the 13 bodies' masses in the file
  EXPECT_NEAR(m.total_mass(), 75.1646, 1e-9);
  EXPECT_EQ(m.nq(), 17);
}

TEST(OsimReference, Rajagopal2016ImportsWithWrapCylindersAndPatellae) {
  const std::string osim = reference_model("Rajagopal2016.osim");
  if (!fs::exists(osim)) GTEST_SKIP() << "reference model not found (set BIOMECH_SHARED): " << osim;
  const Model m = import_osim(osim);
  EXPECT_EQ(m.n_muscles(), 50);                  // SOURCE.md: 50 hip muscles
  EXPECT_EQ(m.wrap_cylinders.size(), 30u);       // one cylinder per (muscle, PathWrap) row, 30 rows
  EXPECT_GE(m.body_index("patella_r"), 0);
  const int beta = m.coordinate_index("knee_angle_r_beta");
  ASSERT_GE(beta, 0);
  EXPECT_EQ(m.coordinates[beta].driver, m.coordinate_index("knee_angle_r"));
  EXPECT_EQ(m.nq(), 17);
  EXPECT_NEAR(m.total_mass(), 75.337, 1e-9);    // arms merged into the torso, feet into the tibiae
}

// Acceptance: the shipped default model file is
// gait2392 imported and saved, so both give the same moment arms.
TEST(OsimReference, DefaultModelFileReproducesTheImport) {
  const std::string osim = reference_model("gait2392_thelen2003muscle.osim");
  if (!fs::exists(osim)) GTEST_SKIP() << "reference model not found (set BIOMECH_SHARED): " << osim;
  const Model a = import_osim(osim);
  const Model b = load_model(std::string(BIOMECH_MODELS_DIR) + "/gait2392_hip.yaml");
  ASSERT_EQ(a.muscle_names(), b.muscle_names());
  ASSERT_EQ(a.coordinate_names(), b.coordinate_names());
  Data da(a), db(b);
  std::mt19937 rng(11);
  double worst = 0.0;
  for (int trial = 0; trial < 200; ++trial) {
    Eigen::VectorXd q = a.default_posture();
    for (int k = 0; k < a.nq(); ++k) {
      const Coordinate& c = a.coordinates[a.independent[k]];
      if (c.rotational) q[k] = std::uniform_real_distribution<double>(c.range_min, c.range_max)(rng);
    }
    compute_muscle_paths(a, da, q);
    compute_muscle_paths(b, db, q);
    worst = std::max(worst, (da.moment_arm - db.moment_arm).cwiseAbs().maxCoeff());
    EXPECT_LE((da.muscle_length - db.muscle_length).cwiseAbs().maxCoeff(), 1e-9);
  }
  EXPECT_LE(worst, 1e-9);
}

// Scope full: every body, joint and muscle of the person, nothing merged, so that
// inverse dynamics runs from the ground up (the feet carry the ground forces).
TEST(OsimReference, FullScopeKeepsEveryBodyJointAndMuscle) {
  const std::string osim = reference_model("gait2392_thelen2003muscle.osim");
  if (!fs::exists(osim)) GTEST_SKIP() << "reference model not found (set BIOMECH_SHARED): " << osim;
  const Model m = import_osim(osim, OsimScope::full);
  EXPECT_EQ(m.bodies.size(), 12u);   // pelvis, torso, and per side femur, tibia, talus, calcn, toes
  EXPECT_EQ(m.nq(), 23);             // gait2392's 23 dof
  EXPECT_EQ(m.n_muscles(), 92);      // its 92 muscles
  for (const char* b : {"talus_r", "calcn_r", "toes_l", "torso"}) EXPECT_GE(m.body_index(b), 0) << b;
  for (const char* c : {"ankle_angle_r", "subtalar_angle_l", "mtp_angle_r", "lumbar_rotation"})
    EXPECT_GE(m.posture_coordinate(c), 0) << c;
  EXPECT_NEAR(m.total_mass(), 75.1646, 1e-9);  // the same mass, no body left out
  const Model hip = import_osim(osim, OsimScope::hip);
  EXPECT_EQ(hip.n_muscles(), 54);
  EXPECT_EQ(parse_osim_scope("full"), OsimScope::full);
  EXPECT_THROW(parse_osim_scope("legs"), InvalidArgument);
}
