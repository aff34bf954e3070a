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

__all__ = ["exercises", "Exercise", "simulate", "compare", "SimulateOptions", "ExerciseSummary"]

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
    options (``p``, the activation exponent, 2 by default; ...) and ``time_step_fd_s``.
    Columns: the leg's role; hip flexion, adduction and rotation moments and the
    knee moment (N m, what the muscles must supply, model sign conventions) and
    the hip abduction moment (N m/kg); gluteus medius %MVIC per segment and
    whole, TFL %MVIC; hip contact force (BW); reserves (N m); per actuator
    ``activation:<name>`` (0-1) and ``force:<name>_n`` (N; ``_nm`` for a lumped knee
    actuator, whose force is a moment); per posture coordinate ``posture:<name>_rad``
    (``_m`` for a translation). ``df.attrs`` holds the exercise id, the options and the body mass.
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
    (N m/kg), time under tension and abductor impulse per set, largest reserve.
    Options as in :func:`simulate`.
    """
    return _compare(as_model(model), exercises, _core.SimulateOptions(**options))[0]


def _compare(m: Model, exercises, options: "_core.SimulateOptions"):
    """compare()'s table and the compiled result of each exercise (id -> result), simulated once."""
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
    df = df.sort_values("gmed_peak_percent_mvic", ascending=False, kind="stable").reset_index(drop=True)
    df.attrs.update({"p": options.p, "options": options.to_dict(), "model": m.core.name,
                     "body_mass_kg": m.total_mass})
    return df, simulations
