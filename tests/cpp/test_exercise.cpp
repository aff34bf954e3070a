// Exercises: loader errors (file, line, field), minimum-jerk trajectories,
// contact statics, loads against closed forms, moment equality, and the whole
// catalogue on the default model.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <filesystem>
#include <string>

#include "biomech/errors.hpp"
#include "biomech/exercise.hpp"
#include "biomech/exercise_io.hpp"
#include "biomech/model_io.hpp"
#include "biomech/kinematics.hpp"
#include "biomech/scaling.hpp"
#include "biomech/muscle_path.hpp"
#include "biomech/pelvis_plant.hpp"
#include "biomech/strength.hpp"
#include "biomech/model_io.hpp"
#include "tiny_model.hpp"
#include "text_support.hpp"

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

using biomech::test_support::line_of;

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
  // balance: a list with one entry per ground contact that carries the body
  e = parse_error(standing(motion, "balance: {over: foot, frontal: {hip_adduction_r: 1}}\n"));
  EXPECT_EQ(e.field, "balance");
  e = parse_error(standing(motion, "balance: [{over: hand, frontal: {hip_adduction_r: 1}}]\n"));
  EXPECT_EQ(e.field, "balance[0].over");
  e = parse_error(standing(motion, "balance: [{over: foot, frontal: {hip_adduction_r: 1}}, "
                                   "{over: foot, sagittal: {pelvis_tilt: 1}}]\n"));
  EXPECT_EQ(e.field, "balance[1].over");
  EXPECT_NE(std::string(e.what()).find("balanced twice"), std::string::npos);
  e = parse_error(standing(motion, "balance: [{over: foot}]\n"));
  EXPECT_EQ(e.field, "balance[0]");
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
      "balance: [{over: foot, sagittal: {hip_flexion_r: 1}, frontal: {hip_adduction_r: 1}}]\n"));
  const SimulationResult rb = run(model, bal);
  EXPECT_LT(std::abs(rb.contact_moment(0, 0)), 1e-6);
  EXPECT_LT(std::abs(rb.contact_moment(0, 2)), 1e-6);
  EXPECT_GT(std::abs(r.contact_moment(0, 2)), 1.0);  // it was not balanced before
}

