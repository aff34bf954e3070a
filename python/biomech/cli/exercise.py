"""``biomech exercises``, ``biomech simulate`` and ``biomech compare``."""
from __future__ import annotations

from .. import _core
import numpy as np

from ..exercise import WEAKNESS_CHANGES, _compare, _timeseries, _weakened, exercises, frontal_frame, simulate, weakness_curve
from ..fields import field_arguments, field_values
from . import argument, command, model_arguments, model_from_args

# The solver's numerical settings stay at their defaults on the command line.
_SIMULATE_CLI_SKIP = ["reserve_weight", "reserve_reference_nm", "tolerance_nm", "max_iterations", "warm_start",
                      "time_step_fd_s"]


def simulate_arguments(func):
    """Decorator adding the options of ``simulate`` (``--p`` ...) to a subcommand."""
    for flags, kw in reversed(field_arguments(_core.SimulateOptions, skip=_SIMULATE_CLI_SKIP)):
        func = argument(*flags, **kw)(func)
    return func



def _exercises_text(df: pd.DataFrame) -> str:
    return df[["name", "legs", "reps", "hold_s", "articles"]].to_string()


@command("exercises", help="List the exercise catalogue with the article each exercise comes from.",
         text=_exercises_text)
def _exercises_cmd(args):
    df = exercises()
    if getattr(args, "json", False):
        return [{"id": i, **{k: v for k, v in r.items()}} for i, r in df.iterrows()]
    return df


@command("simulate", help="Simulate one exercise: per-frame moments, %MVIC and hip contact force.")
@argument("exercise", help="exercise id (see 'biomech exercises') or path to an exercise YAML file")
@simulate_arguments
@model_arguments
def _simulate_cmd(args):
    model = model_from_args(args)
    df = simulate(model, args.exercise, **field_values(args, _core.SimulateOptions))
    if getattr(args, "json", False):
        keep = [c for c in df.columns if ":" not in c]  # per-muscle and posture columns stay out of the JSON
        return {"exercise": df.attrs["exercise"], "p": df.attrs["p"],
                "frames": df[keep].reset_index().to_dict(orient="records")}
    cols = ["role", "gmed_percent_mvic", "tfl_percent_mvic", "hip_abduction_moment_nm_per_kg",
            "hip_contact_force_bw", "max_reserve_nm"]
    return df[cols]


def _compare_text(df: pd.DataFrame) -> str:
    cols = ["exercise", "leg", "role", "gmed_peak_percent_mvic", "gmed_anterior_peak_percent_mvic",
            "gmed_middle_peak_percent_mvic", "gmed_posterior_peak_percent_mvic", "gmed_mean_percent_mvic",
            "gmed_tfl_ratio", "peak_hip_contact_force_bw", "peak_abduction_moment_nm_per_kg",
            "time_under_tension_s", "abductor_impulse_nms", "max_reserve_nm"]
    short = {"gmed_peak_percent_mvic": "gmed_pk", "gmed_anterior_peak_percent_mvic": "ant_pk",
             "gmed_middle_peak_percent_mvic": "mid_pk", "gmed_posterior_peak_percent_mvic": "post_pk",
             "gmed_mean_percent_mvic": "gmed_mean", "gmed_tfl_ratio": "gmed/tfl",
             "peak_hip_contact_force_bw": "hcf_bw", "peak_abduction_moment_nm_per_kg": "abd_nm/kg",
             "time_under_tension_s": "tut_s", "abductor_impulse_nms": "impulse_nms", "max_reserve_nm": "reserve_nm"}
    if "peak_knee_valgus_deg_change" in df:  # weakened: what changed from full strength
        cols = ["exercise", "leg", "role", "held_fraction"] + [f"{c}_change" for c in WEAKNESS_CHANGES]
        short = {f"{c}_change": "d_" + c.replace("peak_", "").replace("_percent_mvic", "_mvic") for c in WEAKNESS_CHANGES}
    else:
        cols += ["peak_q_angle_deg", "peak_knee_valgus_deg"]
        short.update(peak_q_angle_deg="q_deg", peak_knee_valgus_deg="valgus_deg")
    t = df[cols].rename(columns=short)
    return t.to_string(index=False, float_format=lambda x: f"{x:.2f}") + (
        f"\n(%MVIC of the model's own MVIC test; p = {df.attrs.get('p', 2):g}; see docs/emg_estimate.md)")


@command("compare", help="Compare exercises: gluteus medius %MVIC per segment, gmed:TFL, hip load, dose.",
         text=_compare_text)
@argument("--exercises", nargs="+", default=None, metavar="ID", help="exercise ids (default: the whole catalogue)")
@simulate_arguments
@argument("--out", default=None, metavar="FILE.h5", help="also write the table and per-frame results to HDF5")
@argument("--plot", default=None, metavar="FILE.png",
          help="also draw the ranking bar chart (with --strength: Q-angle and knee valgus against strength)")
@model_arguments
def _compare_cmd(args):
    model = model_from_args(args)
    options = _core.SimulateOptions(**field_values(args, _core.SimulateOptions))
    df, simulations = _compare(model, args.exercises, options)
    if args.out:
        from ..results import save_results

        save_results(args.out, model=model, comparison=df,
                     simulations={i: _timeseries(model, r, options) for i, r in simulations.items()},
                     options={"command": "compare", **options.to_dict(), "exercises": args.exercises or "all"},
                     producer="biomech compare")
    if args.plot:
        from .. import plots  # matplotlib: imported only when drawing

        if _weakened(options):  # Q-angle and knee valgus against strength, weight-bearing exercises
            curve = weakness_curve(model, args.exercises, dict(options.strength),
                                   **{k: v for k, v in options.to_dict().items() if k != "strength"})
            plots.weakness_curve(curve, args.plot)
        else:
            plots.ranking(df, args.plot)
    if getattr(args, "json", False):
        return {"p": df.attrs["p"], "model": df.attrs["model"], "rows": df.to_dict(orient="records")}
    return df


def _show_text(frame: dict) -> str:
    lines = [f"{frame['exercise']} at {frame['time_s']:.2f} s"]
    for side, leg in frame["legs"].items():
        if leg["role"] == "not analysed":
            continue
        terms = ", ".join(f"{k} {v:.3g}" for k, v in leg.items() if isinstance(v, float))
        lines.append(f"  leg {side} ({leg['role']}): {terms}")
    return "\n".join(lines)


@command("show", help="One frame of an exercise in the frontal plane: Q-angle, knee valgus, pelvis, seesaw levers.",
         text=_show_text)
@argument("exercise", help="exercise id (see 'biomech exercises') or path to an exercise YAML file")
@argument("--time", type=float, default=0.0, metavar="S", help="time in the repetition (s; the nearest frame)")
@argument("--plot", default=None, metavar="FILE.png", help="draw the frame (pelvis, femora, tibiae, Q-angle lines, levers)")
@simulate_arguments
@model_arguments
def _show_cmd(args):
    model = model_from_args(args)
    frame = frontal_frame(model, args.exercise, args.time, **field_values(args, _core.SimulateOptions))
    if args.plot:
        from ..plots import frontal_frame as draw  # matplotlib: imported only when drawing

        draw(frame, args.plot)
    if getattr(args, "json", False):
        return {"exercise": frame["exercise"], "time_s": frame["time_s"],
                "legs": {s: {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in leg.items()
                             if k != "landmarks"} for s, leg in frame["legs"].items()}}
    return frame
