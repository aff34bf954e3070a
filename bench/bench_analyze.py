#!/usr/bin/env python3
"""A whole trial: biomech.analyze against OpenSim's AnalyzeTool (Static Optimization +
Joint Reaction) on the same walking trial, in one run. Prints JSON.

The trial is OpenSim's Static Optimization and Joint Reaction tutorial (subject01
walking, gait2392 scaled; shared reference data, $BIOMECH_SHARED or ../shared): 1.5 s,
analysed at every 10th frame as its setup files ask (150 frames), every muscle (92) on
every coordinate (23). OpenSim runs its two setup files in a temporary folder (SO, then
JR on SO's forces), biomech.analyze does both in one call with the same settings.
CPU and wall time of each side (bench/timing.py), the ratio, and the agreement of the
right hip contact force peak.

    python bench/bench_analyze.py [--frame-step 10]
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import shutil
import sys
import tempfile

import numpy as np

from timing import machine, rates, ratios, timed

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "python"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frame-step", type=int, default=10)
    args = ap.parse_args()
    import biomech
    from shared import shared_path

    walk = shared_path("reference_data", "opensim_walk")
    if walk is None or not walk.exists():
        print(json.dumps({"skipped": "shared walking trial not found (set BIOMECH_SHARED)"}))
        return
    model = "subject01_simbody_adjusted_StaticOp.osim"
    kin, xml = walk / "subject01_walk1_Kinematics.sto", walk / "foot_floor_loads.xml"
    options = dict(start_time_s=0.5, end_time_s=1.999, frame_step=args.frame_step, p=2.0, min_activation=0.01,
                   lowpass_cutoff_hz=-1.0, force_velocity=True)  # the tutorial's setup files and model

    ours = {}

    def run_ours():
        ours["df"] = biomech.analyze(walk / model, kin, xml, progress=False, **options)

    t_ours = rates(timed(run_ours), 1, "trial")

    out = {}

    def run_opensim():
        import opensim

        opensim.Logger.removeFileSink()
        opensim.Logger.setLevelString("warn")
        with tempfile.TemporaryDirectory() as d:
            work = pathlib.Path(d)
            for f in walk.iterdir():
                if f.is_file():
                    shutil.copy(f, work / f.name)
            cwd = os.getcwd()
            os.chdir(work)
            try:
                for name, res in (("setup_static_optimization.xml", "so"), ("setup_JointReaction.xml", "jr")):
                    text = (work / name).read_text().replace("subject01_simbody_adjusted.osim", model)
                    text = re.sub(r"<results_directory>.*?</results_directory>",
                                  f"<results_directory>{res}</results_directory>", text)
                    text = text.replace("ResultsStaticOptimization\\subject01", "so/subject01")
                    text = re.sub(r"<step_interval>\d+</step_interval>", f"<step_interval>{args.frame_step}</step_interval>", text)
                    (work / f"run_{name}").write_text(text)
                    opensim.AnalyzeTool(str(work / f"run_{name}")).run()
                jr = biomech.read_storage(work / "jr" / "subject01_JointReaction_ReactionLoads.sto").data
                out["hcf"] = np.linalg.norm(jr[[f"hip_r_on_femur_r_in_femur_r_f{a}" for a in "xyz"]].to_numpy(), axis=1)
            finally:
                os.chdir(cwd)

    try:
        import opensim  # noqa: F401
        t_osim = rates(timed(run_opensim), 1, "trial")
    except ImportError:
        t_osim = None

    right = ours["df"].loc["r"]
    mine = np.linalg.norm(right[[f"hip_contact_femur_{a}_n" for a in "xyz"]].to_numpy(), axis=1)
    result = {
        "benchmark": "analyze",
        "trial": "OpenSim SO + JR tutorial, subject01 walk, 0.5-2.0 s",
        "frames": int(len(right)), "muscles": 92, "coordinates": 23,
        "biomech": t_ours,
        "opensim": t_osim,
        "speedup": ratios(t_ours, t_osim, "trial") if t_osim else None,
        "hip_contact_peak_n": {"biomech": float(mine.max()), "opensim": float(out["hcf"].max()) if out else None},
        "machine": machine(),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
