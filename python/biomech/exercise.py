"""Exercises: the catalogue of gluteus medius exercises from the source articles,
simulated with inverse dynamics and static optimisation, and compared side by side.

    >>> import biomech
    >>> biomech.exercises().head()                        # ids, names, legs, seed citations
    >>> ex = biomech.Exercise.load("clamshell")           # an id or a path to a YAML file
    >>> biomech.simulate(biomech.Model.default(), ex)     # per-frame time series
    >>> biomech.compare()                                 # one row per exercise and analysed leg

The file schema and the mechanics (contacts, balance, bands, the knee actuators)
are in docs/exercise_file.md; what the EMG-style %MVIC estimate is and is not,
in docs/emg_estimate.md.
"""
from __future__ import annotations

import difflib
import math
import os
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from . import _core
from ._paths import data_path
from .cli import argument, command
from .model import Model, as_model, model_arguments, model_from_args
from .results import save_results

__all__ = ["exercises", "Exercise", "simulate", "compare"]

EXERCISE_DIR = "exercises"
GMED_SEGMENTS = ("anterior", "middle", "posterior")


def _exercise_dir() -> Path:
    return data_path(EXERCISE_DIR)


def exercise_ids() -> list[str]:
    """Ids of the shipped exercises (file names under models/exercises), sorted."""
    d = _exercise_dir()
    if not d.is_dir():
        raise FileNotFoundError(f"exercise directory not found: {d}")
    return sorted(p.stem for p in d.glob("*.yaml"))


class Exercise:
    """An exercise (read-only): posture or motion, contacts, loads, dose, sources.

    ``Exercise.load(id_or_path)``; the compiled object is ``exercise.core``.
    """

    def __init__(self, core: "_core.Exercise"):
        if not isinstance(core, _core.Exercise):
            raise TypeError(f"Exercise(core): expected a biomech._core.Exercise, got {type(core).__name__}; "
                            "use Exercise.load(id_or_path)")
        self._core = core

    @classmethod
    def load(cls, id_or_path: "str | os.PathLike") -> "Exercise":
        """An exercise by catalogue id (``"clamshell"``) or by path to a YAML file.

        Unknown ids raise ValueError naming close matches; a missing path
        FileNotFoundError; a bad file biomech.FileError (file, line, field).
        """
        if isinstance(id_or_path, Exercise):
            return id_or_path
        text = os.fspath(id_or_path)
        looks_like_path = text.endswith((".yaml", ".yml")) or os.sep in text or "/" in text
        if looks_like_path:
            return cls(_core.load_exercise(text))
        ids = exercise_ids()
        if text not in ids:
            close = difflib.get_close_matches(text, ids, n=5, cutoff=0.5)
            if not close:
                close = [i for i in ids if any(part and part in i for part in text.split("_"))][:5]
            hint = f"; close matches: {', '.join(close)}" if close else ""
            raise ValueError(f"unknown exercise id '{text}'{hint} (biomech exercises lists all {len(ids)})")
        return cls(_core.load_exercise(str(_exercise_dir() / f"{text}.yaml")))

    @property
    def core(self) -> "_core.Exercise":
        return self._core

    def __getattr__(self, name):
        # id, name, file, description, statics, sources, legs, assumptions, dose, ...
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._core, name)

    def __repr__(self) -> str:
        return f"Exercise({self._core.id!r})"

    def citation(self) -> str:
        """'seed: "quote"' of every source, joined by ' | '."""
        return " | ".join(f'{s["seed"]}: "{s["quote"]}"' for s in self._core.sources)


def exercises() -> pd.DataFrame:
    """The catalogue: one row per exercise id with its name, analysed legs, dose,
    number of assumptions and seed citation (seed files and quotes)."""
    rows = []
    for i in exercise_ids():
        ex = Exercise.load(i)
        c = ex.core
        rows.append({
            "id": c.id,
            "name": c.name,
            "legs": ", ".join(f"{s}:{r}" for s, r in c.legs),
            "static": c.is_static,
            "repetition_s": c.repetition_duration,
            "sets": _fmt_range(c.dose["sets"]),
            "reps": _fmt_range(c.dose["reps"]),
            "hold_s": _fmt_range(c.dose["hold_s"]),
            "loads": ", ".join(c.loads),
            "assumptions": len(c.assumptions),
            "seeds": ", ".join(dict.fromkeys(s["seed"] for s in c.sources)),
            "citation": ex.citation(),
            "file": c.file,
        })
    return pd.DataFrame(rows).set_index("id")


