// Static optimisation: equality residuals, KKT conditions checked directly,
// closed-form cases, saturation onto the reserves, other exponents, bad input.
#include "biomech/recruitment.hpp"

#include <gtest/gtest.h>

#include <Eigen/Cholesky>

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>

#include "biomech/errors.hpp"

using namespace biomech;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

// A random problem shaped like the hip: n muscles, m dofs, moment arms of
// either sign up to 6 cm, forces 100-2000 N, and a moment that the muscles can
// produce (R F a0 for activations a0 in [0, amax]).
struct Problem {
  MatrixXd R;
  VectorXd F, tau;
};

Problem random_problem(std::mt19937& rng, int n, int m, double amax) {
  std::uniform_real_distribution<double> arm(-0.06, 0.06), force(100.0, 2000.0), act(0.0, amax);
  Problem pr;
  pr.R.resize(m, n);
  pr.F.resize(n);
  VectorXd a0(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < m; ++j) pr.R(j, i) = arm(rng);
    pr.F[i] = force(rng);
    a0[i] = act(rng);
  }
  pr.tau = pr.R * pr.F.asDiagonal() * a0;
  return pr;
}

// The optimality conditions of the primal, checked from the outputs alone:
// feasibility (A a + m = tau), bounds, reserve stationarity (2 w_r m / m_ref^2 = lambda),
// activation stationarity with complementarity (p a^(p-1) = s inside, s <= p a_min^(p-1) at a_min,
// s >= p at 1).
// equality_tol: 1e-9 N m unless a reserve carries a large moment (see below).
void expect_kkt(const Problem& pr, const RecruitmentOptions& o, const RecruitmentResult& r,
                double equality_tol = 1e-9) {
  ASSERT_TRUE(r.converged);
  const MatrixXd A = pr.R * pr.F.asDiagonal();
  const VectorXd res = pr.tau - A * r.activation - r.reserve;
  EXPECT_LT(res.cwiseAbs().maxCoeff(), equality_tol);
  EXPECT_LT(r.residual.cwiseAbs().maxCoeff(), equality_tol);
  const VectorXd lambda = 2.0 * o.reserve_weight * r.reserve / (o.reserve_reference_nm * o.reserve_reference_nm);
  EXPECT_LT((lambda - r.multiplier).cwiseAbs().maxCoeff(), 1e-12 * (1.0 + lambda.cwiseAbs().maxCoeff()));
  const VectorXd s = A.transpose() * lambda;
  const double tol = 1e-7 * (1.0 + s.cwiseAbs().maxCoeff());
  for (int i = 0; i < r.activation.size(); ++i) {
    const double a = r.activation[i];
    const double lo = o.min_activation;
    EXPECT_GE(a, lo);
    EXPECT_LE(a, 1.0);
    if (a <= lo) {
      EXPECT_LE(s[i], o.p * std::pow(lo, o.p - 1.0) + tol) << "muscle " << i << " at a_min would rather be higher";
    } else if (a >= 1.0) {
      EXPECT_GE(s[i], o.p - tol) << "muscle " << i << " at 1 would rather be lower";
    } else {
      EXPECT_NEAR(o.p * std::pow(a, o.p - 1.0), s[i], tol) << "muscle " << i;
    }
  }
  EXPECT_NEAR(r.force.sum(), pr.F.cwiseProduct(r.activation).sum(), 1e-9);
}

// The same dual semismooth Newton method written plainly with dynamic-size
// Eigen, as recruitment.cpp had it before its kernel was made fixed-size and
// vectorised: the optimised kernel must reproduce it up to rounding (the order
// of the sums differs).
struct Reference {
  VectorXd activation, reserve;
  int iterations = 0;
};

