"""Exercises: the catalogue of gluteus medius exercises from the source articles,
simulated with inverse dynamics and static optimisation, and compared side by side.

    >>> import biomech
    >>> biomech.exercises().head()                        # ids, names, legs, article citations
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
from .fields import scalar_fields
from .model import Model, as_model

__all__ = ["exercises", "Exercise", "simulate", "compare", "weakness_curve", "frontal_frame", "SimulateOptions", "ExerciseSummary"]

SimulateOptions = _core.SimulateOptions
ExerciseSummary = _core.ExerciseSummary

EXERCISE_DIR = "exercises"


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
        """'article: "quote"' of every source, joined by ' | '."""
        return " | ".join(f'{s["article"]}: "{s["quote"]}"' for s in self._core.sources)


def exercises() -> pd.DataFrame:
    """The catalogue: one row per exercise id with its name, analysed legs, dose,
    number of assumptions and citation (articles and quotes)."""
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
            "articles": ", ".join(dict.fromkeys(s["article"] for s in c.sources)),
            "citation": ex.citation(),
            "file": c.file,
        })
    return pd.DataFrame(rows).set_index("id")


def _fmt_range(r) -> str:
    lo, hi = r
    f = lambda x: f"{x:g}"  # noqa: E731
    return f(lo) if lo == hi else f"{f(lo)}-{f(hi)}"




def simulate_raw(model, exercise, **options) -> "_core.SimulationResult":
    """The compiled per-frame result (arrays) of one exercise; options as in :func:`simulate`."""
    m = as_model(model)
    ex = Exercise.load(exercise)
    return _core.simulate(m.core, m.data, ex.core, _core.SimulateOptions(**options))


def simulate(model, exercise, **options) -> pd.DataFrame:
    """Per-frame time series of one exercise, indexed by (leg, time_s).

    Options by public name (``biomech.SimulateOptions.fields()``): the recruitment
    options (``p``, the activation exponent, 2 by default; ...), ``time_step_fd_s`` and the
    global mechanics options (docs/exercise_file.md, "Options"): ``passive_fiber_force`` with
    ``passive_stretch_limit``, ``co_contraction`` and ``rest_supports``;
    ``strength`` and ``nearest_posture`` (weakness, see :func:`compare`).
    Columns: the leg's role; hip flexion, adduction and rotation moments and the
    knee moment (N m, what the muscles must supply, model sign conventions) and
    the hip abduction moment (N m/kg); gluteus medius %MVIC per segment and
    whole, TFL %MVIC; hip contact force (BW); reserves (N m); per actuator
    ``activation:<name>`` (0-1) and ``force:<name>_n`` (N; ``_nm`` for a lumped knee
    actuator, whose force is a moment); per posture coordinate ``posture:<name>_rad``
    (``_m`` for a translation); the fields of ``biomech.LegResult.fields()``: Q-angle, knee FPPA,
    pelvic obliquity, trunk lean, lumbar moment, the seesaw terms of a weight-bearing leg (NaN where
    it bears less than 0.1 BW) and the nearest posture's changes. ``df.attrs`` holds the exercise id,
    the options and the body mass.
    """
    m = as_model(model)
    o = _core.SimulateOptions(**options)
    return _timeseries(m, simulate_raw(m, exercise, **options), o)


def _timeseries(m: Model, res, options: "_core.SimulateOptions") -> pd.DataFrame:
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
        for f in _core.LegResult.fields():  # frontal plane: Q-angle, FPPA, seesaw terms, nearest posture
            d[f["name"]] = np.asarray(getattr(leg, f["name"]))
        act, force = np.asarray(leg.activation), np.asarray(leg.force)
        for j, name in enumerate(leg.actuators):
            d[f"activation:{name}"] = act[:, j]
        for j, (name, muscle) in enumerate(zip(leg.actuators, leg.muscle_index)):
            d[f"force:{name}_{'n' if muscle >= 0 else 'nm'}"] = force[:, j]
        d.update(posture_cols)
        df = pd.DataFrame(d, index=pd.MultiIndex.from_product([[leg.side], t], names=["leg", "time_s"]))
        frames.append(df)
    out = pd.concat(frames)
    out.attrs.update({"exercise": res.exercise_id, "p": options.p, "options": options.to_dict(),
                      "body_mass_kg": res.body_mass})
    return out


# One row per exercise and analysed leg: the fields of _core.ExerciseSummary.
COMPARE_COLUMNS = scalar_fields(_core.ExerciseSummary)


def compare(model=None, exercises: "Iterable[str] | None" = None, **options) -> pd.DataFrame:
    """One row per exercise and analysed leg, ranked by peak gluteus medius %MVIC.

    Columns: the fields of ``biomech.ExerciseSummary`` (``ExerciseSummary.fields()`` gives
    each one's unit and meaning): peak and mean gluteus medius %MVIC (whole and per
    segment), ``gmed_tfl_ratio``, peak hip contact force (BW), peak hip abduction moment
    (N m/kg), time under tension and abductor impulse per set, largest reserve; peak Q-angle,
    knee valgus (FPPA), pelvic drop, trunk lean and lumbar moment. Options as in :func:`simulate`;
    ``strength={"gluteus_medius": 0.5}`` weakens muscles by name, group, ``"abductors"``,
    ``"external_rotators"`` or ``"all"`` (each weight-bearing frame the muscles cannot hold moves to
    the nearest posture they hold, exercise.hpp) and adds ``<column>_change`` columns (WEAKNESS_CHANGES):
    the change from full strength.
    """
    return _compare(as_model(model), exercises, _core.SimulateOptions(**options))[0]


# What weakness changes (compare with strength): these columns also appear as <name>_change,
# the weakened value minus the value at full strength.
WEAKNESS_CHANGES = ("peak_knee_valgus_deg", "peak_q_angle_deg", "peak_pelvic_drop_deg", "peak_trunk_lean_deg",
                    "peak_hip_contact_force_bw", "peak_lumbar_moment_nm", "gmed_peak_percent_mvic")


def _weakened(options: "_core.SimulateOptions") -> bool:
    return any(v != 1.0 for v in options.strength.values())


def _compare(m: Model, exercises, options: "_core.SimulateOptions", full: "pd.DataFrame | None" = None):
    """compare()'s table and the compiled result of each exercise (id -> result), simulated once.
    With weakened muscles (``strength``), the table also holds each WEAKNESS_CHANGES column's change
    from full strength: from ``full``, the full-strength table of the same exercises and options
    (simulated here when not given)."""
    ids = exercise_ids() if exercises is None else list(exercises)
    if not ids:
        raise ValueError("expected at least one exercise id")
    rows = []
    simulations = {}
    for i in ids:
        ex = Exercise.load(i)
        res = _core.simulate(m.core, m.data, ex.core, options)
        simulations[ex.id] = res
        rows += [s.to_dict() for s in _core.summarize(ex.core, res)]
    df = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    if _weakened(options):
        if full is None:
            full = _compare(m, ids, _core.SimulateOptions(**{**options.to_dict(), "strength": {}}))[0]
        full = full.set_index(["exercise", "leg"])
        keys = pd.MultiIndex.from_frame(df[["exercise", "leg"]])
        for c in WEAKNESS_CHANGES:
            df[f"{c}_change"] = df[c].to_numpy() - full[c].reindex(keys).to_numpy()
    df = df.sort_values("gmed_peak_percent_mvic", ascending=False, kind="stable").reset_index(drop=True)
    df.attrs.update({"p": options.p, "options": options.to_dict(), "model": m.core.name,
                     "body_mass_kg": m.total_mass})
    return df, simulations


def weakness_curve(model=None, exercises: "Iterable[str] | None" = None, strength: "dict | None" = None,
                   levels: "Iterable[float]" = (1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2), **options) -> pd.DataFrame:
    """Peak Q-angle, knee valgus, pelvic drop, trunk lean, lumbar moment and hip contact force of the
    weight-bearing exercises as the muscles of ``strength`` weaken together.

    strength: the weakness at the lowest level, e.g. ``{"gluteus_medius": 0.5}``: the levels run
    each factor v from 1 (level 1) to v (the lowest level) linearly, v + (1 - v) (t - min) / (1 - min);
    when the mapping's values are all 1 (default ``{"abductors": 1}``) each level t is the factor.
    exercises: default, every exercise with a stance leg. One row per exercise, stance leg and
    level, with compare()'s columns; column ``strength``: the weakest factor applied at that level
    (the x of plots.weakness_curve).
    """
    m = as_model(model)
    ids = exercise_ids() if exercises is None else list(exercises)
    stance = [i for i in ids if any(r == "stance" for _, r in Exercise.load(i).core.legs)]
    if not stance:
        raise ValueError(f"weakness_curve: expected exercises with a stance leg, got {ids}")
    base = dict(strength or {"abductors": 1.0})
    levels = sorted({float(x) for x in levels}, reverse=True)
    low = min(levels)
    full = _compare(m, stance, _core.SimulateOptions(**{**options, "strength": {}}))[0]  # once, for every level
    rows = []
    for t in levels:
        if all(v == 1.0 for v in base.values()):
            st = {k: t for k in base}
        else:
            w = (t - low) / (1.0 - low) if low < 1.0 else 0.0
            st = {k: 1.0 if t >= 1.0 else v + (1.0 - v) * w for k, v in base.items()}
        df = full if t >= 1.0 else _compare(m, stance, _core.SimulateOptions(**{**options, "strength": st}), full)[0]
        df = df[df["role"] == "stance"].assign(strength=min(st.values()))
        rows.append(df)
    out = pd.concat(rows, ignore_index=True)
    out.attrs.update({"strength": base, "model": m.core.name})
    return out


def frontal_frame(model, exercise, time_s: float, **options) -> dict:
    """The frontal-plane geometry of one frame of an exercise (the frame nearest ``time_s``), in
    ground coordinates (m): per leg the landmarks of the Q-angle and FPPA (ASIS, patella, tibial
    tuberosity, hip, knee and ankle centres) and the frame's frontal-plane terms (Q-angle, FPPA,
    body-weight and abductor levers, abductor force, pelvic obliquity, trunk lean); for drawing
    with ``biomech.plots.frontal_frame``. Options as in :func:`simulate`."""
    m = as_model(model)
    ex = exercise if isinstance(exercise, Exercise) else Exercise.load(exercise)
    res = simulate_raw(m, ex, **options)
    t = np.asarray(res.time)
    f = int(np.argmin(np.abs(t - float(time_s))))
    q = np.asarray(res.posture)[f]
    legs = {}
    for leg in res.legs:
        o = _core.QAngleOptions(side=leg.side, weight_bearing=False, camera_view=True)
        g = _core.q_angle(m.core, m.data, q, o)
        terms = {fld["name"]: float(np.asarray(getattr(leg, fld["name"]))[f]) for fld in _core.LegResult.fields()}
        legs[leg.side] = {"landmarks": {k: np.asarray(getattr(g, k)) for k in
                                        ("asis_m", "patella_m", "tuberosity_m", "hip_m", "knee_m", "ankle_m")},
                          "role": leg.role, **terms}
    other = {"r": "l", "l": "r"}
    for side in list(legs):  # the other leg's landmarks too, for the picture
        if other[side] not in legs:
            g = _core.q_angle(m.core, m.data, q, _core.QAngleOptions(side=other[side], weight_bearing=False,
                                                                      camera_view=True))
            legs[other[side]] = {"landmarks": {k: np.asarray(getattr(g, k)) for k in
                                               ("asis_m", "patella_m", "tuberosity_m", "hip_m", "knee_m", "ankle_m")},
                                 "role": "not analysed"}
    return {"exercise": ex.id, "time_s": float(t[f]), "legs": legs}
