"""Static optimisation: agreement with scipy.optimize (SLSQP), KKT conditions,
batch == single frame, reserves, bad input (1,000 frames of the default model;
random matrices as a model-free check)."""
from __future__ import annotations

import biomech

import numpy as np
import pytest

from biomech.recruitment import solve_recruitment, solve_recruitment_batch
from recruitment_oracle import hip_frames, solve_recruitment_slsqp


def random_frames(rng, frames, n=27, m=3, amax=0.6):
    """Hip-like frames: moment arms of either sign up to 6 cm (m x n), forces
    100-2000 N, and moments the muscles can produce (R F a0, a0 in [0, amax])."""
    R = rng.uniform(-0.06, 0.06, (frames, m, n))
    F = rng.uniform(100.0, 2000.0, (frames, n))
    a0 = rng.uniform(0.0, amax, (frames, n))
    tau = np.einsum("fjn,fn->fj", R, F * a0)
    return R, F, tau


def default_model_frames(rng, frames):
    """Frames of the default model's right hip (random postures, feasible moments)."""
    model = biomech.Model.default().core
    arms, force, tau, _ = hip_frames(model, rng, frames)
    return arms, force, tau


def kkt_violation(R, F, tau, activation, reserve, p=2.0, reserve_weight=1e4, reserve_reference=1.0):
    """Largest violation of the optimality conditions, from the outputs alone."""
    A = R * F[None, :]
    lam = 2.0 * reserve_weight * reserve / reserve_reference**2
    s = A.T @ lam
    a = activation
    inside = (a > 0) & (a < 1)
    v = [
        np.abs(tau - A @ a - reserve).max(),  # feasibility, N m
        max(0.0, -a.min(initial=0.0)),
        max(0.0, a.max(initial=0.0) - 1.0),
        np.abs(p * a[inside] ** (p - 1) - s[inside]).max(initial=0.0),  # stationarity inside
        max(0.0, s[a <= 0].max(initial=-1.0)),  # at 0 the cost must not fall by raising a
        max(0.0, p - s[a >= 1].min(initial=p + 1.0)),  # at 1 it must not fall by lowering a
    ]
    return max(v)


def test_agrees_with_scipy_slsqp_on_random_matrices():
    rng = np.random.default_rng(20240601)
    R, F, tau = random_frames(rng, 300)
    worst = 0.0
    for k in range(len(tau)):
        ours = solve_recruitment(R[k], F[k], tau[k])
        assert ours.converged
        ref, ref_reserve, res = solve_recruitment_slsqp(R[k], F[k], tau[k])
        assert res.converged, res.message
        worst = max(worst, np.abs(ours.activation - ref).max())
        assert np.abs(ours.reserve - ref_reserve).max() < 1e-6
    assert worst < 1e-6, worst


def test_agrees_with_scipy_slsqp_on_default_model_frames():
    rng = np.random.default_rng(7)
    arms, F, tau = default_model_frames(rng, 1000)  # arms (frames, n, 3) as for the batch
    out = solve_recruitment_batch(arms, F, tau)
    assert out["converged"].all()
    unsettled = 0
    for k in range(len(tau)):
        ref, _, res = solve_recruitment_slsqp(arms[k].T, F, tau[k])
        if not res.converged:
            # SLSQP sometimes stalls at its iteration limit on these 20-muscle
            # frames; the problem is convex, so our KKT conditions certify the
            # optimum, and SLSQP's stalled point must be no cheaper than ours.
            unsettled += 1
            a = out["activation"][k]
            assert kkt_violation(arms[k].T, F, tau[k], a, out["reserve"][k]) < 1e-7, k
            assert np.sum(a**2) <= np.sum(ref**2) + 1e-9, k
            continue
        assert np.abs(out["activation"][k] - ref).max() < 1e-6, k
    assert unsettled <= len(tau) // 100, f"SLSQP did not settle on {unsettled} of {len(tau)} frames"


@pytest.mark.parametrize("p", [2.0, 3.0, 1.5])
def test_kkt_conditions_hold(p):
    rng = np.random.default_rng(int(10 * p))
    R, F, tau = random_frames(rng, 200, m=4, amax=0.9)
    for k in range(len(tau)):
        r = solve_recruitment(R[k], F[k], tau[k], p=p)
        assert r.converged
        assert np.abs(r.residual).max() < 1e-9
        assert kkt_violation(R[k], F[k], tau[k], r.activation, r.reserve, p=p) < 1e-7


