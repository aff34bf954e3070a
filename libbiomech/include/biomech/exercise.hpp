// Exercises: a posture or motion of the body in the gravity field, with
// contacts and external loads (cuff and hand-held weights, elastic bands, wall
// pushes), simulated frame by frame with inverse dynamics and static
// optimisation. The file schema is documented in docs/exercise_file.md.
//
// An Exercise is plain data read from a file (exercise_io.cpp, in biomech::io);
// its names (bodies, coordinates, landmarks) are resolved against a Model only
// when it is simulated, so one exercise runs on any model that has the names.
#pragma once
#include <Eigen/Core>
#include <array>
#include <map>
#include <string>
#include <vector>

#include "biomech/data.hpp"
#include "biomech/fields.hpp"
#include "biomech/model.hpp"
#include "biomech/recruitment.hpp"

namespace biomech {

// A point fixed in a body: the sum of an anchor (the body origin, a landmark,
// or a point between two landmarks, each taken into `body`'s frame at the
// model's default posture) and offsets in the body frame.
struct BodyPoint {
  std::string body;                  // body name
  std::string landmark;              // anchor landmark (may sit on another body), empty = body origin
  std::string landmark_to;           // when set: anchor = landmark + fraction * (landmark_to - landmark)
  double fraction = 0.0;
  Vec3 offset_m = Vec3::Zero();      // m, in the body frame
  Vec3 offset_h = Vec3::Zero();      // fractions of the subject's height, in the body frame
};

// A time window [from, to] in seconds; the default covers every frame.
struct TimeWindow {
  double from = -1e300;
  double to = 1e300;
  bool contains(double t) const { return t >= from - 1e-9 && t <= to + 1e-9; }
};

// A contact whose reaction is unknown and follows from statics.
//  - ground_point: a point resting on a support (floor, wall): force, no moment.
//  - ground_flat:  a flat contact (foot sole, forearm): force and a free moment.
//  - support:      one body resting on another (stacked feet): a push along
//                  `normal` on `point.body` and the opposite push on `on_body`.
//                  Being internal, it cannot come from whole-body statics; it
//                  takes the push (>= 0) that minimises the sum of squared
//                  joint moments of the supported limb (docs/exercise_file.md).
struct ContactSpec {
  enum class Kind { ground_point, ground_flat, support };
  std::string name;
  Kind kind = Kind::ground_point;
  BodyPoint point;
  Vec3 normal = Vec3::UnitY();       // unit, in ground: direction of the push on point.body
  std::string on_body;               // support only
  TimeWindow active;
};

// A known external load.
//  - weight: a mass (cuff, dumbbell, belt) hanging at a point: force m g.
//  - band:   a linear elastic band between two body points: tension
//            k * max(0, length - rest_length), pulling each end toward the other.
//  - push:   a force the environment applies at a point (a wall pushing back on
//            a limb pressed into it), fixed direction in ground.
struct LoadSpec {
  enum class Kind { weight, band, push };
  std::string name;
  Kind kind = Kind::weight;
  BodyPoint point;                   // weight, push; band end a
  BodyPoint point_b;                 // band end b
  double mass_kg = 0.0;              // weight
  double stiffness_n_per_m = 0.0;    // band, >= 0
  double rest_length_m = -1.0;       // band; < 0: the length in the first frame (just taut at the start)
  double pretension_n = 0.0;         // band: added when rest_length_m < 0 (taut at the start)
  Vec3 direction = Vec3::Zero();     // push: unit, in ground
  double force_n = 0.0;              // push: magnitude (N) ...
  double force_bw = 0.0;             // ... or in body weights (the two add)
  TimeWindow active;
};

// A keyframe: values of some coordinates at time `time` (s), SI units (rad or m).
struct KeyFrame {
  double time = 0.0;
  std::map<std::string, double> value;
};

// The motion over one repetition. Coordinates are model names or the aliases
// knee_flexion_<s> (flexion positive, mapped onto the model's knee coordinate
// with its sign) and hip_abduction_<s> (= -hip_adduction_<s>). A coordinate
// keeps its value from keyframe to keyframe until a later keyframe names it;
// between keyframes it follows a minimum-jerk (quintic) blend, so velocities and
// accelerations are continuous and zero at every keyframe.
struct Motion {
  std::map<std::string, double> posture;   // base values (rad or m) for every frame
  std::vector<KeyFrame> keyframes;         // strictly increasing times; empty = static hold
  double sample_rate_hz = 20.0;
};

// An article's dose. Ranges [min, max]; a single number gives min == max.
struct Dose {
  std::array<double, 2> sets{1, 1};
  std::array<double, 2> reps{1, 1};
  std::array<double, 2> hold_s{0, 0};     // per repetition (static holds: the whole repetition)
  std::array<double, 2> rest_s{0, 0};
  static double mid(const std::array<double, 2>& r) { return 0.5 * (r[0] + r[1]); }
};

// A passage of a published article that the exercise encodes.
struct Citation {
  std::string article;  // title (and publisher or author) of the article
  std::string quote;    // a few words of the passage
};

struct Assumption {
  std::string field;   // dotted path of the assumed value in the file, e.g. loads.cuff.mass_kg
  std::string reason;
};

// Static balance over the ground contact that carries the body. Per frame the
// named coordinates move by gain * s (sagittal) and gain * f (frontal), s and f
// solved so that the contact's free moment about the horizontal ground axes is
// zero under gravity and the known loads: the centre of pressure sits at the
// contact point (for gravity alone, the centre of mass is above it). The file's
// angles are the posture before balancing. An exercise lists one Balance per
// contact that carries the body alone in some phase (single support); at a
// frame where exactly one listed contact is active the body balances over it,
// where several (double support) or none are, the balance moves from the last
// single-support solution to the next by a minimum-jerk blend (the repetition
// repeats: the last double support blends into the first single support).
struct Balance {
  std::string over;                          // a ground contact
  std::map<std::string, double> sagittal;    // coordinate -> gain (moment about ground z)
  std::map<std::string, double> frontal;     // coordinate -> gain (moment about ground x)
};

struct AnalysedLeg {
  char side = 'r';
  std::string role;    // stance, moving, alternating
};

struct Exercise {
  std::string id;
  std::string name;
  std::string file;                 // where it was read from
  std::string description;
  std::vector<Citation> sources;
  std::string statics;              // the whole-body statics assumption (how the weight is shared)
  std::string limits;               // what the default subject's muscles cannot carry, and why (reserves)
  Motion motion;
  std::vector<Balance> balance;     // empty = no balancing
  std::vector<ContactSpec> contacts;
  std::vector<LoadSpec> loads;
  std::vector<AnalysedLeg> legs;
  Dose dose;
  std::vector<Assumption> assumptions;
  // Line (1-based) of every field read from the file, keyed by dotted path
  // (e.g. motion.keyframes[1].deg.hip_abduction_r, loads.cuff.mass_kg), so that
  // errors found against a model can still name the file, line and field.
  std::map<std::string, int> field_line;

