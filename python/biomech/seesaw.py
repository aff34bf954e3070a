"""The frontal-plane seesaw of single-leg stance, the Q-angle, and their command-line programs.

    >>> import biomech
    >>> biomech.lever_model(partial_weight_n=560, body_weight_lever_m=0.10, abductor_lever_m=0.05).abductor_force_bw
    >>> r = biomech.single_leg_stance(biomech.Model.default(), trunk_lean_deg=10)
    >>> r.abductor_force_bw, r.hip_contact_force_bw, r.contact_angle_deg
    >>> r.muscle_forces                      # pandas table, one row per stance-side hip muscle
    >>> biomech.plot_free_body_diagram(r, "fbd.png")           # biomech.plots
    >>> biomech.q_angle(biomech.Model.default())

The C++ core does the mechanics (libbiomech/include/biomech/seesaw.hpp, q_angle.hpp):
this module builds the tables (pictures: biomech.plots; command line: biomech.cli.seesaw).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._checks import finite_number
from .model import Model, as_model

StanceOptions = _core.StanceOptions
LeverResult = _core.LeverResult


def lever_model(partial_weight_n: float, body_weight_lever_m: float = 0.10, abductor_lever_m: float = 0.05,
                abductor_angle_deg: float = 0.0, body_weight_n: float = 0.0) -> _core.LeverResult:
    """Pauwels' lever: F_a = W_p d_w / d_a; contact force = W_p + F_a (vector sum).

    ``body_weight_n`` 0 estimates it as W_p / (1 - 0.1986) (de Leva 1996 male leg share).
    Returns ``_core.LeverResult`` (fields in public units, ``to_dict()``); ValueError for
    an input outside its range (``_core.LeverInput.fields()``).
    """
    inputs = _core.LeverInput(partial_weight_n=partial_weight_n, body_weight_lever_m=body_weight_lever_m,
                              abductor_lever_m=abductor_lever_m, abductor_angle_deg=abductor_angle_deg,
                              body_weight_n=body_weight_n)
    return _core.lever_model(inputs)


# the per-muscle fields of _core.StanceResult: the columns of StanceResult.muscle_forces
_MUSCLE_PREFIX = "muscle_"


class StanceResult:
    """Single-leg stance on a model: every field of ``_core.StanceResult`` (see
    ``StanceResult.fields()``: forces in N and body weights, moments in N m, angles in
    degrees; the hip contact force is the force of the pelvis on the femoral head),
    plus ``muscle_forces`` (one row per stance-side hip muscle), ``posture`` (dict) and
    the ``options`` it was computed with.
    """

    fields = staticmethod(_core.StanceResult.fields)

    def __init__(self, core: "_core.StanceResult", model: Model, options: dict[str, Any]):
        self.core = core
        self.options = dict(options)
        self._model = model

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.core, name)

    def __repr__(self) -> str:
        return (f"<StanceResult {self.stance_side}: abductor force {self.abductor_force_n:.0f} N "
                f"({self.abductor_force_bw:.2f} BW), hip contact {self.hip_contact_force_bw:.2f} BW>")

    @property
    def posture(self) -> dict[str, float]:
        return self._model.posture_dict(np.asarray(self.core.posture))

    @property
    def muscle_forces(self) -> pd.DataFrame:
        """One row per stance-side hip muscle: group, force (N, BW), activation, capacity, moment arms (m)."""
        c = self.core
        arms = np.asarray(c.muscle_moment_arm_m).reshape(-1, 3)
        table = pd.DataFrame({
            "group": c.muscle_groups,
            "force_n": np.asarray(c.muscle_force_n),
            "activation": np.asarray(c.muscle_activation),
            "max_force_n": np.asarray(c.muscle_max_force_n),
            "abductor": c.muscle_is_abductor,
            "flexion_arm_m": arms[:, 0],
            "adduction_arm_m": arms[:, 1],
            "rotation_arm_m": arms[:, 2],
        }, index=pd.Index(c.muscle_names, name="muscle"))
        table["force_bw"] = table["force_n"] / c.body_weight_n
        return table

    def to_dict(self) -> dict[str, Any]:
        """Plain values (the CLI's --json): every scalar and vector field, the options and the muscle table."""
        out = {k: v for k, v in self.core.to_dict().items() if not k.startswith(_MUSCLE_PREFIX) and k != "posture"}
        out["options"] = self.options
        out["muscle_forces"] = {name: row.to_dict() for name, row in self.muscle_forces.iterrows()}
        return out


def single_leg_stance(model: Model | None = None, **options) -> StanceResult:
    """Abductor and hip contact force in single-leg stance on ``model`` (the default model when None).

    Options by public name (units in the names; ``biomech.StanceOptions.fields()`` lists
    each with its range and default): stance_side ('r'/'l'), trunk_lean_deg (+ toward the
    stance side), pelvic_obliquity_deg (+ swing side drops), hand_load_contralateral_kg,
    cane_force_bw, belt_load_kg, abductor_strength_scale, the recruitment options (p, ...).
    ValueError for an unknown option or a value outside its range.
    """
    model = as_model(model)
    o = _core.StanceOptions(**options)
    return StanceResult(_core.single_leg_stance(model.core, model.data, o), model, options)


def abductor_weakness(model: Model | None = None, strength_scale: float = 1.0, max_lean_deg: float = 30.0,
                      max_drop_deg: float = 30.0, **options) -> dict[str, Any]:
    """Whether level-pelvis stance is feasible at this abductor strength; if not, the trunk
    lean toward the stance side that makes it feasible and the pelvic drop that results
    (NaN when none within the limits), and the passive model used (``_core.WeaknessResult.fields()``)."""
    model = as_model(model)
    o = _core.StanceOptions(**options)
    r = _core.abductor_weakness(model.core, model.data, finite_number("strength_scale", strength_scale), o,
                                math.radians(finite_number("max_lean_deg", max_lean_deg)),
                                math.radians(finite_number("max_drop_deg", max_drop_deg)))
    return r.to_dict()


def q_angle(model: Model | None = None, posture=None, *, weight_bearing: bool = True,
            quadriceps_force_n: float = 0.0) -> pd.DataFrame:
    """Q-angle, knee frontal-plane projection angle (valgus +) and the lateral pull on the
    patella for ``quadriceps_force_n``, per side (rows 'r', 'l'), in degrees and N
    (``_core.QAngleResult.fields()``).

    ``posture``: None (standing: every angle zero) or anything ``Model.posture`` takes.
    Weight bearing keeps the foot planted (see q_angle.hpp).
    """
    model = as_model(model)
    q = np.asarray(_core.standing_posture(model.core), dtype=float)
    if isinstance(posture, dict):
        # named coordinates over the standing posture (others stay at zero angles)
        for name, value in posture.items():
            v = finite_number(f"posture '{name}'", value)
            for i in model._resolve(str(name)):
                q[i] = v
    elif posture is not None:
        q = model.posture(posture)
    if q.ndim != 1:
        raise ValueError(f"q_angle: expected one posture, got shape {q.shape}")
    rows = {}
    for side in ("r", "l"):
        o = _core.QAngleOptions(side=side, weight_bearing=bool(weight_bearing), quadriceps_force_n=quadriceps_force_n)
        r = _core.q_angle(model.core, model.data, q, o)
        rows[side] = {"q_angle_deg": r.q_angle_deg, "knee_fppa_deg": r.knee_fppa_deg, "lateral_pull_n": r.lateral_pull_n}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("side")
