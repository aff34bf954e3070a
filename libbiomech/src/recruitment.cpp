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
//
// Speed: the m x m algebra (3 dofs at the hip, 4 for a leg) is fixed-size
// Eigen on the stack (the kernel is a template on m, Dynamic for other sizes),
// solved by an inline Cholesky; A is stored transposed, one contiguous column
// per dof. One dual evaluation is one pass over the muscles (s_i, a_i, D_i and
// A a together, branch-free); the Newton matrix A D A^T takes two muscles per
// SIMD register; the batch checks the options and shared forces once per call.
#include "biomech/recruitment.hpp"

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

// Throws unless every maximal force is finite and >= 0.
void check_forces(const double* F, Eigen::Index n) {
  for (Eigen::Index i = 0; i < n; ++i)
    if (!(std::isfinite(F[i]) && F[i] >= 0.0))
      throw InvalidArgument("solve_recruitment: expected max_force >= 0 N, got " + fmt(F[i]) + " at muscle " +
                            std::to_string(i));
}

// The moment arms and moments of one frame, checked, into work.At = (R diag(F))^T
// (n x m, one column per dof) with the per-muscle buffers sized for n muscles.
// R is m x n with column stride ld, tau has stride tau_stride. F must have passed
// check_forces (the batch checks forces shared by every frame once).
void prepare(const double* R, Eigen::Index ld, Eigen::Index m, Eigen::Index n, const double* F, const double* tau,
             Eigen::Index tau_stride, RecruitmentWorkspace& work) {
  work.At.resize(n, m);
  double* At = work.At.data();
  // x - x is 0 for a finite x and NaN otherwise: one test for the whole frame
  double nan_if_not_finite = 0.0;
  auto fill = [&](auto fixed) {
    constexpr int M = decltype(fixed)::value;
    const Eigen::Index mm = M == Eigen::Dynamic ? m : M;
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index j = 0; j < mm; ++j) {
        const double v = F[i] * R[i * ld + j];
        At[j * n + i] = v;
        nan_if_not_finite += v - v;
      }
  };
  if (m == 3) fill(std::integral_constant<int, 3>{});
  else if (m == 4) fill(std::integral_constant<int, 4>{});
  else fill(std::integral_constant<int, Eigen::Dynamic>{});
  if (!(nan_if_not_finite == 0.0)) throw InvalidArgument("solve_recruitment: expected finite moment arms, got a non-finite entry");
  for (Eigen::Index j = 0; j < m; ++j)
    if (!std::isfinite(tau[j * tau_stride]))
      throw InvalidArgument("solve_recruitment: expected finite tau, got a non-finite entry");
  for (Eigen::VectorXd* v : {&work.s, &work.a, &work.deriv, &work.a_trial, &work.deriv_trial}) v->resize(n);
}

// The dual Newton iteration with m = M dofs (Eigen::Dynamic: any m) on work.At.
// Leaves the activations in work.a and the multipliers in work.lambda.
template <int M>
struct DualNewton {
  using Vec = Eigen::Matrix<double, M, 1>;
  using Mat = Eigen::Matrix<double, M, M>;
  using Arms = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, M>>;

  Arms At;  // n x m: row i = muscle i's moment arms times its force
  Vec tau;
  const Activation& act;
  double c;
  Eigen::VectorXd& s;  // (n) scratch