Reference reference_solve(const MatrixXd& R, const VectorXd& F, const VectorXd& tau, const RecruitmentOptions& o) {
  const Eigen::Index m = R.rows(), n = R.cols();
  const double p = o.p, c = o.reserve_reference_nm * o.reserve_reference_nm / (2.0 * o.reserve_weight);
  const MatrixXd A = R * F.asDiagonal();
  auto activation = [&](double s, double& a, double& da) {
    if (s <= 0.0) return void(a = da = 0.0);
    if (s >= p) return void((a = 1.0, da = 0.0));
    a = std::pow(s / p, 1.0 / (p - 1.0));
    da = std::min(a / ((p - 1.0) * s), 1e6);
  };
  auto evaluate = [&](const VectorXd& lambda, VectorXd& a, VectorXd& D, VectorXd& g) {
    const VectorXd s = A.transpose() * lambda;
    double value = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      activation(s[i], a[i], D[i]);
      value += std::pow(a[i], p) - s[i] * a[i];
    }
    g = tau - c * lambda - A * a;
    return value - 0.5 * c * lambda.squaredNorm() + lambda.dot(tau);
  };
  MatrixXd H = 0.5 * A * A.transpose();
  H.diagonal().array() += c;
  VectorXd lambda = H.llt().solve(tau), a(n), D(n), g(m), a1(n), D1(n), g1(m);
  constexpr double eps = std::numeric_limits<double>::epsilon();
  const double tol = std::max(o.tolerance_nm, 16.0 * eps * (tau.cwiseAbs().maxCoeff() +
                                                           A.cwiseAbs().rowwise().sum().maxCoeff()));
  double value = evaluate(lambda, a, D, g);
  Reference r;
  while (g.cwiseAbs().maxCoeff() > tol && r.iterations < o.max_iterations) {
    ++r.iterations;
    H = A * D.asDiagonal() * A.transpose();
    H.diagonal().array() += c;
    const VectorXd d = H.llt().solve(g);
    const double slope = g.dot(d);
    double t = 1.0;
    bool accepted = false;
    for (int ls = 0; ls < 60 && !accepted; ++ls, t *= 0.5) {
      const VectorXd trial = lambda + t * d;
      const double v = evaluate(trial, a1, D1, g1);
      const bool unresolved = t * slope <= 64.0 * eps * (std::abs(value) + std::abs(v));
      if (unresolved ? g1.squaredNorm() <= 0.81 * g.squaredNorm() : v >= value + 1e-4 * t * slope) {
        accepted = true;
        value = v, lambda = trial, a = a1, D = D1, g = g1;
      }
    }
    if (!accepted) break;
  }
  r.activation = a;
  r.reserve = c * lambda;
  return r;
}

}  // namespace

TEST(Recruitment, RandomHipLikeProblemsMeetKkt) {
  std::mt19937 rng(42);
  RecruitmentOptions o;
  RecruitmentWorkspace w;
  RecruitmentResult r;
  for (int k = 0; k < 300; ++k) {
    const Problem pr = random_problem(rng, 27, 3 + k % 2, 0.6);
    solve_recruitment(pr.R, pr.F, pr.tau, o, w, r);
    expect_kkt(pr, o, r);
    // Feasible moments: the reserves stay at the c * lambda level of the penalty.
    EXPECT_LT(r.reserve.cwiseAbs().maxCoeff(), 1e-3);
  }
}

TEST(Recruitment, OtherExponentsMeetKkt) {
  std::mt19937 rng(7);
  RecruitmentWorkspace w;
  RecruitmentResult r;
  for (double p : {3.0, 1.5, 2.5}) {
    RecruitmentOptions o;
    o.p = p;
    for (int k = 0; k < 100; ++k) {
      const Problem pr = random_problem(rng, 27, 4, 0.9);
      solve_recruitment(pr.R, pr.F, pr.tau, o, w, r);
      expect_kkt(pr, o, r);
    }
  }
}

