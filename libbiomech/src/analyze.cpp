// Analysis of a recorded trial in named steps (analyze.hpp says what each does
// and which OpenSim step it mirrors).
#include "biomech/analyze.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "biomech/errors.hpp"
#include "biomech/hill_muscle.hpp"
#include "biomech/inverse_dynamics.hpp"
#include "biomech/kinematics.hpp"
#include "biomech/muscle_path.hpp"
#include "biomech/seesaw.hpp"
#include "biomech/signal.hpp"
#include "biomech/strength.hpp"
#include "internal.hpp"

namespace biomech {

using internal::fmt;
namespace {

void check_times(const Eigen::VectorXd& t, const std::string& what) {
  if (t.size() < 4) throw InvalidArgument("analyze: expected at least 4 " + what + " samples, got " + std::to_string(t.size()));
  if (!t.allFinite()) throw InvalidArgument("analyze: expected finite " + what + " times");
  for (Eigen::Index k = 1; k < t.size(); ++k)
    if (!(t[k] > t[k - 1]))
      throw InvalidArgument("analyze: expected strictly increasing " + what + " times, got " + fmt(t[k - 1]) + " then " +
                            fmt(t[k]));
}

// The trial's coordinates in the model's posture order (defaults where the trial
// has none), filtered and differentiated.
struct Trajectory {
  Eigen::VectorXd time;
  Eigen::MatrixXd q, qdot, qddot;  // (n x nq)
};

Trajectory trajectory(const Model& model, const TrialKinematics& k, const AnalyzeOptions& o, AnalyzeResult& res) {
  check_times(k.time, "kinematics");
  if (k.values.rows() != k.time.size() || k.values.cols() != static_cast<Eigen::Index>(k.columns.size()))
    throw InvalidArgument("analyze: expected kinematics values of shape (" + std::to_string(k.time.size()) + ", " +
                          std::to_string(k.columns.size()) + "), got (" + std::to_string(k.values.rows()) + ", " +
                          std::to_string(k.values.cols()) + ")");
  if (!k.values.allFinite()) throw InvalidArgument("analyze: expected finite kinematics values, got NaN or inf");
  const int nq = model.nq();
  Eigen::MatrixXd q = model.default_posture().transpose().replicate(k.time.size(), 1);
  std::vector<bool> given(nq, false);
  for (size_t c = 0; c < k.columns.size(); ++c) {
    const int ci = model.coordinate_index(k.columns[c]);
    if (ci < 0) {
      res.unused_columns.push_back(k.columns[c]);
      continue;
    }
    const int pi = model.posture_index[ci];
    if (pi < 0) continue;  // a coupled coordinate: follows its driver
    q.col(pi) = k.values.col(static_cast<Eigen::Index>(c));
    given[pi] = true;
  }
  for (int i = 0; i < nq; ++i)
    if (!given[i]) res.defaulted_coordinates.push_back(model.coordinates[model.independent[i]].name);

  Trajectory tr;
  if (o.lowpass_cutoff >= 0.0) {
    FilteredSeries f = lowpass_like_opensim(k.time, q, o.lowpass_cutoff);
    tr.time = std::move(f.time);
    tr.q = std::move(f.values);
  } else {
    tr.time = k.time;
    tr.q = q;
  }
  tr.qdot = natural_spline_interpolate(tr.time, tr.q, tr.time, 5, 1);
  tr.qddot = natural_spline_interpolate(tr.time, tr.q, tr.time, 5, 2);
  return tr;
}

std::vector<Eigen::Index> selected_frames(const Eigen::VectorXd& t, const AnalyzeOptions& o) {
  const double tol = 1e-9 * std::max(1.0, t.cwiseAbs().maxCoeff());
  const double t0 = o.start_time.value_or(t[0]) - tol, t1 = o.end_time.value_or(t[t.size() - 1]) + tol;
  if (t0 > t1) throw InvalidArgument("analyze: expected start_time_s <= end_time_s, got " + fmt(t0) + " > " + fmt(t1));
  std::vector<Eigen::Index> frames;
  for (Eigen::Index k = 0; k < t.size(); ++k)
    if (t[k] >= t0 && t[k] <= t1) frames.push_back(k);
  std::vector<Eigen::Index> out;
  for (size_t i = 0; i < frames.size(); i += static_cast<size_t>(o.frame_step)) out.push_back(frames[i]);
  if (out.empty())
    throw InvalidArgument("analyze: no frame between " + fmt(t0) + " and " + fmt(t1) + " s (the trial runs from " +
                          fmt(t[0]) + " to " + fmt(t[t.size() - 1]) + " s)");
  return out;
}

// Each external load resampled at the analysed times (natural cubic spline).
struct LoadsAtFrames {
  std::vector<int> body;
  std::vector<Eigen::MatrixXd> force, point, torque;  // per load, (frames x 3)
};

LoadsAtFrames resample_loads(const Model& model, const std::vector<ExternalLoadSeries>& loads,
                             const Eigen::VectorXd& times) {
  LoadsAtFrames out;
  for (const ExternalLoadSeries& l : loads) {
    const std::string who = "analyze: external load '" + l.name + "'";
    const int b = model.body_index(l.body);
    if (b < 0)
      throw InvalidArgument(who + ": expected a body of the model, got '" + l.body +
                            "' (import the model with scope 'full' to keep the feet)");
    check_times(l.time, "external load '" + l.name + "'");
    const Eigen::Index n = l.time.size();
    auto check = [&](const Eigen::MatrixXd& m, const char* what, bool optional) {
      if (optional && m.size() == 0) return;
      if (m.rows() != n || m.cols() != 3)
        throw InvalidArgument(who + ": expected " + what + " of shape (" + std::to_string(n) + ", 3), got (" +
                              std::to_string(m.rows()) + ", " + std::to_string(m.cols()) + ")");
      if (!m.allFinite()) throw InvalidArgument(who + ": expected finite " + what + ", got NaN or inf");
    };
    check(l.force, "force", false);
    check(l.point, "point", true);
    check(l.torque, "torque", true);
    const double tol = 1e-9 * std::max(1.0, std::abs(l.time[n - 1]));
    if (times.minCoeff() < l.time[0] - tol || times.maxCoeff() > l.time[n - 1] + tol)
      throw InvalidArgument(who + ": its data run from " + fmt(l.time[0]) + " to " + fmt(l.time[n - 1]) +
                            " s, the analysed frames from " + fmt(times.minCoeff()) + " to " + fmt(times.maxCoeff()) +
                            " s");
    const Eigen::VectorXd t = times.cwiseMax(l.time[0]).cwiseMin(l.time[n - 1]);
    auto at = [&](const Eigen::MatrixXd& m) {
      return m.size() == 0 ? Eigen::MatrixXd(Eigen::MatrixXd::Zero(t.size(), 3))
                           : natural_spline_interpolate(l.time, m, t, 3);
    };
    out.body.push_back(b);
    out.force.push_back(at(l.force));
    out.point.push_back(l.point.size() == 0 ? Eigen::MatrixXd(Eigen::MatrixXd::Constant(t.size(), 3, NAN)) : at(l.point));
    out.torque.push_back(at(l.torque));
  }
  return out;
}

// Centre-of-mass accelerations, angular velocities and accelerations of every
// body by central differences of forward kinematics along q + qdot s + qddot s^2/2.
std::vector<BodyMotion> body_motion(const Model& model, Data& fd, const Eigen::VectorXd& q, const Eigen::VectorXd& qd,
                                    const Eigen::VectorXd& qdd, double h) {
  const int nb = static_cast<int>(model.bodies.size());
  std::array<std::vector<Vec3>, 5> com;
  std::array<std::vector<Mat3>, 5> rot;
  for (int k = 0; k < 5; ++k) {
    const double s = (k - 2) * h;
    forward_kinematics(model, fd, q + s * qd + 0.5 * s * s * qdd);
    com[k].resize(nb);
    rot[k].resize(nb);
    for (int b = 0; b < nb; ++b) {
      com[k][b] = fd.body_pose[b] * model.bodies[b].com;
      rot[k][b] = fd.body_pose[b].linear();
    }
  }
  auto omega = [&](int k, int b) {
    const Mat3 W = (rot[k + 1][b] - rot[k - 1][b]) / (2 * h) * rot[k][b].transpose();
    return Vec3(0.5 * (W(2, 1) - W(1, 2)), 0.5 * (W(0, 2) - W(2, 0)), 0.5 * (W(1, 0) - W(0, 1)));
  };
  std::vector<BodyMotion> motion(nb);
  for (int b = 0; b < nb; ++b) {
    motion[b].com_acceleration = (com[3][b] - 2 * com[2][b] + com[1][b]) / (h * h);
    motion[b].angular_velocity = omega(2, b);
    motion[b].angular_acceleration = (omega(3, b) - omega(1, b)) / (2 * h);
  }
  return motion;
}

// Posture indices of the coordinates that move the root body (the residuals' dofs).
std::vector<bool> root_dofs(const Model& model) {
  std::vector<bool> root(model.nq(), false);
  const Joint& j = model.joints[model.bodies[0].joint];
  for (const auto* axes : {&j.rotations, &j.translations})
    for (const TransformAxis& ax : *axes)
      if (ax.coordinate >= 0)
        if (const int k = model.driving_posture_index(ax.coordinate); k >= 0) root[k] = true;
  return root;
}

constexpr std::array<std::pair<const char*, const char*>, 5> kGroups{{
    {"gluteus_medius", ""}, {"gluteus_medius", "anterior"}, {"gluteus_medius", "middle"},
    {"gluteus_medius", "posterior"}, {"tfl", ""}}};

// What the analysis reports of one hip, resolved once.
struct Hip {
  char side = 'r';
  int joint = -1, femur = -1, pelvis = -1;
  std::array<int, 3> dof{-1, -1, -1};  // flexion, adduction, rotation posture indices
  std::vector<int> abductors;
  MvicReference mvic;
  std::array<bool, kGroups.size()> has{};
};

std::vector<Hip> resolve_hips(const Model& model, Data& scratch) {
  std::vector<Hip> hips;
  for (char side : {'r', 'l'}) {
    Hip h;
    h.side = side;
    const std::string s(1, side);
    h.femur = model.body_index("femur_" + s);
    h.dof = {model.posture_coordinate("hip_flexion_" + s), model.posture_coordinate("hip_adduction_" + s),
             model.posture_coordinate("hip_rotation_" + s)};
    if (h.femur < 0 || h.dof[0] < 0 || h.dof[1] < 0 || h.dof[2] < 0) continue;
    h.joint = model.bodies[h.femur].joint;
    h.pelvis = model.joints[h.joint].parent;
    if (h.pelvis < 0) continue;
    h.abductors = abductor_muscles(model, side);
    h.mvic = mvic_test(model, scratch, side);
    for (size_t g = 0; g < kGroups.size(); ++g) h.has[g] = has_muscle_group(model, side, kGroups[g].first, kGroups[g].second);
    hips.push_back(std::move(h));
  }
  return hips;
}

// Active force per unit activation and passive force (N) of every muscle, by its
// own curves (Muscle::hill), at the posture of the last compute_muscle_paths, with
// MT velocities -R qdot.
void muscle_forces(const Model& model, const Data& data, const Eigen::VectorXd& qd, const AnalyzeOptions& o,
                   Eigen::VectorXd& active, Eigen::VectorXd& passive) {
  const int n = model.n_muscles();
  const Eigen::VectorXd v = -(data.moment_arm * qd);
  active.resize(n);
  passive.resize(n);
  for (int i = 0; i < n; ++i) {
    const MuscleTendonParameters mt = muscle_tendon_parameters(model.muscles[i]);
    const HillState st = rigid_tendon_state(mt, model.muscles[i].hill, 1.0, data.muscle_length[i], o.force_velocity ? v[i] : 0.0);
    const double c = std::cos(st.pennation);
    active[i] = mt.max_isometric_force * st.active_fl * st.fv * c;
    passive[i] = o.passive_fiber_force ? mt.max_isometric_force * st.passive * c : 0.0;
  }
}

HipFrame hip_frame(const Model& model, Data& data, const Hip& h, double t, const Eigen::VectorXd& tau,
                   const Eigen::VectorXd& activation, const Eigen::VectorXd& tension,
                   const std::vector<Vec3>& inertial_f, const std::vector<ExternalLoad>& loads,
                   const std::vector<Vec3>& muscle_f, double body_weight) {
  HipFrame f;
  f.time = t;
  f.side = h.side;
  f.flexion_moment = tau[h.dof[0]];
  f.adduction_moment = tau[h.dof[1]];
  f.rotation_moment = tau[h.dof[2]];
  const Vec3 J = joint_reaction_force(model, data, h.joint, inertial_f, loads, muscle_f);
  const Vec3 Jf = data.body_pose[h.femur].linear().transpose() * J;
  const Vec3 Jp = data.body_pose[h.pelvis].linear().transpose() * J;
  f.contact_femur_x = Jf.x(), f.contact_femur_y = Jf.y(), f.contact_femur_z = Jf.z();
  f.contact_pelvis_x = Jp.x(), f.contact_pelvis_y = Jp.y(), f.contact_pelvis_z = Jp.z();
  f.contact_force = J.norm();
  f.contact_force_bw = f.contact_force / body_weight;
  std::array<double, kGroups.size()> g{};
  for (size_t k = 0; k < kGroups.size(); ++k)
    g[k] = h.has[k] ? group_percent_mvic(model, h.mvic, activation, kGroups[k].first, kGroups[k].second)
                    : std::numeric_limits<double>::quiet_NaN();
  f.gmed_percent_mvic = g[0];
  f.gmed_anterior_percent_mvic = g[1];
  f.gmed_middle_percent_mvic = g[2];
  f.gmed_posterior_percent_mvic = g[3];
  f.tfl_percent_mvic = g[4];
  f.gmed_tfl_ratio = gmed_tfl_ratio(f.gmed_percent_mvic, f.tfl_percent_mvic);
  for (int m : h.abductors) {
    f.abductor_moment -= tension[m] * data.moment_arm(m, h.dof[1]);  // abduction = - adduction
    f.abductor_force += tension[m];
  }
  f.abductor_lever = f.abductor_force > 0 ? f.abductor_moment / f.abductor_force : 0.0;
  return f;
}

}  // namespace

AnalyzeResult analyze(const Model& model, Data& data, const TrialKinematics& kinematics,
                      const std::vector<ExternalLoadSeries>& loads, const AnalyzeOptions& options,
                      const AnalyzeProgress& progress) {
  check_fields(options, "analyze");
  check(model, data);
  AnalyzeResult res;
  const Trajectory tr = trajectory(model, kinematics, options, res);
  const std::vector<Eigen::Index> frames = selected_frames(tr.time, options);
  const int n = static_cast<int>(frames.size()), nq = model.nq(), nm = model.n_muscles();
  res.time.resize(n);
  for (int f = 0; f < n; ++f) res.time[f] = tr.time[frames[f]];
  const LoadsAtFrames ext = resample_loads(model, loads, res.time);

  const std::vector<bool> root = root_dofs(model);
  std::vector<int> balanced;
  for (int i = 0; i < nq; ++i)
    if (!root[i]) balanced.push_back(i);
  const int nb = static_cast<int>(balanced.size());
  if (nb == 0) throw InvalidArgument("analyze: expected coordinates below the root joint, got none");
  Data scratch(model);
  const std::vector<Hip> hips = resolve_hips(model, scratch);

  res.coordinates = model.coordinate_names();
  res.muscles = model.muscle_names();
  res.posture.resize(n, nq);
  res.generalized_force.resize(n, nq);
  res.activation.resize(n, nm);
  res.muscle_force.resize(n, nm);
  res.reserve = Eigen::MatrixXd::Zero(n, nq);
  res.converged.resize(n);
  res.body_weight = model.total_mass() * model.gravity.norm();

  RecruitmentOptions ropt = options.recruitment;
  RecruitmentWorkspace work;
  RecruitmentResult rr;
  Eigen::VectorXd active, passive, tau_bal(nb);
  Eigen::MatrixXd R(nb, nm);
  std::vector<ExternalLoad> frame_loads(ext.body.size());
  std::vector<Vec3> inertial_f, inertial_m, muscle_f, muscle_m;
  for (int f = 0; f < n; ++f) {
    const Eigen::Index k = frames[f];
    const Eigen::VectorXd q = tr.q.row(k).transpose(), qd = tr.qdot.row(k).transpose(),
                          qdd = tr.qddot.row(k).transpose();
    const std::vector<BodyMotion> motion = body_motion(model, scratch, q, qd, qdd, options.time_step_fd);
    forward_kinematics(model, data, q);
    compute_muscle_paths(model, data, q);
    for (size_t i = 0; i < ext.body.size(); ++i) {
      ExternalLoad& l = frame_loads[i];
      l.body = ext.body[i];
      l.force = ext.force[i].row(f).transpose();
      l.point = ext.point[i].row(f).allFinite() ? Vec3(ext.point[i].row(f).transpose())
                                                : Vec3(data.body_pose[l.body].translation());
      l.moment = ext.torque[i].row(f).transpose();
    }
    const Eigen::VectorXd tau = generalized_forces(model, data, motion, frame_loads);

    muscle_forces(model, data, qd, options, active, passive);
    for (int j = 0; j < nb; ++j) {
      R.row(j) = data.moment_arm.col(balanced[j]).transpose();
      tau_bal[j] = tau[balanced[j]] - R.row(j).dot(passive);
    }
    ropt.warm_start = f > 0;
    solve_recruitment(R, active, tau_bal, ropt, work, rr);
    const Eigen::VectorXd tension = rr.force + passive;

    res.posture.row(f) = q.transpose();
    res.generalized_force.row(f) = tau.transpose();
    res.activation.row(f) = rr.activation.transpose();
    res.muscle_force.row(f) = tension.transpose();
    for (int j = 0; j < nb; ++j) res.reserve(f, balanced[j]) = rr.reserve[j];
    for (int i = 0; i < nq; ++i)
      if (root[i]) res.reserve(f, i) = tau[i];
    res.converged[f] = rr.converged ? 1 : 0;

    body_inertial_loads(model, data, motion, inertial_f, inertial_m);
    muscle_loads_on_bodies(model, data, tension, muscle_f, muscle_m);
    for (const Hip& h : hips)
      res.hips.push_back(hip_frame(model, data, h, res.time[f], tau, rr.activation, tension, inertial_f, frame_loads,
                                   muscle_f, res.body_weight));
    if (progress) progress(f + 1, n);
  }
  return res;
}

}  // namespace biomech
