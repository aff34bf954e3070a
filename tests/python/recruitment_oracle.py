"""Independent references for the static optimisation of ``biomech.solve_recruitment``, for the
tests (tests/python/test_recruitment.py) and the benchmark (bench/bench_recruitment.py):
``solve_recruitment_slsqp`` solves the same problem with scipy.optimize (SLSQP, ~1000x slower);
``hip_frames`` draws static-optimisation frames of one hip of a model. scipy is a test
dependency, never one of the product.
"""
from __future__ import annotations

import numpy as np

from biomech import _core

HIP_DOFS = ("hip_flexion", "hip_adduction", "hip_rotation")


def solve_recruitment_slsqp(
    moment_arms,
    max_force,
    tau,
    *,
    p: float = 2.0,
    min_activation: float = 0.0,
    reserve_weight: float = 1e4,
    reserve_reference: float = 1.0,
    ftol: float = 1e-14,
    maxiter: int = 1000,
):
    """The static-optimisation problem of ``solve_recruitment`` solved by scipy SLSQP.

    moment_arms (m, n) m, max_force (n,) N, tau (m,) N m. Variables are the n
    activations and the m reserves; the moment equality is an equality
    constraint and min_activation <= a <= 1 are bounds, exactly as in the C++ solver.
    Returns (activation (n,), reserve (m,) N m, scipy OptimizeResult); the result's
    ``converged`` is True when SLSQP succeeded or stopped on a feasible point at the
    limit of its line search (status 8).
    """
    from scipy.optimize import minimize

    R = np.asarray(moment_arms, dtype=float)
    F = np.asarray(max_force, dtype=float)
    t = np.asarray(tau, dtype=float)
    if R.ndim != 2 or F.shape != (R.shape[1],) or t.shape != (R.shape[0],):
        raise ValueError(
            f"expected moment_arms (m, n), max_force (n,), tau (m,), got {R.shape}, {F.shape}, {t.shape}"
        )
    m, n = R.shape
    A = R * F[None, :]
    # Scaled variables so that the quasi-Newton Hessian starts well: u = sqrt(w) m / m_ref
    # (cost |u|^2 like the activations'), and constraint rows divided by their size.
    sw = np.sqrt(reserve_weight) / reserve_reference
    J = np.hstack([A, np.eye(m) / sw])
    row = np.maximum(np.abs(J).max(axis=1), 1e-300)
    J /= row[:, None]
    ts = t / row

    def cost(x):
        a, u = x[:n], x[n:]
        return np.sum(np.abs(a) ** p) + u @ u

    def grad(x):
        a, u = x[:n], x[n:]
        return np.concatenate([p * np.sign(a) * np.abs(a) ** (p - 1), 2 * u])

    constraint = {"type": "eq", "fun": lambda x: J @ x - ts, "jac": lambda x: J}
    # Start from the least-norm activations, clipped, with the reserves closing the gap.
    a0 = np.clip(np.linalg.lstsq(A, t, rcond=None)[0], min_activation, 1.0) if n else np.zeros(0)
    x0 = np.concatenate([a0, sw * (t - A @ a0)])
    bounds = [(min_activation, 1.0)] * n + [(None, None)] * m
    res = minimize(
        cost, x0, jac=grad, bounds=bounds, constraints=[constraint], method="SLSQP",
        options={"ftol": ftol, "maxiter": maxiter},
    )
    a = np.clip(res.x[:n], min_activation, 1.0)
    # SLSQP ends with status 8 ("positive directional derivative in line search")
    # when it sits on the optimum and ftol asks for more than rounding allows;
    # that is a converged point if it is feasible.
    violation = float(np.abs(A @ a + res.x[n:] / sw - t).max(initial=0.0))
    res["converged"] = bool(res.success or (res.status == 8 and violation < 1e-8 * (1.0 + np.abs(t).max(initial=0.0))))
    res["constraint_violation"] = violation
    return a, res.x[n:] / sw, res


def hip_frames(model, rng, frames: int, *, side: str = "r", max_activation: float = 0.5):
    """Random static-optimisation frames of one hip of ``model``, for tests and benchmarks.

    Postures: the hip's three coordinates uniform over their ranges (others at
    their defaults). Muscles: those of ``side`` with a moment arm about the hip.
    Moments: ones the muscles can produce, ``tau = R F a0`` with ``a0`` uniform
    in [0, max_activation]. Forces: ``max_isometric_force`` (no force-length
    scaling, so the frames depend only on moment arms).
    Returns (moment_arms (frames, n, 3) m in the batch layout, max_force (n,) N,
    tau (frames, 3) N m, muscle names).
    """
    if side not in ("r", "l"):
        raise ValueError(f"expected side 'r' or 'l', got {side!r}")
    coords = [model.posture_coordinate(f"{d}_{side}") for d in HIP_DOFS]
    if min(coords) < 0:
        raise ValueError(f"expected a model with coordinates {[f'{d}_{side}' for d in HIP_DOFS]}")
    postures = np.tile(model.default_posture(), (frames, 1))
    for c in coords:
        coord = model.coordinates[model.independent[c]]
        postures[:, c] = rng.uniform(coord.range_min, coord.range_max, frames)
    data = _core.Data(model)
    _, arms = _core.compute_muscle_paths_batch(model, data, postures, coords)
    muscles = [
        i for i, mu in enumerate(model.muscles)
        if mu.side == side and np.abs(arms[:, i, :]).max() > 1e-6
    ]
    arms = np.ascontiguousarray(arms[:, muscles, :])
    force = np.array([model.muscles[i].max_isometric_force for i in muscles])
    a0 = rng.uniform(0.0, max_activation, (frames, len(muscles)))
    tau = np.einsum("fnj,fn->fj", arms, a0 * force[None, :])
    return arms, force, tau, [model.muscles[i].name for i in muscles]
