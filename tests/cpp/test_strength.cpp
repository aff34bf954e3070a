// Strength: force-length scaling (Thelen 2003 curve, rigid tendon, constant-
// height pennation), the hip abduction strength curve, the MVIC reference, the
// gluteus medius weakness table, stretch lengths and the postures file.
#include "biomech/strength.hpp"
#include "biomech/strength_io.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "biomech/errors.hpp"
#include "biomech/model_io.hpp"
#include "biomech/muscle_path.hpp"
#include "tiny_model.hpp"
#include "default_models.hpp"
#include "text_support.hpp"
#include "units.hpp"

using namespace biomech;
using biomech::test_models::generic_model;

namespace {

using biomech::test_support::kDeg;
using biomech::test_support::TempDir;

std::vector<Posture> shipped_postures() { return load_postures(std::string(BIOMECH_MODELS_DIR) + "/postures.yaml"); }

}  // namespace

TEST(ForceLength, ThelenGaussianShape) {
  EXPECT_DOUBLE_EQ(active_force_length(1.0), 1.0);
  // symmetric about optimal length, e^-1 at 1 +- sqrt(gamma) (Thelen 2003, gamma = 0.45)
  const double w = std::sqrt(kThelenForceLengthGamma);
  EXPECT_NEAR(active_force_length(1.0 + w), std::exp(-1.0), 1e-15);
  EXPECT_NEAR(active_force_length(1.0 - w), std::exp(-1.0), 1e-15);
  for (double l : {0.5, 0.8, 1.2, 1.5}) EXPECT_LT(active_force_length(l), 1.0);
  EXPECT_THROW(active_force_length(-0.1), InvalidArgument);
  EXPECT_THROW(active_force_length(NAN), InvalidArgument);
}

TEST(ForceLength, RigidTendonConstantHeightPennation) {
  Muscle mu;
  mu.name = "test";
  mu.max_isometric_force = 1000.0;
  mu.optimal_fiber_length = 0.1;
  mu.tendon_slack_length = 0.2;
  mu.pennation_angle = 0.3;
  // at L_mt = L_ts + l_opt cos(alpha_opt) the fibre is at optimal length and the pennation at alpha_opt
  FiberState s = fiber_state(mu, 0.2 + 0.1 * std::cos(0.3));
  EXPECT_NEAR(s.normalized_length, 1.0, 1e-14);
  EXPECT_NEAR(s.cos_pennation, std::cos(0.3), 1e-14);
  EXPECT_NEAR(s.max_force, 1000.0 * std::cos(0.3), 1e-10);
  // constant height: l sin(alpha) = l_opt sin(alpha_opt) at any length
  for (double L : {0.25, 0.3, 0.35}) {
    s = fiber_state(mu, L);
    const double sin_a = std::sqrt(1.0 - s.cos_pennation * s.cos_pennation);
    EXPECT_NEAR(s.length * sin_a, 0.1 * std::sin(0.3), 1e-14);
    EXPECT_NEAR(s.length * s.cos_pennation, L - 0.2, 1e-14);
  }
  // unpennated: fibre length = L_mt - L_ts
  mu.pennation_angle = 0.0;
  s = fiber_state(mu, 0.33);
  EXPECT_NEAR(s.length, 0.13, 1e-14);
  EXPECT_NEAR(s.max_force, 1000.0 * active_force_length(1.3), 1e-10);
  // shorter than the tendon: no force along it
  EXPECT_EQ(fiber_state(mu, 0.15).max_force, 0.0);
  mu.optimal_fiber_length = 0.0;
  EXPECT_THROW(fiber_state(mu, 0.3), InvalidArgument);
}

TEST(ForceLength, EffectiveMaxForceFollowsThePosture) {
  const Model m = test_models::tiny_model();
  Data d(m);
  compute_muscle_paths(m, d, m.default_posture());
  const Eigen::VectorXd f = effective_max_force(m, d);
  const Eigen::VectorXd l = normalized_fiber_length(m, d);
  ASSERT_EQ(f.size(), m.n_muscles());
  for (int i = 0; i < m.n_muscles(); ++i) {
    const FiberState s = fiber_state(m.muscles[i], d.muscle_length[i]);
    EXPECT_DOUBLE_EQ(f[i], s.max_force);
    EXPECT_DOUBLE_EQ(l[i], s.normalized_length);
    EXPECT_GE(f[i], 0.0);
    EXPECT_LE(f[i], m.muscles[i].max_isometric_force);
  }
}