def test_p3_agrees_with_scipy():
    rng = np.random.default_rng(3)
    R, F, tau = random_frames(rng, 40, m=4, amax=0.8)
    for k in range(len(tau)):
        r = solve_recruitment(R[k], F[k], tau[k], p=3.0)
        ref, _, res = solve_recruitment_slsqp(R[k], F[k], tau[k], p=3.0)
        assert res.converged
        assert np.abs(r.activation - ref).max() < 1e-6


def test_minimum_activation_agrees_with_scipy():
    """A lower bound on every activation (OpenSim's min_control): same optimum as SLSQP with that bound."""
    rng = np.random.default_rng(11)
    R, F, tau = random_frames(rng, 40, m=4, amax=0.6)
    for p in (2.0, 3.0):
        for k in range(len(tau)):
            r = solve_recruitment(R[k], F[k], tau[k], p=p, min_activation=0.05)
            ref, _, res = solve_recruitment_slsqp(R[k], F[k], tau[k], p=p, min_activation=0.05)
            assert res.converged and r.converged
            assert r.activation.min() >= 0.05
            assert np.abs(r.activation - ref).max() < 1e-6


def test_batch_equals_single_frames_and_warm_start_finds_the_same_optimum():
    rng = np.random.default_rng(5)
    R, F, tau = random_frames(rng, 300, m=4)
    arms = np.ascontiguousarray(R.transpose(0, 2, 1))  # [frame][muscle][dof]
    cold = solve_recruitment_batch(arms, F, tau)
    warm = solve_recruitment_batch(arms, F, tau, warm_start=True)
    assert cold["activation"].shape == (300, 27) and cold["reserve"].shape == (300, 4)
    assert cold["converged"].all() and warm["converged"].all()
    np.testing.assert_allclose(warm["activation"], cold["activation"], atol=1e-9)
    for k in (0, 17, 299):
        r = solve_recruitment(R[k], F[k], tau[k])
        np.testing.assert_allclose(cold["activation"][k], r.activation, atol=1e-13)
        np.testing.assert_allclose(cold["reserve"][k], r.reserve, atol=1e-13)
    # the same forces for every frame may be given once
    same = solve_recruitment_batch(arms, F[0], tau)
    r = solve_recruitment(R[9], F[0], tau[9])
    np.testing.assert_allclose(same["activation"][9], r.activation, atol=1e-13)


def test_identical_muscles_share_equally_and_saturation_goes_to_the_reserve():
    R = np.full((1, 4), 0.05)
    F = np.full(4, 800.0)
    c = 1.0 / (2 * 1e4)  # m_ref^2 / (2 w_r)
    r = solve_recruitment(R, F, np.array([60.0]))
    # closed form, p = 2, no bound active: a = R F tau / (sum (R F)^2 + 2c)
    np.testing.assert_allclose(r.activation, 40.0 * 60.0 / (4 * 1600.0 + 2 * c), rtol=1e-13)
    r = solve_recruitment(R, F, np.array([200.0]))  # capacity 160 N m
    np.testing.assert_array_equal(r.activation, 1.0)
    assert r.reserve[0] == pytest.approx(40.0, abs=1e-9)


def test_bad_input_raises_value_error():
    R = np.full((2, 3), 0.03)
    F = np.full(3, 500.0)
    tau = np.array([10.0, 5.0])
    with pytest.raises(ValueError, match="expected max_force of size 3"):
        solve_recruitment(R, np.full(2, 500.0), tau)
    with pytest.raises(ValueError, match="max_force >= 0"):
        solve_recruitment(R, np.array([500.0, -1.0, 500.0]), tau)
    with pytest.raises(ValueError, match="finite tau"):
        solve_recruitment(R, F, np.array([np.nan, 1.0]))
    with pytest.raises(ValueError, match=r"expected p in \[1.01, 10\]"):
        solve_recruitment(R, F, tau, p=1.0)
    with pytest.raises(ValueError, match="shape"):
        solve_recruitment_batch(np.zeros((4, 3)), F, tau)
    with pytest.raises(ValueError, match="tau of shape"):
        solve_recruitment_batch(np.zeros((4, 3, 2)), F, np.zeros((3, 2)))
