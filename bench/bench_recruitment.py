#!/usr/bin/env python3
"""Static-optimisation throughput. Prints JSON.

Frames: the default model's right hip at random postures (3 dofs, the right-side
muscles that cross the hip), with moments the muscles can produce
(hip_frames of tests/python/recruitment_oracle.py). Falls back to random hip-like matrices, and
says so, when the default model cannot be loaded.

Measures, in one run and single-threaded, CPU and wall time of each side (bench/timing.py):
- frames per second of solve_recruitment_batch (C++, one call per repetition); one thread,
  so frames per CPU second are frames per second per core (the acceptance figure);
- scipy.optimize.minimize(method="SLSQP") on the first --scipy-frames of the same
  frames, the same problem (solve_recruitment_slsqp of tests/python/recruitment_oracle.py), with
  NumPy's and SciPy's BLAS pinned to one thread (threadpoolctl): with their default threads,
  OpenBLAS's busy-waiting counts as CPU time of this process and inflates the
  ratio; then the ratio of the two rates and the largest activation difference.

    python bench/bench_recruitment.py [--frames 20000] [--scipy-frames 200] [--p 2]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits  # a test dependency (biomech[test])

from timing import machine, rates, ratios, timed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "python"))
from recruitment_oracle import hip_frames, solve_recruitment_slsqp  # noqa: E402  (scipy: a test dependency)

TARGET = 1_000_000  # frames / s / core on the default model's 27-muscle, 3-dof hip frame


def frames_from_default_model(rng, n):
    import biomech

    model = biomech.Model.default().core  # the package finds the shipped model file (_core alone does not)
    arms, force, tau, names = hip_frames(model, rng, n)
    return arms, force, tau, {"source": f"default model '{model.name}', right hip, random postures",
                              "muscles": len(names), "dofs": arms.shape[2]}


def random_frames(rng, n, muscles=27, dofs=3):
    arms = rng.uniform(-0.06, 0.06, (n, muscles, dofs))
    force = rng.uniform(100.0, 2000.0, muscles)
    a0 = rng.uniform(0.0, 0.5, (n, muscles))
    tau = np.einsum("fnj,fn->fj", arms, a0 * force[None, :])
    return arms, force, tau, {"source": "random hip-like matrices (default model not available)",
                              "muscles": muscles, "dofs": dofs}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=20000)
    ap.add_argument("--scipy-frames", type=int, default=200)
    ap.add_argument("--p", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    from biomech.recruitment import solve_recruitment_batch

    rng = np.random.default_rng(args.seed)
    try:
        arms, force, tau, info = frames_from_default_model(rng, args.frames)
    except Exception as e:  # noqa: BLE001 - any failure to build the model: say why, bench the fallback
        arms, force, tau, info = random_frames(rng, args.frames)
        info["default_model_error"] = f"{type(e).__name__}: {e}"

    out = solve_recruitment_batch(arms, force, tau, p=args.p)
    ours = rates(timed(lambda: solve_recruitment_batch(arms, force, tau, p=args.p), min_cpu_s=1.0),
                 len(tau), "frames")

    k = min(args.scipy_frames, len(tau))
    sub = (np.ascontiguousarray(arms[:k]), force, np.ascontiguousarray(tau[:k]))
    ours_sub = rates(timed(lambda: solve_recruitment_batch(*sub, p=args.p), min_cpu_s=1.0), k, "frames")
    slsqp = [None] * k

    def run_slsqp():
        for i in range(k):
            slsqp[i] = solve_recruitment_slsqp(arms[i].T, force, tau[i], p=args.p)

    # Warm up outside the limits: it imports scipy.optimize, which loads SciPy's own OpenBLAS, and
    # threadpool_limits only pins the libraries loaded when it is entered.
    solve_recruitment_slsqp(arms[0].T, force, tau[0], p=args.p)
    with threadpool_limits(limits=1, user_api="blas"):
        blas = [{key: b[key] for key in ("internal_api", "num_threads", "filepath")}
                for b in threadpool_info() if b["user_api"] == "blas"]
        scipy_side = rates(timed(run_slsqp, min_cpu_s=1.0), k, "frames")
    worst = max(float(np.abs(a - out["activation"][i]).max()) for i, (a, _, _) in enumerate(slsqp))
    failed = sum(not res.converged for _, _, res in slsqp)

    report = {
        "benchmark": "static optimisation (solve_recruitment_batch)",
        "frames": info,
        "p": args.p,
        "n_frames": len(tau),
        "ours": ours,
        "acceptance": {
            "frames_per_s_per_core": ours["frames_per_cpu_s"],
            "target_frames_per_s_per_core": TARGET,
            "meets_target": bool(ours["frames_per_cpu_s"] >= TARGET),
            "note": "single-threaded: frames per CPU second = per core; wall time depends on the machine's load",
        },
        "mean_newton_iterations": float(out["iterations"].mean()),
        "max_newton_iterations": int(out["iterations"].max()),
        "all_converged": bool(out["converged"].all()),
        "scipy_slsqp": {
            "n_frames": k,
            "blas_threads": 1,
            "blas": blas,
            "note": "every loaded BLAS (NumPy's and SciPy's, listed) pinned to one thread with threadpoolctl "
                    "while SLSQP runs, so that OpenBLAS worker threads (busy-waiting) add no CPU time",
            "slsqp": scipy_side,
            "ours_on_same_frames": ours_sub,
            "speedup_vs_slsqp": ratios(ours_sub, scipy_side, "frames"),
            "max_activation_difference": worst,
            "slsqp_failures": failed,
        },
        "machine": machine(),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
