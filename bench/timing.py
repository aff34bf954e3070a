"""How every benchmark in bench/ measures time: CPU and wall, side by side.

CPU time (``time.process_time``: user + system of this process, all its threads)
is the figure to compare on a shared machine, where other load stretches the
wall time; wall time (``time.perf_counter``) is what a user waits. Both are
reported for every measured side, and ratios of the two sides are computed in
the same run. Imported by the scripts as ``from timing import ...`` (the
script's own folder is on sys.path when it runs as ``python bench/x.py``).
"""
from __future__ import annotations

import os
import platform
import sys
import time
from typing import Callable


def timed(fn: Callable[[], object], *, min_cpu_s: float = 0.0, repeats: int = 1) -> dict:
    """Run ``fn()`` ``repeats`` times, then again until ``min_cpu_s`` of CPU time is spent.

    Returns {"runs", "cpu_s", "wall_s"}: totals over all runs.
    """
    runs, cpu, wall = 0, 0.0, 0.0
    while runs < repeats or cpu < min_cpu_s:
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
        runs += 1
    return {"runs": runs, "cpu_s": cpu, "wall_s": wall}


def rates(t: dict, items_per_run: float, unit: str) -> dict:
    """``t`` from timed() with the rates of ``unit`` per CPU second and per wall second added."""
    n = t["runs"] * items_per_run
    return {**t, f"{unit}_per_cpu_s": n / max(t["cpu_s"], 1e-12), f"{unit}_per_wall_s": n / max(t["wall_s"], 1e-12)}


def ratios(fast: dict, slow: dict, unit: str) -> dict:
    """How many times faster ``fast`` is than ``slow`` (both from rates() with the same unit), by CPU and by wall."""
    return {"cpu": fast[f"{unit}_per_cpu_s"] / slow[f"{unit}_per_cpu_s"],
            "wall": fast[f"{unit}_per_wall_s"] / slow[f"{unit}_per_wall_s"]}


def machine() -> dict:
    """The machine and its load (load averages over 1, 5, 15 min: above the CPU count, wall times are stretched)."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in load] if load else None}