// Stepping from foot to foot (default model, feet apart, no joint motion but the
// balance's): single support on the left foot, double support, single support on
// the right, double support back to the left. In single support the centre of
// pressure is at the stance foot's contact point; in double support the balance
// blends (minimum jerk) from one foot's solution to the other's, continuously,
// and the repetition ends where it starts.
TEST(ExerciseBalance, StepsFromFootToFootContinuously) {
  const Model model = default_model();
  const std::string foot = "    type: ground_flat\n    point: {body: tibia_%, landmark: ankle_centre_%, offset_m: [0.05, -0.06, 0]}\n";
  const auto contact = [&](const std::string& name, char side, const std::string& window) {
    std::string f = foot;
    std::replace(f.begin(), f.end(), '%', side);
    return "  - name: " + name + "\n" + f + "    active_s: " + window + "\n";
  };
  const std::string text =
      "id: t\nname: test\nsources: [{article: a, quote: q}]\nstatics: stepping\n"
      "legs: [{side: r, role: moving}, {side: l, role: stance}]\n"
      "motion:\n  sample_rate_hz: 50\n  keyframes:\n"
      "    - {t_s: 0.0, deg: {hip_abduction_r: 6, hip_abduction_l: 6}}\n    - {t_s: 2.0}\n"
      "balance:\n"
      "  - {over: left_a, sagittal: {pelvis_tilt: 1}, frontal: {hip_adduction_l: 1}}\n"
      "  - {over: right, sagittal: {pelvis_tilt: 1}, frontal: {hip_adduction_r: 1}}\n"
      "  - {over: left_b, sagittal: {pelvis_tilt: 1}, frontal: {hip_adduction_l: 1}}\n"
      "contacts:\n" + contact("left_a", 'l', "[0, 1.0]") + contact("right", 'r', "[0.8, 2.0]") +
      contact("left_b", 'l', "[1.8, 2.0]") + "dose: {sets: 1, reps: 10}\n";
  const Exercise ex = parse_exercise(text);
  const SimulationResult r = run(model, ex);
  ASSERT_EQ(r.time.size(), 101);
  const int add_l = model.posture_coordinate("hip_adduction_l"), add_r = model.posture_coordinate("hip_adduction_r");
  const auto frame = [&](double t) { return static_cast<int>(std::lround(t * 50)); };
  // single support, away from the blends (the posture holds): no free moment about the horizontal axes
  for (double t : {0.0, 0.4, 0.7}) {
    EXPECT_LT(std::abs(r.contact_moment(frame(t), 0)), 1e-6) << t;  // left_a, about x
    EXPECT_LT(std::abs(r.contact_moment(frame(t), 2)), 1e-6) << t;  // about z
  }
  for (double t : {1.1, 1.4, 1.7}) {
    EXPECT_LT(std::abs(r.contact_moment(frame(t), 3)), 1e-6) << t;  // right
    EXPECT_LT(std::abs(r.contact_moment(frame(t), 5)), 1e-6) << t;
  }
  // the stance hip adducts to bring its foot under the body: the two solutions differ
  const Eigen::VectorXd q_left = r.posture.row(frame(0.4)).transpose(), q_right = r.posture.row(frame(1.4)).transpose();
  EXPECT_GT(q_left[add_l] - q_right[add_l], 0.02);
  EXPECT_GT(q_right[add_r] - q_left[add_r], 0.02);
  // halfway through a double support the change is the mean of the two (minimum-jerk weight 1/2)
  for (double t : {0.9, 1.9})
    EXPECT_LT((r.posture.row(frame(t)).transpose() - 0.5 * (q_left + q_right)).cwiseAbs().maxCoeff(), 1e-6) << t;
  // the repetition repeats: it ends balanced over the left foot, as it starts
  EXPECT_LT((r.posture.row(frame(2.0)) - r.posture.row(0)).cwiseAbs().maxCoeff(), 1e-6);
  // continuous: no frame-to-frame jump (a switch without the blend moves the hips by the whole change at once)
  const double change = (q_left - q_right).cwiseAbs().maxCoeff();
  for (int f = 1; f < r.time.size(); ++f)
    EXPECT_LT((r.posture.row(f) - r.posture.row(f - 1)).cwiseAbs().maxCoeff(), 0.25 * change) << r.time[f];
  EXPECT_LT(r.root_residual.maxCoeff(), 1e-6);
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

// A catalogue file sampled at no more than 10 frames/s. The catalogue tests check every frame on
// its own, and a frame does not depend on its neighbours (its accelerations are central
// differences over the fixed time_step_fd_s, not over the sample interval), so 10 frames/s still
// visits every phase (the shortest, a double support, lasts 0.2 s) at half the cost of the
// files' 20: these two tests were the slowest of the sanitizer run.
Exercise catalogue_file(const std::filesystem::path& file) {
  Exercise ex = load_exercise(file.string());
  ex.motion.sample_rate_hz = std::min(ex.motion.sample_rate_hz, 10.0);
  return ex;
}

// Where a contact's body point is on its body (the rule of the exercise file:
// landmark, or a fraction of the way to another, plus offsets), at the model's
// default posture.
Vec3 contact_local(const Model& model, const BodyPoint& p) {
  Data d(model);
  forward_kinematics(model, d, model.default_posture());
  const int b = model.body_index(p.body);
  const auto landmark = [&](const std::string& name) {
    const Landmark& l = model.landmarks[model.landmark_index(name)];
    return Vec3(d.body_pose[b].inverse() * (d.body_pose[l.body] * l.location));
  };
  Vec3 local = Vec3::Zero();
  if (!p.landmark.empty()) {
    local = landmark(p.landmark);
    if (!p.landmark_to.empty()) local += p.fraction * (landmark(p.landmark_to) - local);
  }
  return local + p.offset_m + p.offset_h * model.subject.height;
}

// 2D cross product (o->a) x (o->b) in the floor plane (x anterior, z right).
double cross2(const Eigen::Vector2d& o, const Eigen::Vector2d& a, const Eigen::Vector2d& b) {
  return (a - o).x() * (b - o).y() - (a - o).y() * (b - o).x();
}

// Distance (m) by which q lies outside the convex hull of `pts` (0 inside).
double outside_hull(std::vector<Eigen::Vector2d> pts, const Eigen::Vector2d& q) {
  std::sort(pts.begin(), pts.end(), [](const auto& a, const auto& b) { return a.x() < b.x() || (a.x() == b.x() && a.y() < b.y()); });
  std::vector<Eigen::Vector2d> h(2 * pts.size());
  size_t k = 0;  // Andrew's monotone chain, counter-clockwise
  for (size_t i = 0; i < pts.size(); ++i) {
    while (k >= 2 && cross2(h[k - 2], h[k - 1], pts[i]) <= 0) --k;
    h[k++] = pts[i];
  }
  for (size_t i = pts.size() - 1, t = k + 1; i-- > 0;) {
    while (k >= t && cross2(h[k - 2], h[k - 1], pts[i]) <= 0) --k;
    h[k++] = pts[i];
  }
  h.resize(k - 1);
  double out = 0.0;
  for (size_t i = 0; i < h.size(); ++i) {
    const Eigen::Vector2d e = h[(i + 1) % h.size()] - h[i];
    out = std::max(out, -cross2(h[i], h[(i + 1) % h.size()], q) / e.norm());
  }
  return out;
}
}  // namespace

