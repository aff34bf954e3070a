// Muscle recruitment by static optimisation: the one solver of the code base.
//
//   minimise   sum_i a_i^p  +  w_r * sum_j (m_j / m_ref)^2
//   subject to sum_i R_ji F_i a_i + m_j = tau_j   (every balanced dof j)
//              a_min <= a_i <= 1
//
// R (m x n, m) moment arms of the muscles about the balanced dofs, F (n, N)
// the force-length-scaled maximal forces, tau (m, N m) the moments the muscles
// must produce, m_j (N m) reserve actuators that keep the problem solvable and
// are reported.
//
// Solved through the dual (see recruitment.cpp and docs/recruitment.md): the
// activations are an explicit function of the multipliers lambda (m), and the
// concave m-dimensional dual is maximised by a semismooth Newton method with a
// line search. The reserves come out as m = lambda m_ref^2 / (2 w_r): they are
// never exactly zero (they are of order 1e-6 N m with the defaults when the
// muscles can carry the moment) and become large only when the muscles cannot.
#pragma once
#include <Eigen/Core>
#include <string>

#include "biomech/fields.hpp"

namespace biomech {

struct RecruitmentOptions {
  double p = 2.0;                     // activation exponent (2 default, 3 optional; p > 1)
  double min_activation = 0.0;        // a_min: lower bound of every activation (OpenSim's min_control)
  double reserve_weight = 1e4;        // cost weight w_r of the reserves
  double reserve_reference_nm = 1.0;  // m_ref
  double tolerance_nm = 1e-10;        // on the moment equality
  // Newton iterations. Well-posed frames take under 30; when the muscles saturate (weak
  // abductors, large reserves) the dual is nearly piecewise linear and Newton crawls from
  // kink to kink: single-leg stance at 10% abductor strength takes 339.
  int max_iterations = 1000;
  // Start from work.lambda when it has the right size and is finite (the previous
  // frame's multipliers); otherwise from the unbounded p = 2 solution. The optimum is
  // unique either way.
  bool warm_start = false;

  static constexpr auto fields() {
    using S = RecruitmentOptions;
    return std::tuple{
        field("p", &S::p, units::one, 1.01, 10, "activation exponent of the cost sum a^p (2 default, 3 optional)"),
        field("min_activation", &S::min_activation, units::one, 0, 0.99,
              "lower bound of every activation (OpenSim's min_control, 0.01 in gait2392)"),
        field("reserve_weight", &S::reserve_weight, units::one, 1e-12, 1e15,
              "cost weight w_r of the reserve actuators, w_r (m / m_ref)^2"),
        field("reserve_reference_nm", &S::reserve_reference_nm, units::nm, 1e-9, 1e6, "m_ref of the reserve cost"),
        field("tolerance_nm", &S::tolerance_nm, units::nm, 1e-15, 1, "tolerance on the moment equality"),
        field("max_iterations", &S::max_iterations, units::one, 1, 100000, "Newton iterations per frame"),
        field("warm_start", &S::warm_start, units::none,
              "start each frame from the previous frame's multipliers (same optimum)")};
  }
};

struct RecruitmentResult {
  Eigen::VectorXd activation;  // (n) a_min..1
  Eigen::VectorXd force;       // (n) N
  Eigen::VectorXd reserve;     // (m) N m
  Eigen::VectorXd residual;    // (m) N m, tau - R F a - reserve (should be ~0)
  double cost = 0.0;
  int iterations = 0;
  bool converged = false;
  // The Lagrange multipliers (m, 1/(N m)) of
  // the moment equalities: the marginal cost of one more N m about dof j.
  Eigen::VectorXd multiplier;
};

// Workspace so repeated solves allocate nothing (the m x m Newton algebra is
// on the stack: fixed-size for 3 and 4 dofs).
struct RecruitmentWorkspace {
  Eigen::VectorXd lambda;                  // (m) multipliers of the last solve: the warm start
  Eigen::MatrixXd At;                      // (n x m) (R diag(F))^T: one column per dof
  Eigen::VectorXd a, deriv;                // (n) activations and da/ds at the iterate
  Eigen::VectorXd a_trial, deriv_trial;    // (n) the same at the line search's trial point
  Eigen::VectorXd s;                       // (n) scratch
};

// Throws InvalidArgument on mismatched sizes, non-finite input, p <= 1, negative F.
// moment_arms (m x n, m), max_force (n, N), tau (m, N m). Does not throw when
// the iteration limit is reached: result.converged says so.
void solve_recruitment(const Eigen::Ref<const Eigen::MatrixXd>& moment_arms,
                       const Eigen::Ref<const Eigen::VectorXd>& max_force,
                       const Eigen::Ref<const Eigen::VectorXd>& tau,
                       const RecruitmentOptions& options,
                       RecruitmentWorkspace& work, RecruitmentResult& result);

// For callers that report no per-frame `converged` flag (single_leg_stance,
// weakness_table): throws std::runtime_error naming `caller`, the iterations and
// the moment residual when `result` did not converge.
void require_converged(const RecruitmentResult& result, const std::string& caller);

// Many frames in one call, allocation-free
// after the first frame.
//   moment_arms: n_frames * n * m doubles, laid out [frame][muscle][dof] (the
//                layout compute_muscle_paths_batch writes), m per frame;
//   max_force:   (n_frames x n) N, or (1 x n) for the same forces in every frame;
//   tau:         (n_frames x m) N m.
// Outputs (resized by the caller): activation (n_frames x n), reserve
// (n_frames x m) N m, iterations (n_frames), converged (n_frames, 0/1).
// With options.warm_start each frame starts from the previous frame's multipliers.
// Returns the number of frames that did not converge.
int solve_recruitment_batch(const double* moment_arms, int n_frames, int n_muscles, int n_dofs,
                            const Eigen::Ref<const Eigen::MatrixXd>& max_force,
                            const Eigen::Ref<const Eigen::MatrixXd>& tau,
                            const RecruitmentOptions& options,
                            Eigen::Ref<Eigen::MatrixXd> activation,
                            Eigen::Ref<Eigen::MatrixXd> reserve,
                            Eigen::Ref<Eigen::VectorXi> iterations,
                            Eigen::Ref<Eigen::VectorXi> converged);

}  // namespace biomech
