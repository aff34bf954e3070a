// Simulation of the pelvis plant (pelvis_simulation.hpp): option checks,
// the initial state, Odeint integration in segments between perturbation
// breakpoints, the neural-delay history, the drop event, sampling and the
// summary; the hip hitch as a reference motion.
#include "biomech/pelvis_simulation.hpp"

#include <algorithm>
#include <boost/numeric/odeint/stepper/generation.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <boost/version.hpp>
// Feature check, not an option: Odeint's rosenbrock4 rests on Boost.uBLAS,
// whose storage calls std::allocator::construct, removed in C++20, before
// Boost 1.81 (1.81 uses boost::allocator_construct; 1.74, Debian 12's default,
// does not compile). Without it, simulate() falls back to dopri5 and says so.
#if BOOST_VERSION >= 108100 || __cplusplus < 202002L
#define BIOMECH_ROSENBROCK4_COMPILES 1
#include <boost/numeric/odeint/stepper/rosenbrock4.hpp>
#include <boost/numeric/odeint/stepper/rosenbrock4_controller.hpp>
#include <boost/numeric/odeint/stepper/rosenbrock4_dense_output.hpp>
#else
#define BIOMECH_ROSENBROCK4_COMPILES 0
#endif
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "pelvis_system.hpp"

namespace biomech {
namespace pelvis {

void check_options(const PelvisPlant& plant, const PelvisSimulationOptions& o) {
  const std::string w = "simulate: ";
  check_fields(o, "simulate");  // every option within its bounds (PelvisSimulationOptions::fields())
  need(o.duration * o.sample_rate <= 2e7, w + "expected at most 2e7 samples, got duration * sample rate = " +
                                              fmt(o.duration * o.sample_rate));
  validate(o.hill);
  for (const PassiveJointMoment* p : {o.hip_passive ? &*o.hip_passive : &o.lumbar_passive, &o.lumbar_passive})  // hip: when given
    need(finite(p->k1) && finite(p->k2) && finite(p->k3) && finite(p->k4) && finite(p->q1) && finite(p->q2) &&
             finite(p->damping) && p->damping >= 0 && p->k2 != 0 && p->k4 != 0,
         w + "expected finite passive joint parameters with damping >= 0 and k2, k4 != 0");
  const ControllerOptions& c = o.controller;
  if (c.prescribed_time.size() > 0 || c.prescribed_excitations.size() > 0) {
    need(c.prescribed_excitations.rows() == c.prescribed_time.size() &&
             c.prescribed_excitations.cols() == plant.n_muscles(),
         w + "expected prescribed excitations of shape (" + std::to_string(c.prescribed_time.size()) + ", " +
             std::to_string(plant.n_muscles()) + "), got (" + std::to_string(c.prescribed_excitations.rows()) +
             ", " + std::to_string(c.prescribed_excitations.cols()) + ")");
    need(c.prescribed_time.allFinite() && c.prescribed_excitations.allFinite(),
         w + "expected finite prescribed times and excitations");
    need((c.prescribed_excitations.array() >= 0).all() && (c.prescribed_excitations.array() <= 1).all(),
         w + "expected prescribed excitations in [0, 1]");
    for (Eigen::Index k = 1; k < c.prescribed_time.size(); ++k)
      need(c.prescribed_time[k] > c.prescribed_time[k - 1], w + "expected strictly increasing prescribed times");
  }
  if (c.compensation)
    need(plant.has_trunk && o.lean_dof,
         w + "trunk-lean compensation needs a trunk with a lumbar joint in the model and lean_dof on");
  if (c.kind == ControllerKind::feedback)
    need(c.prescribed_time.size() == 0 && c.prescribed_excitation == 0.0,
         w + "excitations are prescribed only with controller 'prescribed'");
}

namespace {

namespace odeint = boost::numeric::odeint;
#if BIOMECH_ROSENBROCK4_COMPILES
using ublas_vec = boost::numeric::ublas::vector<double>;
using ublas_mat = boost::numeric::ublas::matrix<double>;
#endif

// Step-size control of dopri5 with memory (a PI controller): the next step from this
// step's error and, damped by beta, the last accepted one's, as in Hairer's DOPRI5 (Hairer,
// Norsett & Wanner, Solving Ordinary Differential Equations I, 2nd ed., 1993, sec. II.4,
// after Gustafsson, Lundh & Soderlind 1988, BIT 28:270-287). Odeint's default controller has
// no memory: where the activation dynamics (time constants 15-50 ms) limit the explicit
// method's stability, as in a held stance, its steps grow past the limit and are rejected
// again and again; the memory damps that oscillation. Every accepted step still meets the
// same error tolerance.
class PiStepAdjuster {
 public:
  explicit PiStepAdjuster(double max_dt = 0.0) : max_dt_(max_dt) {}
  double decrease_step(double dt, double error, int /*error_order*/) const {
    rejected_ = true;
    return limit(dt * std::max(kMinFactor, kSafety * std::pow(error, -kExponent)));
  }
  double increase_step(double dt, double error, int /*stepper_order*/) const {
    double f = kSafety * std::pow(std::max(error, 1e-10), -kExponent) * std::pow(last_error_, kBeta);
    f = std::clamp(f, kMinFactor, rejected_ ? 1.0 : kMaxFactor);  // no growth right after a rejection
    last_error_ = std::max(error, 1e-4);
    rejected_ = false;
    return limit(dt * f);
  }
  bool check_step_size_limit(double dt) const { return max_dt_ == 0.0 || std::abs(dt) <= max_dt_; }
  double get_max_dt() const { return max_dt_; }