  // Dual value at lambda; fills a, D = da/ds and the residual g = tau - A a - c lambda.
  // One pass over the muscles (s_i = A_i . lambda, a_i, D_i and A a together),
  // with A a summed in registers for the fixed sizes. (Two muscles at a time in
  // Array2d was no faster: a(s) is scalar.)
  double evaluate(const Vec& lambda, Eigen::VectorXd& a_out, Eigen::VectorXd& D_out, Vec& g) const {
    const Eigen::Index n = At.rows(), m = At.cols();
    const double* A = At.data();
    double* a = a_out.data();
    double* D = D_out.data();
    double value = 0.0;
    auto sweep = [&](auto& Aa, auto activation) {
      for (Eigen::Index i = 0; i < n; ++i) {
        double s = 0.0;
        for (Eigen::Index k = 0; k < m; ++k) s += A[k * n + i] * lambda[k];
        double ai, di;
        value += activation(s, ai, di);
        a[i] = ai;
        D[i] = di;
        for (Eigen::Index k = 0; k < m; ++k) Aa[k] += A[k * n + i] * ai;
      }
    };
    auto sweep_kind = [&](auto& Aa) {
      if (act.kind == 2) {  // a = clip(s / 2, a_min, 1), as Activation does
        const double lo = act.lo, s_lo = act.s_lo;
        sweep(Aa, [lo, s_lo](double s, double& a, double& D) {
          a = std::min(std::max(0.5 * s, lo), 1.0);
          D = 0.5 * static_cast<double>((s > s_lo) & (s < 2.0));  // branch-free: the sign of s is random
          return a * a - s * a;
        });
      } else {
        sweep(Aa, [this](double s, double& a, double& D) {
          act(s, a, D);
          return act.power(a) - s * a;
        });
      }
    };
    g = tau - c * lambda;
    if constexpr (M == Eigen::Dynamic) {
      Vec Aa = Vec::Zero(m);
      sweep_kind(Aa);
      g -= Aa;
    } else {
      double Aa[M] = {};
      sweep_kind(Aa);
      for (int k = 0; k < M; ++k) g[k] -= Aa[k];
    }
    return value - 0.5 * c * lambda.squaredNorm() + lambda.dot(tau);
  }

  // Solves H x = b for the Newton matrix H (lower triangle, symmetric positive
  // definite) by Cholesky, in place; an m x m system is a few dozen flops, below
  // the call overhead of a general factorisation. NaN when a pivot is not positive.
  static Vec solve(Mat H, Vec x) {
    const Eigen::Index m = H.rows();
    for (Eigen::Index k = 0; k < m; ++k) {
      double d = H(k, k);
      for (Eigen::Index j = 0; j < k; ++j) d -= H(k, j) * H(k, j);
      if (!(d > 0.0)) return Vec::Constant(m, std::numeric_limits<double>::quiet_NaN());
      d = std::sqrt(d);
      H(k, k) = d;
      for (Eigen::Index i = k + 1; i < m; ++i) {
        double v = H(i, k);
        for (Eigen::Index j = 0; j < k; ++j) v -= H(i, j) * H(k, j);
        H(i, k) = v / d;
      }
    }
    for (Eigen::Index i = 0; i < m; ++i) {  // L y = b
      for (Eigen::Index j = 0; j < i; ++j) x[i] -= H(i, j) * x[j];
      x[i] /= H(i, i);
    }
    for (Eigen::Index i = m; i-- > 0;) {  // L^T x = y
      for (Eigen::Index j = i + 1; j < m; ++j) x[i] -= H(j, i) * x[j];
      x[i] /= H(i, i);
    }
    return x;
  }

  // Lower triangle of A diag(w) A^T + c I: the Newton matrix for w = da/ds.
  // Two muscles at a time (Array2d: one SIMD register), then the odd one.
  Mat newton_matrix(const Eigen::VectorXd& w) const {
    const Eigen::Index n = At.rows(), m = At.cols();
    const double* A = At.data();
    using Pair = Eigen::Array2d;
    using Pairs = Eigen::Array<double, 2, M == Eigen::Dynamic ? Eigen::Dynamic : M * (M + 1) / 2>;
    Pairs acc = Pairs::Zero(2, m * (m + 1) / 2);  // column l: entry (j, k), j >= k, column-wise
    Eigen::Index i = 0;
    for (; i + 2 <= n; i += 2) {
      const Pair wi = Pair::Map(w.data() + i);
      for (Eigen::Index k = 0, l = 0; k < m; ++k) {
        const Pair wa = wi * Pair::Map(A + k * n + i);
        for (Eigen::Index j = k; j < m; ++j, ++l) acc.col(l) += wa * Pair::Map(A + j * n + i);
      }
    }
    Mat H(m, m);
    for (Eigen::Index k = 0, l = 0; k < m; ++k)
      for (Eigen::Index j = k; j < m; ++j, ++l) {
        H(j, k) = acc(0, l) + acc(1, l);
        if (i < n) H(j, k) += w[i] * A[k * n + i] * A[j * n + i];
      }
    H.diagonal().array() += c;
    return H;
  }

