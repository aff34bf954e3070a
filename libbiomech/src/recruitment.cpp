// Static optimisation through its dual.
//
// Primal (A = R diag(F), m x n; c = m_ref^2 / (2 w_r)):
//   minimise   sum_i a_i^p + w_r |m / m_ref|^2   s.t.  A a + m = tau,  a_min <= a <= 1.
// Lagrangian L = sum_i a_i^p + w_r |m/m_ref|^2 - lambda^T (A a + m - tau).
// Minimising L over the box and over m, for fixed lambda, separates:
//   a_i(s_i) = argmin_{a_min<=a<=1} a^p - s_i a = clip((max(s_i, 0) / p)^(1/(p-1)), a_min, 1),
//              with s = A^T lambda  (p = 2: clip(s_i / 2, 0, 1));
//   m = c lambda.
// The dual function
//   g(lambda) = sum_i [a_i^p - s_i a_i] - (c/2) |lambda|^2 + lambda^T tau
// is concave with gradient  grad g = tau - A a(lambda) - c lambda  (the moment
// residual) and generalised Hessian  -(A D A^T + c I),  D_i = da_i/ds_i (0 on
// the bounds). Since c > 0 the Hessian is negative definite everywhere, the
// dual maximiser is unique, and a(lambda*) is the unique primal optimum (the
// primal is strictly convex for p > 1). Maximising g is an m-dimensional
// problem (m = 3-4), so one Newton step costs a few hundred flops: this is
// why we solve the dual rather than the n-dimensional QP. Steps are
// d = (A D A^T + c I)^-1 grad g with a backtracking line search on g
// (semismooth Newton; for p = 2 a(s) is piecewise linear and the iteration
// ends once the active set is right). It stops when the moment residual is
// below the tolerance, so the equality is met to that tolerance (N m).
#include "biomech/recruitment.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "biomech/errors.hpp"
#include "internal.hpp"

namespace biomech {

using internal::fmt;
namespace {

void check_options(const RecruitmentOptions& o) { check_fields(o, "solve_recruitment"); }

// Exponent-specific activation a(s) and derivative da/ds.
struct Activation {
  double p, q, inv_p;  // q = 1/(p-1)
  double lo, s_lo;     // lower bound a_min and the s at which p a^(p-1) = s reaches it
  int kind;            // 2: p == 2, 3: p == 3, 0: general
  Activation(double p_, double a_min)
      : p(p_), q(1.0 / (p_ - 1.0)), inv_p(1.0 / p_), lo(a_min), s_lo(a_min > 0.0 ? p_ * std::pow(a_min, p_ - 1.0) : 0.0) {
    kind = (p == 2.0) ? 2 : (p == 3.0) ? 3 : 0;
  }
  // Largest da/ds used in the Newton matrix: for p > 2 the true derivative is
  // infinite at s = 0+, which would only wreck the conditioning.
  static constexpr double kMaxSlope = 1e6;

