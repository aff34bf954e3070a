// Import of OpenSim 4 model files (.osim): the bodies, joints and coordinates
// of the pelvis and legs, and the paths of the muscles that cross the hip.
// What is kept, merged, supported and rejected is documented in
// docs/model_file.md ("OpenSim import").
#pragma once
#include <string>
#include <utility>

#include "biomech/model.hpp"

namespace biomech {

// What import_osim keeps.
//  hip:  the hip model of the exercises: the muscles that cross the hip and the
//        bodies they need; feet merged into the tibiae, arms into the torso.
//  full: every body of the person with its joint (ankle, subtalar, toes, back,
//        patellae...) and every muscle, so that inverse dynamics runs from the
//        ground up (analysis of recorded trials, biomech.analyze).
enum class OsimScope { hip, full };
// "hip" or "full"; throws InvalidArgument otherwise.
OsimScope parse_osim_scope(const std::string& name);

// Reads an OpenSim 4 (XML version >= 40000) model and returns a finalized Model.
//  - Muscles (scope hip): those with a path point on `pelvis` and one on a femur, tibia or
//    patella body; (scope full) every muscle. PathPoint, ConditionalPathPoint, MovingPathPoint and
//    WrapCylinder (PathWrap range, quadrant) are supported; any other point type
//    or wrap object (WrapEllipsoid, WrapSphere, WrapTorus, ...) on such a muscle
//    throws FileError naming the muscle. Other muscles are left out unread.
//  - Bodies (scope full): every body of the person, none merged.
//    Bodies (scope hip): pelvis, every body a hip muscle or its wrap cylinders attach to,
//    their ancestors, and the bodies jointed directly to the pelvis (torso).
//    Every other body connected to the pelvis is merged rigidly, at the default
//    posture, into its nearest kept ancestor (feet into tibiae, arms into the
//    torso), so total mass and centre of mass are kept.
//  - Joints: CustomJoint (SpatialTransform with LinearFunction, Constant,
//    SimmSpline, PolynomialFunction, MultiplierFunction), PinJoint, WeldJoint,
//    SliderJoint, UniversalJoint, GimbalJoint and FreeJoint.
//    CoordinateCouplerConstraint with one independent coordinate becomes a
//    coupled Coordinate.
//  - Model::subject: name = the OpenSim model name, mass = total body mass;
//    height and sex are not in .osim files and keep the Subject defaults.
// Throws FileNotFound for a missing file, FileError(file, XML line, element path,
// message) for anything unreadable or unsupported.
Model import_osim(const std::string& path, OsimScope scope = OsimScope::hip);

// Group and segment of a muscle, from its name without the _r/_l suffix, for
// gait2392 and Rajagopal 2016 names (glut_med1 / glmed1 -> {"gluteus_medius",
// "anterior"}). Unknown names give {base name, ""}.
std::pair<std::string, std::string> muscle_group_segment(const std::string& base_name);

}  // namespace biomech
