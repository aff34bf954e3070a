#!/usr/bin/env python3
"""Static-optimisation throughput (issue 4, acceptance 6). Prints JSON.

Frames: the default model's right hip at random postures (3 dofs, the right-side
muscles that cross the hip), with moments the muscles can produce
(biomech.recruitment.hip_frames). Falls back to random hip-like matrices, and
says so, when the default model cannot be loaded.

Measures, in one run and single-threaded:
- frames per second per core of solve_recruitment_batch (C++, one call, CPU time
  of this process, so other load on the machine does not count against it);
- scipy.optimize.minimize(method="SLSQP") on the first --scipy-frames of the same
  frames, the same problem (biomech.recruitment.solve_recruitment_slsqp), and the
  ratio of the two rates; the largest activation difference between the two.

    python bench/bench_recruitment.py [--frames 20000] [--scipy-frames 200] [--p 2]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import numpy as np


def frames_from_default_model(rng, n):
    from biomech import _core
    from biomech.recruitment import hip_frames

    model = _core.default_model()
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


def cpu_rate(fn, frames, min_seconds=1.0):
    """Frames per CPU second of fn() (which solves `frames` frames), repeated for >= min_seconds."""
    reps, cpu, wall = 0, 0.0, 0.0
    while cpu < min_seconds:
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
        reps += 1
    return reps * frames / cpu, reps * frames / wall


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=20000)
    ap.add_argument("--scipy-frames", type=int, default=200)
    ap.add_argument("--p", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    from biomech.recruitment import solve_recruitment_batch, solve_recruitment_slsqp

    rng = np.random.default_rng(args.seed)
    try:
        arms, force, tau, info = frames_from_default_model(rng, args.frames)
    except Exception as e:  # noqa: BLE001 - any failure to build the model: say why, bench the fallback
        arms, force, tau, info = random_frames(rng, args.frames)
        info["default_model_error"] = f"{type(e).__name__}: {e}"

    out = solve_recruitment_batch(arms, force, tau, p=args.p)
    ours_cpu, ours_wall = cpu_rate(lambda: solve_recruitment_batch(arms, force, tau, p=args.p), len(tau))

    k = min(args.scipy_frames, len(tau))
    sub = (np.ascontiguousarray(arms[:k]), force, np.ascontiguousarray(tau[:k]))
    sub_cpu, _ = cpu_rate(lambda: solve_recruitment_batch(*sub, p=args.p), k)
    c0 = time.process_time()
    worst = 0.0
    failed = 0
    for i in range(k):
        a, _, res = solve_recruitment_slsqp(arms[i].T, force, tau[i], p=args.p)
        failed += not res.converged
        worst = max(worst, float(np.abs(a - out["activation"][i]).max()))
    scipy_cpu = k / (time.process_time() - c0)

    report = {
        "benchmark": "static optimisation (solve_recruitment_batch)",
        "frames": info,
        "p": args.p,
        "n_frames": len(tau),
        "frames_per_second_per_core": round(ours_cpu),
        "frames_per_second_wall": round(ours_wall),
        "target_frames_per_second_per_core": 100000,
        "meets_target": bool(ours_cpu >= 100000),
        "mean_newton_iterations": float(out["iterations"].mean()),
        "max_newton_iterations": int(out["iterations"].max()),
        "all_converged": bool(out["converged"].all()),
        "scipy_slsqp": {
            "n_frames": k,
            "frames_per_second_per_core": round(scipy_cpu, 1),
            "ours_on_same_frames_per_second_per_core": round(sub_cpu),
            "speedup_vs_slsqp": round(sub_cpu / scipy_cpu, 1),
            "max_activation_difference": worst,
            "slsqp_failures": failed,
        },
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                    "cpus": os.cpu_count()},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
