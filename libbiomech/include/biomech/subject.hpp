// A subject: the person a model is scaled to.
#pragma once
#include <map>
#include <optional>
#include <string>

#include "biomech/fields.hpp"

namespace biomech {

enum class Sex { male, female };

// Sex as a choice field (fields.hpp): "male" / "female" ("m" / "f" accepted).
inline std::vector<std::string_view> choice_names(Sex) { return {"male", "female"}; }
inline std::string_view choice_name(Sex s) { return s == Sex::female ? "female" : "male"; }
inline bool parse_choice(std::string_view text, Sex& s) {
  if (text == "male" || text == "m" || text == "M") return s = Sex::male, true;
  if (text == "female" || text == "f" || text == "F") return s = Sex::female, true;
  return false;
}

// Inputs in SI units and radians. Optional fields left empty take the
// sex-specific defaults documented in subject.cpp (each with its source).
// Largest strength_scale factor: far beyond any person, it keeps maximal forces within the
// model's bound (kModelBounds, max isometric force), so the error names the factor.
inline constexpr double kMaxStrengthScale = 100.0;

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
  std::map<std::string, double> strength_scale;  // each factor in [0, kMaxStrengthScale]

  // Bounds: what the model can represent for an adult, not population norms.
  static constexpr auto fields() {
    using S = Subject;
    return std::tuple{
        field("name", &S::name, units::none, "a label"),
        field("sex", &S::sex, units::none, "'male' or 'female': sex-specific defaults and segment parameters"),
        field("mass_kg", &S::mass, units::kg, 20, 300, "body mass"),
        field("height_m", &S::height, units::m, 0.5, 2.6, "stature"),
        field("pelvis_width_m", &S::pelvis_width, units::m, 0.10, 0.50, "inter-ASIS distance (empty: sex default)"),
        field("femur_length_m", &S::femur_length, units::m, 0.15, 0.80,
              "hip centre to knee centre (empty: sex default)"),
        field("neck_shaft_angle_deg", &S::neck_shaft_angle, units::deg, 90, 170,
              "femoral neck-shaft angle (empty: sex default)"),
        field("anteversion_deg", &S::anteversion, units::deg, -40, 70, "femoral anteversion (empty: sex default)"),
        field("tibiofemoral_angle_deg", &S::tibiofemoral_angle, units::deg, -30, 30,
              "anatomical knee angle, valgus + (empty: sex default)"),
        field("tuberosity_offset_m", &S::tuberosity_offset, units::m, -0.05, 0.05,
              "lateral offset of the tibial tuberosity from the patella centre, TT-TG (empty: sex default)"),
        field("strength_scale", &S::strength_scale, units::one,
              "factor in [0, 100] on maximal isometric force by muscle, base name, group or 'all'")};
  }
};

// Throws InvalidArgument when a field is out of its physical range.
void validate(const Subject& s);

// The default subject of a sex: 70 kg, 1.75 m male;
// 60 kg, 1.63 m female; every optional field filled (sources in subject.cpp).
Subject default_subject(Sex sex);

// `s` with every empty optional field set to the sex-specific default for its
// height (sources in subject.cpp). Validates `s` first.
Subject with_defaults(const Subject& s);

}  // namespace biomech