// A lower bound on the activations (OpenSim's min_control): KKT with the bound,
// and every muscle at least at a_min even where it opposes the moment.
TEST(Recruitment, MinimumActivationMeetsKkt) {
  std::mt19937 rng(3);
  RecruitmentWorkspace w;
  RecruitmentResult r;
  for (double p : {2.0, 3.0}) {
    RecruitmentOptions o;
    o.p = p;
    o.min_activation = 0.05;
    for (int k = 0; k < 100; ++k) {
      const Problem pr = random_problem(rng, 27, 4, 0.6);
      solve_recruitment(pr.R, pr.F, pr.tau, o, w, r);
      expect_kkt(pr, o, r);
      EXPECT_GE(r.activation.minCoeff(), 0.05);
      EXPECT_LT(r.reserve.cwiseAbs().maxCoeff(), 1e-3);
    }
  }
  // closed form: one muscle, no moment asked: it sits at a_min, its moment on the reserve
  RecruitmentOptions o;
  o.min_activation = 0.1;
  MatrixXd R(1, 1);
  R << 0.05;
  solve_recruitment(R, VectorXd::Constant(1, 1000.0), VectorXd::Zero(1), o, w, r);
  EXPECT_DOUBLE_EQ(r.activation[0], 0.1);
  EXPECT_NEAR(r.reserve[0], -5.0, 1e-9);  // 0.1 * 1000 N * 0.05 m taken back by the reserve
}

TEST(Recruitment, IdenticalMusclesShareEquallyClosedForm) {
  // One dof, p = 2, no bound active: a_i = R_i F_i tau / (sum_k (R_k F_k)^2 + 2c), c = m_ref^2 / (2 w_r)
  // (the c term is the reserve's share; without reserves it is a = R F tau / sum (R F)^2).
  RecruitmentOptions o;
  RecruitmentWorkspace w;
  RecruitmentResult r;
  MatrixXd R(1, 4);
  R << 0.05, 0.05, 0.05, 0.05;
  VectorXd F = VectorXd::Constant(4, 800.0), tau(1);
  tau << 60.0;
  solve_recruitment(R, F, tau, o, w, r);
  ASSERT_TRUE(r.converged);
  const double c = 1.0 / (2.0 * o.reserve_weight);
  const double expected = 40.0 * 60.0 / (4 * 40.0 * 40.0 + 2 * c);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(r.activation[i], expected, 1e-14);
  EXPECT_NEAR(r.reserve[0], 60.0 - 4 * 40.0 * expected, 1e-12);

  // Different muscles: the closed form weights by R F.
  R << 0.02, 0.04, 0.05, 0.01;
  F << 500, 1000, 300, 2000;
  tau << 25.0;
  solve_recruitment(R, F, tau, o, w, r);
  const VectorXd rf = R.row(0).transpose().cwiseProduct(F);
  const VectorXd a = rf * tau[0] / (rf.squaredNorm() + 2 * c);
  EXPECT_LT((r.activation - a).cwiseAbs().maxCoeff(), 1e-13);

  // p = 3 with identical muscles still shares equally.
  o.p = 3.0;
  R << 0.05, 0.05, 0.05, 0.05;
  F.setConstant(800.0);
  tau << 60.0;
  solve_recruitment(R, F, tau, o, w, r);
  ASSERT_TRUE(r.converged);
  for (int i = 1; i < 4; ++i) EXPECT_NEAR(r.activation[i], r.activation[0], 1e-12);
  EXPECT_NEAR(r.activation[0], 60.0 / 160.0, 1e-6);
}

