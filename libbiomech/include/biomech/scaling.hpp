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
// Strength: max isometric force times every strength_scale factor whose key is
// the muscle name (glut_med1_r), base name (glut_med1), group (gluteus_medius)
// or "all"; a key that matches no muscle is an error.
#pragma once
#include <string>

#include "biomech/model.hpp"
#include "biomech/subject.hpp"

namespace biomech {

// The generic model scaled to subject `s` (optional fields take the sex
// defaults). Returns a finalized model whose `subject` is `s` with defaults.
// Throws InvalidArgument for an invalid subject or a generic model without the
// reference subject's height.
Model scale_model(const Model& generic, const Subject& s);

// default_model (the shipped model file scaled to a subject) reads a file: model_io.hpp.

}  // namespace biomech
