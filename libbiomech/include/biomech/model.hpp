// The musculoskeletal model: bodies joined by OpenSim-style custom joints, the
// coordinates that drive them, landmarks, wrap surfaces and muscle paths.
//
// A Model is built once (from a model file, an .osim file or by scaling another
// model to a subject) and then only read: every algorithm takes `const Model&`
// and writes its results into a `Data` workspace (see data.hpp).
//
// Conventions (OpenSim): x anterior, y superior, z to the right; SI units and
// radians; hip coordinates flexion, adduction, rotation (internal positive);
// the left side mirrors the right in z.
#pragma once
#include <Eigen/Core>
#include <Eigen/Geometry>
#include <array>
#include <map>
#include <string>
#include <vector>

#include "biomech/function.hpp"
#include "biomech/subject.hpp"

namespace biomech {

using Vec3 = Eigen::Vector3d;
using Mat3 = Eigen::Matrix3d;

// A generalized coordinate. Independent coordinates form the posture vector;
// a coupled coordinate (OpenSim CoordinateCouplerConstraint) is a function of
// one independent coordinate and is not part of the posture.
struct Coordinate {
  std::string name;
  double range_min = -M_PI;   // rad (or m for translations)
  double range_max = M_PI;    // rad (or m)
  double default_value = 0.0; // rad (or m)
  bool rotational = true;
  int driver = -1;            // index into Model::coordinates of the driving coordinate, -1 if independent
  Function coupler;           // value = coupler(driver value) when driver >= 0
};

// One of the six axes of an OpenSim SpatialTransform. Rotation axes are applied
// in order as body-fixed rotations (R = R1 R2 R3); translation axes are in the
// parent offset frame. value = function(coordinate value), or function(0) when
// coordinate < 0.
struct TransformAxis {
  Vec3 axis = Vec3::UnitX();  // unit vector
  int coordinate = -1;        // index into Model::coordinates, -1 = constant
  Function function;          // rad for rotations, m for translations
};

// Joint connecting body `child` to body `parent` (-1 = ground):
// X_ground_child = X_ground_parent * parent_offset * X(q) * child_offset^-1.
struct Joint {
  std::string name;
  int parent = -1;
  int child = -1;
  Eigen::Isometry3d parent_offset = Eigen::Isometry3d::Identity();  // frame F in parent
  Eigen::Isometry3d child_offset = Eigen::Isometry3d::Identity();   // frame M in child
  std::array<TransformAxis, 3> rotations;
  std::array<TransformAxis, 3> translations;
};

struct Body {
  std::string name;
  int joint = -1;                  // index of the joint whose child this body is
  double mass = 0.0;               // kg
  Vec3 com = Vec3::Zero();         // m, in body frame
  Mat3 inertia = Mat3::Zero();     // kg m^2, about the com, in body frame
};

// A named point fixed in a body (ASIS, greater trochanter, patella centre...).
struct Landmark {
  std::string name;
  int body = -1;
  Vec3 location = Vec3::Zero();    // m, in body frame
  std::string source;              // where the position comes from
};

// OpenSim WrapCylinder: axis along the cylinder frame's z, centred at the frame origin.
struct WrapCylinder {
  std::string name;
  int body = -1;
  Eigen::Isometry3d pose = Eigen::Isometry3d::Identity();  // cylinder frame in body frame
  double radius = 0.0;   // m
  double length = 0.0;   // m (informational; OpenSim treats the cylinder as infinite for wrapping)
  int quadrant_axis = -1;   // 0 = x, 1 = y, -1 = unconstrained ("all")
  int quadrant_sign = 0;    // +1 or -1 when constrained
};

struct PathPoint {
  enum class Type { fixed, conditional, moving };
  Type type = Type::fixed;
  int body = -1;
  Vec3 location = Vec3::Zero();      // m, in body frame (fixed, conditional)
  // conditional: the point is in the path only while the coordinate lies in [range_min, range_max]
  int condition_coordinate = -1;
  double range_min = 0.0, range_max = 0.0;
  // moving: location[i] = moving[i].value(q[moving_coordinate[i]]); -1 keeps location[i]
  std::array<int, 3> moving_coordinate{-1, -1, -1};
  std::array<Function, 3> moving;
};

// A muscle's use of a wrap cylinder (OpenSim PathWrap). The wrap applies to the
// path segments between 0-based points range_begin..range_end (-1 = whole path).
struct PathWrap {
  int cylinder = -1;  // index into Model::wrap_cylinders
  int range_begin = -1;
  int range_end = -1;
};

// Thelen (2003) shape factor gamma of the active force-length Gaussian (also
// OpenSim's Thelen2003Muscle default KshapeActive): the default of a muscle whose
// model file does not state its own. The gait2392 .osim files set KshapeActive 0.5
// on every muscle (imported with it, osim.hpp); the model YAML of the default
// subject states none, so its muscles use 0.45.
inline constexpr double kThelenForceLengthGamma = 0.45;

// Dimensionless curve parameters and activation time constants of a muscle
// (Muscle::hill: the statics, static optimisation and the trial analysis use the
// muscle's own; the pelvis dynamics take one set for every muscle). The defaults
// are the Thelen2003Muscle values of every muscle in the gait2392 model file
// (opensim-models Gait2392_Simbody/gait2392_thelen2003muscle.osim, which the
// default model derives from), except the active shape (see
// kThelenForceLengthGamma): KshapePassive 4, FmaxMuscleStrain 0.6, Af 0.3,
// Flen 1.8, max_contraction_velocity 10, FmaxTendonStrain 0.033, activation /
// deactivation time constants 0.010 / 0.040 s (OpenSim's documented defaults,
// citing Thelen 2003 and Winters JM (1995) An improved muscle-reflex actuator for
// use in large-scale neuromusculoskeletal models. Ann Biomed Eng 23:359-374).
// The tendon toe shape 3 and toe force 0.33 (normalised) are Thelen 2003 eq. 5.
struct HillParameters {
  double active_shape = kThelenForceLengthGamma;  // gamma: width of the Gaussian active force-length curve
  double passive_shape = 4.0;                // k_PE: exponential shape of the passive curve
  double passive_strain = 0.6;               // eps0_M: fibre strain at which passive force = max isometric force
  double fv_shape = 0.3;                     // A_f: force-velocity curvature
  double fv_max_lengthening = 1.8;           // F_len: normalised force plateau when lengthening
  double max_contraction_velocity = 10.0;    // optimal fibre lengths per second (at full activation)
  double tendon_strain_at_max_force = 0.033; // eps0_T: tendon strain at max isometric force
  double tendon_toe_shape = 3.0;             // k_toe
  double tendon_toe_force = 0.33;            // normalised force at the end of the toe region
  double fiber_damping = 0.1;                // beta: normalised fibre damping (compliant tendon only), Millard 2013
  double activation_time = 0.010;            // s
  double deactivation_time = 0.040;          // s
  double max_pennation = 1.4706289056333368; // rad, acos(0.1) (Millard 2013): pennation is clamped below it
};

// Throws InvalidArgument when a parameter is non-finite or out of its physical range.
void validate(const HillParameters& p);

struct Muscle {
  std::string name;             // e.g. glut_med1_r
  char side = 'r';              // 'r' or 'l'
  std::string group;            // e.g. gluteus_medius, tfl, adductors
  std::string segment;          // e.g. anterior/middle/posterior, empty when none
  double max_isometric_force = 0.0;   // N (after subject strength scaling)
  double optimal_fiber_length = 0.0;  // m
  double tendon_slack_length = 0.0;   // m
  double pennation_angle = 0.0;       // rad, at optimal fibre length
  HillParameters hill;                // its curves (Thelen 2003), as its model file states them
  std::vector<PathPoint> path;
  std::vector<PathWrap> wraps;
};

// Sanity bounds on a model's numbers (SI), checked by Model::finalize (so by
// every loader and by scaling): far beyond any human model, they keep lengths,
// moment arms and forces finite. docs/errors.md lists them.
inline constexpr FieldUnit kKgM2{"kg m^2", 1.0};
inline constexpr FieldInfo kModelBounds[] = {
    {"body mass", units::kg, 0, 1000, "mass of a body"},
    {"body centre of mass", units::m, -10, 10, "each component, in the body frame"},
    {"body inertia", kKgM2, -1000, 1000, "each component"},
    {"coordinate range (rotation)", units::rad, -20 * M_PI, 20 * M_PI, "range limits of an independent rotational coordinate"},
    {"coordinate range (translation)", units::m, -100, 100, "range limits of an independent translational coordinate"},
    {"joint offset", units::m, -10, 10, "each component of a joint frame's origin"},
    {"wrap cylinder radius", units::m, 1e-6, 1, "radius of a wrapping cylinder"},
    {"point location", units::m, -10, 10, "each component of a landmark or muscle path point, in its body frame"},
    {"max isometric force", units::n, 0, 1e5, "of a muscle"},
    {"optimal fibre length", units::m, 1e-4, 2, "of a muscle"},
    {"tendon slack length", units::m, 0, 5, "of a muscle"},
};

struct Model {
  std::string name;
  std::string source;           // provenance / citation of the geometry
  std::string license;          // licence of the source data, e.g. "CC BY 3.0"
  std::vector<Coordinate> coordinates;  // all, independent and coupled
  std::vector<Body> bodies;             // topologically ordered: a parent precedes its children
  std::vector<Joint> joints;            // joints[bodies[b].joint].child == b
  std::vector<Landmark> landmarks;
  std::vector<WrapCylinder> wrap_cylinders;
  std::vector<Muscle> muscles;
  Subject subject;                      // the subject this model describes
  Vec3 gravity{0.0, -9.80665, 0.0};     // m/s^2, in ground