  void operator()(double s, double& a, double& da) const {
    if (s <= s_lo) {
      a = lo;
      da = 0.0;
      return;
    }
    if (s >= p) {  // p a^(p-1) = s reaches a = 1 at s = p
      a = 1.0;
      da = 0.0;
      return;
    }
    if (kind == 2) {
      a = 0.5 * s;
      da = 0.5;
    } else if (kind == 3) {
      a = std::sqrt(s * inv_p);
      da = a > 0.0 ? 0.5 * inv_p / a : kMaxSlope;
    } else {
      a = std::pow(s * inv_p, q);
      da = q * a / s;
    }
    if (da > kMaxSlope) da = kMaxSlope;
  }
  double power(double a) const {
    if (kind == 2) return a * a;
    if (kind == 3) return a * a * a;
    return a > 0.0 ? std::pow(a, p) : 0.0;
  }
};

// Dual value at lambda; fills s = A^T lambda, a, D and the residual g = tau - A a - c lambda.
double evaluate(const Eigen::MatrixXd& A, const Eigen::Ref<const Eigen::VectorXd>& tau,
                const Activation& act, double c, const Eigen::VectorXd& lambda, Eigen::VectorXd& s,
                Eigen::VectorXd& a, Eigen::VectorXd& D, Eigen::VectorXd& g) {
  s.noalias() = A.transpose() * lambda;
  double value = 0.0;
  for (Eigen::Index i = 0; i < s.size(); ++i) {
    act(s[i], a[i], D[i]);
    value += act.power(a[i]) - s[i] * a[i];
  }
  g = tau - c * lambda;
  g.noalias() -= A * a;
  return value - 0.5 * c * lambda.squaredNorm() + lambda.dot(tau);
}

// One semismooth-Newton solve of the dual (docs/recruitment.md).
void solve_once(const Eigen::Ref<const Eigen::MatrixXd>& moment_arms, const Eigen::Ref<const Eigen::VectorXd>& max_force,
                const Eigen::Ref<const Eigen::VectorXd>& tau, const RecruitmentOptions& options,
                RecruitmentWorkspace& work, RecruitmentResult& result) {
  check_options(options);
  const Eigen::Index m = moment_arms.rows(), n = moment_arms.cols();
  if (m < 1)
    throw InvalidArgument("solve_recruitment: expected at least one dof (moment_arms rows), got 0");
  if (max_force.size() != n)
    throw InvalidArgument("solve_recruitment: expected max_force of size " + std::to_string(n) +
                          " (moment_arms columns), got " + std::to_string(max_force.size()));
  if (tau.size() != m)
    throw InvalidArgument("solve_recruitment: expected tau of size " + std::to_string(m) +
                          " (moment_arms rows), got " + std::to_string(tau.size()));
  if (!moment_arms.allFinite())
    throw InvalidArgument("solve_recruitment: expected finite moment arms, got a non-finite entry");
  if (!tau.allFinite())
    throw InvalidArgument("solve_recruitment: expected finite tau, got a non-finite entry");
  for (Eigen::Index i = 0; i < n; ++i)
    if (!(std::isfinite(max_force[i]) && max_force[i] >= 0.0))
      throw InvalidArgument("solve_recruitment: expected max_force >= 0 N, got " + fmt(max_force[i]) +
                            " at muscle " + std::to_string(i));

  const Activation act(options.p, options.min_activation);
  const double c = options.reserve_reference_nm * options.reserve_reference_nm / (2.0 * options.reserve_weight);

  work.A = moment_arms * max_force.asDiagonal();
  work.s.resize(n);
  work.a.resize(n);
  work.deriv.resize(n);
  work.a_trial.resize(n);
  work.tmp.resize(n);
  work.g.resize(m);
  work.g_trial.resize(m);
  work.d.resize(m);
  work.lambda_trial.resize(m);
  work.H.resize(m, m);

  // Start: the warm start, or the unbounded p = 2 optimum (A A^T / 2 + c I) lambda = tau.
  const bool warm = options.warm_start && work.lambda.size() == m && work.lambda.allFinite();
  if (!warm) {
    work.H.noalias() = 0.5 * work.A * work.A.transpose();
    work.H.diagonal().array() += c;
    work.llt.compute(work.H);
    work.lambda = work.llt.solve(tau);
    if (!work.lambda.allFinite()) work.lambda.setZero(m);
  }

  // Rounding floor for the stopping test: the residual cannot be computed more
  // accurately than a few ulps of the largest moment in the sum.
  const double scale = tau.cwiseAbs().maxCoeff() + work.A.cwiseAbs().rowwise().sum().maxCoeff();
  constexpr double eps = std::numeric_limits<double>::epsilon();
  const double tol = std::max(options.tolerance_nm, 16.0 * eps * scale);

  double value = evaluate(work.A, tau, act, c, work.lambda, work.s, work.a, work.deriv, work.g);
  double gnorm2 = work.g.squaredNorm();
  int it = 0;
  bool converged = work.g.cwiseAbs().maxCoeff() <= tol;
  Eigen::LLT<Eigen::MatrixXd>& llt = work.llt;
  while (!converged && it < options.max_iterations) {
    ++it;
    // Newton matrix A D A^T + c I, only over muscles off their bounds.
    work.H.setZero();
    for (Eigen::Index i = 0; i < n; ++i)
      if (work.deriv[i] > 0.0) work.H.selfadjointView<Eigen::Lower>().rankUpdate(work.A.col(i), work.deriv[i]);
    work.H.diagonal().array() += c;
    llt.compute(work.H);
    work.d = llt.solve(work.g);
    const double slope = work.g.dot(work.d);  // > 0: d is an ascent direction of g

    // Backtracking: Armijo on the dual value (monotone ascent, no cycling), or,
    // once the predicted gain is below the rounding of the value, a 10% cut of
    // the residual (Newton is then in its fast local phase).
    double t = 1.0;
    bool accepted = false;
    for (int ls = 0; ls < 60; ++ls) {
      work.lambda_trial = work.lambda + t * work.d;
      const double v = evaluate(work.A, tau, act, c, work.lambda_trial, work.s, work.a_trial, work.tmp,
                                work.g_trial);
      const double gn2 = work.g_trial.squaredNorm();
      const bool unresolved = t * slope <= 64.0 * eps * (std::abs(value) + std::abs(v));
      if (unresolved ? gn2 <= 0.81 * gnorm2 : v >= value + 1e-4 * t * slope) {
        accepted = true;
        value = v;
        gnorm2 = gn2;
        break;
      }
      t *= 0.5;
    }
    if (!accepted) {
      // No progress possible in floating point. When the multipliers are large
      // (a reserve carries a big moment), s = A^T lambda cancels and carries an
      // error of eps |A|^T |lambda|; accept the point if the residual is at that floor.
      work.tmp = work.A.cwiseAbs().transpose() * work.lambda.cwiseAbs();
      double floor = 0.0;
      for (Eigen::Index j = 0; j < m; ++j) {
        double row = 0.0;
        for (Eigen::Index i = 0; i < n; ++i) row += std::abs(work.A(j, i)) * work.deriv[i] * work.tmp[i];
        floor = std::max(floor, row);
      }
      converged = work.g.cwiseAbs().maxCoeff() <= tol + 64.0 * eps * floor;
      break;
    }
    work.lambda.swap(work.lambda_trial);
    work.a.swap(work.a_trial);
    work.deriv.swap(work.tmp);
    work.g.swap(work.g_trial);
    converged = work.g.cwiseAbs().maxCoeff() <= tol;
  }

  result.activation = work.a;
  result.force = work.a.cwiseProduct(max_force);
  result.reserve = c * work.lambda;
  result.multiplier = work.lambda;
  result.residual = tau - result.reserve;
  result.residual.noalias() -= work.A * work.a;
  double cost = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) cost += act.power(work.a[i]);
  result.cost = cost + options.reserve_weight *
                           (result.reserve / options.reserve_reference_nm).squaredNorm();
  result.iterations = it;
  result.converged = converged;
}

}  // namespace

