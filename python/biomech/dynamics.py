"""Forward dynamics of single-leg stance: pelvic drop under abductor weakness
(the Trendelenburg test), trunk-lean compensation, and the hip hitch.

    >>> import biomech
    >>> model = biomech.Model.default()
    >>> r = biomech.simulate_stance(model, abductor_strength=0.3, duration_s=5.0)
    >>> r.summary["max_drop_deg"], r.summary["trendelenburg_positive"]
    >>> r.timeseries[["obliquity_deg", "trunk_lean_deg", "abductor_force_n"]]
    >>> biomech.simulate_stance(model, abductor_strength=0.3, compensation=True).summary["max_drop_deg"]
    >>> biomech.simulate_hip_hitch(model, amplitude_deg=8, period_s=2).plot("hitch.png")
    >>> biomech.PelvisSimulationOptions.fields()   # every option with its unit, range and default

The mechanics are in C++ (libbiomech/include/biomech/pelvis_dynamics.hpp and
hill_muscle.hpp; sources of every number there); the integration runs with
the GIL released. Obliquity is positive when the swing side drops; trunk lean
is positive toward the stance side.

Trendelenburg threshold (``drop_threshold_deg``, 4 deg by default): the minimal
detectable change of the pelvis-on-femur angle in the Trendelenburg test (Youdas JW,
Mraz ST, Norstad BJ, Schinke JJ, Hollman JH (2007) Determining meaningful changes in
pelvic-on-femoral position during the Trendelenburg test. J Sport Rehabil
16(4):326-335: goniometer, 90 healthy adults, SEM 2 deg, MDC 4 deg). It is a
measurement-error bound, not a diagnostic cut-off validated against weakness; the
stance-hip adduction the model reports changes by exactly the obliquity, so the two
compare directly.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _core
from ._checks import finite_number, side
from .fields import per_sample_table, scalar_values
from .model import Model, as_model

__all__ = ["DynamicsResult", "pelvis_plant", "simulate_stance", "simulate_hip_hitch", "static_stance"]

PelvisSimulationOptions = _core.PelvisSimulationOptions
HipHitchOptions = _core.HipHitchOptions
TRENDELENBURG_SOURCE = ("Youdas et al. 2007, J Sport Rehabil 16(4):326-335: minimal detectable change of the "
                        "pelvis-on-femur angle in the Trendelenburg test")


class DynamicsResult:
    """A pelvis simulation: ``core`` (``_core.PelvisSimulationResult``; its fields in public units,
    ``PelvisSimulationResult.fields()``), ``timeseries`` (a DataFrame of every per-sample field,
    indexed by ``time_s``) and ``summary`` (a dict of every scalar field and the options used)."""

    def __init__(self, core: "_core.PelvisSimulationResult", options: dict[str, Any]):
        self.core = core
        self.options = options

    @property
    def timeseries(self):
        return per_sample_table(self.core, index="time_s", entity_names=self.core.muscle_names)

    @property
    def summary(self) -> dict[str, Any]:
        s = scalar_values(self.core)
        s.update(notes=list(self.core.notes), muscles=list(self.core.muscle_names),
                 drop_threshold_source=TRENDELENBURG_SOURCE, **self.options)
        return s

    def plot(self, path=None):
        """Obliquity and trunk lean, abductor and hip contact force over time; saved when ``path`` is given."""
        from .plots import dynamics

        return dynamics(self, path)

    def __repr__(self) -> str:
        c = self.core
        return (f"<DynamicsResult {len(c.time_s)} samples, max drop {c.max_drop_deg:.2f} deg, "
                f"trendelenburg_positive={c.trendelenburg_positive}>")


def pelvis_plant(model, stance_side: str = "r", other_abductors: bool = False) -> "_core.PelvisPlant":
    """The reduced frontal-plane model (built once per model, side and muscle set, then cached on the Model).

    ``other_abductors``: also the hip's other muscles that abduct it in stance (gait2392: gluteus
    maximus 1-2, piriformis, rectus femoris, sartorius), which ``abductor_strength`` does not weaken,
    as a superior gluteal nerve block spares them (docs/q_angle.md, section 4)."""
    s = side(stance_side, "stance_side")
    m = as_model(model)
    cache = m.__dict__.setdefault("_dynamics_plants", {})
    key = (s, bool(other_abductors))
    if key not in cache:
        cache[key] = _core.build_pelvis_plant(m.core, m.data, s, other_abductors=bool(other_abductors))
    return cache[key]


def _options(plant, excitation, options: dict[str, Any]) -> "_core.PelvisSimulationOptions":
    """PelvisSimulationOptions from keywords; ``excitation`` a number or a table of excitations by time."""
    if excitation is not None and hasattr(excitation, "columns"):  # a DataFrame indexed by time (s)
        names = list(plant.muscle_names)
        missing = [n for n in names if n not in excitation.columns]
        if missing:
            raise ValueError(f"excitation: expected a column per muscle {names}, missing {missing}")
        options = dict(options, prescribed_time_s=np.asarray(excitation.index, dtype=float),
                       prescribed_excitations=np.asarray(excitation[names], dtype=float))
    elif excitation is not None:
        options = dict(options, excitation=excitation)
    return _core.PelvisSimulationOptions(**options)


def simulate_stance(model, abductor_strength: float = 1.0, *, stance_side: str = "r", excitation=None,
                    other_abductors: bool = False, **options) -> DynamicsResult:
    """Single-leg stance held by Hill-type abductors at ``abductor_strength`` (0-1) of their strength.

    Options by public name (``biomech.PelvisSimulationOptions.fields()`` lists each with its
    unit, range and default): duration_s, sample_hz, controller ('feedback': effort = feed-forward
    + kp drop + kd drop rate, optional delay_s; 'prescribed': ``excitation``, a number in 0-1 or
    a DataFrame indexed by time in s with one column per abductor), compensation (the trunk leans
    over the stance hip), perturbation_nm (a torque pulse toward drop), tendon ('rigid' or
    'compliant'), drop_threshold_deg, ... ValueError for an unknown option or a value out of range.

    Returns a DynamicsResult: ``timeseries`` (pelvic obliquity, trunk lean, effort, per-muscle
    excitation, activation, force and fibre length, hip contact force, energy) and ``summary``
    (max drop, steady obliquity, Trendelenburg positive or not, ...).

    ``other_abductors``: the plant also has the hip's other abducting muscles, which
    ``abductor_strength`` does not weaken (a superior gluteal nerve block; see :func:`pelvis_plant`).
    """
    plant = pelvis_plant(model, stance_side, other_abductors)
    o = _options(plant, excitation, dict(options, abductor_strength=abductor_strength))
    r = _core.simulate_pelvis(plant, o)
    return DynamicsResult(r, {"stance_side": plant.stance_side, "other_abductors": bool(other_abductors),
                              **_given(o, options, "abductor_strength")})


def simulate_hip_hitch(model, amplitude_deg: float = 8.0, period_s: float = 2.0, repetitions: int = 3,
                       abductor_strength: float = 1.0, *, stance_side: str = "r", **options) -> DynamicsResult:
    """The hip hitch: the swing side of the pelvis is lowered and raised by ``amplitude_deg``
    each way, one repetition per ``period_s``, ``repetitions`` times, then held level for 1 s
    (the motion of "10 Gluteus Medius Exercises for Stronger Hips and Buns", Verywell Health).

    The pelvis tracks the motion with the feedback controller plus a feed-forward effort from the
    plant's inverse dynamics. The summary adds the tracking error, peak abductor force and effort.
    Options as in :func:`simulate_stance`.
    """
    plant = pelvis_plant(model, stance_side)
    h = _core.HipHitchOptions(amplitude_deg=amplitude_deg, period_s=period_s, repetitions=repetitions)
    o = _options(plant, None, dict(options, abductor_strength=abductor_strength))
    r = _core.simulate_pelvis_hip_hitch(plant, h, o)
    return DynamicsResult(r, {"stance_side": plant.stance_side, **h.to_dict(),
                              **_given(o, options, "abductor_strength")})


def _given(o, options: dict[str, Any], *always: str) -> dict[str, Any]:
    """The options a caller gave (and ``always``), in public units, for the summary."""
    d = o.to_dict()
    return {k: d[k] for k in (*always, *options) if k in d and np.ndim(d[k]) == 0}


def static_stance(model, abductor_strength: float = 1.0, obliquity_deg: float = 0.0, trunk_lean_deg: float = 0.0,
                  stance_side: str = "r", other_abductors: bool = False) -> dict:
    """Static equilibrium of the dynamic model (the state its simulations settle to):
    the fields of ``_core.StaticEquilibrium`` and the muscle forces by name."""
    plant = pelvis_plant(model, stance_side, other_abductors)
    o = _core.PelvisSimulationOptions(abductor_strength=abductor_strength)
    e = _core.pelvis_static_equilibrium(plant, o, np.radians(finite_number("obliquity_deg", obliquity_deg)),
                                        np.radians(finite_number("trunk_lean_deg", trunk_lean_deg)))
    out = e.to_dict()
    out["muscle_forces_n"] = dict(zip(plant.muscle_names, np.asarray(e.force_n).tolist()))
    return out