  bool is_static() const { return motion.keyframes.empty(); }
  // Duration of one repetition (s): the keyframe span, or the mid hold time for a static hold.
  double repetition_duration() const;
};

// ---- mechanics

struct SimulateOptions {
  // p = 2 by default. Two changes from the solver's defaults: the reserve
  // weight goes from 1e4 to 1e6 so that reserves stay below 1e-6 N m wherever
  // the muscles can carry the moments (they come out as lambda m_ref^2 / (2 w_r),
  // recruitment.hpp); and up to 1000 Newton iterations, because frames where the
  // muscles saturate (reserves of several N m) can need more than 100.
  RecruitmentOptions recruitment = [] {
    RecruitmentOptions o;
    o.reserve_weight = 1e6;
    o.max_iterations = 1000;
    return o;
  }();
  double time_step_fd_s = 1e-3;       // for body accelerations by central differences of FK
  // Weakness: a factor on the maximal force of muscles, keyed by muscle name, base name
  // (glut_med1), group (gluteus_medius), "abductors" (hip.hpp's kHipAbductorGroups),
  // "external_rotators" (kHipExternalRotatorGroups) or "all"; factors of
  // matching keys multiply. Empty (or all 1): the model's strength.
  std::map<std::string, double> strength;
  // With weakened muscles, a frame whose weight-bearing leg the muscles cannot hold
  // moves to the nearest posture they can hold (nearest_posture below); false: the
  // prescribed posture is kept and the reserves report what is missing.
  bool nearest_posture = true;

