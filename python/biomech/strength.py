"""Muscle strength at a posture: the hip abduction strength curve, the model's MVIC
test (reference of the EMG-style %MVIC), the gluteus medius weakness table and
gluteus medius lengths in stretches and daily postures.

    >>> import biomech
    >>> model = biomech.Model.default()
    >>> biomech.strength_curve(model).attrs["peak_torque_nm_per_kg"]
    >>> biomech.stretches(model).head()

The muscle model (rigid tendon, constant-height pennation, Thelen 2003 active
force-length curve) and the MVIC definition are in docs/emg_estimate.md.
"""
from __future__ import annotations

import math
import os
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from . import _core
from ._checks import finite_number
from .model import as_model

__all__ = [
    "strength_curve",
    "strength_data",
    "mvic_test",
    "percent_mvic",
    "weakness_table",
    "load_postures",
    "stretches",
    "effective_max_force",
]

DEFAULT_STRENGTH_LEVELS = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3)




def effective_max_force(model=None, posture=None) -> pd.Series:
    """Maximal isometric force along each tendon (N) at ``posture`` (default posture when None):
    F_max times the Thelen (2003) active force-length factor times cos(pennation)."""
    m = as_model(model)
    _core.compute_muscle_paths(m.core, m.data, m.posture(posture))
    return pd.Series(_core.effective_max_force(m.core, m.data), index=pd.Index(m.muscle_names, name="muscle"),
                     name="effective_max_force_n")


def strength_curve(model=None, side: str = "r", *, min_abduction_deg: float = -10.0,
                   max_abduction_deg: float = 40.0, samples: int = 51, velocity_deg_s: float = 0.0,
                   muscles: bool = False, plot: "str | os.PathLike | bool | None" = None) -> pd.DataFrame:
    """Maximal hip abduction torque of ``model`` (the default model when None).

    Every muscle of ``side`` with an abduction moment arm fully active, standing (hip
    flexion and rotation 0, knee extended), force-length scaled, from
    ``min_abduction_deg`` (negative: adduction) to ``max_abduction_deg``: isometric, or
    concentric at ``velocity_deg_s`` (an isokinetic test; Thelen 2003 force-velocity).
    Returns a DataFrame indexed by ``abduction_deg`` with ``torque_nm`` and
    ``torque_nm_per_kg`` (plus one column per contributing muscle, N m, with
    ``muscles=True``); ``.attrs`` holds the peak (``peak_abduction_deg``,
    ``peak_torque_nm``, ``peak_torque_nm_per_kg``), ``side``, ``velocity_deg_s``,
    ``body_mass_kg``, ``height_m``, ``sex`` and ``subject``.

    ``plot``: a file name (or True for a figure in ``.attrs["figure"]``) draws the model's
    isometric and 60 deg/s curves with the measured strengths of ``strength_data()``
    (``biomech.plots.strength_curve``).
    """
    m = as_model(model)
    if not isinstance(samples, (int, np.integer)) or isinstance(samples, bool) or \
            not 3 <= samples <= _core.MAX_STRENGTH_SAMPLES:
        raise ValueError(f"strength_curve: expected samples an integer in [3, {_core.MAX_STRENGTH_SAMPLES}], "
                         f"got {samples!r:.40}")
    c = _core.strength_curve(m.core, m.data, side, finite_number("min_abduction_deg", min_abduction_deg),
                             finite_number("max_abduction_deg", max_abduction_deg), int(samples),
                             finite_number("velocity_deg_s", velocity_deg_s))
    df = pd.DataFrame({"torque_nm": c.torque, "torque_nm_per_kg": c.torque_per_kg},
                      index=pd.Index(np.degrees(c.abduction_angle), name="abduction_deg"))
    if muscles:
        mt = np.asarray(c.muscle_torque)
        used = np.flatnonzero(np.abs(mt).max(axis=0) > 0)
        for i in used:
            df[m.muscle_names[i]] = mt[:, i]
    sub = m.subject
    df.attrs.update(side=side, velocity_deg_s=float(velocity_deg_s), body_mass_kg=c.body_mass,
                    height_m=sub.height_m, sex=str(sub.sex), subject=sub.name,
                    peak_abduction_deg=math.degrees(c.peak_angle), peak_torque_nm=c.peak_torque,
                    peak_torque_nm_per_kg=c.peak_torque_per_kg)
    if plot is not None and plot is not False:
        from . import plots  # matplotlib: imported only when drawing

        fig = plots.strength_curve(m, None if plot is True else plot, side=side,
                                   min_abduction_deg=min_abduction_deg, max_abduction_deg=max_abduction_deg)
        if plot is True:
            df.attrs["figure"] = fig
    return df