TEST(StrengthCurve, TinyModelIsTheOneAbductorsForceTimesArm) {
  const Model m = test_models::tiny_model();
  Data data(m);
  const StrengthCurve c = strength_curve(m, data, 'r', -10, 40, 11);
  const int gmed = m.muscle_index("glut_med1_r");
  const HipCoordinates h = hip_coordinates(m, 'r');
  Data d(m);
  for (int k = 0; k < 11; ++k) {
    compute_muscle_paths(m, d, hip_posture(m, 'r', 0, -c.abduction_angle[k], 0));
    const double expected = effective_max_force(m, d)[gmed] * -d.moment_arm(gmed, h.adduction);
    EXPECT_NEAR(c.muscle_torque(k, gmed), expected, 1e-9);
    EXPECT_NEAR(c.torque[k], c.muscle_torque.row(k).sum(), 1e-9);
    EXPECT_GT(c.torque[k], 0.0);
  }
  EXPECT_NEAR(c.abduction_angle[0], -10 * kDeg, 1e-15);
  EXPECT_NEAR(c.abduction_angle[10], 40 * kDeg, 1e-15);
  EXPECT_THROW(strength_curve(m, data, 'x'), InvalidArgument);
  EXPECT_THROW(strength_curve(m, data, 'l'), InvalidArgument);  // the tiny model has no left hip
  EXPECT_THROW(strength_curve(m, data, 'r', 40, -10), InvalidArgument);
}

TEST(StrengthCurve, DefaultModelPeaksNearNeutralAndIsSymmetric) {
  const Model& m = generic_model();
  Data data(m);
  const StrengthCurve r = strength_curve(m, data, 'r'), l = strength_curve(m, data, 'l');
  ASSERT_TRUE(r.torque.allFinite());
  EXPECT_GT(r.torque.minCoeff(), 0.0);
  // "Gluteus Medius Training": "the hip abductors produce the most torque near that neutral hip position"
  EXPECT_GT(r.peak_angle, -10 * kDeg);
  EXPECT_LT(r.peak_angle, 25 * kDeg);
  EXPECT_GE(r.peak_torque, r.torque.maxCoeff() - 1e-9);
  EXPECT_NEAR(r.peak_torque_per_kg, r.peak_torque / m.total_mass(), 1e-12);
  // left mirrors right
  EXPECT_LT((r.torque - l.torque).cwiseAbs().maxCoeff(), 1e-9 * r.peak_torque);
  EXPECT_NEAR(r.peak_angle, l.peak_angle, 1e-9);
  // only muscles of the tested side contribute, and all three gluteus medius segments do
  for (int i = 0; i < m.n_muscles(); ++i)
    if (m.muscles[i].side == 'l') {
      EXPECT_EQ(r.muscle_torque.col(i).cwiseAbs().maxCoeff(), 0.0);
    }
  for (const char* name : {"glut_med1_r", "glut_med2_r", "glut_med3_r", "tfl_r"})
    EXPECT_GT(r.muscle_torque.col(m.muscle_index(name)).minCoeff(), 0.0) << name;
  std::printf("[ info ] default model strength curve peak %.1f deg, %.1f N m, %.2f N m/kg\n",
              r.peak_angle / kDeg, r.peak_torque, r.peak_torque_per_kg);
}

TEST(Mvic, EveryGluteusMediusSegmentAndTflTakePart) {
  const Model& m = generic_model();
  Data data(m);
  const MvicReference mv = mvic_test(m, data, 'r');
  const StrengthCurve c = strength_curve(m, data, 'r');
  EXPECT_NEAR(mv.abduction_angle, c.peak_angle, 1e-12);
  EXPECT_NEAR(mv.torque, c.peak_torque, 0.01 * c.peak_torque);  // parabola vertex vs evaluated
  for (const char* name : {"glut_med1_r", "glut_med2_r", "glut_med3_r", "tfl_r", "glut_min1_r"}) {
    const int i = m.muscle_index(name);
    EXPECT_EQ(mv.activation[i], 1.0) << name;
    EXPECT_GT(mv.force[i], 0.0) << name;
  }
  for (int i = 0; i < m.n_muscles(); ++i)
    if (m.muscles[i].side == 'l' || m.muscles[i].group == "adductors") {
      EXPECT_EQ(mv.activation[i], 0.0);
    }
  // the test itself scores 100 %MVIC; half the activation scores 50
  const Eigen::VectorXd p = percent_mvic(mv, mv.activation);
  EXPECT_DOUBLE_EQ(p[m.muscle_index("glut_med2_r")], 100.0);
  EXPECT_TRUE(std::isnan(p[m.muscle_index("add_long_r")]));
  EXPECT_DOUBLE_EQ(group_percent_mvic(m, mv, 0.5 * mv.activation, "gluteus_medius"), 50.0);
  EXPECT_DOUBLE_EQ(group_percent_mvic(m, mv, 0.5 * mv.activation, "gluteus_medius", "posterior"), 50.0);
  EXPECT_THROW(group_percent_mvic(m, mv, mv.activation, "no_such_group"), InvalidArgument);
  EXPECT_THROW(percent_mvic(mv, Eigen::VectorXd::Zero(3)), InvalidArgument);
}