def _fmt_range(r) -> str:
    lo, hi = r
    f = lambda x: f"{x:g}"  # noqa: E731
    return f(lo) if lo == hi else f"{f(lo)}-{f(hi)}"




def _check_p(p) -> float:
    p = float(p)
    if not (math.isfinite(p) and p > 1):
        raise ValueError(f"expected an activation exponent p > 1, got {p}")
    return p


# The global options of simulate() (SimulateOptions; docs/exercise_file.md, "Options"), with defaults.
SIMULATE_OPTIONS = {"passive_fiber_force": False, "passive_stretch_limit": 1.6, "co_contraction": 0.0,
                    "rest_supports": True}


def _options(options: dict) -> dict:
    unknown = sorted(set(options) - set(SIMULATE_OPTIONS))
    if unknown:
        raise ValueError(f"unknown simulate option(s) {unknown}; expected some of {sorted(SIMULATE_OPTIONS)}")
    return {**SIMULATE_OPTIONS, **options}


def simulate_raw(model, exercise, p: float = 2.0, **options) -> "_core.SimulationResult":
    """The compiled per-frame result (arrays) of one exercise; ``options``: see ``simulate``."""
    m = as_model(model)
    ex = Exercise.load(exercise)
    return _core.simulate(m.core, ex.core, _check_p(p), **_options(options))


def simulate(model, exercise, p: float = 2.0, **options) -> pd.DataFrame:
    """Per-frame time series of one exercise, indexed by (leg, time_s).

    Columns: the leg's role; hip flexion, adduction and rotation moments and the
    knee moment (N m, what the muscles must supply, model sign conventions) and
    the hip abduction moment (N m/kg); gluteus medius %MVIC per segment and
    whole, TFL %MVIC; hip contact force (BW); reserves (N m); per actuator
    ``activation:<name>`` (0-1) and ``force:<name>_n`` (N; ``_nm`` for a lumped knee
    actuator, whose force is a moment); per posture coordinate ``posture:<name>_rad``
    (``_m`` for a translation). ``df.attrs`` holds the exercise id, p and the body mass.

    ``options`` (all global, off by default; docs/exercise_file.md, "Options"):
    ``passive_fiber_force`` (bool) adds each muscle's passive fibre force, its stretch held at
    ``passive_stretch_limit`` (l/l_opt, 1.6); ``co_contraction`` (0..1) is an activation floor of
    every muscle of the analysed legs; ``rest_supports=False`` lets supports between body parts
    (stacked feet and knees) carry nothing.
    """
    m = as_model(model)
    return _timeseries(m, simulate_raw(m, exercise, p, **options), p)


