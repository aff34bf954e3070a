#include "biomech/anthropometry.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "biomech/errors.hpp"
#include "internal.hpp"

namespace biomech {
namespace {

using internal::kNaN;

// de Leva (1996) J Biomech 29(9):1223-1230, Table 4. Mass in % of body mass; CM position
// in % of segment length from the proximal endpoint (head: from vertex; trunk: from the
// cervicale; limbs: from the proximal joint centre; foot: from the heel); radii of
// gyration in % of segment length, about the sagittal (r_sag), transverse (r_trv) and
// longitudinal (r_lon) axes. Trunk subsegments (UPT, MPT, LPT) carry masses only here.
//                                mass   CM     r_sag  r_trv  r_lon
constexpr SegmentParameters kMale[] = {
    {6.94, 59.76, 36.2, 37.6, 31.2},  // head_neck
    {43.46, 44.86, 37.2, 34.7, 19.1}, // trunk
    {15.96, kNaN, kNaN, kNaN, kNaN},  // upper_trunk
    {16.33, kNaN, kNaN, kNaN, kNaN},  // middle_trunk
    {11.17, kNaN, kNaN, kNaN, kNaN},  // lower_trunk
    {2.71, 57.72, 28.5, 26.9, 15.8},  // upper_arm
    {1.62, 45.74, 27.6, 26.5, 12.1},  // forearm
    {0.61, 79.00, 62.8, 51.3, 40.1},  // hand
    {14.16, 40.95, 32.9, 32.9, 14.9}, // thigh
    {4.33, 44.59, 25.5, 24.9, 10.3},  // shank
    {1.37, 44.15, 25.7, 24.5, 12.4},  // foot
};
constexpr SegmentParameters kFemale[] = {
    {6.68, 58.94, 33.0, 35.9, 31.8},  // head_neck
    {42.57, 41.51, 35.7, 33.9, 17.1}, // trunk
    {15.45, kNaN, kNaN, kNaN, kNaN},  // upper_trunk
    {14.65, kNaN, kNaN, kNaN, kNaN},  // middle_trunk
    {12.47, kNaN, kNaN, kNaN, kNaN},  // lower_trunk
    {2.55, 57.54, 27.8, 26.0, 14.8},  // upper_arm
    {1.38, 45.59, 26.1, 25.7, 9.4},   // forearm
    {0.56, 74.74, 53.1, 45.4, 33.5},  // hand
    {14.78, 36.12, 36.9, 36.4, 16.2}, // thigh
    {4.81, 44.16, 27.1, 26.7, 9.3},   // shank
    {1.29, 40.14, 29.9, 27.9, 13.9},  // foot
};

SegmentParameters as_fractions(const SegmentParameters& p) {
  return {p.mass_fraction / 100.0, p.com_fraction / 100.0, p.rg_sagittal / 100.0, p.rg_transverse / 100.0,
          p.rg_longitudinal / 100.0};
}

}  // namespace

const SegmentParameters& de_leva(Sex sex, Segment segment) {
  static const auto table = [] {
    std::array<std::array<SegmentParameters, 11>, 2> t{};
    for (int i = 0; i < 11; ++i) {
      t[0][i] = as_fractions(kMale[i]);
      t[1][i] = as_fractions(kFemale[i]);
    }
    return t;
  }();
  return table[sex == Sex::female ? 1 : 0][static_cast<int>(segment)];
}

SegmentInertia segment_inertia(Sex sex, Segment segment, double body_mass, double length) {
  if (!(std::isfinite(body_mass) && body_mass > 0.0))
    throw InvalidArgument("segment_inertia: expected a body mass > 0 kg, got " + std::to_string(body_mass));
  if (!(std::isfinite(length) && length > 0.0))
    throw InvalidArgument("segment_inertia: expected a segment length > 0 m, got " + std::to_string(length));
  const SegmentParameters& p = de_leva(sex, segment);
  if (std::isnan(p.com_fraction))
    throw InvalidArgument("segment_inertia: expected a segment with radii of gyration, got a trunk subsegment");
  SegmentInertia s;
  s.mass = p.mass_fraction * body_mass;
  s.com_from_proximal = p.com_fraction * length;
  const auto I = [&](double rg) { return s.mass * (rg * length) * (rg * length); };
  // de Leva's sagittal axis is the antero-posterior axis (x, frontal-plane rotation; for the
  // trunk it is the larger radius, as the trunk is wider than deep); the transverse axis is
  // the medio-lateral axis (z).
  s.principal_inertia = Eigen::Vector3d(I(p.rg_sagittal), I(p.rg_longitudinal), I(p.rg_transverse));
  return s;
}

double pelvis_mass_fraction(Sex sex) { return de_leva(sex, Segment::lower_trunk).mass_fraction; }

double torso_mass_fraction(Sex sex) {
  const auto m = [&](Segment s) { return de_leva(sex, s).mass_fraction; };
  return m(Segment::head_neck) + m(Segment::upper_trunk) + m(Segment::middle_trunk) +
         2.0 * (m(Segment::upper_arm) + m(Segment::forearm) + m(Segment::hand));
}

}  // namespace biomech
