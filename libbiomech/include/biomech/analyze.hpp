// Analysis of a recorded trial: kinematics (and external loads) in, per-frame
// inverse dynamics, static optimisation, hip contact force, %MVIC and the seesaw
// terms of each hip out. The steps follow OpenSim's AnalyzeTool with its Static
// Optimization and Joint Reaction analyses (opensim-core, read not copied):
//  1. coordinates low-pass filtered as lowpass_cutoff_frequency_for_coordinates
//     does (signal.hpp lowpass_like_opensim), skipped when the cut-off is < 0;
//  2. speeds and accelerations from a natural quintic interpolating spline of each
//     coordinate (OpenSim's GCVSplineSet of degree 5, error variance 0);
//  3. external loads (force, point, torque in ground, as ExternalForce with
//     *_expressed_in_body ground) resampled at the frames by a natural cubic
//     spline (OpenSim's GCVSpline of degree 3) and applied to their bodies;
//  4. inverse dynamics on the whole tree (Newton-Euler, inverse_dynamics.hpp),
//     body accelerations by central differences of forward kinematics along the
//     second-order Taylor path q + qdot s + qddot s^2/2;
//  5. static optimisation (recruitment.hpp) over every muscle on every
//     non-root coordinate: minimise sum a^p with a_min <= a <= 1; a muscle's
//     force per unit activation is its rigid-tendon active force
//     F_max f_L f_V cos(alpha) at the frame's fibre length and velocity
//     (Muscle::calcInextensibleTendonActiveFiberForce with use_muscle_physiology),
//     passive fibre force, when asked for, is a known force moved to the
//     right-hand side. Reserves (quadratic cost, recruitment.hpp) balance what
//     the muscles cannot. The root's coordinates carry no muscle moment: what
//     the ground forces leave there is the residual (OpenSim's residual actuators);
//  6. hip contact force: the joint reaction of pelvis on femur (JointReaction's
//     "on child"), in the femur and pelvis frames.
#pragma once
#include <Eigen/Core>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "biomech/data.hpp"
#include "biomech/fields.hpp"
#include "biomech/model.hpp"
#include "biomech/recruitment.hpp"

namespace biomech {

struct AnalyzeOptions {
  double lowpass_cutoff = -1.0;        // Hz; < 0: no filter (OpenSim's -1)
  std::optional<double> start_time;    // s; empty: the first frame
  std::optional<double> end_time;      // s; empty: the last frame
  int frame_step = 1;                  // analyse every k-th frame (OpenSim's step_interval)
  bool force_velocity = true;          // f_V at the fibre velocity in the muscle force per activation
  bool passive_fiber_force = false;    // add the passive fibre force (OpenSim's SO leaves it out)
  double time_step_fd = 1e-4;          // s, central differences of the body motion
  RecruitmentOptions recruitment = [] {
    RecruitmentOptions o;
    o.reserve_weight = 1e6;  // reserves ~1e-6 N m wherever the muscles can carry the moments
    o.max_iterations = 1000;
    return o;
  }();

  static constexpr auto fields() {
    using S = AnalyzeOptions;
    return std::tuple{
        field("lowpass_cutoff_hz", &S::lowpass_cutoff, units::hz, -1, 1e4,
              "low-pass cut-off of the coordinates (OpenSim's filter); < 0: none"),
        field("start_time_s", &S::start_time, units::s, -1e9, 1e9, "first time analysed (default: the first frame)"),
        field("end_time_s", &S::end_time, units::s, -1e9, 1e9, "last time analysed (default: the last frame)"),
        field("frame_step", &S::frame_step, units::one, 1, 100000,
              "analyse every k-th frame (OpenSim's step_interval)"),
        field("force_velocity", &S::force_velocity, units::none,
              "scale each muscle's force by f_V at its fibre velocity (OpenSim's use_muscle_physiology)"),
        field("passive_fiber_force", &S::passive_fiber_force, units::none,
              "add the passive fibre force as a known force (OpenSim's SO leaves it out)"),
        field("time_step_fd_s", &S::time_step_fd, units::s, 1e-7, 1e-2,
              "step of the central differences that give body accelerations"),
        field("recruitment", &S::recruitment, units::none, "muscle recruitment options")};
  }
};

// A recorded trial: coordinate values (radians, metres) at the frame times, and
// the external forces acting on it.
struct TrialKinematics {
  Eigen::VectorXd time;                 // (n) s, strictly increasing
  std::vector<std::string> columns;     // coordinate names of the columns of `values`
  Eigen::MatrixXd values;               // (n x columns) rad or m
};

// One ExternalForce, force, point and torque in ground (OpenSim's
// *_expressed_in_body = ground); point and torque may be empty (0 x 3).
struct ExternalLoadSeries {
  std::string name;
  std::string body;                     // applied_to_body
  Eigen::VectorXd time;                 // (n) s
  Eigen::MatrixXd force;                // (n x 3) N
  Eigen::MatrixXd point;                // (n x 3) m, or empty: the body origin
  Eigen::MatrixXd torque;               // (n x 3) N m, or empty
};

// One hip at one frame.
struct HipFrame {
  double time = 0.0;                    // s
  char side = 'r';
  double flexion_moment = 0.0;          // N m, generalized forces of inverse dynamics
  double adduction_moment = 0.0;
  double rotation_moment = 0.0;
  // N, force of the pelvis on the femur (the joint reaction on the child), in the
  // femur frame and in the pelvis frame
  double contact_femur_x = 0.0, contact_femur_y = 0.0, contact_femur_z = 0.0;
  double contact_pelvis_x = 0.0, contact_pelvis_y = 0.0, contact_pelvis_z = 0.0;
  double contact_force = 0.0;           // N
  double contact_force_bw = 0.0;
  double gmed_percent_mvic = 0.0;
  double gmed_anterior_percent_mvic = 0.0;
  double gmed_middle_percent_mvic = 0.0;
  double gmed_posterior_percent_mvic = 0.0;
  double tfl_percent_mvic = 0.0;
  double gmed_tfl_ratio = 0.0;
  double abductor_moment = 0.0;         // N m, abduction moment of the abductors
  double abductor_force = 0.0;          // N, their summed tension
  double abductor_lever = 0.0;          // m, abductor_moment / abductor_force

