// Subject checks and sex-specific defaults.
//
// Every default below is a published population value (source beside it) or a
// proportion of the reference model gait2392 (Delp et al. 1990, IEEE TBME
// 37:757; a 1.80 m, 75.16 kg male), which is what the model is scaled from.
#include <cmath>
#include <string>

#include "biomech/errors.hpp"
#include "biomech/subject.hpp"
#include "internal.hpp"

namespace biomech {
namespace {

using internal::fmt;
using internal::kDeg;

// gait2392 proportions (reference subject 1.80 m tall, OpenSim documentation of gait2392):
// inter-ASIS width 0.256 m (Hamner et al. 2010 R.ASIS/L.ASIS markers at z = +-0.128 m on
// the gait2392 pelvis) and hip-to-knee-centre length 0.3958 m (gait2392 knee joint at
// knee_angle 0: (-0.0045, -0.3958, 0) in the femur frame).
constexpr double kRefHeight = 1.80;
constexpr double kRefPelvisWidth = 0.256;
constexpr double kRefFemurLength = 0.39583;

struct SexDefaults {
  double mass, height;            // kg, m
  double pelvis_width_per_height; // inter-ASIS / stature
  double femur_length_per_height; // hip centre - knee centre / stature
  double neck_shaft_angle_deg, anteversion_deg, tibiofemoral_angle_deg;
  double tuberosity_offset_m;
};

// Male: the project's default subject (70 kg, 1.75 m).
// Female: ICRP Publication 89 (2002), reference adult female 1.63 m, 60 kg
//   (reference male 1.76 m, 73 kg, used below for the female/male stature ratio).
// Pelvis width: the male keeps gait2392's proportion. Women's inter-ASIS distance is the
//   same as men's in absolute terms (CT statistical pelvis models, 50 F / 50 M:
//   225 +- 20 vs 227 +- 13 mm; Ahrend et al. 2020, "Development of generic Asian pelvic bone
//   models using CT-based 3D statistical modelling", J Orthop Translat, PMID 31908940), so
//   relative to stature it is (225/227) * (1.76/1.63) = 1.070 times the male proportion.
// Femur length: gait2392's proportion for both sexes.
// Neck-shaft angle and anteversion (femoral torsion): medians of 1070 CT datasets,
//   female 123.0 / male 121.5 deg and female 16.4 / male 12.1 deg (automated 3D analysis
//   of 1070 CT datasets, PLoS ONE 2016, PMCID PMC4775021).
// Tibiofemoral angle (anatomical, valgus +): anatomical-mechanical angle of the femur
//   (median 5 deg, CT of a non-arthritic aged Caucasian cohort, PMCID PMC7875943)
//   plus the mechanical hip-knee-ankle angle, men -1.5 deg (varus), women
//   -0.5 deg (adults < 30 y; Table 2 of Wise et al. 2012, Biol Sex Differ 3:28).
// Tuberosity offset: lateral offset of the tibial tuberosity from the trochlear groove (the
//   TT-TG distance, the bony offset the model's landmarks represent, with the patella centre
//   taken over the groove), men 9.91 mm, women 10.04 mm (MRI of 100 knees with arthroscopically
//   normal patellofemoral joints; Pandit et al. 2011, Int Orthop 35:1799,
//   doi:10.1007/s00264-011-1240-8). Imaging finds little sex difference elsewhere too: MRI of 100
//   Indian knees, men 13.34 / women 14.07 mm (Kulkarni et al. 2016, SICOT-J 2:14), the population
//   of the palpation study below; CT of 85 Korean knees, none (Song et al. 2016, Clin Orthop Surg
//   8:45). The palpated offsets of Raveendranath et al. 2009
//   (Eur J Anat 13:105: 0.9 cm men, 1.8 cm women) are not used: over a patella-centre-to-tuberosity
//   line of ~7.5 cm, 1.8 cm alone turns the patellar tendon 13 deg, nearly the whole of that
//   study's own female Q-angle (14.5 deg), which leaves the ASIS-patella line almost vertical.
constexpr double kMalePelvisRatio = kRefPelvisWidth / kRefHeight;
constexpr double kFemurRatio = kRefFemurLength / kRefHeight;
constexpr SexDefaults kMale{70.0, 1.75, kMalePelvisRatio, kFemurRatio, 121.5, 12.1, 5.0 - 1.5, 0.00991};
constexpr SexDefaults kFemale{60.0, 1.63, kMalePelvisRatio * (225.0 / 227.0) * (1.76 / 1.63), kFemurRatio,
                              123.0, 16.4, 5.0 - 0.5, 0.01004};

const SexDefaults& defaults_of(Sex s) { return s == Sex::female ? kFemale : kMale; }

}  // namespace

void validate(const Subject& s) {
  check_fields(s, "Subject");
  for (const auto& [key, scale] : s.strength_scale) {
    if (key.empty()) throw InvalidArgument("Subject.strength_scale: expected a muscle, base name, group or 'all', got an empty key");
    if (!(scale >= 0.0 && scale <= kMaxStrengthScale))
      throw InvalidArgument("Subject.strength_scale['" + key + "']: expected a factor in [0, " + fmt(kMaxStrengthScale) +
                            "], got " + fmt(scale));
  }
}

Subject default_subject(Sex sex) {
  const SexDefaults& d = defaults_of(sex);
  Subject s;
  s.name = sex == Sex::female ? "female" : "male";
  s.sex = sex;
  s.mass = d.mass;
  s.height = d.height;
  return with_defaults(s);
}

Subject with_defaults(const Subject& in) {
  validate(in);
  const SexDefaults& d = defaults_of(in.sex);
  Subject s = in;
  if (!s.pelvis_width) s.pelvis_width = d.pelvis_width_per_height * s.height;
  if (!s.femur_length) s.femur_length = d.femur_length_per_height * s.height;
  if (!s.neck_shaft_angle) s.neck_shaft_angle = d.neck_shaft_angle_deg * kDeg;
  if (!s.anteversion) s.anteversion = d.anteversion_deg * kDeg;
  if (!s.tibiofemoral_angle) s.tibiofemoral_angle = d.tibiofemoral_angle_deg * kDeg;
  if (!s.tuberosity_offset) s.tuberosity_offset = d.tuberosity_offset_m;
  validate(s);
  return s;
}

}  // namespace biomech