void solve_recruitment(const Eigen::Ref<const Eigen::MatrixXd>& moment_arms,
                       const Eigen::Ref<const Eigen::VectorXd>& max_force,
                       const Eigen::Ref<const Eigen::VectorXd>& tau, const RecruitmentOptions& options,
                       RecruitmentWorkspace& work, RecruitmentResult& result) {
  solve_once(moment_arms, max_force, tau, options, work, result);
  if (result.converged || !(options.reserve_weight > 1e4)) return;
  // Stalled with saturated muscles under a heavy reserve weight: the dual is then
  // nearly flat along the reserves and Newton cannot resolve the last hundredths of
  // a N m. Continuation: solve with a 10 times lighter reserve weight (better
  // conditioned; recursively down to 1e4), then restart from its multipliers times
  // 10, which give the same reserves (m = c lambda).
  RecruitmentOptions lighter = options;
  lighter.reserve_weight = std::max(1e4, options.reserve_weight / 10.0);
  lighter.warm_start = false;
  RecruitmentResult coarse;
  solve_recruitment(moment_arms, max_force, tau, lighter, work, coarse);
  RecruitmentOptions again = options;
  again.warm_start = true;
  work.lambda = options.reserve_weight / lighter.reserve_weight * coarse.multiplier;
  const int spent = result.iterations + coarse.iterations;
  solve_once(moment_arms, max_force, tau, again, work, result);
  result.iterations += spent;
}