  // Derived by finalize(): the posture vector and the coordinates muscles cross.
  std::vector<int> independent;         // indices into coordinates, in posture order
  std::vector<int> posture_index;       // coordinate index -> posture index, -1 for coupled
  std::vector<int> moment_arm_coords;   // posture indices of coordinates that muscles cross

  // Checks consistency (indices, finite numbers, masses >= 0, ordering) and
  // fills the derived fields. Throws InvalidArgument naming the offending item.
  void finalize();

  int nq() const { return static_cast<int>(independent.size()); }
  int n_muscles() const { return static_cast<int>(muscles.size()); }
  // -1 when absent
  int body_index(const std::string& name) const;
  int coordinate_index(const std::string& name) const;   // into coordinates
  int posture_coordinate(const std::string& name) const; // into the posture vector
  // The posture index that moves coordinate c: its own, or its driver's for a coupled one.
  int driving_posture_index(int c) const {
    return coordinates[c].driver >= 0 ? posture_index[coordinates[c].driver] : posture_index[c];
  }
  int muscle_index(const std::string& name) const;
  int landmark_index(const std::string& name) const;
  std::vector<std::string> coordinate_names() const;      // posture order
  std::vector<std::string> muscle_names() const;
  double total_mass() const;                              // kg
  Eigen::VectorXd default_posture() const;                // posture vector of defaults, clamped to range
};

}  // namespace biomech