  // Options a researcher switches on by name (docs/exercise_file.md, "Options"; all global):
  // - passive fibre force: each muscle of an analysed leg also pulls with its passive
  //   fibre force F_max f_PE(l~) cos(alpha) (Thelen 2003 curve, hill_muscle.hpp), a known
  //   force the recruitment starts from. Guard against gait2392's short-fibred muscles,
  //   whose rigid-tendon fibre length leaves the curve's range in ordinary postures (the
  //   gemelli reach l~ = 1.76 in side-lying abduction with internal rotation): the
  //   stretch is held at passive_stretch_limit, where the passive force equals F_max.
  bool passive_fiber_force = false;
  double passive_stretch_limit = 1.6;  // l / l_opt, 1 + Thelen's strain at F_max (0.6)
  // - co-contraction: every muscle of an analysed leg is active at least this much (0..1);
  //   the recruitment shares the rest. Stands for the antagonist activity that people add
  //   for joint stiffness and balance and that static optimisation leaves out.
  double co_contraction = 0.0;
  // - supports between body parts (stacked feet and knees) carry the resting limb, as a
  //   rigid limb on a frictionless point support (docs/exercise_file.md); false: they carry
  //   nothing and the limb hangs on its muscles (for the sensitivity to the rule).
  bool rest_supports = true;

