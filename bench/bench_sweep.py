"""Sweep benchmark: a population sweep streamed to HDF5, its peak resident memory
and its throughput with n_jobs = 1 and 2 C++ threads.

Target: 1,000,000 evaluations in under 60 s (wall) with 2 jobs, a scaling
of at least 1.8x from 1 to 2 jobs (wall, measured in one run; it needs an idle machine with
two free cores: check machine.load_average), and a peak RSS under 500 MB. On a shared
machine the CPU-time figures are the comparable ones: evaluations per CPU second with one
job is the per-core rate.

Each run is a fresh subprocess (so its peak RSS, from resource.getrusage, belongs to that
sweep alone) and reports its CPU and wall time: the single-leg-stance seesaw over a random
population of subjects (sex, mass, height, pelvis width, neck-shaft angle, gluteus medius
strength 30-100 %), so every evaluation scales the model to its subject and balances it.

The n_jobs scaling is a wall-time claim that needs two idle cores. So that a reader can judge
it, every run records the load averages (os.getloadavg) just before and after it, and the
cores it used (CPU time / wall time: near 2 with two jobs when both cores were free to it).
With --rounds R the 1- and 2-job runs alternate R times, in the order 1, 2 then 2, 1 (so a
machine that speeds up or slows down steadily favours neither), and the fastest of each counts
(load that comes and goes then hits both sides alike); the scaling within each round, of two
runs adjacent in time, and its median are reported beside it.

A shared machine's speed can drift by 20-40% within a minute, longer than one run of the
target's size; the ratio of two such runs measures the drift as much as the code. So the
scaling is also measured interleaved: one process alternates short sweeps with 1 and 2 jobs
(--pairs P of --pair-rows rows each, order 1, 2 then 2, 1), and the ratio of their summed wall
times is the scaling with drift shared by both sides (`scaling_2_vs_1.interleaved`, the
acceptance figure). Prints one JSON object.

    python bench/bench_sweep.py                 # 100,000 evaluations, n_jobs 1 then 2
    python bench/bench_sweep.py --n 1000000     # the target's size
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

from timing import machine

# The sweep: the single-leg-stance seesaw over a random population.
CONFIG = {
    "target": "single_leg_stance",
    "population": {
        "sex": {"distribution": "choice", "values": ["male", "female"]},
        "mass_kg": {"distribution": "normal", "mean": 72, "sd": 13, "min": 45, "max": 130},
        "height_m": {"distribution": "normal", "mean": 1.72, "sd": 0.09, "min": 1.5, "max": 2.0},
        "pelvis_width_m": {"distribution": "uniform", "min": 0.21, "max": 0.29},
        "neck_shaft_angle_deg": {"distribution": "normal", "mean": 128, "sd": 5, "min": 115, "max": 145},
        "gmed_strength_pct": {"distribution": "uniform", "min": 30, "max": 100},
    },
    "seed": 2024, "compression": 4,
}

# One sweep in a fresh process: its peak RSS is the sweep's alone.
CHILD = r"""
import json, os, resource, sys, time
import biomech
cfg = json.loads(sys.argv[1]); out = sys.argv[2]
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0, c0 = time.perf_counter(), time.process_time()
biomech.sweep(cfg, out=out, quiet=True)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
print(json.dumps({"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": rss / 1024, "rss_before_sweep_mb": rss0 / 1024,
                  "file_mb": os.path.getsize(out) / 2**20}))
"""

# Short sweeps with 1 and 2 jobs alternating in one process: the interleaved scaling.
INTERLEAVED_CHILD = r"""
import json, os, sys, tempfile, time
import biomech
cfg = json.loads(sys.argv[1]); pairs, rows = int(sys.argv[2]), int(sys.argv[3])
walls, cpus = {1: [], 2: []}, {1: [], 2: []}
with tempfile.TemporaryDirectory() as d:
    biomech.sweep({**cfg, "samples": 64, "n_jobs": 1}, out=os.path.join(d, "warm.h5"), quiet=True)
    for i in range(pairs):
        for n_jobs in ((1, 2) if i % 2 == 0 else (2, 1)):
            t0, c0 = time.perf_counter(), time.process_time()
            biomech.sweep({**cfg, "samples": rows, "seed": i, "n_jobs": n_jobs}, out=os.path.join(d, "s.h5"), quiet=True)
            walls[n_jobs].append(time.perf_counter() - t0); cpus[n_jobs].append(time.process_time() - c0)