TEST(Recruitment, SaturationPutsTheRestOnTheReserve) {
  RecruitmentOptions o;
  RecruitmentWorkspace w;
  RecruitmentResult r;
  MatrixXd R(2, 3);
  R << 0.05, 0.04, 0.03,   // abduction: all help
      0.01, -0.01, 0.0;    // rotation
  VectorXd F(3), tau(2);
  F << 1000, 800, 500;
  const double capacity = 50 + 32 + 15;  // N m with every muscle at a = 1
  tau << capacity + 40.0, 2.0;
  solve_recruitment(R, F, tau, o, w, r);
  ASSERT_TRUE(r.converged);
  for (int i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(r.activation[i], 1.0);
  EXPECT_NEAR(r.reserve[0], 40.0, 1e-9);
  EXPECT_NEAR(r.reserve[1], 2.0 - (10 - 8), 1e-9);
  EXPECT_LT(r.residual.cwiseAbs().maxCoeff(), 1e-9);
}

TEST(Recruitment, DofNoMuscleCanActOnIsCarriedByItsReserve) {
  RecruitmentOptions o;
  RecruitmentWorkspace w;
  RecruitmentResult r;
  // Dof 1: no moment arm at all. Dof 2: every muscle pulls positive, the moment is negative.
  MatrixXd R(3, 3);
  R << 0.05, 0.04, 0.03,
      0.0, 0.0, 0.0,
      0.01, 0.02, 0.01;
  VectorXd F(3), tau(3);
  F << 1000, 800, 500;
  tau << 30.0, 7.0, -5.0;
  solve_recruitment(R, F, tau, o, w, r);
  ASSERT_TRUE(r.converged);
  EXPECT_NEAR(r.reserve[1], 7.0, 1e-12);
  // The negative moment cannot come from muscles: the reserve carries it and more.
  EXPECT_LT(r.reserve[2], -5.0);
  // Closed form: only muscle 0 works, a = argmin a^2 + w_r ((30 - 50a)^2 + (5 + 10a)^2).
  EXPECT_NEAR(r.activation[0], 2900e4 / (5200e4 + 2.0), 1e-10);
  // Reserves of several N m make lambda ~ 1e5 and s = A^T lambda cancels: the
  // equality then holds to eps |A|^2 |lambda| (~1e-8 N m here), not to 1e-10.
  Problem pr{R, F, tau};
  expect_kkt(pr, o, r, 1e-7);

  // No muscles at all.
  MatrixXd R0(2, 0);
  VectorXd F0(0), tau0(2);
  tau0 << 3.0, -4.0;
  solve_recruitment(R0, F0, tau0, o, w, r);
  EXPECT_TRUE(r.converged);
  EXPECT_NEAR(r.reserve[0], 3.0, 1e-12);
  EXPECT_NEAR(r.reserve[1], -4.0, 1e-12);

  // Zero moment: nothing active.
  tau.setZero();
  solve_recruitment(R, F, tau, o, w, r);
  EXPECT_EQ(r.activation.cwiseAbs().maxCoeff(), 0.0);
  EXPECT_EQ(r.reserve.cwiseAbs().maxCoeff(), 0.0);
}

TEST(Recruitment, WarmStartAndBatchGiveTheSameOptimum) {
  std::mt19937 rng(3);
  const int n = 27, m = 4, frames = 50;
  const Problem base = random_problem(rng, n, m, 0.5);
  std::vector<double> arms(static_cast<size_t>(frames) * n * m);
  MatrixXd tau(frames, m);
  std::normal_distribution<double> jitter(0.0, 1.0);
  std::vector<Problem> problems;
  for (int k = 0; k < frames; ++k) {
    Problem pr = base;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < m; ++j) {
        pr.R(j, i) += 0.002 * jitter(rng);
        arms[(static_cast<size_t>(k) * n + i) * m + j] = pr.R(j, i);  // [frame][muscle][dof]
      }
    pr.tau *= 1.0 + 0.02 * k;  // ramps into saturation for the last frames
    tau.row(k) = pr.tau.transpose();
    problems.push_back(pr);
  }
  RecruitmentOptions cold, warm;
  warm.warm_start = true;
  MatrixXd act(frames, n), res(frames, m), act_w(frames, n), res_w(frames, m);
  Eigen::VectorXi it(frames), ok(frames), it_w(frames), ok_w(frames);
  MatrixXd F = base.F.transpose();
  EXPECT_EQ(solve_recruitment_batch(arms.data(), frames, n, m, F, tau, cold, act, res, it, ok), 0);
  EXPECT_EQ(solve_recruitment_batch(arms.data(), frames, n, m, F, tau, warm, act_w, res_w, it_w, ok_w), 0);
  EXPECT_LT((act - act_w).cwiseAbs().maxCoeff(), 1e-9);
  RecruitmentWorkspace w;
  RecruitmentResult r;
  for (int k = 0; k < frames; ++k) {
    solve_recruitment(problems[k].R, problems[k].F, problems[k].tau, cold, w, r);
    EXPECT_LT((r.activation.transpose() - act.row(k)).cwiseAbs().maxCoeff(), 1e-12);
    EXPECT_LT((r.reserve.transpose() - res.row(k)).cwiseAbs().maxCoeff(), 1e-12);
    expect_kkt(problems[k], cold, r);
  }
  EXPECT_LE(it_w.sum(), it.sum());
}