def strength_data() -> pd.DataFrame:
    """Measured maximal strength of healthy adults (``models/measured_strength.csv``; its header
    names each source): one row per study, joint, direction, test and sex, with ``mean`` and ``sd``
    (NaN when not reported) in ``unit`` (N m/kg, or %BW*height = torque / (body weight x height) x 100)."""
    from ._paths import data_path

    return pd.read_csv(data_path("measured_strength.csv"), comment="#")


def mvic_test(model=None, side: str = "r") -> _core.MvicReference:
    """The model's MVIC test for hip abduction: standing, at the strength curve's peak angle,
    every abductor of ``side`` fully active. Its ``activation`` is the %MVIC reference."""
    m = as_model(model)
    return _core.mvic_test(m.core, m.data, side)


def percent_mvic(model, activation, mvic: _core.MvicReference | None = None, side: str = "r") -> pd.Series:
    """EMG-style %MVIC of each muscle for activations (n_muscles,): 100 a / a_mvic (NaN for
    muscles that take no part in the MVIC test), plus group totals for the gluteus medius
    (``gluteus_medius``, ``gluteus_medius_<segment>``), gluteus minimus and TFL."""
    m = as_model(model)
    mv = mvic if mvic is not None else _core.mvic_test(m.core, m.data, side)
    a = np.asarray(activation, dtype=float)
    out = pd.Series(_core.percent_mvic(mv, a), index=pd.Index(m.muscle_names, name="muscle"), name="percent_mvic")
    extra = {}
    for group in ("gluteus_medius", "gluteus_minimus", "tfl"):
        try:
            extra[group] = _core.group_percent_mvic(m.core, mv, a, group)
        except ValueError:
            continue
    for seg in ("anterior", "middle", "posterior"):
        try:
            extra[f"gluteus_medius_{seg}"] = _core.group_percent_mvic(m.core, mv, a, "gluteus_medius", seg)
        except ValueError:
            continue
    return pd.concat([out, pd.Series(extra, dtype=float)])


def weakness_table(model=None, hip_moments_nm: Sequence[float] | None = None, posture=None, *, side: str = "r",
                   strength_levels: Iterable[float] = DEFAULT_STRENGTH_LEVELS,
                   weakened_group: str = "gluteus_medius", p: float = 2.0,
                   value: str = "moment_share") -> pd.DataFrame:
    """How the load moves between muscle groups as ``weakened_group`` weakens.

    Static optimisation of the ``side`` hip at ``posture`` for the required muscle
    moments ``hip_moments_nm`` (flexion, adduction, rotation; N m). When both are None,
    the single-leg stance of ``biomech.single_leg_stance(model, stance_side=side)``
    (its posture and hip moments) is used. One row per strength level (scale of the
    weakened group's max force), one column per muscle group, plus ``reserve``.
    ``value``: ``"moment_share"`` (each group's part of the adduction-axis moment, i.e.
    the abduction moment in stance; rows sum to 1 with the reserve) or
    ``"mean_activation"`` (max-force weighted mean activation of each group).
    """
    m = as_model(model)
    if value not in ("moment_share", "mean_activation"):
        raise ValueError(f"expected value 'moment_share' or 'mean_activation', got {value!r}")
    if hip_moments_nm is None and posture is None:
        from .seesaw import single_leg_stance

        stance = single_leg_stance(m, stance_side=side)
        hip_moments_nm = list(stance.hip_moment_nm)
        q = m.posture(stance.posture)
        source = "single_leg_stance"
    elif hip_moments_nm is None:
        raise ValueError("expected hip_moments_nm (flexion, adduction, rotation; N m) with a posture")
    else:
        q = m.posture(posture)
        source = "given"
    tau = np.asarray(hip_moments_nm, dtype=float)
    if tau.shape != (3,):
        raise ValueError(f"expected 3 hip moments (flexion, adduction, rotation), got shape {tau.shape}")
    t = _core.weakness_table(m.core, m.data, side, q, tau, [float(s) for s in strength_levels], weakened_group, p, 1e4)
    df = pd.DataFrame(np.asarray(getattr(t, value)), columns=list(t.groups),
                      index=pd.Index(np.asarray(t.strength), name=f"{weakened_group}_strength"))
    if value == "moment_share":
        df["reserve"] = np.asarray(t.reserve_share)
    else:
        df["reserve_nm"] = np.abs(np.asarray(t.reserve)).max(axis=1)
    df.attrs.update(side=side, weakened_group=weakened_group, hip_moments_nm=tau.tolist(), moments_from=source,
                    value=value, p=p)
    return df


