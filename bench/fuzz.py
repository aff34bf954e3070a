"""The fuzz tests (tests/python/test_fuzz.py) run long: many more mutated files and hostile calls.

    python bench/fuzz.py --examples 2000          # cases per fuzz test (CI runs 15)

Runs pytest on the fuzz tests with ``BIOMECH_FUZZ_EXAMPLES`` raised, each case recorded
(fuzz_cases.record), and prints one JSON object: the cases tried per file type (hdf5,
sweep, exercise, model, osim, storage, external_loads, api) split by outcome (a correct
result or a clear error), and the failures: any crash, hang (a case over ``--hang-s`` ends the run with a traceback),
silent wrong result or unclear error fails a test and shows in ``failed`` with pytest's tail.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import machine

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=500, help="cases per fuzz test (default 500)")
    ap.add_argument("--hang-s", type=float, default=120.0, help="one case longer than this is a hang")
    ap.add_argument("-k", default="", help="pytest -k expression (e.g. 'results or sweep')")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as d:
        report = Path(d) / "cases.jsonl"
        env = {**os.environ, "BIOMECH_FUZZ_EXAMPLES": str(args.examples), "BIOMECH_FUZZ_HANG_S": str(args.hang_s),
               "BIOMECH_FUZZ_REPORT": str(report)}
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-seed=0",
               str(REPO / "tests" / "python" / "test_fuzz.py"), "-k", args.k or "mutated or damaged or hostile"]
        c0, w0 = time.process_time(), time.perf_counter()
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=d)
        wall = time.perf_counter() - w0
        counts: dict = collections.defaultdict(collections.Counter)
        if report.exists():
            for line in report.read_text().splitlines():
                case = json.loads(line)
                counts[case["type"]][case["outcome"]] += 1
    print(json.dumps({
        "what": "fuzz: mutated files and hostile API calls, each ending in a correct result or a clear error",
        "examples_per_test": args.examples,
        "cases_by_type": {k: {"total": sum(v.values()), **v} for k, v in sorted(counts.items())},
        "cases_total": sum(sum(v.values()) for v in counts.values()),
        "pytest_exit_code": r.returncode,
        "failed": r.returncode != 0,
        "pytest_tail": r.stdout.strip().splitlines()[-15:] if r.returncode else r.stdout.strip().splitlines()[-1:],
        "wall_s": wall, "children_cpu_s": time.process_time() - c0 + _children_cpu(),
        "machine": machine(),
    }, indent=2))


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


if __name__ == "__main__":
    main()