// The gmed:TFL ratio floors the TFL at kTflFloorPercentMvic: finite where the model's TFL is
// silent (it was inf), the plain ratio above the floor, continuous at it.
TEST(Mvic, GmedTflRatioIsFiniteWhereTheTflIsSilent) {
  EXPECT_DOUBLE_EQ(biomech::gmed_tfl_ratio(30.0, 10.0), 3.0);                // normal: the plain ratio
  EXPECT_DOUBLE_EQ(biomech::gmed_tfl_ratio(30.0, 0.0), 30.0);                // TFL silent: gmed / 1 %MVIC
  EXPECT_DOUBLE_EQ(biomech::gmed_tfl_ratio(30.0, 0.5), 30.0);                // below the floor
  EXPECT_EQ(biomech::gmed_tfl_ratio(0.0, 0.0), 0.0);                         // both silent
  EXPECT_DOUBLE_EQ(biomech::gmed_tfl_ratio(30.0, biomech::kTflFloorPercentMvic), 30.0);  // continuous
  EXPECT_TRUE(std::isnan(biomech::gmed_tfl_ratio(30.0, std::nan(""))));      // a model without TFL
  for (double tfl : {0.0, 1e-300, 1e-3, 0.99, 1.0, 2.0, 100.0})
    EXPECT_TRUE(std::isfinite(biomech::gmed_tfl_ratio(100.0, tfl))) << tfl;
}

TEST(Weakness, LoadMovesFromGluteusMediusToMinimusAndTfl) {
  const Model& m = generic_model();
  Data data(m);
  // single-leg-stance-like demand: an abduction moment (negative adduction) of 60 N m
  const Eigen::Vector3d tau(0.0, -60.0, 0.0);
  const WeaknessTable t = weakness_table(m, data, 'r', hip_posture(m, 'r', 0, 0, 0), tau);
  auto col = [&](const std::string& g) {
    const auto it = std::find(t.groups.begin(), t.groups.end(), g);
    EXPECT_NE(it, t.groups.end()) << g;
    return static_cast<int>(it - t.groups.begin());
  };
  const int gmed = col("gluteus_medius"), gmin = col("gluteus_minimus"), tfl = col("tfl");
  ASSERT_EQ(t.strength.size(), 8);
  for (int l = 0; l + 1 < t.strength.size(); ++l) {
    // "4 Gluteus Medius Exercises for Stronger, Balanced Hips": a weak gluteus medius hands its work to TFL (and gluteus minimus)
    EXPECT_LT(t.moment_share(l + 1, gmed), t.moment_share(l, gmed));
    EXPECT_GT(t.moment_share(l + 1, gmin), t.moment_share(l, gmin));
    EXPECT_GT(t.moment_share(l + 1, tfl), t.moment_share(l, tfl));
    EXPECT_GT(t.mean_activation(l + 1, tfl), t.mean_activation(l, tfl));
  }
  // shares account for the whole moment: muscles + reserve = 1
  for (int l = 0; l < t.strength.size(); ++l)
    EXPECT_NEAR(t.moment_share.row(l).sum() + t.reserve_share[l], 1.0, 1e-9);
  EXPECT_THROW(weakness_table(m, data, 'r', hip_posture(m, 'r', 0, 0, 0), tau, {1.0}, "no_such_group"), InvalidArgument);
  EXPECT_THROW(weakness_table(m, data, 'r', hip_posture(m, 'r', 0, 0, 0), tau, {0.0}), InvalidArgument);
  EXPECT_THROW(weakness_table(m, data, 'r', Eigen::VectorXd::Zero(2), tau), InvalidArgument);
}