// Every frame of every standing exercise (the floor touches only the feet) stands
// on its feet: the centre of pressure of the floor reactions (the point of the
// floor plane about which they have no horizontal moment; for a body at rest
// under gravity alone, the centre of mass above it) lies inside the support
// polygon, the convex hull of the feet that carry load: a flat contact is a sole
// around its point, 0.152 x 0.055 body heights (foot length and breadth, Winter
// 2009, Biomechanics and Motor Control of Human Movement, 4th ed., Fig. 4.1)
// along the shank's horizontal axes, a point contact (the ball of a foot) its
// point; within 5 mm, the precision of that box. The single-support frames of the
// stepping exercises (band walks, marching) hold this only through the balance
// over the carrying foot. Lying, kneeling and planks rest on body points that
// are not feet and are not checked here.
TEST(ExerciseCatalogue, CentreOfPressureInsideTheFeetWhenStanding) {
  const Model model = default_model();
  const double H = model.subject.height, W = model.total_mass() * kG;
  Data d(model);
  int count = 0, standing_count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(exercise_dir())) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    SCOPED_TRACE(entry.path().string());
    const Exercise ex = catalogue_file(entry.path());
    const bool standing = std::all_of(ex.contacts.begin(), ex.contacts.end(), [](const ContactSpec& c) {
      return c.kind == ContactSpec::Kind::support || c.normal.y() < 0.99 || c.point.body.rfind("tibia_", 0) == 0;
    });
    if (!standing) continue;
    ++standing_count;
    const SimulationResult r = run(model, ex);
    std::vector<Vec3> local;
    for (const ContactSpec& c : ex.contacts) local.push_back(contact_local(model, c.point));
    double worst = 0.0;
    for (int f = 0; f < r.time.size(); ++f) {
      forward_kinematics(model, d, r.posture.row(f).transpose());
      std::vector<Eigen::Vector2d> support;
      Vec3 F = Vec3::Zero(), M = Vec3::Zero();  // floor reactions, moment about the ground origin
      double height = 0.0;
      for (size_t c = 0; c < ex.contacts.size(); ++c) {
        const ContactSpec& spec = ex.contacts[c];
        const Vec3 fc = r.contact_force.row(f).segment<3>(3 * c).transpose();
        if (spec.kind == ContactSpec::Kind::support || spec.normal.y() < 0.99 || fc.y() < 1e-3 * W) continue;
        const int b = model.body_index(spec.point.body);
        const Vec3 p = point_in_ground(d, b, local[c]);
        F += fc;
        M += p.cross(fc) + r.contact_moment.row(f).segment<3>(3 * c).transpose();
        height += fc.y() * p.y();
        if (spec.kind == ContactSpec::Kind::ground_point) {
          support.push_back({p.x(), p.z()});
          continue;
        }
        Eigen::Vector2d along(d.body_pose[b].linear()(0, 0), d.body_pose[b].linear()(2, 0));
        along = along.norm() > 1e-6 ? along.normalized() : Eigen::Vector2d(1, 0);
        const Eigen::Vector2d across(-along.y(), along.x());
        for (double a : {-1.0, 1.0})
          for (double w : {-1.0, 1.0})
            support.push_back(Eigen::Vector2d(p.x(), p.z()) + a * 0.076 * H * along + w * 0.0275 * H * across);
      }
      if (support.empty()) continue;
      height /= F.y();
      // centre of pressure (x, height, z): the horizontal moment of the reactions about it vanishes
      const Eigen::Vector2d cop((M.z() + height * F.x()) / F.y(), (height * F.z() - M.x()) / F.y());
      worst = std::max(worst, outside_hull(support, cop));
    }
    EXPECT_LT(worst, 5e-3) << "centre of pressure " << worst << " m outside the feet";
  }
  EXPECT_EQ(count, 34);
  EXPECT_EQ(standing_count, 19);
}