def _timeseries(m: Model, res, p: float) -> pd.DataFrame:
    """simulate()'s table from a compiled result."""
    coords = m.coordinates
    posture = np.asarray(res.posture)
    posture_cols = {f"posture:{c}_{'rad' if coords.loc[c, 'rotational'] else 'm'}": posture[:, k]
                    for k, c in enumerate(m.coordinate_names)}
    frames = []
    t = np.asarray(res.time)
    for leg in res.legs:
        mom = np.asarray(leg.moment)
        gm = np.asarray(leg.gmed_percent_mvic)
        d = {
            "role": leg.role,
            "hip_flexion_moment_nm": mom[:, 0],
            "hip_adduction_moment_nm": mom[:, 1],
            "hip_rotation_moment_nm": mom[:, 2],
            "knee_moment_nm": mom[:, 3],
            "hip_abduction_moment_nm_per_kg": -mom[:, 1] / res.body_mass,
            "gmed_anterior_percent_mvic": gm[:, 0],
            "gmed_middle_percent_mvic": gm[:, 1],
            "gmed_posterior_percent_mvic": gm[:, 2],
            "gmed_percent_mvic": gm[:, 3],
            "tfl_percent_mvic": np.asarray(leg.tfl_percent_mvic),
            "hip_contact_force_bw": np.asarray(leg.hip_contact_force_bw),
            "max_reserve_nm": np.abs(np.asarray(leg.reserve)).max(axis=1),
        }
        for k, dof in enumerate(("flexion", "adduction", "rotation", "knee")):
            d[f"reserve_{dof}_nm"] = np.asarray(leg.reserve)[:, k]
        act, force = np.asarray(leg.activation), np.asarray(leg.force)
        for j, name in enumerate(leg.actuators):
            d[f"activation:{name}"] = act[:, j]
        for j, (name, muscle) in enumerate(zip(leg.actuators, leg.muscle_index)):
            d[f"force:{name}_{'n' if muscle >= 0 else 'nm'}"] = force[:, j]
        d.update(posture_cols)
        df = pd.DataFrame(d, index=pd.MultiIndex.from_product([[leg.side], t], names=["leg", "time_s"]))
        frames.append(df)
    out = pd.concat(frames)
    out.attrs.update({"exercise": res.exercise_id, "p": float(p), "body_mass_kg": res.body_mass})
    return out


COMPARE_COLUMNS = [
    "exercise", "leg", "role",
    "gmed_peak_percent_mvic", "gmed_anterior_peak_percent_mvic", "gmed_middle_peak_percent_mvic",
    "gmed_posterior_peak_percent_mvic",
    "gmed_mean_percent_mvic", "gmed_anterior_mean_percent_mvic", "gmed_middle_mean_percent_mvic",
    "gmed_posterior_mean_percent_mvic",
    "tfl_peak_percent_mvic", "gmed_tfl_ratio", "peak_hip_contact_force_bw", "peak_abduction_moment_nm_per_kg",
    "time_under_tension_s", "abductor_impulse_nms", "max_reserve_nm",
]


def compare(model=None, exercises: "Iterable[str] | None" = None, p: float = 2.0, **options) -> pd.DataFrame:
    """One row per exercise and analysed leg, ranked by peak gluteus medius %MVIC.

    Peak and mean gluteus medius %MVIC (whole and per segment), ``gmed_tfl_ratio``
    (mean gluteus medius over mean TFL %MVIC), peak hip contact force (BW), peak
    hip abduction moment (N m/kg), time under tension and abductor impulse
    (integral of the positive abduction moment, N m s) per set, largest reserve.
    ``options``: those of ``simulate``, for every exercise.
    """
    return _compare(as_model(model), exercises, p, **options)[0]


def _compare(m: Model, exercises, p: float, **options):
    """compare()'s table and the compiled result of each exercise (id -> result), simulated once."""
    p = _check_p(p)
    opts = _options(options)
    ids = exercise_ids() if exercises is None else list(exercises)
    if not ids:
        raise ValueError("expected at least one exercise id")
    rows = []
    simulations = {}
    for i in ids:
        ex = Exercise.load(i)
        res = _core.simulate(m.core, ex.core, p, **opts)
        simulations[ex.id] = res
        for s in _core.summarize(ex.core, res):
            pk, mn = s.gmed_peak_percent_mvic, s.gmed_mean_percent_mvic
            rows.append({
                "exercise": s.exercise_id, "leg": s.side, "role": s.role,
                "gmed_peak_percent_mvic": pk[3],
                **{f"gmed_{g}_peak_percent_mvic": pk[k] for k, g in enumerate(GMED_SEGMENTS)},
                "gmed_mean_percent_mvic": mn[3],
                **{f"gmed_{g}_mean_percent_mvic": mn[k] for k, g in enumerate(GMED_SEGMENTS)},
                "tfl_peak_percent_mvic": s.tfl_peak_percent_mvic,
                "gmed_tfl_ratio": s.gmed_tfl_ratio,
                "peak_hip_contact_force_bw": s.peak_hip_contact_force_bw,
                "peak_abduction_moment_nm_per_kg": s.peak_abduction_moment_nm_per_kg,
                "time_under_tension_s": s.time_under_tension_s,
                "abductor_impulse_nms": s.abductor_impulse_nms,
                "max_reserve_nm": s.max_reserve_nm,
            })
    df = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    df = df.sort_values("gmed_peak_percent_mvic", ascending=False, kind="stable").reset_index(drop=True)
    df.attrs.update({"p": p, "model": m.core.name, "body_mass_kg": m.total_mass, "options": opts})
    return df, simulations