TEST(Recruitment, LargeReserveWeightStillConverges) {
  std::mt19937 rng(11);
  RecruitmentOptions o;
  o.reserve_weight = 1e8;
  RecruitmentWorkspace w;
  RecruitmentResult r;
  for (int k = 0; k < 50; ++k) {
    Problem pr = random_problem(rng, 27, 3, 0.7);
    pr.R.row(2).setZero();  // a dof no muscle acts on
    pr.tau[2] = 1.5;
    solve_recruitment(pr.R, pr.F, pr.tau, o, w, r);
    expect_kkt(pr, o, r);
    EXPECT_NEAR(r.reserve[2], 1.5, 1e-9);
    EXPECT_LT(r.reserve.head(2).cwiseAbs().maxCoeff(), 1e-6);
  }
}

// Demands beyond the muscles (activations up to 2) under the exercises' heavy
// reserve weight: every frame converges (the continuation from a lighter weight
// takes over where Newton stalls) and the reserves are those of the lighter weight,
// where saturated muscles leave the same shortfall.
TEST(Recruitment, SaturatedFramesConvergeUnderAHeavyReserveWeight) {
  std::mt19937 rng(5);
  RecruitmentOptions heavy, light;
  heavy.reserve_weight = 1e6;
  light.reserve_weight = 1e4;
  RecruitmentWorkspace w;
  RecruitmentResult r, r_light;
  int saturated = 0;
  for (int k = 0; k < 200; ++k) {
    const Problem pr = random_problem(rng, 27, 4, 2.0);
    solve_recruitment(pr.R, pr.F, pr.tau, heavy, w, r);
    solve_recruitment(pr.R, pr.F, pr.tau, light, w, r_light);
    EXPECT_TRUE(r.converged) << "problem " << k;
    const VectorXd res = pr.tau - pr.R * pr.F.asDiagonal() * r.activation - r.reserve;
    // at the rounding floor of large multipliers (docs/recruitment.md): ~1e-6 of the reserve
    EXPECT_LT(res.cwiseAbs().maxCoeff(), 1e-5 * (1.0 + r.reserve.cwiseAbs().maxCoeff())) << "problem " << k;
    if (r_light.reserve.cwiseAbs().maxCoeff() > 1.0) {
      ++saturated;
      EXPECT_LT((r.reserve - r_light.reserve).cwiseAbs().maxCoeff(), 0.01 * r_light.reserve.cwiseAbs().maxCoeff() + 1e-3);
    }
  }
  EXPECT_GT(saturated, 40);
}

