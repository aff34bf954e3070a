"""Benchmark: forward dynamics of single-leg stance.

Prints JSON. Target: a 10 s stance simulation runs at least 1,000 times faster
than real time on one core. The baseline is real time itself (the simulated
duration); rates are reported per CPU second and per wall second (bench/timing.py),
at full strength (settles level) and at 30% strength (drops: the hardest case for
the step-size control), rigid and compliant tendon.

    python bench/bench_dynamics.py [--duration-s 10] [--repeats 5]
"""
from __future__ import annotations

import argparse
import json

import biomech
from biomech.dynamics import simulate_stance
from timing import machine, timed

TARGET = 1000.0


def measure(model, repeats: int, **kwargs) -> dict:
    """The fastest of ``repeats`` runs, by CPU time and by wall time."""
    results = []
    times = [timed(lambda: results.append(simulate_stance(model, **kwargs))) for _ in range(repeats)]
    cpu = min(t["cpu_s"] for t in times)
    wall = min(t["wall_s"] for t in times)
    s = results[-1].summary
    d = kwargs["duration_s"]
    return {"cpu_s": cpu, "wall_s": wall, "steps": s["steps"], "max_drop_deg": s["max_drop_deg"],
            "integrator": s["integrator"], "faster_than_real_time_cpu": d / max(cpu, 1e-12),
            "faster_than_real_time_wall": d / max(wall, 1e-12)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration-s", type=float, default=10.0, help="simulated time per run (s)")
    ap.add_argument("--repeats", type=int, default=5, help="runs per case; the fastest counts")
    a = ap.parse_args()
    model = biomech.Model.default()
    cases = {
        "full_strength_rigid": dict(abductor_strength=1.0),
        "weak_30pct_rigid": dict(abductor_strength=0.3),
        "full_strength_compliant": dict(abductor_strength=1.0, tendon="compliant"),
    }
    out = {name: measure(model, a.repeats, duration_s=a.duration_s, sample_hz=100.0, **kw) for name, kw in cases.items()}
    worst = min(c["faster_than_real_time_cpu"] for name, c in out.items() if name.endswith("rigid"))
    print(json.dumps({
        "benchmark": "pelvis_dynamics_stance",
        "simulated_duration_s": a.duration_s,
        "cases": out,
        "faster_than_real_time_cpu_rigid_worst": worst,
        "target_faster_than_real_time": TARGET,
        "meets_target": worst >= TARGET,
        "note": "CPU time (time.process_time) and wall time of one run, each the best of --repeats; 100 Hz output",
        "machine": machine(),
    }, indent=2))


if __name__ == "__main__":
    main()