TEST(Postures, ShippedFileLoadsWithCitations) {
  const std::vector<Posture> ps = shipped_postures();
  const std::vector<std::string> expected = {
      "figure_four_stretch",     "seated_glute_stretch", "standing_side_bend",     "pigeon_pose",
      "ninety_ninety_stretch",   "standing_weight_shifted", "side_lying_no_pillow", "side_lying_with_pillow",
      "sitting_legs_crossed",    "sitting_ankles_crossed"};
  ASSERT_EQ(ps.size(), expected.size());
  for (size_t i = 0; i < ps.size(); ++i) {
    EXPECT_EQ(ps[i].name, expected[i]);
    EXPECT_NE(ps[i].source.find("\""), std::string::npos) << ps[i].name;  // a quoted passage
    EXPECT_FALSE(ps[i].description.empty());
  }
}

TEST(Postures, BadFilesNameFileLineAndField) {
  EXPECT_THROW(load_postures("/nonexistent/postures.yaml"), FileNotFound);
  const std::string good_head =
      "postures:\n  - name: a\n    kind: stretch\n    description: d\n    source: s\n";
  const std::string angles = "    hip_flexion_deg: 10\n    hip_adduction_deg: 0\n    hip_rotation_deg: 0\n"
                             "    knee_flexion_deg: 0\n";
  const TempDir tmp("strength");
  EXPECT_EQ(load_postures(tmp.write("ok.yaml", good_head + angles)).size(), 1u);
  auto expect_error = [&tmp](const std::string& text, const std::string& field, int line) {
    try {
      load_postures(tmp.write("bad.yaml", text));
      ADD_FAILURE() << "no error for field " << field;
    } catch (const FileError& e) {
      EXPECT_EQ(e.field, field) << e.what();
      EXPECT_EQ(e.line, line) << e.what();
    }
  };
  expect_error(good_head + "    hip_flexion_deg: ten\n    hip_adduction_deg: 0\n    hip_rotation_deg: 0\n"
                           "    knee_flexion_deg: 0\n",
               "postures[0].hip_flexion_deg", 6);
  expect_error(good_head + angles + "    colour: red\n", "postures[0].colour", 10);
  expect_error(good_head + "    hip_flexion_deg: 10\n", "postures[0].hip_adduction_deg", 2);
  expect_error(good_head + angles + "    inferred: [elbow_deg]\n", "postures[0].inferred", 10);
  expect_error(good_head + angles + "  - name: a\n    kind: habit\n", "postures[1].name", 10);
  expect_error("postures:\n  - name: b\n    kind: dance\n", "postures[0].kind", 3);
  expect_error(good_head + "    hip_flexion_deg: 400\n" + angles.substr(angles.find("    hip_add")),
               "postures[0].hip_flexion_deg", 6);
}

TEST(Stretches, AdductionAndFlexionLengthenGluteusMediusSymmetrically) {
  const Model& m = generic_model();
  Data data(m);
  const std::vector<Posture> ps = shipped_postures();
  const StretchTable r = stretch_table(m, data, ps, 'r'), l = stretch_table(m, data, ps, 'l');
  ASSERT_EQ(r.postures.size(), ps.size());
  ASSERT_EQ(r.muscles.size(), 3u);
  // ranked, longest first
  for (size_t k = 0; k + 1 < r.postures.size(); ++k) EXPECT_GE(r.mean_change[k], r.mean_change[k + 1]);
  std::map<std::string, double> change;
  for (size_t k = 0; k < r.postures.size(); ++k) change[r.postures[k]] = r.mean_change[k];
  // postures that adduct the hip lengthen the gluteus medius against the same posture without adduction
  EXPECT_GT(change["sitting_legs_crossed"], change["sitting_ankles_crossed"]);
  EXPECT_GT(change["side_lying_no_pillow"], change["side_lying_with_pillow"]);
  EXPECT_GT(change["standing_weight_shifted"], 0.0);
  EXPECT_GT(change["standing_side_bend"], 0.0);
  // every stretch lengthens it
  for (const Posture& p : ps)
    if (p.kind == "stretch") {
      EXPECT_GT(change[p.name], 0.0) << p.name;
    }
  // left mirrors right
  EXPECT_EQ(r.postures, l.postures);
  EXPECT_LT((r.length - l.length).cwiseAbs().maxCoeff(), 1e-12);
  // a pure adduction lengthens every segment (all three abduct)
  Posture add;
  add.name = "adduction_15";
  add.hip_adduction = 15 * kDeg;
  const StretchTable a = stretch_table(m, data, {add}, 'r');
  EXPECT_GT(a.length_ratio.minCoeff(), 1.0);
  EXPECT_THROW(stretch_table(m, data, ps, 'r', "no_such_group"), InvalidArgument);
}