  static constexpr auto fields() {
    using S = SimulateOptions;
    return std::tuple{
        field("recruitment", &S::recruitment, units::none, "muscle recruitment options"),
        field("time_step_fd_s", &S::time_step_fd_s, units::s, 1e-6, 0.1,
              "time step of the central differences that give body accelerations"),
        field("passive_fiber_force", &S::passive_fiber_force, units::none,
              "add each muscle's passive fibre force (Thelen 2003 curve)"),
        field("passive_stretch_limit", &S::passive_stretch_limit, units::one, 1.0, 3.0,
              "fibre stretch l/l_opt at which the passive force is held (guard against short fibres)"),
        field("co_contraction", &S::co_contraction, units::one, 0.0, 0.99,
              "activation floor of every muscle of the analysed legs"),
        field("rest_supports", &S::rest_supports, units::none,
              "supports between body parts carry the resting limb (false: they carry nothing)"),
        field("strength", &S::strength, units::one, 1e-3, 10,
              "factor on maximal muscle force by muscle, base name, group, 'abductors', 'external_rotators' or 'all'"),
        field("nearest_posture", &S::nearest_posture, units::none,
              "weakened muscles: frames they cannot hold move to the nearest posture they can hold")};
  }
};

// Factor on each muscle's maximal force (n_muscles) for SimulateOptions::strength.
// Throws InvalidArgument for a key that matches no muscle or a factor outside [1e-3, 10].
Eigen::VectorXd strength_factors(const Model& model, const std::map<std::string, double>& strength);

// The nearest posture the weakened muscles can hold. Variables: offsets of the
// weight-bearing legs' hip adduction and hip rotation, of the pelvic obliquity
// and of the trunk lean (lumbar bending), added to the file's posture before
// balancing. Among the postures that balance (the exercise's balance rule) and
// whose reserves exceed those of the prescribed posture at full strength by
// nothing, the one that changes the balanced posture least:
//   min sum_i (dq_i / sd_i)^2  subject to  |reserve_leg| <= |reserve_leg at full strength|,
// dq_i the change of the balanced hip adduction, hip rotation, pelvic obliquity and
// trunk lean. Weights: each change counts in units of the between-person spread of
// that angle at the bottom of a single-leg squat, so that equally unusual changes
// cost the same: hip adduction 5.6 deg, pelvic drop 3.8 deg, trunk lean 3.0 deg
// (Nakagawa et al. 2012, J Orthop Sports Phys Ther 42:491-501, 40 controls, SD of
// the peaks), hip rotation 5.6 deg (no spread in the same study was read: taken as
// hip adduction's). Solved by a quadratic penalty on the excess reserve with
// continuation (weights 1e2 .. 1e8 per (N m)^2) and Levenberg-Marquardt steps on a
// finite-difference Jacobian; each offset is bounded by 30 deg. Body accelerations
// stay those of the prescribed motion (the change is a quasi-static correction).
inline constexpr double kNearestPostureSdDeg[4] = {5.6, 5.6, 3.8, 3.0};  // adduction, rotation, obliquity, lean

// Per analysed leg, per frame.
struct LegResult {
  char side = 'r';
  std::string role;
  std::vector<std::string> actuators;     // muscles (model names) then lumped knee actuators, if any
  std::vector<int> muscle_index;          // model index of each muscle actuator (-1 for lumped ones)
  std::vector<std::string> dofs;          // balanced coordinates: hip flexion, adduction, rotation, knee
  double knee_flexion_sign = -1.0;        // +1 when the model's knee coordinate is positive in flexion; the
                                          // lumped knee extensors act on the knee row with -sign, flexors +sign
  Eigen::MatrixXd moment;                 // (n x 4) N m, generalized forces the actuators and the passive hip tissue supply
  Eigen::MatrixXd activation;             // (n x actuators) 0..1
  Eigen::MatrixXd force;                  // (n x actuators) N, active (lumped knee actuators: N m)
  Eigen::MatrixXd passive_force;          // (n x actuators) N, passive fibre force (0 unless the option is on)
  // (n) N m, abduction moment of the hip's passive tissue other than the modelled fibres (capsule, iliotibial
  // band, fascia: hip_passive_tissue, pelvis_plant.hpp), the part of the hip adduction row the muscles need not supply
  Eigen::VectorXd hip_tissue_abduction_moment;
  Eigen::MatrixXd reserve;                // (n x 4) N m
  Eigen::MatrixXd residual;               // (n x 4) N m, moment - tissue - R F a - reserve
  // EMG-style activation: activation over the activation in the model's MVIC
  // test (strength.hpp mvic_test), x 100; groups are max-force weighted.
  Eigen::MatrixXd percent_mvic;           // (n x actuators) NaN for actuators outside the test
  Eigen::MatrixXd gmed_percent_mvic;      // (n x 4) gluteus medius anterior, middle, posterior, whole
  Eigen::VectorXd tfl_percent_mvic;       // (n)
  Eigen::MatrixXd hip_contact_force;      // (n x 3) N, pelvis on femur, in ground
  Eigen::VectorXd hip_contact_force_bw;   // (n) |F| / body weight
  std::vector<bool> converged;            // (n)
  // Frontal plane, per frame (fields() below; q_angle.hpp and seesaw.hpp define the terms).
  // The Q-angle and FPPA of the posture as simulated (the tibia where the posture puts it),
  // projected on a level camera's plane in front of the subject (QAngleOptions::camera_view,
  // as clinical video FPPA); NaN when the model lacks the landmarks.
  Eigen::VectorXd q_angle;                // (n) rad
  Eigen::VectorXd knee_fppa;              // (n) rad, valgus +
  Eigen::VectorXd patella_lateral_pull;   // (n) N, lateral pull of the quadriceps on the patella
  Eigen::VectorXd pelvic_obliquity;       // (n) rad, + = the other side of the pelvis lower
  Eigen::VectorXd trunk_lean;             // (n) rad, trunk from vertical in the ground frontal plane, + toward this side
  Eigen::VectorXd lumbar_bending_moment;  // (n) N m, lumbar side-bending moment the trunk muscles supply, + toward this side
  Eigen::VectorXd vertical_load_bw;       // (n) upward ground reaction on this leg / body weight
  // The seesaw terms, where the leg bears weight (vertical_load_bw >= 0.1; NaN elsewhere):
  Eigen::VectorXd body_weight_lever;      // (n) m, abduction moment asked at the hip / W_p (weight outside the leg)
  Eigen::VectorXd abductor_lever;         // (n) m, force-weighted abduction moment arm of the abductors
  Eigen::VectorXd abductor_force;         // (n) N, summed tension of the abductors (abductor_muscles)
  Eigen::VectorXd abductor_force_bw;      // (n)
  Eigen::VectorXd hip_contact_angle;      // (n) rad, hip contact force from vertical
  // Nearest posture (SimulateOptions::nearest_posture): change of this leg's balanced hip
  // adduction, hip rotation (internal +), pelvic obliquity and trunk lean from the
  // prescribed posture (rad), and whether the muscles hold the frame.
  Eigen::VectorXd hip_adduction_change;   // (n) rad
  Eigen::VectorXd hip_rotation_change;    // (n) rad
  Eigen::VectorXd pelvic_obliquity_change;  // (n) rad
  Eigen::VectorXd trunk_lean_change;      // (n) rad
  std::vector<bool> held;                 // (n) reserves not above those of the prescribed posture at full strength