# ---------------------------------------------------------------- CLI


def _exercises_text(df: pd.DataFrame) -> str:
    return df[["name", "legs", "reps", "hold_s", "seeds"]].to_string()


@command("exercises", help="List the exercise catalogue with each exercise's seed citation.",
         text=_exercises_text)
def _exercises_cmd(args):
    df = exercises()
    if getattr(args, "json", False):
        return [{"id": i, **{k: v for k, v in r.items()}} for i, r in df.iterrows()]
    return df


def _option_arguments(fn):
    """The global simulate options as command-line flags (SIMULATE_OPTIONS)."""
    for dec in (
        argument("--passive-fiber-force", action="store_true",
                 help="add each muscle's passive fibre force (Thelen 2003; off by default)"),
        argument("--passive-stretch-limit", type=float, default=SIMULATE_OPTIONS["passive_stretch_limit"],
                 help="fibre stretch l/l_opt at which the passive force is held (default 1.6)"),
        argument("--co-contraction", type=float, default=SIMULATE_OPTIONS["co_contraction"],
                 help="activation floor of every muscle of the analysed legs, 0..1 (default 0)"),
        argument("--no-rest-supports", action="store_true",
                 help="supports between body parts (stacked feet, knees) carry nothing"),
    ):
        fn = dec(fn)
    return fn


def _options_from_args(args) -> dict:
    return {"passive_fiber_force": args.passive_fiber_force, "passive_stretch_limit": args.passive_stretch_limit,
            "co_contraction": args.co_contraction, "rest_supports": not args.no_rest_supports}


@command("simulate", help="Simulate one exercise: per-frame moments, %MVIC and hip contact force.")
@argument("exercise", help="exercise id (see 'biomech exercises') or path to an exercise YAML file")
@argument("--p", type=float, default=2.0, help="activation exponent of the static optimisation (default 2)")
@_option_arguments
@model_arguments
def _simulate_cmd(args):
    model = model_from_args(args)
    df = simulate(model, args.exercise, p=args.p, **_options_from_args(args))
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
    t = df[cols].rename(columns=short)
    return t.to_string(index=False, float_format=lambda x: f"{x:.2f}") + (
        f"\n(%MVIC of the model's own MVIC test; p = {df.attrs.get('p', 2):g}; see docs/emg_estimate.md)")


@command("compare", help="Compare exercises: gluteus medius %MVIC per segment, gmed:TFL, hip load, dose.",
         text=_compare_text)
@argument("--exercises", nargs="+", default=None, metavar="ID", help="exercise ids (default: the whole catalogue)")
@argument("--p", type=float, default=2.0, help="activation exponent of the static optimisation (default 2)")
@argument("--out", default=None, metavar="FILE.h5", help="also write the table and per-frame results to HDF5")
@argument("--plot", default=None, metavar="FILE.png", help="also draw the ranking bar chart")
@_option_arguments
@model_arguments
def _compare_cmd(args):
    model = model_from_args(args)
    opts = _options_from_args(args)
    df, simulations = _compare(model, args.exercises, args.p, **opts)
    if args.out:
        save_results(args.out, model=model, comparison=df,
                     simulations={i: _timeseries(model, r, args.p) for i, r in simulations.items()},
                     options={"command": "compare", "p": args.p, "exercises": args.exercises or "all", **opts},
                     producer="biomech compare")
    if args.plot:
        from .plots import ranking  # matplotlib: imported only when drawing

        ranking(df, args.plot)
    if getattr(args, "json", False):
        return {"p": df.attrs["p"], "model": df.attrs["model"], "rows": df.to_dict(orient="records")}
    return df


