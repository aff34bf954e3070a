// A subject: the person a model is scaled to.
#pragma once
#include <map>
#include <optional>
#include <string>

namespace biomech {

enum class Sex { male, female };

// Inputs in SI units and radians. Optional fields left empty take the
// sex-specific defaults documented in subject.cpp (each with its source).
struct Subject {
  std::string name = "default";
  double mass = 70.0;     // kg
  double height = 1.75;   // m
  Sex sex = Sex::male;
  std::optional<double> pelvis_width;          // m, inter-ASIS distance
  std::optional<double> femur_length;          // m, hip centre to knee centre
  std::optional<double> neck_shaft_angle;      // rad
  std::optional<double> anteversion;           // rad, femoral anteversion
  std::optional<double> tibiofemoral_angle;    // rad, anatomical knee valgus
  std::optional<double> tuberosity_offset;     // m, lateral offset of the tibial tuberosity from the patella centre (TT-TG)
  // Multiplier on max isometric force, keyed by muscle name (glut_med1_r),
  // muscle base name (glut_med1), group (gluteus_medius) or "all".
  std::map<std::string, double> strength_scale;
};

// Throws InvalidArgument when a field is out of its physical range.
void validate(const Subject& s);

// (additive, seesaw helper) The default subject of a sex: 70 kg, 1.75 m male;
// 60 kg, 1.63 m female; every optional field filled (sources in subject.cpp).
Subject default_subject(Sex sex);

// `s` with every empty optional field set to the sex-specific default for its
// height (sources in subject.cpp). Validates `s` first.
Subject with_defaults(const Subject& s);

}  // namespace biomech
