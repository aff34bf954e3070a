// Hip strength: the maximal isometric hip abduction strength curve, the model's MVIC test
// (the reference of the EMG-style %MVIC estimate), the gluteus medius weakness
// table and muscle lengths in stretches and postures.
//
// The muscle model (rigid tendon, constant-height pennation, Thelen 2003
// active force-length, no passive fibre force in the
// capacity) is muscle.hpp's; see docs/emg_estimate.md. The exercises add passive
// fibre force as an option (SimulateOptions::passive_fiber_force, with a stretch
// limit for gait2392's short-fibred deep rotators).
#pragma once
#include <Eigen/Core>
#include <string>
#include <vector>

#include "biomech/data.hpp"
#include "biomech/hip.hpp"
#include "biomech/model.hpp"
#include "biomech/muscle.hpp"
#include "biomech/recruitment.hpp"

namespace biomech {

// ---------------------------------------------------------------- strength curve
// Maximal hip abduction torque (every abductor fully active): at each abduction
// angle (rad, abduction = -hip_adduction), standing (hip flexion and rotation 0,
// knee extended, the rest at default), the sum over the muscles of `side` with a
// positive abduction moment arm of F_eff r_abd. Isometric by default; with an
// angular velocity, concentric (isokinetic) abduction at that speed: each force
// also takes the Thelen (2003) force-velocity factor at full activation
// (hill_muscle.hpp force_velocity) for the fibre velocity of a rigid tendon,
// v = -r_abd omega cos(alpha), as isokinetic dynamometers test.
struct StrengthCurve {
  char side = 'r';
  double angular_velocity = 0.0;       // rad/s, 0 = isometric
  double body_mass = 0.0;              // kg (model.total_mass())
  Eigen::VectorXd abduction_angle;     // (k) rad
  Eigen::VectorXd torque;              // (k) N m
  Eigen::VectorXd torque_per_kg;       // (k) N m / kg
  Eigen::MatrixXd muscle_torque;       // (k x n_muscles) N m, each muscle's share (0 if not abducting)
  double peak_angle = 0.0;             // rad, where the torque is largest (vertex of a parabola through the best samples)
  double peak_torque = 0.0;            // N m
  double peak_torque_per_kg = 0.0;     // N m / kg
};
// Angles from min_abduction_deg to max_abduction_deg (default -10 = 10 deg
// adduction, to 40 deg abduction) in `samples` steps, 3 .. kMaxStrengthSamples;
// velocity_deg_per_s >= 0 (0 = isometric).
inline constexpr int kMaxStrengthSamples = 10000;
StrengthCurve strength_curve(const Model& model, Data& data, char side, double min_abduction_deg = -10.0,
                             double max_abduction_deg = 40.0, int samples = 51, double velocity_deg_per_s = 0.0);

// Maximal isometric moment (N m) of the muscles of `side` about one coordinate
// at `posture` (nq): every muscle whose moment arm has the sign of `direction`
// (+1 or -1, in the coordinate's own sense: +1 about hip_rotation_r is internal
// rotation) fully active, sum of F_eff |r|. Throws InvalidArgument for an
// unknown coordinate, a wrong posture size or a direction other than +-1.
double max_isometric_moment(const Model& model, Data& data, char side, const Eigen::Ref<const Eigen::VectorXd>& posture,
                            const std::string& coordinate, double direction);

// ---------------------------------------------------------------- MVIC test
// The model's maximal voluntary isometric contraction (MVIC) test for hip
// abduction: standing, hip flexion and rotation 0, knee extended, hip at the
// strength curve's peak angle; a maximal abduction effort, every muscle of
// `side` with an abduction moment arm there fully active (a = 1) and every
// other muscle at rest. The reference of muscle i is its activation in that
// test: %MVIC_i = 100 a_i / a_mvic_i, defined where a_mvic_i > 0 (all gluteus
// medius and minimus segments and TFL in the default model). See docs/emg_estimate.md.
struct MvicReference {
  char side = 'r';
  double abduction_angle = 0.0;  // rad
  Eigen::VectorXd posture;       // (nq)
  Eigen::VectorXd activation;    // (n_muscles) 1 for the muscles of `side` with an abduction moment arm, else 0
  Eigen::VectorXd force;         // (n_muscles) N, their force in the test
  double torque = 0.0;           // N m, the maximal abduction torque
};
MvicReference mvic_test(const Model& model, Data& data, char side);

// (n_muscles) 100 a_i / a_mvic_i; NaN where the muscle does not take part in the test.
Eigen::VectorXd percent_mvic(const MvicReference& mvic, const Eigen::Ref<const Eigen::VectorXd>& activation);

// True when the model has a muscle of `side` in `group` (and `segment`, when given).
bool has_muscle_group(const Model& model, char side, const std::string& group, const std::string& segment = "");

// %MVIC of a group (optionally one segment) of `mvic.side`: the max-force
// weighted mean activation over its muscles divided by the same in the test
// (what a surface electrode over the whole muscle would see). NaN if the group
// has no muscle in the test. Throws InvalidArgument if no muscle matches.
double group_percent_mvic(const Model& model, const MvicReference& mvic,
                          const Eigen::Ref<const Eigen::VectorXd>& activation, const std::string& group,
                          const std::string& segment = "");

// Floor of the gmed:TFL ratio's denominator, %MVIC. Static optimisation leaves a muscle at
// exactly zero where it does not help, and a ratio over a silent TFL would be infinite; a
// surface electrode never reads zero. A convention of this toolkit, not a measured value.
inline constexpr double kTflFloorPercentMvic = 1.0;

// gluteus medius %MVIC / TFL %MVIC, the TFL taken at no less than kTflFloorPercentMvic:
// finite for any activation (a silent TFL gives gmed / 1 %MVIC, both silent give 0), equal
// to the plain ratio wherever the TFL reaches the floor. NaN only where an input is NaN
// (a model without one of the two muscles).
double gmed_tfl_ratio(double gmed_percent_mvic, double tfl_percent_mvic);

// ---------------------------------------------------------------- weakness table
// Static optimisation of one hip at `posture` (nq) for the required muscle
// moments `hip_moments` (3: flexion, adduction, rotation; N m) with the
// strength of `weakened_group` scaled by each level (1.0 -> 0.3 by default),
// force-length scaled forces, the muscles of `side` that cross that hip. The
// knee is not balanced. Shares are each group's part of the required adduction-
// axis moment (the abduction moment in stance): sum_{i in g} r_i F_i a_i / tau_add,
// so they add up to 1 minus the reserve's share; antagonists give negative shares.
struct WeaknessTable {
  char side = 'r';
  std::string weakened_group;
  Eigen::VectorXd strength;                 // (levels) scale of the weakened group's max force
  std::vector<std::string> groups;          // muscle groups of `side` crossing the hip, in model order
  Eigen::MatrixXd moment_share;             // (levels x groups)
  Eigen::MatrixXd mean_activation;          // (levels x groups) max-force weighted mean activation
  Eigen::MatrixXd reserve;                  // (levels x 3) N m
  Eigen::VectorXd reserve_share;            // (levels) reserve's part of the adduction-axis moment
  Eigen::MatrixXd activation;               // (levels x n_muscles) 0 for muscles not in the problem
};
WeaknessTable weakness_table(const Model& model, Data& data, char side, const Eigen::Ref<const Eigen::VectorXd>& posture,
                             const Eigen::Ref<const Eigen::VectorXd>& hip_moments,
                             const std::vector<double>& strength_levels = {1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3},
                             const std::string& weakened_group = "gluteus_medius",
                             const RecruitmentOptions& options = {});

// ---------------------------------------------------------------- stretches and postures
// A static posture of one hip (and knee), read from models/postures.yaml
// (load_postures, strength_io.hpp).
struct Posture {
  std::string name;
  std::string kind;         // "stretch" or "habit"
  std::string description;  // what the body does
  std::string source;       // the article passage that describes it
  double hip_flexion = 0.0, hip_adduction = 0.0, hip_rotation = 0.0;  // rad (internal rotation +)
  double knee_flexion = 0.0;                                           // rad, positive in flexion
  std::vector<std::string> inferred;  // angle fields inferred from the text (not stated in the source)
};

// Lengths of the muscles of `group` and `side` in each posture, relative to
// neutral standing (every hip angle and the knee at 0), ranked by the mean
// relative change of muscle-tendon length over the group, longest first.
struct StretchTable {
  char side = 'r';
  std::vector<std::string> postures;  // ranked
  std::vector<std::string> muscles;   // the group's muscles of `side`
  std::vector<std::string> segments;  // their segment names
  Eigen::MatrixXd length;             // (postures x muscles) m, muscle-tendon length
  Eigen::MatrixXd length_ratio;       // (postures x muscles) L / L(neutral)
  Eigen::MatrixXd fiber_length;       // (postures x muscles) l / l_opt (rigid tendon)
  Eigen::VectorXd mean_change;        // (postures) mean of (L / L_neutral - 1) over the muscles
  Eigen::VectorXd neutral_length;     // (muscles) m
};
StretchTable stretch_table(const Model& model, Data& data, const std::vector<Posture>& postures, char side = 'r',
                           const std::string& group = "gluteus_medius");

}  // namespace biomech