  static constexpr auto fields() {
    using S = LegResult;
    return std::tuple{
        field("q_angle_deg", &S::q_angle, units::deg, "Q-angle, seen by a level camera in front"),
        field("knee_fppa_deg", &S::knee_fppa, units::deg, "knee frontal-plane projection angle, valgus +"),
        field("patella_lateral_pull_n", &S::patella_lateral_pull, units::n,
              "lateral pull of the quadriceps on the patella"),
        field("pelvic_obliquity_deg", &S::pelvic_obliquity, units::deg, "pelvic obliquity, + = the other side lower"),
        field("trunk_lean_deg", &S::trunk_lean, units::deg, "trunk from vertical, frontal plane, + toward this leg"),
        field("lumbar_bending_moment_nm", &S::lumbar_bending_moment, units::nm,
              "lumbar side-bending moment of the trunk muscles (quadratus lumborum side), + toward this leg"),
        field("hip_tissue_abduction_moment_nm", &S::hip_tissue_abduction_moment, units::nm,
              "abduction moment of the hip's passive tissue other than the modelled muscle fibres"),
        field("vertical_load_bw", &S::vertical_load_bw, units::bw, "upward ground reaction on this leg"),
        field("body_weight_lever_m", &S::body_weight_lever, units::m,
              "seesaw: abduction moment asked at the hip / weight outside the leg (weight-bearing frames)"),
        field("abductor_lever_m", &S::abductor_lever, units::m,
              "seesaw: force-weighted abduction moment arm of the abductors"),
        field("abductor_force_n", &S::abductor_force, units::n, "seesaw: summed abductor tension"),
        field("abductor_force_bw", &S::abductor_force_bw, units::bw, "seesaw: abductor tension / body weight"),
        field("hip_contact_angle_deg", &S::hip_contact_angle, units::deg, "hip contact force from vertical"),
        field("hip_adduction_change_deg", &S::hip_adduction_change, units::deg,
              "nearest posture: change of hip adduction from the prescribed posture"),
        field("hip_rotation_change_deg", &S::hip_rotation_change, units::deg,
              "nearest posture: change of hip rotation, internal +"),
        field("pelvic_obliquity_change_deg", &S::pelvic_obliquity_change, units::deg,
              "nearest posture: change of pelvic obliquity"),
        field("trunk_lean_change_deg", &S::trunk_lean_change, units::deg, "nearest posture: change of trunk lean"),
        field("held", &S::held, units::none,
              "the muscles hold the frame (reserves not above those of the prescribed posture at full strength)")};
  }
};

struct SimulationResult {
  std::string exercise_id;
  Eigen::VectorXd time;                   // (n) s
  Eigen::MatrixXd posture;                // (n x nq) rad or m
  std::vector<std::string> contact_names;
  Eigen::MatrixXd contact_force;          // (n x 3*ncontacts) N, on the contacting body, in ground
  Eigen::MatrixXd contact_moment;         // (n x 3*ncontacts) N m (free moments of flat contacts)
  Eigen::VectorXd root_residual;          // (n) norm of the root's generalized forces left after the contacts
  std::vector<bool> contact_tension;      // (n) true when a contact pulls instead of pushing (statics needs it)
  std::vector<std::string> load_names;
  Eigen::MatrixXd load_magnitude;         // (n x nloads) N: weight, band tension, push force
  std::vector<LegResult> legs;
  double body_mass = 0.0;                 // kg
};

// Maximal moments (N m) of the two lumped monoarticular knee actuators that stand
// for the vasti and for biceps femoris short head and the gastrocnemii when a hip
// model has no muscle crossing only the knee: gait2392's values scaled like the
// model's rectus femoris and biceps femoris long head of `side` (the strength rule).
struct LumpedKnee {
  double extensor_max_moment = 0.0;  // N m
  double flexor_max_moment = 0.0;    // N m
};
LumpedKnee lumped_knee(const Model& model, char side);

// Bounds on the numbers of an exercise, in the file's units, checked (with the
// file, line and field in the error) by check_exercise, exercise_times and
// simulate before any frame is allocated. They keep every result finite and
// every run bounded (at most max rate x max duration = 600,001 frames);
// docs/errors.md lists them. `[]` stands for any list index or load name.
inline constexpr FieldInfo kExerciseBounds[] = {
    {"motion.sample_rate_hz", units::hz, 1e-3, 1000, "frames per second of one repetition"},
    {"motion.keyframes[].t_s", units::s, 0, 600, "keyframe time: a repetition lasts at most 10 min"},
    {"dose.sets", units::one, 0, 100, "sets"},
    {"dose.reps", units::one, 0, 1000, "repetitions per set"},
    {"dose.hold_s", units::s, 0, 600, "hold per repetition"},
    {"dose.rest_s", units::s, 0, 3600, "rest between sets"},
    {"loads[].mass_kg", units::kg, 0, 500, "a weight's mass"},
    {"loads[].stiffness_n_per_m", units::n_per_m, 0, 1e5, "a band's stiffness"},
    {"loads[].rest_length_m", units::m, -kUnbounded, 10, "a band's rest length (< 0: taut in the first frame)"},
    {"loads[].pretension_n", units::n, 0, 1e4, "a band's tension in the first frame"},
    {"loads[].force_n", units::n, -1e4, 1e4, "a push force"},
    {"loads[].force_bw", units::bw, -10, 10, "a push force in body weights"},
    {"[].fraction", units::one, -10, 10, "a point's place between two landmarks"},
    {"[].offset_m", units::m, -2, 2, "each component of a point's offset"},
    {"[].offset_h", units::one, -2, 2, "each component of a point's offset in subject heights"},
};

// Posture (nq) of `exercise` at time t (s) as the file writes it, before any
// balancing (SimulationResult::posture holds the balanced postures), with first
// and second time derivatives; coordinates not named keep the model default. Throws
// InvalidArgument for a name the model does not have and for a value outside
// a joint coordinate's range (the root joint's orientation is free).
void exercise_posture(const Model& model, const Exercise& exercise, double t, Eigen::VectorXd& q,
                      Eigen::VectorXd* qdot = nullptr, Eigen::VectorXd* qddot = nullptr);

// Sample times (s) of one repetition: a single frame at 0 for a static hold.
Eigen::VectorXd exercise_times(const Exercise& exercise);

// Checks the exercise against the model (names, ranges over every frame,
// points, legs); throws InvalidArgument saying what is wrong, and FileError
// naming the exercise file and field when the exercise came from a file.
void check_exercise(const Model& model, const Exercise& exercise);

// Inverse dynamics, contact statics and muscle recruitment at every frame.
SimulationResult simulate(const Model& model, Data& data, const Exercise& exercise, const SimulateOptions& options = {});

// What one analysed leg asks over one repetition, and over a set.
struct ExerciseSummary {
  std::string exercise_id;
  char side = 'r';
  std::string role;
  // gluteus medius %MVIC, peak and mean over the repetition: whole and per segment
  double gmed_peak_percent_mvic = 0.0;
  double gmed_anterior_peak_percent_mvic = 0.0;
  double gmed_middle_peak_percent_mvic = 0.0;
  double gmed_posterior_peak_percent_mvic = 0.0;
  double gmed_mean_percent_mvic = 0.0;
  double gmed_anterior_mean_percent_mvic = 0.0;
  double gmed_middle_mean_percent_mvic = 0.0;
  double gmed_posterior_mean_percent_mvic = 0.0;
  double tfl_peak_percent_mvic = 0.0;
  double tfl_mean_percent_mvic = 0.0;
  double gmed_tfl_ratio = 0.0;             // gmed_tfl_ratio(mean gmed %MVIC, mean TFL %MVIC), strength.hpp
  double peak_hip_contact_force_bw = 0.0;
  double peak_abduction_moment_nm_per_kg = 0.0;  // max over frames of the hip abduction moment / body mass
  double max_reserve_nm = 0.0;             // largest |reserve| over frames and dofs
  double time_under_tension_s = 0.0;       // per set: mid reps x repetition duration
  double abductor_impulse_nms = 0.0;       // per set: integral of max(0, abduction moment) dt x mid reps
  // frontal plane (LegResult): peaks over the repetition (NaN where the model lacks what is needed)
  double peak_q_angle = 0.0;               // rad
  double peak_knee_valgus = 0.0;           // rad, largest knee FPPA (valgus +)
  double peak_pelvic_drop = 0.0;           // rad, largest pelvic obliquity (the other side lower)
  double peak_trunk_lean = 0.0;            // rad, largest lean toward this leg
  double peak_lumbar_moment_nm = 0.0;      // largest |lumbar side-bending moment|
  double peak_abductor_force_bw = 0.0;     // weight-bearing frames (NaN when none)
  double max_posture_change = 0.0;         // rad, largest change of the four nearest-posture angles
  double held_fraction = 1.0;              // frames the muscles hold / frames

