// Scaling a generic model to a subject.
//
// Geometry (joint offsets, knee translation functions, muscle path points,
// wrap cylinders, landmarks) is scaled per body from the reference model, whose
// `subject` field names the person it describes:
//   - overall factor k = height / reference height on every axis of every body;
//   - pelvis z (medio-lateral) by pelvis_width / reference pelvis_width instead;
//   - femur y (long axis) by femur_length / reference femur_length instead.
// Masses, centres of mass and inertias come from de Leva (1996) (anthropometry.hpp).
// Optimal fibre and tendon slack lengths keep their ratio to the muscle-tendon
// length at the default posture (as OpenSim's ScaleTool does).
//
// Bone shape, as changes from the reference subject's values (document of the model):
//   - neck-shaft angle: the proximal femur (points within 20% of the femur length
//     below the head centre along the mechanical axis: trochanters, gluteal,
//     piriformis, gemelli, obturator, quadratus femoris and iliopsoas insertions,
//     the greater-trochanter landmark) rotates rigidly about the femoral head
//     centre, in the femur's frontal plane. A larger angle (coxa valga) moves the
//     greater trochanter down and medially (shorter abductor lever); the head
//     centre and the knee stay where they are.
//   - anteversion: torsion of the shaft about the mechanical axis (head centre to
//     knee centre), zero at the proximal cut and growing linearly to the full change
//     at the knee; the knee joint (and all below it) turns by the full change. The
//     femoral neck keeps its orientation in the pelvis, so more anteversion turns
//     the knee inward (internal rotation) at the same hip posture, as people with
//     large anteversion stand.
//   - tibiofemoral angle (anatomical valgus +): the tibia rotates about the knee
//     centre in the femur's frontal plane by the change (distal end lateral for
//     more valgus). The reference model gait2392 is mechanically straight; its
//     anatomical angle is the femur's anatomical-mechanical angle (subject.cpp).
//   - tuberosity offset: the tibial_tuberosity_* landmarks move laterally so that
//     their offset equals the subject's.
// Strength (the same rule for every muscle): F_max = F_generic (m / m_ref) c.
//   - m / m_ref: muscle volume grows with mass x height (Handsfield et al. 2014,
//     "Relationships of 35 lower limb muscles to height and body mass quantified
//     using MRI", J Biomech 47:631-638) and optimal fibre length with height (the
//     geometric scaling above), so cross-sectional area, and force, with mass.
//   - c: measured strength. The generic model's forces are cadaver cross-sections
//     times a specific tension; with them its reference subject reaches 2.40 N m/kg
//     of maximal isometric hip abduction torque (gait2392), a third above what
//     people produce. c is set so that the reference subject's peak of
//     strength_curve (every abductor fully active, standing) equals
//     kReferenceAbductionTorque; every other direction and the female subject
//     follow from the geometry (tests/cpp/test_scaling.cpp compares them with the
//     measurements in datasets/strength/hip_strength.csv). Models without hip
//     coordinates keep c = 1.
// Then every strength_scale factor whose key is the muscle name (glut_med1_r),
// base name (glut_med1), group (gluteus_medius) or "all"; a key that matches no
// muscle is an error.
#pragma once
#include <string>

#include "biomech/data.hpp"
#include "biomech/model.hpp"
#include "biomech/subject.hpp"

namespace biomech {

// The generic model scaled to subject `s` (optional fields take the sex
// defaults). Returns a finalized model whose `subject` is `s` with defaults.
// Throws InvalidArgument for an invalid subject or a generic model without the
// reference subject's height.
Model scale_model(const Model& generic, const Subject& s);

// scale_model for many subjects of one generic model (sweeps): the generic
// model's muscle-tendon lengths and strength_calibration are computed once
// (the calibration is 80% of a scale_model), and scale() overwrites `out`
// (reusing its memory) with exactly what scale_model returns. `data` is scratch:
// a Data of the generic model (it fits every scaled copy). Thread-safe with one
// `out` and `data` per thread.
class ModelScaler {
 public:
  explicit ModelScaler(const Model& generic);
  void scale(const Subject& s, Model& out, Data& data) const;

 private:
  const Model& generic_;
  double calibration_;               // strength_calibration(generic_)
  Eigen::VectorXd generic_lengths_;  // m, at the generic model's default posture
};

// default_model (the shipped model file scaled to a subject) reads a file: model_io.hpp.

// Peak maximal isometric hip abduction torque of the reference subject (N m per
// kg of body mass) that fixes the strength factor c: 1.8 +- 0.3 N m/kg, maximal
// isometric hip abduction of 14 healthy adults (Lewinson, Worobets & Stefanyshyn
// 2014, "The relationship between maximal hip abductor strength and resultant
// loading at the knee during walking", Proc Inst Mech Eng H 228:1258-1263).
inline constexpr double kReferenceAbductionTorque = 1.8;  // N m/kg

// c of the strength rule for `generic` (1 when it has no right hip coordinates).
double strength_calibration(const Model& generic);

}  // namespace biomech