  static double max_abs(const Vec& v) { return v.cwiseAbs().maxCoeff(); }

  void run(const RecruitmentOptions& options, RecruitmentWorkspace& work, int& iterations, bool& converged) const {
    const Eigen::Index m = At.cols();
    Vec lambda(m), g(m), g_trial(m), lambda_trial(m);
    // Start: the warm start, or the unbounded p = 2 optimum (A A^T / 2 + c I) lambda = tau.
    const bool warm = options.warm_start && work.lambda.size() == m && work.lambda.allFinite();
    if (warm) {
      lambda = work.lambda;
    } else {
      work.deriv.setConstant(0.5);
      lambda = solve(newton_matrix(work.deriv), tau);
      if (!lambda.allFinite()) lambda.setZero();
    }

    // Rounding floor for the stopping test: the residual cannot be computed more
    // accurately than a few ulps of the largest moment in the sum.
    const double scale = tau.cwiseAbs().maxCoeff() + At.cwiseAbs().colwise().sum().maxCoeff();
    constexpr double eps = std::numeric_limits<double>::epsilon();
    const double tol = std::max(options.tolerance_nm, 16.0 * eps * scale);

    Eigen::VectorXd* a = &work.a;
    Eigen::VectorXd* D = &work.deriv;
    Eigen::VectorXd* a_trial = &work.a_trial;
    Eigen::VectorXd* D_trial = &work.deriv_trial;
    double value = evaluate(lambda, *a, *D, g);
    double gnorm2 = g.squaredNorm();
    int it = 0;
    converged = max_abs(g) <= tol;
    while (!converged && it < options.max_iterations) {
      ++it;
      // Newton matrix A D A^T + c I (D = 0 for muscles on their bounds).
      const Vec d = solve(newton_matrix(*D), g);
      const double slope = g.dot(d);  // > 0: d is an ascent direction of g

      // Backtracking: Armijo on the dual value (monotone ascent, no cycling), or,
      // once the predicted gain is below the rounding of the value, a 10% cut of
      // the residual (Newton is then in its fast local phase).
      double t = 1.0;
      bool accepted = false;
      for (int ls = 0; ls < 60; ++ls) {
        lambda_trial = lambda + t * d;
        const double v = evaluate(lambda_trial, *a_trial, *D_trial, g_trial);
        const double gn2 = g_trial.squaredNorm();
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
        s.noalias() = At.cwiseAbs() * lambda.cwiseAbs();
        s.array() *= D->array();
        const Vec floor_row = At.cwiseAbs().transpose() * s;
        converged = max_abs(g) <= tol + 64.0 * eps * floor_row.maxCoeff();
        break;
      }
      lambda.swap(lambda_trial);
      g.swap(g_trial);
      std::swap(a, a_trial);
      std::swap(D, D_trial);
      converged = max_abs(g) <= tol;
    }
    if (a != &work.a) {  // the iterate lives in the trial buffers: swap them in
      work.a.swap(work.a_trial);
      work.deriv.swap(work.deriv_trial);
    }
    work.lambda = lambda;
    iterations = it;
  }
};

// One semismooth-Newton solve of the dual (docs/recruitment.md) on work.At
// (prepared) for tau (m values, stride tau_stride).
void solve_dual(const double* tau, Eigen::Index tau_stride, const Activation& act, double c,
                const RecruitmentOptions& options, RecruitmentWorkspace& work, int& iterations, bool& converged) {
  const Eigen::Index m = work.At.cols(), n = work.At.rows();
  auto run = [&](auto fixed) {
    constexpr int M = decltype(fixed)::value;
    using K = DualNewton<M>;
    K k{typename K::Arms(work.At.data(), n, m), typename K::Vec(m), act, c, work.s};
    for (Eigen::Index j = 0; j < m; ++j) k.tau[j] = tau[j * tau_stride];
    k.run(options, work, iterations, converged);
  };
  if (m == 3) run(std::integral_constant<int, 3>{});
  else if (m == 4) run(std::integral_constant<int, 4>{});
  else run(std::integral_constant<int, Eigen::Dynamic>{});
}