  static constexpr auto fields() {
    using S = ExerciseSummary;
    return std::tuple{
        field("exercise", &S::exercise_id, units::none, "exercise id"),
        field("leg", &S::side, units::none, "analysed leg: 'r' or 'l'"),
        field("role", &S::role, units::none, "what the leg does: stance, moving, alternating"),
        field("gmed_peak_percent_mvic", &S::gmed_peak_percent_mvic, units::percent_mvic,
              "peak gluteus medius activation (whole muscle)"),
        field("gmed_anterior_peak_percent_mvic", &S::gmed_anterior_peak_percent_mvic, units::percent_mvic,
              "peak, anterior segment"),
        field("gmed_middle_peak_percent_mvic", &S::gmed_middle_peak_percent_mvic, units::percent_mvic,
              "peak, middle segment"),
        field("gmed_posterior_peak_percent_mvic", &S::gmed_posterior_peak_percent_mvic, units::percent_mvic,
              "peak, posterior segment"),
        field("gmed_mean_percent_mvic", &S::gmed_mean_percent_mvic, units::percent_mvic,
              "mean gluteus medius activation over the repetition"),
        field("gmed_anterior_mean_percent_mvic", &S::gmed_anterior_mean_percent_mvic, units::percent_mvic,
              "mean, anterior segment"),
        field("gmed_middle_mean_percent_mvic", &S::gmed_middle_mean_percent_mvic, units::percent_mvic,
              "mean, middle segment"),
        field("gmed_posterior_mean_percent_mvic", &S::gmed_posterior_mean_percent_mvic, units::percent_mvic,
              "mean, posterior segment"),
        field("tfl_peak_percent_mvic", &S::tfl_peak_percent_mvic, units::percent_mvic, "peak TFL activation"),
        field("tfl_mean_percent_mvic", &S::tfl_mean_percent_mvic, units::percent_mvic, "mean TFL activation"),
        field("gmed_tfl_ratio", &S::gmed_tfl_ratio, units::one,
              "mean gluteus medius %MVIC / mean TFL %MVIC, the TFL taken at 1 %MVIC or more (finite)"),
        field("peak_hip_contact_force_bw", &S::peak_hip_contact_force_bw, units::bw, "peak hip contact force"),
        field("peak_abduction_moment_nm_per_kg", &S::peak_abduction_moment_nm_per_kg, units::nm_per_kg,
              "peak hip abduction moment the muscles supply / body mass"),
        field("time_under_tension_s", &S::time_under_tension_s, units::s,
              "per set: mid repetitions x repetition duration"),
        field("abductor_impulse_nms", &S::abductor_impulse_nms, units::nms,
              "per set: integral of the positive abduction moment over time"),
        field("max_reserve_nm", &S::max_reserve_nm, units::nm, "largest reserve over frames and dofs"),
        field("peak_q_angle_deg", &S::peak_q_angle, units::deg, "largest Q-angle over the repetition"),
        field("peak_knee_valgus_deg", &S::peak_knee_valgus, units::deg,
              "largest knee frontal-plane projection angle (valgus +)"),
        field("peak_pelvic_drop_deg", &S::peak_pelvic_drop, units::deg,
              "largest pelvic obliquity, the other side lower"),
        field("peak_trunk_lean_deg", &S::peak_trunk_lean, units::deg, "largest trunk lean toward this leg"),
        field("peak_lumbar_moment_nm", &S::peak_lumbar_moment_nm, units::nm,
              "largest lumbar side-bending moment (quadratus lumborum side)"),
        field("peak_abductor_force_bw", &S::peak_abductor_force_bw, units::bw,
              "largest abductor tension in weight-bearing frames"),
        field("max_posture_change_deg", &S::max_posture_change, units::deg,
              "nearest posture: largest change of hip adduction, rotation, pelvic obliquity or trunk lean"),
        field("held_fraction", &S::held_fraction, units::one, "share of frames the muscles hold")};
  }
};
std::vector<ExerciseSummary> summarize(const Exercise& exercise, const SimulationResult& result);

}  // namespace biomech