  static constexpr auto fields() {
    using S = HipFrame;
    return std::tuple{
        field("time_s", &S::time, units::s, "frame time"),
        field("leg", &S::side, units::none, "hip: 'r' or 'l'"),
        field("hip_flexion_moment_nm", &S::flexion_moment, units::nm, "inverse dynamics, hip flexion"),
        field("hip_adduction_moment_nm", &S::adduction_moment, units::nm, "inverse dynamics, hip adduction"),
        field("hip_rotation_moment_nm", &S::rotation_moment, units::nm, "inverse dynamics, hip rotation"),
        field("hip_contact_femur_x_n", &S::contact_femur_x, units::n, "pelvis on femur, femur frame x"),
        field("hip_contact_femur_y_n", &S::contact_femur_y, units::n, "pelvis on femur, femur frame y"),
        field("hip_contact_femur_z_n", &S::contact_femur_z, units::n, "pelvis on femur, femur frame z"),
        field("hip_contact_pelvis_x_n", &S::contact_pelvis_x, units::n, "pelvis on femur, pelvis frame x"),
        field("hip_contact_pelvis_y_n", &S::contact_pelvis_y, units::n, "pelvis on femur, pelvis frame y"),
        field("hip_contact_pelvis_z_n", &S::contact_pelvis_z, units::n, "pelvis on femur, pelvis frame z"),
        field("hip_contact_force_n", &S::contact_force, units::n, "magnitude of the hip contact force"),
        field("hip_contact_force_bw", &S::contact_force_bw, units::bw, "hip contact force / body weight"),
        field("gmed_percent_mvic", &S::gmed_percent_mvic, units::percent_mvic, "gluteus medius (whole)"),
        field("gmed_anterior_percent_mvic", &S::gmed_anterior_percent_mvic, units::percent_mvic,
              "gluteus medius, anterior segment"),
        field("gmed_middle_percent_mvic", &S::gmed_middle_percent_mvic, units::percent_mvic,
              "gluteus medius, middle segment"),
        field("gmed_posterior_percent_mvic", &S::gmed_posterior_percent_mvic, units::percent_mvic,
              "gluteus medius, posterior segment"),
        field("tfl_percent_mvic", &S::tfl_percent_mvic, units::percent_mvic, "tensor fasciae latae"),
        field("gmed_tfl_ratio", &S::gmed_tfl_ratio, units::one,
              "gluteus medius %MVIC / TFL %MVIC, the TFL taken at 1 %MVIC or more (finite)"),
        field("abductor_moment_nm", &S::abductor_moment, units::nm,
              "seesaw: hip abduction moment of the abductors (gluteus medius, minimus, TFL)"),
        field("abductor_force_n", &S::abductor_force, units::n, "seesaw: summed tension of the abductors"),
        field("abductor_lever_m", &S::abductor_lever, units::m,
              "seesaw: abductor moment / abductor force, their force-weighted lever")};
  }
};

struct AnalyzeResult {
  Eigen::VectorXd time;                        // (n) s, the analysed frames
  std::vector<std::string> coordinates;        // the model's posture coordinates
  Eigen::MatrixXd posture;                     // (n x nq) rad or m, filtered
  Eigen::MatrixXd generalized_force;           // (n x nq) N m or N, inverse dynamics
  std::vector<std::string> muscles;
  Eigen::MatrixXd activation;                  // (n x muscles)
  Eigen::MatrixXd muscle_force;                // (n x muscles) N, tension (passive included when asked)
  // (n x nq) N m or N: reserve actuators on the balanced coordinates, and on the
  // root's coordinates the residuals (what the external loads leave unbalanced)
  Eigen::MatrixXd reserve;
  Eigen::VectorXi converged;                   // (n) 0/1
  std::vector<HipFrame> hips;                  // n x (hips of the model), frame-major
  double body_weight = 0.0;                    // N
  std::vector<std::string> unused_columns;     // trial coordinates the model lacks (not analysed)
  std::vector<std::string> defaulted_coordinates;  // model coordinates the trial lacks (held at default)
};

// Called after every analysed frame with (frames done, frames in all).
using AnalyzeProgress = std::function<void(int, int)>;

// Analyses the trial on `model`. Every model posture coordinate is balanced
// (those of the root joint by the residuals); external loads name bodies of the
// model. Throws InvalidArgument for mismatched sizes, non-finite values,
// unknown bodies, times that are not increasing or too few frames (4).
AnalyzeResult analyze(const Model& model, Data& data, const TrialKinematics& kinematics,
                      const std::vector<ExternalLoadSeries>& loads, const AnalyzeOptions& options = {},
                      const AnalyzeProgress& progress = {});

}  // namespace biomech