TEST(Recruitment, BadInputThrows) {
  RecruitmentOptions o;
  RecruitmentWorkspace w;
  RecruitmentResult r;
  MatrixXd R = MatrixXd::Constant(2, 3, 0.03);
  VectorXd F = VectorXd::Constant(3, 500.0), tau = VectorXd::Constant(2, 10.0);
  EXPECT_THROW(solve_recruitment(R, VectorXd::Constant(2, 500.0), tau, o, w, r), InvalidArgument);
  EXPECT_THROW(solve_recruitment(R, F, VectorXd::Constant(3, 1.0), o, w, r), InvalidArgument);
  EXPECT_THROW(solve_recruitment(MatrixXd(0, 3), F, VectorXd(0), o, w, r), InvalidArgument);
  VectorXd Fbad = F;
  Fbad[1] = -1.0;
  EXPECT_THROW(solve_recruitment(R, Fbad, tau, o, w, r), InvalidArgument);
  Fbad[1] = NAN;
  EXPECT_THROW(solve_recruitment(R, Fbad, tau, o, w, r), InvalidArgument);
  MatrixXd Rbad = R;
  Rbad(1, 2) = INFINITY;
  EXPECT_THROW(solve_recruitment(Rbad, F, tau, o, w, r), InvalidArgument);
  VectorXd taubad = tau;
  taubad[0] = NAN;
  EXPECT_THROW(solve_recruitment(R, F, taubad, o, w, r), InvalidArgument);
  for (double p : {1.0, 0.5, -2.0, double(NAN)}) {
    RecruitmentOptions ob;
    ob.p = p;
    EXPECT_THROW(solve_recruitment(R, F, tau, ob, w, r), InvalidArgument) << p;
  }
  RecruitmentOptions ob;
  ob.reserve_weight = 0.0;
  EXPECT_THROW(solve_recruitment(R, F, tau, ob, w, r), InvalidArgument);
  ob = RecruitmentOptions{};
  ob.tolerance_nm = -1.0;
  EXPECT_THROW(solve_recruitment(R, F, tau, ob, w, r), InvalidArgument);
  ob = RecruitmentOptions{};
  ob.max_iterations = 0;
  EXPECT_THROW(solve_recruitment(R, F, tau, ob, w, r), InvalidArgument);
  try {
    solve_recruitment(R, VectorXd::Constant(2, 500.0), tau, o, w, r);
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("expected"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("got"), std::string::npos);
  }
  // Batch: wrong shapes.
  std::vector<double> arms(2 * 3 * 2, 0.03);
  MatrixXd T = MatrixXd::Constant(2, 2, 5.0), act(2, 3), res(2, 2);
  Eigen::VectorXi it(2), ok(2);
  EXPECT_THROW(solve_recruitment_batch(arms.data(), 2, 3, 2, MatrixXd::Constant(2, 4, 1.0), T, o, act, res, it, ok),
               InvalidArgument);
  EXPECT_THROW(solve_recruitment_batch(arms.data(), 2, 3, 2, MatrixXd::Constant(1, 3, 1.0), MatrixXd(3, 2), o,
                                       act, res, it, ok),
               InvalidArgument);
  EXPECT_EQ(solve_recruitment_batch(arms.data(), 2, 3, 2, MatrixXd::Constant(1, 3, 500.0), T, o, act, res, it, ok),
            0);
}

TEST(Recruitment, RequireConvergedThrowsOnlyForAnUnconvergedSolve) {
  RecruitmentResult r;
  r.residual = Eigen::Vector3d(0.0, -81.3, 2.0);
  r.iterations = 100;
  r.converged = false;
  try {
    require_converged(r, "single_leg_stance");
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("single_leg_stance"), std::string::npos) << what;
    EXPECT_NE(what.find("100 iterations"), std::string::npos) << what;
    EXPECT_NE(what.find("81.3 N m"), std::string::npos) << what;
  }
  r.converged = true;
  EXPECT_NO_THROW(require_converged(r, "single_leg_stance"));
}

TEST(Recruitment, OptimisedKernelReproducesTheReferenceImplementation) {
  std::mt19937 rng(17);
  RecruitmentWorkspace w;
  RecruitmentResult r;
  for (const double p : {2.0, 3.0, 2.5})
    for (const int m : {3, 4, 2})
      for (int k = 0; k < 40; ++k) {
        const Problem pr = random_problem(rng, 27, m, k < 30 ? 0.5 : 1.5);  // the last ones saturate
        RecruitmentOptions o;
        o.p = p;
        solve_recruitment(pr.R, pr.F, pr.tau, o, w, r);
        const Reference ref = reference_solve(pr.R, pr.F, pr.tau, o);
        ASSERT_TRUE(r.converged);
        // Both stop on the moment residual or, when saturated muscles leave the reserves large
        // multipliers, at the rounding floor of s = A^T lambda: sums in another order can stop
        // them one step apart, so they agree to that floor (1e-8), not to the last bit.
        EXPECT_LT((r.activation - ref.activation).cwiseAbs().maxCoeff(), 1e-8) << "p " << p << ", m " << m;
        EXPECT_LT((r.reserve - ref.reserve).cwiseAbs().maxCoeff(), 1e-8 * (1.0 + ref.reserve.cwiseAbs().maxCoeff()))
            << "p " << p << ", m " << m;
      }
}