def load_postures(path=None) -> list:
    """Postures (biomech._core.Posture, radians) from a postures file; the shipped
    models/postures.yaml when ``path`` is None."""
    if path is None:
        from ._paths import data_path

        path = data_path("postures.yaml")
    return list(_core.load_postures(str(path)))


def stretches(model=None, side: str = "r", postures=None, group: str = "gluteus_medius") -> pd.DataFrame:
    """Gluteus medius (or ``group``) lengths in the stretches of "10 gluteus medius exercises for
    better balance" (Hinge Health) and the habits of "Gluteus Medius - Anatomy, Function, And
    Exercises", relative to neutral standing, ranked longest first.

    One row per posture: ``rank``, ``kind`` (stretch/habit), ``mean_change_pct`` (mean over
    the group's muscles of L / L_neutral - 1, in %), per muscle segment the length change
    in % (``<segment>_change_pct``) and the normalised fibre length
    (``<segment>_fiber_length``), the posture's hip and knee angles in degrees, which
    angles were inferred from the text, and the article passage (``source``).
    ``postures``: a list of biomech._core.Posture or a postures file path (the shipped
    models/postures.yaml when None).
    """
    m = as_model(model)
    if postures is None or isinstance(postures, (str, bytes)) or hasattr(postures, "__fspath__"):
        postures = load_postures(postures)
    postures = list(postures)
    t = _core.stretch_table(m.core, m.data, postures, side, group)
    by_name = {p.name: p for p in postures}
    labels = [s or name for s, name in zip(t.segments, t.muscles)]
    ratio = np.asarray(t.length_ratio)
    fiber = np.asarray(t.fiber_length)
    rows = []
    for k, name in enumerate(t.postures):
        p = by_name[name]
        row = {"posture": name, "rank": k + 1, "kind": p.kind, "mean_change_pct": 100.0 * t.mean_change[k]}
        for j, lab in enumerate(labels):
            row[f"{lab}_change_pct"] = 100.0 * (ratio[k, j] - 1.0)
        for j, lab in enumerate(labels):
            row[f"{lab}_fiber_length"] = fiber[k, j]
        row.update(hip_flexion_deg=math.degrees(p.hip_flexion), hip_adduction_deg=math.degrees(p.hip_adduction),
                   hip_rotation_deg=math.degrees(p.hip_rotation), knee_flexion_deg=math.degrees(p.knee_flexion),
                   inferred=", ".join(p.inferred), source=p.source)
        rows.append(row)
    df = pd.DataFrame(rows).set_index("posture")
    df.attrs.update(side=side, group=group, muscles=list(t.muscles),
                    neutral_length_m=dict(zip(t.muscles, map(float, t.neutral_length))))
    return df