TEST(ExerciseCatalogue, EveryExerciseSimulatesWithMomentEquality) {
  const Model model = default_model();
  int count = 0, balanced_frames = 0, leg_frames = 0;
  Data data(model);
  for (const auto& entry : std::filesystem::directory_iterator(exercise_dir())) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    SCOPED_TRACE(entry.path().string());
    const Exercise ex = catalogue_file(entry.path());
    EXPECT_EQ(ex.id, entry.path().stem().string());
    const SimulationResult r = run(model, ex);
    ASSERT_GT(r.time.size(), 0);
    EXPECT_LT(r.root_residual.maxCoeff(), 1e-6) << "contacts do not balance the body";
    // reserves above 1 N m only where the file says why (its `limits`)
    double reserve = 0.0;
    for (const LegResult& leg : r.legs) reserve = std::max(reserve, leg.reserve.cwiseAbs().maxCoeff());
    if (reserve > 1.0) {
      EXPECT_FALSE(ex.limits.empty()) << "reserve " << reserve << " N m without `limits`";
    }
    EXPECT_EQ(std::count(r.contact_tension.begin(), r.contact_tension.end(), true), 0) << "a contact pulls";
    for (const LegResult& leg : r.legs) {
      EXPECT_TRUE(leg.moment.allFinite());
      EXPECT_TRUE(leg.activation.allFinite());
      EXPECT_TRUE(leg.hip_contact_force_bw.allFinite());
      EXPECT_TRUE(leg.gmed_percent_mvic.allFinite());
      std::array<int, 4> dof{};
      for (int k = 0; k < 4; ++k) dof[k] = model.posture_coordinate(leg.dofs[k]);
      const double knee_sign = hip_coordinates(model, leg.side).knee_flexion_sign;
      const PassiveJointMoment tissue = hip_passive_tissue(model, data, leg.side, {}).moment;  // no fibres modelled
      for (int f = 0; f < r.time.size(); ++f) {
        ++leg_frames;
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
        muscle_moment[1] += tissue.moment(r.posture(f, dof[1]), 0.0);  // the passive hip tissue carries its part
        EXPECT_NEAR(leg.hip_tissue_abduction_moment[f], -tissue.moment(r.posture(f, dof[1]), 0.0), 1e-12);
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
  EXPECT_GT(balanced_frames, leg_frames / 2);  // most frames need no reserve
}

// The global options (SimulateOptions) on catalogue exercises of the default model.
namespace {
Exercise catalogue(const std::string& id) { return load_exercise((exercise_dir() / (id + ".yaml")).string()); }
double leg_residual(const LegResult& leg) { return leg.residual.cwiseAbs().maxCoeff(); }
}  // namespace

// A co-contraction floor: every actuator at least that active, the moments still met,
// more gluteus medius activity and more hip contact force than without.
TEST(ExerciseOptions, CoContractionFloorRaisesEveryActivation) {
  const Model model = default_model();
  const Exercise ex = catalogue("single_leg_stance");
  SimulateOptions o;
  Data data(model);
  const SimulationResult plain = simulate(model, data, ex, o);
  o.co_contraction = 0.1;
  const SimulationResult r = simulate(model, data, ex, o);
  const LegResult &a = plain.legs[0], &b = r.legs[0];
  EXPECT_GE(b.activation.minCoeff(), 0.1 - 1e-12);
  EXPECT_LT(leg_residual(b), 1e-6);
  EXPECT_GT(b.gmed_percent_mvic(0, 3), a.gmed_percent_mvic(0, 3));
  EXPECT_GT(b.hip_contact_force_bw[0], a.hip_contact_force_bw[0]);
  o.co_contraction = 1.0;
  EXPECT_THROW(simulate(model, data, ex, o), InvalidArgument);
}

// Passive fibre force: stretched hamstrings in the single-leg deadlift pull passively;
// the guard keeps every passive force at or below the muscle's maximal force, and the
// moments are met by active plus passive forces.
TEST(ExerciseOptions, PassiveFiberForceIsGuardedAndBalanced) {
  const Model model = default_model();
  SimulateOptions o;
  o.passive_fiber_force = true;
  Data data(model);
  const SimulationResult r = simulate(model, data, catalogue("single_leg_deadlift"), o);
  const LegResult& leg = r.legs[0];
  const int semimem = static_cast<int>(std::find(leg.actuators.begin(), leg.actuators.end(), "semimem_r") -
                                       leg.actuators.begin());
  ASSERT_LT(semimem, static_cast<int>(leg.actuators.size()));
  EXPECT_GT(leg.passive_force.col(semimem).maxCoeff(), 50.0);  // N, at the bottom of the hinge
  for (size_t i = 0; i < leg.actuators.size(); ++i)
    if (leg.muscle_index[i] >= 0) {
      EXPECT_LE(leg.passive_force.col(i).maxCoeff(), model.muscles[leg.muscle_index[i]].max_isometric_force + 1e-9);
    }
  for (int f = 0; f < r.time.size(); ++f)
    if (leg.reserve.row(f).cwiseAbs().maxCoeff() < 1e-3) {
      EXPECT_LT(leg.residual.row(f).cwiseAbs().maxCoeff(), 1e-6);
    }
  o.passive_stretch_limit = 0.5;
  EXPECT_THROW(simulate(model, data, catalogue("single_leg_deadlift"), o), InvalidArgument);
}

// The passive hip tissue (hip_passive_tissue, pelvis_plant.hpp: capsule, iliotibial band,
// fascia) carries part of the hip's abduction moment in every frame, as a joint-level moment.
// It is the tissue other than the fibres the simulation models: with the passive fibre force
// off it holds the whole leg at the Ober end position; with it on, tissue and the leg's fibres
// hold it together (nothing counted twice), as in the pelvis plant, whose leg moment is the same.
TEST(ExerciseOptions, PassiveHipTissueCarriesPartOfTheAbductionMomentCountedOnce) {
  const Model model = default_model();
  Data data(model);
  const Exercise ex = catalogue("single_leg_squat");
  SimulateOptions o;
  const SimulationResult off = simulate(model, data, ex, o);
  o.passive_fiber_force = true;
  const SimulationResult on = simulate(model, data, ex, o);
  const LegResult &a = off.legs[0], &b = on.legs[0];
  ASSERT_EQ(a.role, "stance");
  std::vector<int> leg_muscles;
  for (int m : b.muscle_index)
    if (m >= 0) leg_muscles.push_back(m);
  const HipPassiveTissue alone = hip_passive_tissue(model, data, a.side, {});
  const HipPassiveTissue with_fibres = hip_passive_tissue(model, data, a.side, leg_muscles);
  PelvisPlantOptions po;
  po.stance_side = a.side;
  const PelvisPlant plant = build_pelvis_plant(model, data, po);
  EXPECT_NEAR(alone.ober_leg_moment, plant.hip_tissue.ober_leg_moment, 1e-9);
  EXPECT_NEAR(with_fibres.ober_leg_moment, plant.hip_tissue.ober_leg_moment, 1e-9);
  EXPECT_NEAR(-alone.moment.moment(kOberAdduction, 0.0), alone.ober_leg_moment, 1e-6);
  EXPECT_NEAR(-with_fibres.moment.moment(kOberAdduction, 0.0) + with_fibres.ober_muscle_moment,
              with_fibres.ober_leg_moment, 1e-6);
  EXPECT_GT(with_fibres.ober_muscle_moment, 0.0);
  const int add = model.posture_coordinate(a.dofs[1]);
  for (int f = 0; f < off.time.size(); ++f) {
    EXPECT_NEAR(a.hip_tissue_abduction_moment[f], -alone.moment.moment(off.posture(f, add), 0.0), 1e-12);
    EXPECT_NEAR(b.hip_tissue_abduction_moment[f], -with_fibres.moment.moment(on.posture(f, add), 0.0), 1e-12);
  }
  // the stance hip adducts 5-7 deg in the squat: the tissue carries a little of the abduction
  // moment (tenths of a N m against tens), and the muscles the rest
  const double tissue = a.hip_tissue_abduction_moment.maxCoeff(), demand = (-a.moment.col(1)).maxCoeff();
  std::printf("single-leg squat: passive hip tissue up to %.2f N m of %.1f N m abduction moment\n", tissue, demand);
  EXPECT_GT(tissue, 0.0);
  EXPECT_LT(tissue, 0.1 * demand);
}

// Supports off: the stacked feet of the clamshell carry nothing and the top hip holds
// the whole leg (a larger abduction moment).
TEST(ExerciseOptions, SupportsOffCarryNothing) {
  const Model model = default_model();
  const Exercise ex = catalogue("clamshell");
  SimulateOptions o;
  Data data(model);
  const SimulationResult on = simulate(model, data, ex, o);
  o.rest_supports = false;
  const SimulationResult off = simulate(model, data, ex, o);
  EXPECT_GT(on.contact_force.col(3 * 4 + 1).maxCoeff(), 10.0);  // the feet (5th contact) push up, N
  EXPECT_EQ(off.contact_force.col(3 * 4 + 1).cwiseAbs().maxCoeff(), 0.0);
  EXPECT_GT((-off.legs[0].moment.col(1)).maxCoeff(), 1.5 * (-on.legs[0].moment.col(1)).maxCoeff());
}

// The lumped knee actuators follow the model's strength: with every muscle 50 %
// stronger (p = 2, frames the muscles can carry) every activation, knee actuators
// included, falls by 1 / 1.5 and the forces stay.
TEST(ExerciseKnee, LumpedKneeActuatorsFollowTheMuscles) {
  const ModelFile file = load_model_file(default_model_path());
  Subject subject = file.subjects.at(file.default_subject);
  const Model model = scale_model(file.model, subject);
  subject.strength_scale["all"] = 1.5;
  const Model strong = scale_model(file.model, subject);
  int compared = 0;
  for (const char* id : {"single_leg_squat", "lateral_step_up", "single_leg_stance"}) {
    const Exercise ex = catalogue(id);
    Data da(model), db(strong);
    const SimulationResult a = simulate(model, da, ex), b = simulate(strong, db, ex);
    const LegResult &la = a.legs[0], &lb = b.legs[0];
    const Eigen::Index n = static_cast<Eigen::Index>(la.actuators.size());
    ASSERT_EQ(la.actuators[n - 2], "knee_extensors_lumped_r");
    for (int f = 0; f < a.time.size(); ++f) {
      if (la.activation.row(f).maxCoeff() > 0.99) continue;  // saturated: the reserves differ
      for (Eigen::Index k : {n - 2, n - 1}) {
        if (la.activation(f, k) < 1e-3) continue;
        EXPECT_NEAR(lb.activation(f, k), la.activation(f, k) / 1.5, 1e-6) << id << " frame " << f;
        EXPECT_NEAR(lb.force(f, k), la.force(f, k), 1e-6) << id << " frame " << f;
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 10);
}