void require_converged(const RecruitmentResult& result, const std::string& caller) {
  if (result.converged) return;
  const double residual = result.residual.size() ? result.residual.cwiseAbs().maxCoeff() : 0.0;
  throw std::runtime_error(caller + ": muscle recruitment did not converge in " + std::to_string(result.iterations) +
                           " iterations (moment residual " + fmt(residual) + " N m); raise max_iterations");
}

int solve_recruitment_batch(const double* moment_arms, int n_frames, int n_muscles, int n_dofs,
                            const Eigen::Ref<const Eigen::MatrixXd>& max_force,
                            const Eigen::Ref<const Eigen::MatrixXd>& tau, const RecruitmentOptions& options,
                            Eigen::Ref<Eigen::MatrixXd> activation, Eigen::Ref<Eigen::MatrixXd> reserve,
                            Eigen::Ref<Eigen::VectorXi> iterations, Eigen::Ref<Eigen::VectorXi> converged) {
  if (n_frames < 0 || n_muscles < 0 || n_dofs < 1)
    throw InvalidArgument("solve_recruitment_batch: expected n_frames >= 0, n_muscles >= 0, n_dofs >= 1, got " +
                          std::to_string(n_frames) + ", " + std::to_string(n_muscles) + ", " +
                          std::to_string(n_dofs));
  if (n_frames > 0 && moment_arms == nullptr)
    throw InvalidArgument("solve_recruitment_batch: expected moment arms, got a null pointer");
  if (max_force.cols() != n_muscles || (max_force.rows() != n_frames && max_force.rows() != 1))
    throw InvalidArgument("solve_recruitment_batch: expected max_force of shape (" + std::to_string(n_frames) +
                          " or 1, " + std::to_string(n_muscles) + "), got (" + std::to_string(max_force.rows()) +
                          ", " + std::to_string(max_force.cols()) + ")");
  if (tau.rows() != n_frames || tau.cols() != n_dofs)
    throw InvalidArgument("solve_recruitment_batch: expected tau of shape (" + std::to_string(n_frames) + ", " +
                          std::to_string(n_dofs) + "), got (" + std::to_string(tau.rows()) + ", " +
                          std::to_string(tau.cols()) + ")");
  if (activation.rows() != n_frames || activation.cols() != n_muscles || reserve.rows() != n_frames ||
      reserve.cols() != n_dofs || iterations.size() != n_frames || converged.size() != n_frames)
    throw InvalidArgument("solve_recruitment_batch: expected outputs sized for " + std::to_string(n_frames) +
                          " frames");

  RecruitmentWorkspace work;
  RecruitmentResult result;
  RecruitmentOptions opt = options;
  Eigen::VectorXd f(n_muscles), t(n_dofs);
  const std::ptrdiff_t block = static_cast<std::ptrdiff_t>(n_muscles) * n_dofs;
  int failures = 0;
  for (int k = 0; k < n_frames; ++k) {
    // [muscle][dof] row-major is R (dofs x muscles) column-major.
    Eigen::Map<const Eigen::MatrixXd> R(moment_arms + k * block, n_dofs, n_muscles);
    f = max_force.row(max_force.rows() == 1 ? 0 : k).transpose();
    t = tau.row(k).transpose();
    opt.warm_start = options.warm_start && k > 0;
    solve_recruitment(R, f, t, opt, work, result);
    activation.row(k) = result.activation.transpose();
    reserve.row(k) = result.reserve.transpose();
    iterations[k] = result.iterations;
    converged[k] = result.converged ? 1 : 0;
    if (!result.converged) ++failures;
  }
  return failures;
}

}  // namespace biomech
