"""``biomech analyze``: a recorded trial analysed per frame (biomech.analysis)."""
from __future__ import annotations

import os
import warnings
from pathlib import Path

from .. import _core
from ..analysis import analyze, trial_model
from ..fields import field_arguments, field_values
from . import argument, command

_ANALYZE_CLI_SKIP = ["reserve_weight", "reserve_reference_nm", "tolerance_nm", "max_iterations", "warm_start",
                     "time_step_fd_s"]


def _analyze_text(df) -> str:
    cols = ["hip_flexion_moment_nm", "hip_adduction_moment_nm", "hip_contact_force_bw", "gmed_percent_mvic",
            "tfl_percent_mvic", "abductor_moment_nm"]
    summary = df[cols].groupby(level="leg").agg(["max", "mean"])
    lines = [summary.to_string(float_format=lambda x: f"{x:.2f}")]
    a = df.attrs
    lines.append(f"{a['frames']} frames ({a['converged_frames']} converged); largest reserve "
                 f"{a['max_reserve_nm']:.3g} N m, residual {a['max_residual']:.3g}")
    if a["unused_columns"]:
        lines.append("coordinates of the file the model lacks (not analysed): " + ", ".join(a["unused_columns"]))
    if a["defaulted_coordinates"]:
        lines.append("model coordinates the file lacks (held at default): " + ", ".join(a["defaulted_coordinates"]))
    return "\n".join(lines)


def _with_analyze_options(func):
    for flags, kw in reversed(field_arguments(_core.AnalyzeOptions, skip=_ANALYZE_CLI_SKIP)):
        func = argument(*flags, **kw)(func)
    return func


@command("analyze", help="Analyse a recorded trial: inverse dynamics, static optimisation, hip contact force.",
         text=_analyze_text)
@argument("--model", required=True, metavar="PATH", help="model: an OpenSim .osim (imported whole) or a model YAML")
@argument("--kinematics", required=True, metavar="FILE", help="coordinates file (.mot/.sto), e.g. OpenSim's IK output")
@argument("--external-loads", default=None, metavar="FILE.xml", help="OpenSim ExternalLoads file (forces in ground)")
@_with_analyze_options
@argument("--out", default=None, metavar="FILE.h5", help="write the per-frame results to HDF5")
def _analyze_cmd(args):
    options = field_values(args, _core.AnalyzeOptions)
    model = trial_model(args.model)
    with warnings.catch_warnings():  # the text and JSON outputs list the unused columns themselves
        warnings.simplefilter("ignore", UserWarning)
        df = analyze(model, args.kinematics, args.external_loads, **options)
    if args.out:
        from ..results import save_results

        save_results(args.out, model=model, simulations={Path(args.kinematics).stem: df.reset_index()},
                     options={"command": "analyze", "model": os.fspath(args.model),
                              "kinematics": os.fspath(args.kinematics),
                              "external_loads": args.external_loads, **df.attrs["options"]},
                     producer="biomech analyze")
    if getattr(args, "json", False):
        keep = [c for c in df.columns if ":" not in c]
        return {"attrs": {k: v for k, v in df.attrs.items() if k != "options"}, "options": df.attrs["options"],
                "frames": df[keep].reset_index().to_dict(orient="records")}
    return df
