// Exercises: loader errors (file, line, field), minimum-jerk trajectories,
// contact statics, loads against closed forms, moment equality, and the whole
// catalogue on the default model.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "biomech/errors.hpp"
#include "biomech/exercise.hpp"
#include "biomech/exercise_io.hpp"
#include "biomech/kinematics.hpp"
#include "biomech/muscle_path.hpp"
#include "biomech/strength.hpp"
#include "biomech/model_io.hpp"
#include "tiny_model.hpp"

using namespace biomech;

namespace {

SimulationResult run(const Model& model, const Exercise& ex) {
  Data data(model);
  return simulate(model, data, ex);
}

constexpr double kG = 9.80665;

// A tiny-model exercise: standing on the right foot, optional extra YAML.
std::string standing(const std::string& motion, const std::string& extra = "") {
  return "id: t\nname: test\nsources: [{article: a, quote: q}]\nstatics: one foot\n"
         "legs: [{side: r, role: stance}]\n" +
         motion +
         "contacts:\n  - name: foot\n    type: ground_flat\n"
         "    point: {body: tibia_r, offset_m: [0.05, -0.45, 0.0]}\n" +
         extra + "dose: {sets: 1, reps: 10, hold_s: 5}\n";
}

// 1-based line of the first occurrence of `needle` in `text`.
int line_of(const std::string& text, const std::string& needle) {
  const size_t pos = text.find(needle);
  return pos == std::string::npos ? -1 : 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
}

FileError parse_error(const std::string& text) {
  try {
    parse_exercise(text, "bad.yaml");
  } catch (const FileError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a FileError";
  return FileError("", 0, "", "");
}

}  // namespace

TEST(ExerciseIo, ReadsEveryField) {
  const std::string text = standing(
      "motion:\n  sample_rate_hz: 10\n  posture_deg: {hip_flexion_r: 10}\n  keyframes:\n"
      "    - {t_s: 0.0}\n    - {t_s: 1.0, deg: {knee_flexion_r: 30}}\n",
      "loads:\n  - {name: cuff, type: weight, mass_kg: 2, point: {body: tibia_r}}\n"
      "  - {name: band, type: band, stiffness_n_per_m: 100, rest_length_m: 0.2, a: {body: tibia_r}, b: {body: pelvis}}\n"
      "  - {name: wall, type: push, direction: [0, 0, -2], force_bw: 0.1, point: {body: femur_r}}\n"
      "assumptions:\n  - {field: loads.cuff.mass_kg, reason: not given in the article}\n");
  const Exercise ex = parse_exercise(text);
  EXPECT_EQ(ex.id, "t");
  EXPECT_NEAR(ex.motion.posture.at("hip_flexion_r"), 10 * M_PI / 180, 1e-15);
  ASSERT_EQ(ex.motion.keyframes.size(), 2u);
  EXPECT_NEAR(ex.motion.keyframes[1].value.at("knee_flexion_r"), 30 * M_PI / 180, 1e-15);
  ASSERT_EQ(ex.loads.size(), 3u);
  EXPECT_EQ(ex.loads[1].kind, LoadSpec::Kind::band);
  EXPECT_NEAR(ex.loads[2].direction.z(), -1.0, 1e-15);  // normalised
  EXPECT_EQ(ex.dose.reps[0], 10);
  EXPECT_DOUBLE_EQ(ex.repetition_duration(), 1.0);
  EXPECT_EQ(ex.field_line.at("loads.cuff.mass_kg"), line_of(text, "mass_kg: 2"));
  ASSERT_EQ(ex.assumptions.size(), 1u);
  EXPECT_EQ(ex.assumptions[0].field, "loads.cuff.mass_kg");
}

TEST(ExerciseIo, ErrorsNameFileLineAndField) {
  const std::string motion = "motion:\n  posture_deg: {hip_flexion_r: 10}\n";
  std::string text = standing(motion, "loads:\n  - {name: x, type: rocket, point: {body: tibia_r}}\n");
  FileError e = parse_error(text);
  EXPECT_EQ(e.file, "bad.yaml");
  EXPECT_EQ(e.field, "loads.x.type");
  EXPECT_EQ(e.line, line_of(text, "rocket"));
  EXPECT_NE(std::string(e.what()).find("unknown load type 'rocket'"), std::string::npos);

  text = standing(motion, "loads:\n  - name: b\n    type: band\n    stiffness_n_per_m: -5\n"
                          "    a: {body: tibia_r}\n    b: {body: pelvis}\n");
  e = parse_error(text);
  EXPECT_EQ(e.field, "loads.b.stiffness_n_per_m");
  EXPECT_EQ(e.line, line_of(text, "stiffness_n_per_m: -5"));
  EXPECT_NE(std::string(e.what()).find("stiffness >= 0"), std::string::npos);

  e = parse_error(standing(motion, "colour: red\n"));
  EXPECT_EQ(e.field, "colour");
  e = parse_error(standing(motion, "contacts2: []\n"));
  EXPECT_NE(std::string(e.what()).find("unknown key"), std::string::npos);
  e = parse_error(standing(motion, "assumptions:\n  - {field: loads.cuff.mass_kg, reason: not in the article}\n"));
  EXPECT_EQ(e.field, "assumptions[0].field");
  e = parse_error(standing("motion:\n  keyframes:\n    - {t_s: 0}\n    - {t_s: 0}\n"));
  EXPECT_EQ(e.field, "motion.keyframes[1].t_s");
  e = parse_error(standing(motion, "loads:\n  - {name: w, type: weight, mass_kg: -1, point: {body: tibia_r}}\n"));
  EXPECT_EQ(e.field, "loads.w.mass_kg");
  e = parse_error("id: t\nname: [unclosed\n");
  EXPECT_GT(e.line, 0);
  // the reader shared with model files: duplicate keys, non-numbers and NaN are errors on their own line
  text = standing(motion, "loads:\n  - name: w\n    type: weight\n    mass_kg: 2\n    mass_kg: 3\n"
                          "    point: {body: tibia_r}\n");
  e = parse_error(text);
  EXPECT_EQ(e.field, "loads.w.mass_kg");
  EXPECT_EQ(e.line, line_of(text, "mass_kg: 3"));
  EXPECT_NE(std::string(e.what()).find("duplicate key"), std::string::npos);
  for (const char* bad : {"2 kg", ".nan", "1e999"}) {
    text = standing(motion, std::string("loads:\n  - {name: w, type: weight, mass_kg: ") + bad +
                                ", point: {body: tibia_r}}\n");
    e = parse_error(text);
    EXPECT_EQ(e.field, "loads.w.mass_kg") << bad;
  }
  EXPECT_THROW(load_exercise("/nonexistent/exercise.yaml"), FileNotFound);
}

TEST(ExerciseIo, TrajectoryOutsideJointRangeNamesTheKeyframe) {
  const Model model = test_models::tiny_model();
  // tiny model: hip flexion range [-0.5, 2.0] rad = [-28.6, 114.6] deg
  const std::string text = standing("motion:\n  keyframes:\n    - {t_s: 0}\n    - {t_s: 1, deg: {hip_flexion_r: 150}}\n");
  const Exercise ex = parse_exercise(text, "ex.yaml");
  try {
    check_exercise(model, ex);
    FAIL() << "expected a FileError";
  } catch (const FileError& e) {
    EXPECT_EQ(e.file, "ex.yaml");
    EXPECT_EQ(e.field, "motion.keyframes[1].deg.hip_flexion_r");
    EXPECT_EQ(e.line, line_of(text, "hip_flexion_r: 150"));
    EXPECT_NE(std::string(e.what()).find("outside the joint range"), std::string::npos);
  }
  EXPECT_THROW(run(model, ex), FileError);
  // The root's orientation is free: lying on the side is not a range error.
  const Exercise lying = parse_exercise(standing("motion:\n  posture_deg: {pelvis_list: -90}\n"));
  EXPECT_NO_THROW(check_exercise(model, lying));
  // Unknown names are reported against the model.
  const Exercise unknown = parse_exercise(standing("motion:\n  posture_deg: {hip_flexion_x: 1}\n"));
  EXPECT_THROW(check_exercise(model, unknown), FileError);
}

TEST(ExerciseTrajectory, MinimumJerkBlendAndDerivatives) {
  const Model model = test_models::tiny_model();
  const Exercise ex = parse_exercise(
      standing("motion:\n  keyframes:\n    - {t_s: 0, deg: {hip_flexion_r: 0}}\n"
               "    - {t_s: 2, deg: {hip_flexion_r: 60}}\n    - {t_s: 3}\n"));
  const int k = model.posture_coordinate("hip_flexion_r");
  Eigen::VectorXd q, qd, qdd;
  exercise_posture(model, ex, 1.0, q, &qd, &qdd);
  EXPECT_NEAR(q[k], 30 * M_PI / 180, 1e-12);           // symmetric blend: half way at half time
  EXPECT_NEAR(qd[k], 1.875 * (60 * M_PI / 180) / 2, 1e-12);  // peak velocity 15/8 of the mean
  EXPECT_NEAR(qdd[k], 0.0, 1e-12);
  for (double t : {0.0, 2.0, 2.5, 3.0}) {  // at rest at the keyframes and in the hold
    exercise_posture(model, ex, t, q, &qd, &qdd);
    EXPECT_NEAR(qd[k], 0.0, 1e-12);
    EXPECT_NEAR(qdd[k], 0.0, 1e-12);
  }
  // derivatives against central differences
  const double h = 1e-5;
  for (double t : {0.3, 0.7, 1.4, 1.9}) {
    Eigen::VectorXd qp, qm, qdp, qdm;
    exercise_posture(model, ex, t + h, qp, &qdp);
    exercise_posture(model, ex, t - h, qm, &qdm);
    exercise_posture(model, ex, t, q, &qd, &qdd);
    EXPECT_NEAR(qd[k], (qp[k] - qm[k]) / (2 * h), 1e-8);
    EXPECT_NEAR(qdd[k], (qdp[k] - qdm[k]) / (2 * h), 1e-6);
  }
  const Eigen::VectorXd times = exercise_times(ex);
  EXPECT_DOUBLE_EQ(times[0], 0.0);
  EXPECT_DOUBLE_EQ(times[times.size() - 1], 3.0);
  EXPECT_EQ(times.size(), 61);  // 20 Hz default
}

TEST(ExerciseStatics, OneFootCarriesTheWholeWeight) {
  const Model model = test_models::tiny_model();
  const Exercise ex = parse_exercise(standing("motion:\n  posture_deg: {hip_flexion_r: 20, knee_flexion_r: 30}\n"));
  const SimulationResult r = run(model, ex);
  ASSERT_EQ(r.time.size(), 1);
  EXPECT_LT(r.root_residual[0], 1e-9);
  const double W = model.total_mass() * kG;
  EXPECT_NEAR(r.contact_force(0, 1), W, 1e-9 * W);
  EXPECT_NEAR(r.contact_force(0, 0), 0.0, 1e-9);
  EXPECT_NEAR(r.contact_force(0, 2), 0.0, 1e-9);
  EXPECT_FALSE(r.contact_tension[0]);
  // Moment equality of the recruitment at the frame.
  ASSERT_EQ(r.legs.size(), 1u);
  EXPECT_LT(r.legs[0].residual.cwiseAbs().maxCoeff(), 1e-6);
  // Balance over the foot removes the free moment about the horizontal axes.
  const Exercise bal = parse_exercise(standing(
      "motion:\n  posture_deg: {hip_flexion_r: 20, knee_flexion_r: 30}\n",
      "balance: {over: foot, sagittal: {hip_flexion_r: 1}, frontal: {hip_adduction_r: 1}}\n"));
  const SimulationResult rb = run(model, bal);
  EXPECT_LT(std::abs(rb.contact_moment(0, 0)), 1e-6);
  EXPECT_LT(std::abs(rb.contact_moment(0, 2)), 1e-6);
  EXPECT_GT(std::abs(r.contact_moment(0, 2)), 1.0);  // it was not balanced before
}

TEST(ExerciseLoads, CuffWeightAddsMassTimesLever) {
  // Lying on the left side (pelvis_list -90) with the hip at 0 deg, the hip
  // adduction axis is ground x and the leg lies along ground z: a cuff of m kg
  // adds m g |r_z| to the adduction generalized force, r from the hip centre
  // to the cuff.
  const Model model = test_models::tiny_model();
  const std::string motion = "motion:\n  posture_deg: {pelvis_list: -90}\n";
  const std::string lying = "id: t\nname: t\nsources: [{article: a, quote: q}]\nstatics: pelvis\n"
                            "legs: [{side: r, role: moving}]\n" + motion +
                            "contacts:\n  - {name: side, type: ground_flat, point: {body: pelvis}}\n";
  const std::string cuff = "loads:\n  - {name: cuff, type: weight, mass_kg: 2.0, point: {body: tibia_r, offset_m: [0, -0.4, 0]}}\n";
  const Exercise bare = parse_exercise(lying + "dose: {sets: 1, reps: 1, hold_s: 1}\n");
  const Exercise loaded = parse_exercise(lying + cuff + "dose: {sets: 1, reps: 1, hold_s: 1}\n");
  const SimulationResult a = run(model, bare), b = run(model, loaded);
  Data data(model);
  forward_kinematics(model, data, a.posture.row(0).transpose());
  const Vec3 hip = data.body_pose[1].translation();
  const Vec3 p = point_in_ground(data, 2, Vec3(0, -0.4, 0));
  const double expected = 2.0 * kG * std::abs(p.z() - hip.z());
  EXPECT_NEAR(std::abs(b.legs[0].moment(0, 1) - a.legs[0].moment(0, 1)), expected, 1e-9);
  // the cuff pulls the leg down: more abduction (negative adduction) moment needed
  EXPECT_LT(b.legs[0].moment(0, 1), a.legs[0].moment(0, 1));
  EXPECT_NEAR(b.load_magnitude(0, 0), 2.0 * kG, 1e-12);
}

TEST(ExerciseLoads, BandIsLinearElasticAndInternal) {
  const Model model = test_models::tiny_model();
  const std::string band =
      "loads:\n  - {name: band, type: band, stiffness_n_per_m: 300, rest_length_m: 0.1,"
      " a: {body: tibia_r, offset_m: [0, -0.3, 0]}, b: {body: pelvis, offset_m: [0, 0, -0.2]}}\n";
  const Exercise ex = parse_exercise(standing(
      "motion:\n  keyframes:\n    - {t_s: 0}\n    - {t_s: 1, deg: {hip_abduction_r: 30}}\n", band));
  const SimulationResult r = run(model, ex);
  Data data(model);
  for (int f = 0; f < r.time.size(); ++f) {
    forward_kinematics(model, data, r.posture.row(f).transpose());
    const double L = (point_in_ground(data, 2, Vec3(0, -0.3, 0)) - point_in_ground(data, 0, Vec3(0, 0, -0.2))).norm();
    EXPECT_NEAR(r.load_magnitude(f, 0), 300 * std::max(0.0, L - 0.1), 1e-9);
    // internal: the foot still carries exactly the weight (plus inertia), the root is balanced
    EXPECT_LT(r.root_residual[f], 1e-8);
  }
  EXPECT_GT(r.load_magnitude(r.time.size() - 1, 0), r.load_magnitude(0, 0));  // stretched by abduction
  // Slack band: no force.
  const Exercise slack = parse_exercise(standing(
      "motion:\n  posture_deg: {hip_flexion_r: 0}\n",
      "loads:\n  - {name: band, type: band, stiffness_n_per_m: 300, rest_length_m: 5.0, a: {body: tibia_r}, b: {body: pelvis}}\n"));
  EXPECT_EQ(run(model, slack).load_magnitude(0, 0), 0.0);
}

TEST(ExerciseStatics, SupportPushesOnlyAndRelievesTheLimb) {
  const Model model = test_models::tiny_model();
  const std::string head = "id: t\nname: t\nsources: [{article: a, quote: q}]\nstatics: pelvis\n"
                           "legs: [{side: r, role: moving}]\nmotion:\n  posture_deg: {pelvis_list: -90, hip_adduction_r: 10}\n"
                           "contacts:\n  - {name: side, type: ground_flat, point: {body: pelvis}}\n";
  const Exercise free = parse_exercise(head + "dose: {sets: 1, reps: 1, hold_s: 1}\n");
  const Exercise held = parse_exercise(head +
      "  - {name: rest, type: support, point: {body: tibia_r, offset_m: [0, -0.4, 0]}, on_body: pelvis, normal: [0, 1, 0]}\n"
      "dose: {sets: 1, reps: 1, hold_s: 1}\n");
  const SimulationResult a = run(model, free), b = run(model, held);
  EXPECT_GT(b.contact_force(0, 3 + 1), 0.0);  // pushes up on the shank
  EXPECT_LT(b.legs[0].moment.row(0).norm(), a.legs[0].moment.row(0).norm());
  EXPECT_LT(b.root_residual[0], 1e-9);
  // Upside down (the support would have to pull): no push.
  const Exercise pull = parse_exercise(head +
      "  - {name: rest, type: support, point: {body: tibia_r, offset_m: [0, -0.4, 0]}, on_body: pelvis, normal: [0, -1, 0]}\n"
      "dose: {sets: 1, reps: 1, hold_s: 1}\n");
  EXPECT_EQ(run(model, pull).contact_force(0, 3 + 1), 0.0);
}

TEST(ExerciseStatics, PullingContactIsReleased) {
  // Two floor points under a lying body, one far beyond the centre of mass on
  // a lever: minimum norm alone would pull on one; it must lift off instead.
  const Model model = test_models::tiny_model();
  const Exercise ex = parse_exercise(
      "id: t\nname: t\nsources: [{article: a, quote: q}]\nstatics: x\nlegs: [{side: r, role: moving}]\n"
      "motion:\n  posture_deg: {pelvis_tilt: -90}\n"
      "contacts:\n  - {name: a, type: ground_flat, point: {body: pelvis}}\n"
      "  - {name: b, type: ground_point, point: {body: pelvis, offset_m: [0, 2.0, 0]}}\n"
      "dose: {sets: 1, reps: 1, hold_s: 1}\n");
  const SimulationResult r = run(model, ex);
  EXPECT_FALSE(r.contact_tension[0]);
  EXPECT_LT(r.root_residual[0], 1e-8);
  EXPECT_EQ(r.contact_force(0, 3 + 1), 0.0);  // b would have pulled: it lifted off
  EXPECT_NEAR(r.contact_force(0, 1), model.total_mass() * kG, 1e-6);
}

// ---------------------------------------------------------------- the catalogue

namespace {
std::filesystem::path exercise_dir() { return std::filesystem::path(BIOMECH_SOURCE_DIR) / "models" / "exercises"; }
}  // namespace

TEST(ExerciseCatalogue, EveryExerciseSimulatesWithMomentEquality) {
  const Model model = default_model();
  int count = 0, balanced_frames = 0;
  Data data(model);
  for (const auto& entry : std::filesystem::directory_iterator(exercise_dir())) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    SCOPED_TRACE(entry.path().string());
    const Exercise ex = load_exercise(entry.path().string());
    EXPECT_EQ(ex.id, entry.path().stem().string());
    const SimulationResult r = run(model, ex);
    ASSERT_GT(r.time.size(), 0);
    EXPECT_LT(r.root_residual.maxCoeff(), 1e-6) << "contacts do not balance the body";
    EXPECT_EQ(std::count(r.contact_tension.begin(), r.contact_tension.end(), true), 0) << "a contact pulls";
    for (const LegResult& leg : r.legs) {
      EXPECT_TRUE(leg.moment.allFinite());
      EXPECT_TRUE(leg.activation.allFinite());
      EXPECT_TRUE(leg.hip_contact_force_bw.allFinite());
      EXPECT_TRUE(leg.gmed_percent_mvic.allFinite());
      std::array<int, 4> dof{};
      for (int k = 0; k < 4; ++k) dof[k] = model.posture_coordinate(leg.dofs[k]);
      const double knee_sign = hip_coordinates(model, leg.side).knee_flexion_sign;
      for (int f = 0; f < r.time.size(); ++f) {
        EXPECT_TRUE(leg.converged[f]);
        EXPECT_LT(leg.residual.row(f).cwiseAbs().maxCoeff(), 1e-5);
        // Moment equality, recomputed here: moment arms at the frame's posture
        // times the solved forces (lumped knee actuators: +-1 m on the knee).
        compute_muscle_paths(model, data, r.posture.row(f).transpose());
        Eigen::Vector4d muscle_moment = Eigen::Vector4d::Zero();
        for (size_t i = 0; i < leg.actuators.size(); ++i) {
          const int m = leg.muscle_index[i];
          if (m >= 0) {
            for (int k = 0; k < 4; ++k) muscle_moment[k] += data.moment_arm(m, dof[k]) * leg.force(f, i);
          } else {
            const bool extensor = leg.actuators[i].rfind("knee_extensors", 0) == 0;
            muscle_moment[3] += (extensor ? -knee_sign : knee_sign) * leg.force(f, i);
          }
        }
        const Eigen::Vector4d gap = leg.moment.row(f).transpose() - muscle_moment;
        const double reserve = leg.reserve.row(f).cwiseAbs().maxCoeff();
        if (reserve < 1e-6) {
          EXPECT_LT(gap.cwiseAbs().maxCoeff(), 1e-6) << "frame " << f;
          ++balanced_frames;
        } else {
          // the muscles saturate: the reserves carry the rest and are reported
          EXPECT_LT((gap - leg.reserve.row(f).transpose()).cwiseAbs().maxCoeff(), 1e-5);
        }
      }
    }
    const auto summary = summarize(ex, r);
    ASSERT_EQ(summary.size(), ex.legs.size());
    for (const auto& s : summary) {
      EXPECT_GT(s.time_under_tension_s, 0.0);
      EXPECT_TRUE(std::isfinite(s.peak_hip_contact_force_bw));
    }
  }
  EXPECT_EQ(count, 34);
  EXPECT_GT(balanced_frames, 1000);  // most frames need no reserve
}