 private:
  static constexpr double kBeta = 0.04;                   // Hairer's default
  static constexpr double kExponent = 0.2 - 0.75 * kBeta;  // 1/5 for a 5th-order step, less the memory's share
  static constexpr double kSafety = 0.9, kMinFactor = 0.2, kMaxFactor = 5.0;  // kMaxFactor: Odeint's
  double limit(double dt) const { return max_dt_ > 0.0 ? std::min(dt, max_dt_) : dt; }
  double max_dt_;
  mutable double last_error_ = 1e-4;
  mutable bool rejected_ = false;
};

struct Recorder {
  PelvisSystem& S;
  PelvisSimulationResult& R;
  std::vector<double> times;  // sample times
  size_t next = 0;            // next sample index
  double thr;                 // event threshold
  bool event_found = false;
  double max_drop = -std::numeric_limits<double>::infinity(), t_max = 0.0;

  std::vector<double> dx = std::vector<double>(S.nx), u = std::vector<double>(S.n), a = u, f = u, lm = u;  // scratch

  void sample(size_t k, const double* x) {
    PelvisSystem::Out o;
    o.u = u.data(), o.a = a.data(), o.f = f.data(), o.lm = lm.data();
    S.rhs(x, dx.data(), times[k], &o);
    --S.rhs_count;  // samples are not integrator work
    R.time[k] = times[k];
    R.obliquity[k] = x[0];
    R.obliquity_rate[k] = x[1];
    R.lean[k] = S.lean_dof ? x[2] : S.lean0;
    R.lean_rate[k] = S.lean_dof ? x[3] : 0.0;
    R.hip_adduction[k] = S.hip_q(x[0]);
    R.effort[k] = o.effort;
    for (int i = 0; i < S.n; ++i) {
      R.excitation(k, i) = S.muscles_on ? std::clamp(u[i], 0.0, 1.0) : 0.0;
      R.activation(k, i) = a[i];
      R.force(k, i) = f[i];
      R.fiber_length(k, i) = lm[i];
    }
    R.abductor_force[k] = R.force.row(k).sum();
    R.abductor_force_bw[k] = R.abductor_force[k] / S.P.body_weight;
    R.muscle_moment[k] = o.muscle_moment;
    R.passive_moment[k] = o.passive_moment;
    R.gravity_moment[k] = o.gravity_moment;
    R.lean_torque[k] = o.lean_torque;
    R.hip_contact_force.row(k) = o.contact.transpose();
    R.hip_contact_force_n[k] = o.contact.norm();
    R.hip_contact_force_bw[k] = o.contact.norm() / S.P.body_weight;
    double th_ref = std::numeric_limits<double>::quiet_NaN(), om_ref = 0.0, al_ref = 0.0;
    if (S.O.reference) S.O.reference(times[k], th_ref, om_ref, al_ref);
    R.reference_obliquity[k] = th_ref;
    R.energy[k] = o.energy;
    R.trunk_tilt[k] = o.trunk_tilt;
    if (x[0] > max_drop) max_drop = x[0], t_max = times[k];
  }
};

template <class State>
const double* data_of(const State& x) {
  return &x[0];
}

// Drives a dense-output stepper over [0, T] in segments between the breakpoints.
template <class Stepper, class System, class State>
void run(PelvisSystem& S, Recorder& rec, Stepper& stepper, System system, State x, const std::vector<double>& breaks,
         double T) {
  const PelvisSimulationOptions& O = S.O;
  const double delay = O.controller.delay;
  State xs = x;
  std::vector<double> dx(S.nx);
  auto push_history = [&](double t, const double* xp) {
    if (delay <= 0.0) return;
    S.rhs(xp, dx.data(), t);
    S.controller.history.push(t, xp[0], xp[1], dx[1]);
    S.controller.history.prune(t - delay - 1e-12);
  };
  push_history(0.0, data_of(x));
  // the t = 0 sample
  rec.sample(0, data_of(x));
  rec.next = 1;
  double th_prev = x[0];
  double t0 = 0.0;
  bool stop = false;
  for (size_t sgi = 0; sgi <= breaks.size() && !stop; ++sgi) {
    const double t1 = sgi < breaks.size() ? breaks[sgi] : T;
    if (t1 <= t0) continue;
    const double tm = 0.5 * (t0 + t1);
    S.pulse_on = O.perturbation.torque != 0.0 && tm >= O.perturbation.start &&
                 tm < O.perturbation.start + O.perturbation.duration;
    double dt0 = std::min(O.integrator.initial_step, t1 - t0);
    stepper.initialize(x, t0, dt0);
    while (true) {
      const std::pair<double, double> span = stepper.do_step(system);
      ++S.steps;
      const double ta = span.first, tb = span.second;
      const double tend = std::min(tb, t1);
      double th_end;
      if (tb <= t1) {
        th_end = stepper.current_state()[0];
      } else {
        stepper.calc_state(tend, xs);
        th_end = xs[0];
      }
      // event: first upward crossing of the threshold, located by bisection on the dense output
      double t_event = -1.0;
      if (!rec.event_found && th_prev <= rec.thr && th_end > rec.thr) {
        double lo = ta, hi = tend;
        for (int it = 0; it < 100 && hi - lo > 1e-12; ++it) {
          const double mid = 0.5 * (lo + hi);
          stepper.calc_state(mid, xs);
          if (xs[0] > rec.thr) hi = mid; else lo = mid;
        }
        t_event = 0.5 * (lo + hi);
        rec.event_found = true;
        rec.R.event_time = t_event;
      }
      if (th_end > rec.max_drop) rec.max_drop = th_end, rec.t_max = tend;
      th_prev = th_end;
      const double t_stop = (t_event >= 0 && O.stop_at_event) ? t_event : tend;
      while (rec.next < rec.times.size() && rec.times[rec.next] <= t_stop + 1e-12) {
        stepper.calc_state(std::min(rec.times[rec.next], tend), xs);
        rec.sample(rec.next, data_of(xs));
        ++rec.next;
      }
      if (t_event >= 0 && O.stop_at_event) {
        rec.R.stopped_at_event = true;
        stop = true;
        break;
      }
      if (tb >= t1) {
        stepper.calc_state(t1, x);
        push_history(t1, data_of(x));
        break;
      }
      push_history(tb, data_of(stepper.current_state()));
    }
    t0 = t1;
  }
}


}  // namespace
}  // namespace pelvis

PelvisSimulationResult simulate(const PelvisPlant& plant, const PelvisSimulationOptions& O) {
  using namespace pelvis;
  check_options(plant, O);
  PelvisSystem S(plant, O);
  const ControllerOptions& C = O.controller;
  const int n = S.n;

  // lean and feed-forward
  S.lean0 = S.lean_dof || plant.has_trunk ? O.initial_lean : 0.0;
  if (C.compensation) {
    const double lean_needed = find_compensating_lean(S, C.lean_effort);
    S.lean_ant = std::max(lean_needed - O.initial_lean, 0.0);
    S.lean0 = O.initial_lean + S.lean_ant;
  }
  if (C.kind == ControllerKind::feedback) {
    if (O.reference && C.feedforward < 0) {
      build_feedforward_table(S);
      S.controller.feedforward = S.controller.feedforward_table.front();
    } else {
      S.controller.feedforward = C.feedforward >= 0 ? C.feedforward : static_solve(S, S.expected(), 0.0, S.lean0).effort;
    }
  }

  // initial state
  std::vector<double> x0(S.nx, 0.0);
  x0[0] = O.initial_obliquity;
  x0[1] = O.initial_obliquity_rate;
  if (S.lean_dof) x0[2] = S.lean0, x0[3] = 0.0;
  std::vector<double> u0(n, 0.0);
  if (O.initial_activation >= 0) {
    std::fill(u0.begin(), u0.end(), O.initial_activation);
  } else if (C.kind == ControllerKind::prescribed) {
    S.controller.prescribed(0.0, u0.data());
  } else {
    const double e0 = S.controller.feedback_effort(0.0, x0[0], x0[1], 0.0);
    S.controller.effort_map.excitations(e0, u0.data());
  }
  for (int i = 0; i < n; ++i) {
    x0[S.ia + i] = std::clamp(u0[i], 0.0, 1.0);
    if (S.compliant) {
      double L, r;
      plant.muscle_geometry(i, x0[0], L, r);
      x0[S.il + i] = equilibrium_fiber_length(S.units[i].muscle, O.hill, x0[S.ia + i], L);
    }
  }
  if (C.delay > 0.0) S.controller.history.push(0.0, x0[0], x0[1], 0.0);  // pre-history; replaced at t = 0 below

  // samples and result arrays
  PelvisSimulationResult R;
  const size_t ns = static_cast<size_t>(std::floor(O.duration * O.sample_rate + 1e-9)) + 1;
  Recorder rec{S, R, std::vector<double>(ns), 0, O.drop_threshold, false, -std::numeric_limits<double>::infinity(), 0.0};
  for (size_t k = 0; k < ns; ++k) rec.times[k] = static_cast<double>(k) / O.sample_rate;
  auto vec = [&](Eigen::VectorXd& v) { v.resize(ns); };  // every sample writes every entry
  for (Eigen::VectorXd* v : {&R.time, &R.obliquity, &R.obliquity_rate, &R.lean, &R.lean_rate, &R.trunk_tilt,
                             &R.hip_adduction, &R.effort, &R.abductor_force, &R.muscle_moment, &R.passive_moment,
                             &R.gravity_moment, &R.lean_torque, &R.hip_contact_force_bw, &R.energy,
                             &R.abductor_force_bw, &R.hip_contact_force_n, &R.reference_obliquity})
    vec(*v);
  for (Eigen::MatrixXd* m : {&R.excitation, &R.activation, &R.force, &R.fiber_length}) m->resize(ns, n);
  R.hip_contact_force.resize(ns, 3);
  R.muscle_names = plant.muscle_names;
  R.notes = plant.notes;
  R.body_weight = plant.body_weight;
  R.drop_threshold = O.drop_threshold;

  std::vector<double> breaks;
  if (O.perturbation.torque != 0.0 && O.perturbation.duration > 0.0)
    for (double b : {O.perturbation.start, O.perturbation.start + O.perturbation.duration})
      if (b > 0.0 && b < O.duration) breaks.push_back(b);
  std::sort(breaks.begin(), breaks.end());

  double max_dt = O.integrator.max_step;
  if (C.delay > 0.0) max_dt = max_dt > 0.0 ? std::min(max_dt, C.delay) : C.delay;
  IntegratorMethod method = O.integrator.method;
  if (O.integrator.method_from_tendon)
    method = S.compliant ? IntegratorMethod::rosenbrock4 : IntegratorMethod::dopri5;
  if (method == IntegratorMethod::rosenbrock4 && !BIOMECH_ROSENBROCK4_COMPILES) {
    method = IntegratorMethod::dopri5;
    R.notes.push_back("rosenbrock4 is not available with this Boost (uBLAS before 1.81 does not compile as C++20); "
                      "integrated with dopri5, correct but slow for stiff compliant tendons");
  }
  R.integrator = method == IntegratorMethod::dopri5 ? "dopri5" : "rosenbrock4";

  if (method == IntegratorMethod::dopri5) {
    using state = std::vector<double>;
    using dopri5 = odeint::runge_kutta_dopri5<state>;
    using controlled = odeint::controlled_runge_kutta<
        dopri5, odeint::default_error_checker<double, dopri5::algebra_type, dopri5::operations_type>, PiStepAdjuster>;
    odeint::dense_output_runge_kutta<controlled> stepper(
        controlled({O.integrator.abs_tol, O.integrator.rel_tol}, PiStepAdjuster(max_dt)));
    auto sys = [&S](const state& x, state& dx, double t) { S.rhs(x.data(), dx.data(), t); };
    run(S, rec, stepper, sys, x0, breaks, O.duration);
  } else {
#if BIOMECH_ROSENBROCK4_COMPILES
    ublas_vec x(S.nx);
    for (int i = 0; i < S.nx; ++i) x[i] = x0[i];
    auto sys = [&S](const ublas_vec& xv, ublas_vec& dx, double t) { S.rhs(&xv[0], &dx[0], t); };
    // finite-difference Jacobian and time derivative (forward differences)
    auto jac = [&S](const ublas_vec& xv, ublas_mat& J, double t, ublas_vec& dfdt) {
      const int m = S.nx;
      std::vector<double> xp(xv.begin(), xv.end()), f0(m), f1(m);
      S.rhs(xp.data(), f0.data(), t);
      for (int j = 0; j < m; ++j) {
        const double h = 1e-7 * std::max(1.0, std::abs(xp[j]));
        const double keep = xp[j];
        xp[j] = keep + h;
        S.rhs(xp.data(), f1.data(), t);
        xp[j] = keep;
        for (int i = 0; i < m; ++i) J(i, j) = (f1[i] - f0[i]) / h;
      }
      const double ht = 1e-7 * std::max(1.0, std::abs(t));
      S.rhs(xp.data(), f1.data(), t + ht);
      for (int i = 0; i < m; ++i) dfdt[i] = (f1[i] - f0[i]) / ht;
    };
    auto stepper = odeint::make_dense_output(O.integrator.abs_tol, O.integrator.rel_tol, max_dt,
                                             odeint::rosenbrock4<double>());
    run(S, rec, stepper, std::make_pair(sys, jac), x, breaks, O.duration);
#endif
  }

  // truncate when stopped early
  const Eigen::Index m = static_cast<Eigen::Index>(rec.next);
  if (m < static_cast<Eigen::Index>(ns)) {
    for (Eigen::VectorXd* v : {&R.time, &R.obliquity, &R.obliquity_rate, &R.lean, &R.lean_rate, &R.trunk_tilt,
                               &R.hip_adduction, &R.effort, &R.abductor_force, &R.muscle_moment, &R.passive_moment,
                               &R.gravity_moment, &R.lean_torque, &R.hip_contact_force_bw, &R.energy,
                               &R.abductor_force_bw, &R.hip_contact_force_n, &R.reference_obliquity})
      v->conservativeResize(m);
    for (Eigen::MatrixXd* mm : {&R.excitation, &R.activation, &R.force, &R.fiber_length})
      mm->conservativeResize(m, Eigen::NoChange);
    R.hip_contact_force.conservativeResize(m, Eigen::NoChange);
  }

  // summary
  R.max_drop = rec.max_drop;
  R.time_of_max_drop = rec.t_max;
  const double t_last = R.time[m - 1];
  double so = 0.0, sf = 0.0;
  int cnt = 0;
  for (Eigen::Index k = 0; k < m; ++k)
    if (R.time[k] >= 0.9 * t_last) so += R.obliquity[k], sf += R.abductor_force[k], ++cnt;
  R.steady_obliquity = so / cnt;
  R.steady_abductor_force = sf / cnt;
  R.steady_abductor_force_bw = R.steady_abductor_force / R.body_weight;
  R.min_obliquity = R.obliquity.head(m).minCoeff();
  R.peak_abductor_force = R.abductor_force.head(m).maxCoeff();
  R.peak_abductor_force_bw = R.peak_abductor_force / R.body_weight;
  R.peak_effort = R.effort.head(m).maxCoeff();
  if (O.reference) {
    const Eigen::ArrayXd err = (R.obliquity.head(m) - R.reference_obliquity.head(m)).array();
    R.tracking_rms = std::sqrt(err.square().mean());
    R.tracking_max_error = err.abs().maxCoeff();
  } else {
    R.tracking_rms = R.tracking_max_error = std::numeric_limits<double>::quiet_NaN();
  }
  R.final_lean = R.lean[m - 1];
  R.peak_hip_contact_force_bw = R.hip_contact_force_bw.head(m).maxCoeff();
  R.trendelenburg_positive = R.max_drop > O.drop_threshold;
  // Normal active hip adduction range, 30 deg (American Academy of Orthopaedic Surgeons, Joint
  // Motion: Method of Measuring and Recording, 1965): a larger drop cannot be held.
  constexpr double kHipAdductionRange = 30.0 * M_PI / 180.0;
  if (R.max_drop > kHipAdductionRange)
    R.notes.push_back("the pelvis dropped " + fmt(R.max_drop / kDeg) +
                      " deg, beyond the normal hip adduction range (30 deg, AAOS 1965): the stance cannot be held; "
                      "a person would put the other foot down or fall, and the drop after that is not physiological");
  R.feedforward_effort = S.controller.feedforward;
  R.anticipatory_lean = S.lean_ant;
  R.steps = static_cast<int>(S.steps);
  R.rhs_evaluations = static_cast<int>(S.rhs_count);
  return R;
}


PelvisSimulationResult simulate_hip_hitch(const PelvisPlant& plant, const HipHitchOptions& h, PelvisSimulationOptions options) {
  using namespace pelvis;
  check_fields(h, "simulate_hip_hitch");
  need(options.controller.kind == ControllerKind::feedback,
       "simulate_hip_hitch: the hip hitch needs the feedback controller");
  const double A = h.amplitude, T = h.period, tr = 0.25 * T, tm = h.repetitions * T;
  // theta_ref = A w(t) sin(2 pi t / T): drop first, then hike; w ramps 0 -> 1 over tr with
  // sin^2 and back to 0 over the last tr, so the motion starts and ends at rest
  options.reference = [A, T, tr, tm](double t, double& th, double& om, double& al) {
    if (t <= 0.0 || t >= tm) {
      th = om = al = 0.0;
      return;
    }
    double w = 1.0, dw = 0.0, ddw = 0.0;
    const double k = M_PI / (2.0 * tr);
    auto ramp = [&](double s, double sign) {  // sin^2(k s) and its derivatives in t (s = t or tm - t)
      w = std::sin(k * s) * std::sin(k * s);
      dw = sign * k * std::sin(2 * k * s);
      ddw = 2 * k * k * std::cos(2 * k * s);
    };
    if (t < tr) ramp(t, 1.0);
    else if (t > tm - tr) ramp(tm - t, -1.0);
    const double wv = 2 * M_PI / T;
    const double s = std::sin(wv * t), c = std::cos(wv * t);
    th = A * w * s;
    om = A * (dw * s + w * wv * c);
    al = A * (ddw * s + 2 * dw * wv * c - w * wv * wv * s);
  };
  options.duration = tm + 1.0;
  return simulate(plant, options);
}

}  // namespace biomech