// A stalled solve is retried by continuation (solve_recruitment) under a heavy reserve weight.
// Continuation goes down to this weight: below the default 1e4, so that a frame stalled at the
// default (a weak muscle group needing a few N m of reserve) is rescued too.
constexpr double kLightestReserveWeight = 1e2;
bool needs_continuation(const RecruitmentOptions& o) { return o.reserve_weight > kLightestReserveWeight; }

double reserve_c(const RecruitmentOptions& o) {
  return o.reserve_reference_nm * o.reserve_reference_nm / (2.0 * o.reserve_weight);
}

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

  const Activation act(options.p, options.min_activation);
  const double c = reserve_c(options);
  check_forces(max_force.data(), n);
  prepare(moment_arms.data(), moment_arms.outerStride(), m, n, max_force.data(), tau.data(), 1, work);
  int it = 0;
  bool converged = false;
  solve_dual(tau.data(), 1, act, c, options, work, it, converged);

  result.activation = work.a;
  result.force = work.a.cwiseProduct(max_force);
  result.reserve = c * work.lambda;
  result.multiplier = work.lambda;
  result.residual = tau - result.reserve;
  result.residual.noalias() -= work.At.transpose() * work.a;
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
  if (result.converged || !needs_continuation(options)) return;
  // Stalled with saturated muscles under a heavy reserve weight: the dual is then
  // nearly flat along the reserves and Newton cannot resolve the last hundredths of
  // a N m. Continuation: solve with a 10 times lighter reserve weight (better
  // conditioned; recursively down to kLightestReserveWeight), then restart from its multipliers times
  // 10, which give the same reserves (m = c lambda).
  RecruitmentOptions lighter = options;
  lighter.reserve_weight = std::max(kLightestReserveWeight, options.reserve_weight / 10.0);
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

  check_options(options);

  const Activation act(options.p, options.min_activation);
  const double c = reserve_c(options);
  RecruitmentWorkspace work;
  RecruitmentResult result;
  RecruitmentOptions opt = options;
  Eigen::VectorXd f(n_muscles);
  const bool shared_force = max_force.rows() == 1;  // checked once, not per frame
  if (shared_force) {
    f = max_force.row(0).transpose();
    check_forces(f.data(), n_muscles);
  }
  const std::ptrdiff_t block = static_cast<std::ptrdiff_t>(n_muscles) * n_dofs;
  int failures = 0;
  for (int k = 0; k < n_frames; ++k) {
    // [muscle][dof] row-major is R (dofs x muscles) column-major.
    const double* R = moment_arms + k * block;
    if (!shared_force) {
      f = max_force.row(k).transpose();
      check_forces(f.data(), n_muscles);
    }
    const double* t = tau.data() + k * tau.innerStride();
    opt.warm_start = options.warm_start && k > 0;
    prepare(R, n_dofs, n_dofs, n_muscles, f.data(), t, tau.outerStride(), work);
    int it = 0;
    bool ok = false;
    solve_dual(t, tau.outerStride(), act, c, opt, work, it, ok);
    if (!ok && needs_continuation(options)) {  // rare: the full solve with its continuation
      Eigen::Map<const Eigen::MatrixXd> Rm(R, n_dofs, n_muscles);
      solve_recruitment(Rm, f, tau.row(k).transpose(), opt, work, result);
      it = result.iterations;
      ok = result.converged;
    }
    activation.row(k) = work.a.transpose();
    reserve.row(k) = (c * work.lambda).transpose();
    iterations[k] = it;
    converged[k] = ok ? 1 : 0;
    if (!ok) ++failures;
  }
  return failures;
}

}  // namespace biomech
