"""The frontal-plane seesaw of single-leg stance, the Q-angle, and their command-line programs.

    >>> import biomech
    >>> biomech.lever_model(partial_weight_n=560, body_weight_lever_m=0.10, abductor_lever_m=0.05).abductor_force_bw
    >>> r = biomech.single_leg_stance(biomech.Model.default(), trunk_lean_deg=10)
    >>> r.abductor_force_bw, r.hip_contact_force_bw, r.contact_angle_deg
    >>> r.muscle_forces                      # pandas table, one row per stance-side hip muscle
    >>> biomech.plot_free_body_diagram(r, "fbd.png")
    >>> biomech.q_angle(biomech.Model.default())

The C++ core does the mechanics (libbiomech/include/biomech/seesaw.hpp, q_angle.hpp):
this module builds tables, pictures and the command-line programs.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from .cli import argument, command
from .fields import field_arguments, field_values
from .model import Model, as_model, finite_number, model_arguments, model_from_args, parse_assignments, posture_deg

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


# ---- the picture


def plot_free_body_diagram(result: StanceResult | LeverResult, path=None, ax=None):
    """Frontal-plane free-body diagram of the pelvis-side body balanced on the stance hip:
    the femoral head as fulcrum, the body weight and abductor levers, and the body weight,
    abductor and hip contact forces drawn to scale, with their values. Writes ``path``
    (PNG or SVG by its suffix) when given; returns the matplotlib Figure."""
    import matplotlib

    if ax is None:
        matplotlib.use("Agg", force=False) if path is not None else None
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, FancyArrowPatch, Polygon

    if isinstance(result, StanceResult):
        bw = result.body_weight_n
        wp = result.superincumbent_weight_n + result.load_weight_n
        fa = result.abductor_force_n
        fc = np.asarray(result.hip_contact_force_ground_n)
        dw, da = result.body_weight_lever_m, result.abductor_lever_m
        sigma = 1.0 if result.stance_side == "r" else -1.0
        title = f"Single-leg stance ({'right' if sigma > 0 else 'left'} leg), musculoskeletal model"
        lateral_contact = sigma * fc[2]
        vertical_contact = fc[1]
        reserve = result.reserve_torque_nm
    else:
        bw = result.body_weight_n
        wp = result.partial_weight_n
        fa = result.abductor_force_n
        dw, da = result.body_weight_lever_m, result.abductor_lever_m
        title = "Single-leg stance, textbook lever model"
        lateral_contact = result.hip_contact_force_ground_n[2]
        vertical_contact = result.hip_contact_force_ground_n[1]
        reserve = 0.0
    # drawing frame: x lateral toward the stance side (to the right of the picture), y up, metres
    scale = 0.15 / max(bw, 1e-9)   # 1 BW draws as 0.15 m
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 8), dpi=110)
    else:
        fig = ax.figure
    ax.set_aspect("equal")
    # pelvis (simplified outline) and femur
    pelvis = Polygon([(-0.22, 0.10), (0.05, 0.10), (0.09, 0.02), (0.03, -0.06), (-0.06, -0.09), (-0.26, -0.09),
                      (-0.34, -0.06), (-0.40, 0.02), (-0.36, 0.10)], closed=True, facecolor="#f3e3c3",
                     edgecolor="#8c6d3f", lw=2, zorder=1)
    ax.add_patch(pelvis)
    femur = Polygon([(-0.02, 0.0), (0.03, 0.025), (0.075, 0.02), (0.085, -0.03), (0.06, -0.06), (0.045, -0.42),
                     (0.005, -0.42), (0.02, -0.07), (-0.01, -0.03)], closed=True, facecolor="#e8e8e8",
                    edgecolor="#555555", lw=2, zorder=2)
    ax.add_patch(femur)
    ax.add_patch(Circle((0, 0), 0.025, facecolor="#c94c4c", edgecolor="k", zorder=5))
    ax.annotate("fulcrum: femoral head", (0, 0), (0.12, 0.12), fontsize=9, arrowprops=dict(arrowstyle="->", color="k"))

    def arrow(x0, y0, dx, dy, color, label, text_xy):
        ax.add_patch(FancyArrowPatch((x0, y0), (x0 + dx, y0 + dy), arrowstyle="-|>", mutation_scale=22, lw=3,
                                     color=color, zorder=6))
        ax.text(*text_xy, label, color=color, fontsize=10, fontweight="bold", zorder=7)

    # body weight W_p at d_w on the medial (swing) side
    arrow(-dw, 0.05, 0.0, -wp * scale, "#1f5fbf",
          f"W = {wp:.0f} N\n({wp / bw:.2f} BW)", (-dw - 0.19, 0.0 - wp * scale))
    # muscles: the net muscle pull on the pelvis-side body closes the triangle W + F + R = 0
    # (to scale); for the lever model it is exactly the abductor force
    mx, my = lateral_contact, vertical_contact + wp
    net = math.hypot(mx, my)
    x0, y0 = da + 0.02, 0.09
    label = f"abductors {fa:.0f} N ({fa / bw:.2f} BW)"
    if isinstance(result, StanceResult):
        label += f"\nnet muscle pull {net:.0f} N"
    arrow(x0, y0, mx * scale, my * scale, "#c0392b", label, (x0 + mx * scale + 0.02, y0 + my * scale))
    # hip contact force on the femoral head (from the pelvis), drawn ending at the head
    cx, cy = lateral_contact * scale, vertical_contact * scale
    mag = math.hypot(cx, cy)
    arrow(-cx, -cy, cx, cy, "#27ae60",
          f"hip contact R = {mag / scale:.0f} N\n({mag / scale / bw:.2f} BW, "
          f"{math.degrees(math.atan2(abs(cx), abs(cy))):.1f}° from vertical in this plane)", (-cx - 0.42, -cy + 0.02))
    # lever arms
    ax.plot([-dw, 0], [0.05, 0.05], color="#1f5fbf", lw=1.5, ls="--")
    # lever labels on a white ground: the force arrows cross them
    box = dict(facecolor="white", alpha=0.85, edgecolor="none", pad=1.0)
    ax.text(-dw / 2 - 0.04, 0.065, f"d_w = {dw * 100:.1f} cm", color="#1f5fbf", fontsize=9, bbox=box, zorder=8)
    ax.plot([0, da], [-0.015, -0.015], color="#c0392b", lw=1.5, ls="--")
    ax.text(da + 0.09, -0.05, f"d_a = {da * 100:.1f} cm", color="#c0392b", fontsize=9, bbox=box, zorder=8)
    note = f"reserve torque {reserve:.2g} N m" if reserve > 1e-3 else "muscles hold the pelvis level"
    ax.set_title(f"{title}\nbody weight {bw:.0f} N; {note}", fontsize=11)
    ax.set_xlabel("lateral (toward the stance side), m")
    ax.set_ylabel("vertical, m")
    ax.set_xlim(-0.65, 0.65)
    ax.set_ylim(-0.70, 0.75)
    ax.grid(True, alpha=0.3)
    if path is not None:
        fig.savefig(path, bbox_inches="tight")
    return fig


# ---- command line


def _stance_text(r: dict) -> str:
    if "muscle_forces" not in r:
        return (f"abductor force {r['abductor_force_n']:.0f} N ({r['abductor_force_bw']:.2f} BW); hip contact "
                f"{r['hip_contact_force_n']:.0f} N ({r['hip_contact_force_bw']:.2f} BW), "
                f"{r['contact_angle_deg']:.1f} deg from vertical")
    lines = [
        f"stance side: {r['stance_side']}   body weight {r['body_weight_n']:.0f} N",
        f"abductor force: {r['abductor_force_n']:.0f} N ({r['abductor_force_bw']:.2f} BW), lever {r['abductor_lever_m'] * 100:.1f} cm",
        f"body-weight lever: {r['body_weight_lever_m'] * 100:.1f} cm",
        f"hip contact force: {r['hip_contact_force_n']:.0f} N ({r['hip_contact_force_bw']:.2f} BW), "
        f"{r['contact_angle_deg']:.1f} deg from vertical; ground xyz "
        f"{np.round(r['hip_contact_force_ground_n'], 1).tolist()} N",
        f"reserve torque: {r['reserve_torque_nm']:.3g} N m ({'feasible' if r['feasible'] else 'NOT feasible'}); "
        f"equilibrium residual {r['equilibrium_residual_nm']:.1e} N m",
        "muscle forces (N):",
    ]
    for name, row in r["muscle_forces"].items():
        if row["force_n"] > 0.5:
            lines.append(f"  {name:14s} {row['force_n']:8.1f}  activation {row['activation']:.2f}")
    return "\n".join(lines)


# The recruitment options other than the exponent stay at their defaults on the command line.
_STANCE_CLI_SKIP = [f["name"] for f in _core.RecruitmentOptions.fields() if f["name"] != "p"]


def _add_stance_arguments(func):
    specs = [(("--lever",), dict(action="store_true", help="textbook lever model instead of the musculoskeletal model"))]
    specs += field_arguments(_core.LeverInput)
    specs += field_arguments(_core.StanceOptions, skip=_STANCE_CLI_SKIP)
    specs += [(("--plot",), dict(metavar="FILE", help="write the free-body diagram (PNG or SVG)"))]
    for flags, kw in reversed(specs):
        func = argument(*flags, **kw)(func)
    return model_arguments(func)


@command("stance", help="Single-leg stance: abductor and hip contact forces (musculoskeletal or --lever).",
         text=_stance_text)
@_add_stance_arguments
def _cmd_stance(args):
    lever = field_values(args, _core.LeverInput)
    if args.lever:
        if "partial_weight_n" not in lever:
            raise ValueError("--lever needs --partial-weight-n (N)")
        r = _core.lever_model(_core.LeverInput(**lever))
        if args.plot:
            plot_free_body_diagram(r, args.plot)
        return r.to_dict()
    if lever:
        raise ValueError(f"--{next(iter(lever)).replace('_', '-')} is a lever-model input: add --lever")
    r = single_leg_stance(model_from_args(args), **field_values(args, _core.StanceOptions, skip=_STANCE_CLI_SKIP))
    if args.plot:
        plot_free_body_diagram(r, args.plot)
    return r.to_dict()


@command("q-angle", help="Q-angle and knee frontal-plane projection angle (deg) per side.")
@argument("--posture-deg", metavar="NAME=DEG,...", help="e.g. hip_adduction_r=10,hip_rotation_r=10 (default: standing)")
@argument("--open-chain", action="store_true", help="tibia follows the femur (default: foot planted)")
@argument("--quadriceps-force-n", type=float, default=0.0, help="quadriceps force for the lateral pull on the patella")
@model_arguments
def _cmd_q_angle(args):
    model = model_from_args(args)
    posture = posture_deg(model, parse_assignments(args.posture_deg)) if args.posture_deg else None
    table = q_angle(model, posture, weight_bearing=not args.open_chain, quadriceps_force_n=args.quadriceps_force_n)
    return table