print(json.dumps({"walls": walls, "cpus": cpus}))
"""


def interleaved(pairs: int, rows: int, chunk: int) -> dict:
    before = load()
    cfg = {**CONFIG, "chunk_size": chunk}
    r = subprocess.run([sys.executable, "-c", INTERLEAVED_CHILD, json.dumps(cfg), str(pairs), str(rows)],
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise SystemExit(f"bench_sweep: interleaved child failed: {r.stderr.strip().splitlines()[-1:]}")
    res = json.loads(r.stdout.strip().splitlines()[-1])
    w1, w2 = res["walls"]["1"], res["walls"]["2"]
    c1, c2 = res["cpus"]["1"], res["cpus"]["2"]
    return {"pairs": pairs, "rows_per_sweep": rows, "wall_s_1_job": sum(w1), "wall_s_2_jobs": sum(w2),
            "cpu_s_1_job": sum(c1), "cpu_s_2_jobs": sum(c2), "scaling_wall": sum(w1) / sum(w2),
            "scaling_wall_of_each_pair": [a / b for a, b in zip(w1, w2)], "cpu_2_vs_1": sum(c2) / sum(c1),
            "load_average_before": before, "load_average_after": load()}


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run(n: int, n_jobs: int, chunk: int, out: str) -> dict:
    before = load()
    cfg = {**CONFIG, "samples": n, "n_jobs": n_jobs, "chunk_size": chunk}
    r = subprocess.run([sys.executable, "-c", CHILD, json.dumps(cfg), out],
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise SystemExit(f"bench_sweep: child failed: {r.stderr.strip().splitlines()[-1:]}")
    res = json.loads(r.stdout.strip().splitlines()[-1])
    return {**res, "cores_used": res["cpu_s"] / res["wall_s"], "load_average_before": before, "load_average_after": load()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="evaluations per run (default 100000; the target is for 1000000)")
    ap.add_argument("--chunk", type=int, default=2048, help="rows per chunk (default 2048)")
    ap.add_argument("--rounds", type=int, default=1, help="alternate the 1- and 2-job runs this often; the fastest counts")
    ap.add_argument("--pairs", type=int, default=4,
                    help="interleaved scaling: pairs of shorter 1- and 2-job sweeps in one process (default 4; 0 skips)")
    ap.add_argument("--pair-rows", type=int, default=102_400,
                    help="evaluations per shorter sweep (default 102400: 50 chunks of 2048, so the last chunk a "
                         "job runs alone, with the other core idle, is a small part of the sweep)")
    args = ap.parse_args()
    import h5py

    with tempfile.TemporaryDirectory() as d:
        runs: dict[int, dict] = {}
        pairs: list[float] = []  # wall 1 job / wall 2 jobs within each round (adjacent in time)
        for i in range(args.rounds):
            walls_of_round = {}
            for n_jobs in ((1, 2) if i % 2 == 0 else (2, 1)):
                out = os.path.join(d, f"sweep_{n_jobs}.h5")
                r = run(args.n, n_jobs, args.chunk, out)
                walls_of_round[n_jobs] = r["wall_s"]
                with h5py.File(out, "r") as f:
                    r["rows_in_file"] = int(f["sweep"].attrs["n_rows"])
                walls = runs.get(n_jobs, {}).get("wall_s_of_rounds", []) + [r["wall_s"]]
                if n_jobs not in runs or r["wall_s"] < runs[n_jobs]["wall_s"]:
                    runs[n_jobs] = r
                runs[n_jobs]["wall_s_of_rounds"] = walls
            pairs.append(walls_of_round[1] / walls_of_round[2])
        with h5py.File(os.path.join(d, "sweep_1.h5"), "r") as a, h5py.File(os.path.join(d, "sweep_2.h5"), "r") as b:
            identical = all((a["sweep"][k][...] == b["sweep"][k][...]).all() for k in a["sweep"])
    r1, r2 = runs[1], runs[2]
    peak = max(r1["peak_rss_mb"], r2["peak_rss_mb"])
    mixed = interleaved(args.pairs, args.pair_rows, args.chunk) if args.pairs > 0 else None
    scaling = mixed["scaling_wall"] if mixed else r1["wall_s"] / r2["wall_s"]
    print(json.dumps({
        "benchmark": "sweep",
        "what": "single-leg-stance seesaw over a random population (model scaled per evaluation), streamed to HDF5",
        "evaluations": args.n,
        "chunk_rows": args.chunk,
        "n_jobs_1": {**r1, "evaluations_per_wall_s": args.n / r1["wall_s"], "evaluations_per_cpu_s": args.n / r1["cpu_s"]},
        "n_jobs_2": {**r2, "evaluations_per_wall_s": args.n / r2["wall_s"], "evaluations_per_cpu_s": args.n / r2["cpu_s"]},
        # CPU 2 vs 1 > 1 means the second thread adds work (overhead); the wall scaling (acceptance)
        # needs an otherwise idle machine with >= 2 free cores (see machine.load_average).
        "cpu_2_vs_1": r2["cpu_s"] / r1["cpu_s"],
        "scaling_2_vs_1": {"wall": r1["wall_s"] / r2["wall_s"], "wall_within_each_round": pairs,
                           "wall_within_rounds_median": statistics.median(pairs),
                           "interleaved": mixed,
                           "cores_used_1_job": r1["cores_used"],
                           "cores_used_2_jobs": r2["cores_used"],
                           "note": "wall scaling is meaningful only when load_average_before/after of both runs "
                                   "left two cores free; cores_used ~2 with 2 jobs means the code kept both busy"},
        "results_identical_1_vs_2": bool(identical),
        "peak_rss_mb": peak,
        "acceptance": {
            "evaluations": args.n,
            "wall_s_2_jobs": r2["wall_s"],
            "scaling_2_vs_1_wall": scaling,
            "scaling_measured": "interleaved short sweeps in one process" if mixed else "the two runs above",
            "peak_rss_mb": peak,
            "evaluations_per_s_per_core": args.n / r1["cpu_s"],
            "target": "1,000,000 evaluations in < 60 s with 2 jobs, scaling >= 1.8 (idle machine), peak RSS < 500 MB",
            "meets_target": bool(args.n >= 1_000_000 and r2["wall_s"] < 60.0 and scaling >= 1.8 and peak < 500),
        },
        "rounds": args.rounds,
        # with --rounds the machine's speed may change between rounds: the pairs within a round
        # (scaling_2_vs_1.wall_within_each_round) show how much of the best-of scaling that is
        "machine": machine(),
    }, indent=2))


if __name__ == "__main__":
    main()
