// Muscle recruitment by static optimisation: the one solver of the code base.
//
//   minimise   sum_i a_i^p  +  w_r * sum_j (m_j / m_ref)^2
//   subject to sum_i R_ji F_i a_i + m_j = tau_j   (every balanced dof j)
//              0 <= a_i <= 1
//
// R (m x n, m) moment arms of the muscles about the balanced dofs, F (n, N)
// the force-length-scaled maximal forces, tau (m, N m) the moments the muscles
// must produce, m_j (N m) reserve actuators that keep the problem solvable and
// are reported.
#pragma once
#include <Eigen/Core>

namespace biomech {

struct RecruitmentOptions {
  double p = 2.0;                 // activation exponent (2 default, 3 optional; p > 1)
  double reserve_weight = 1e4;    // cost weight w_r of the reserves
  double reserve_reference = 1.0; // N m, m_ref
  double tolerance = 1e-10;       // on the moment equality, N m
  int max_iterations = 100;
};

struct RecruitmentResult {
  Eigen::VectorXd activation;  // (n) 0..1
  Eigen::VectorXd force;       // (n) N
  Eigen::VectorXd reserve;     // (m) N m
  Eigen::VectorXd residual;    // (m) N m, tau - R F a - reserve (should be ~0)
  double cost = 0.0;
  int iterations = 0;
  bool converged = false;
};

// Workspace so repeated solves allocate nothing.
struct RecruitmentWorkspace {
  Eigen::VectorXd lambda, g, a, tmp;
  Eigen::MatrixXd A, H;
};

// Throws InvalidArgument on mismatched sizes, non-finite input, p <= 1, negative F.
void solve_recruitment(const Eigen::Ref<const Eigen::MatrixXd>& moment_arms,
                       const Eigen::Ref<const Eigen::VectorXd>& max_force,
                       const Eigen::Ref<const Eigen::VectorXd>& tau,
                       const RecruitmentOptions& options,
                       RecruitmentWorkspace& work, RecruitmentResult& result);

}  // namespace biomech
