"""The frontal-plane seesaw of single-leg stance, the Q-angle, and their command-line programs.

    >>> import biomech
    >>> biomech.lever_model(partial_weight_n=560, body_weight_lever_m=0.10, abductor_lever_m=0.05).abductor_force_bw
    >>> r = biomech.single_leg_stance(biomech.Model.default(), trunk_lean_deg=10)
    >>> r.abductor_force_bw, r.hip_contact_force_bw, r.contact_angle_deg
    >>> r.muscle_forces                      # pandas table, one row per stance-side hip muscle
    >>> biomech.plot_free_body_diagram(r, "fbd.png")
    >>> biomech.q_angle(biomech.Model.default())

The C++ core does the mechanics (libbiomech/include/biomech/seesaw.hpp, q_angle.hpp):
this module converts degrees, checks option names, and builds tables and pictures.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from .cli import argument, command
from .model import Model, as_model, finite_number, model_arguments, model_from_args, parse_assignments, posture_deg

# option name -> (StanceOptions field, factor to SI); degrees become radians here
_STANCE_OPTIONS: dict[str, tuple[str, float]] = {
    "trunk_lean_deg": ("trunk_lean", math.pi / 180),
    "trunk_sagittal_offset_m": ("trunk_sagittal_offset", 1.0),
    "pelvic_obliquity_deg": ("pelvic_obliquity", math.pi / 180),
    "stance_hip_adduction_deg": ("stance_hip_adduction", math.pi / 180),
    "stance_hip_flexion_deg": ("stance_hip_flexion", math.pi / 180),
    "stance_hip_rotation_deg": ("stance_hip_rotation", math.pi / 180),
    "swing_hip_flexion_deg": ("swing_hip_flexion", math.pi / 180),
    "swing_hip_adduction_deg": ("swing_hip_adduction", math.pi / 180),
    "swing_knee_flexion_deg": ("swing_knee_flexion", math.pi / 180),
    "hand_load_contralateral_kg": ("hand_load_contralateral", 1.0),
    "hand_load_ipsilateral_kg": ("hand_load_ipsilateral", 1.0),
    "hand_lateral_distance_m": ("hand_lateral_distance", 1.0),
    "cane_force_n": ("cane_force", 1.0),
    "cane_lateral_distance_m": ("cane_lateral_distance", 1.0),
    "belt_load_kg": ("belt_load", 1.0),
    "backpack_load_kg": ("backpack_load", 1.0),
    "backpack_offset_m": ("backpack_offset", 1.0),
    "abductor_strength_scale": ("abductor_strength_scale", 1.0),
}
# options handled here rather than copied: stance_side ('r'/'l'), cane_side, cane_force_bw
STANCE_OPTION_NAMES = sorted([*_STANCE_OPTIONS, "stance_side", "cane_side", "cane_force_bw"])




def stance_options(model: Model | None = None, **options) -> _core.StanceOptions:
    """A ``biomech._core.StanceOptions`` from keyword options (units in the names).

    ValueError for an unknown option, a non-finite value or a bad side.
    """
    o = _core.StanceOptions()
    for name, value in options.items():
        if name in _STANCE_OPTIONS:
            attr, factor = _STANCE_OPTIONS[name]
            setattr(o, attr, finite_number(name, value) * factor)
        elif name == "stance_side":
            side = str(value).lower()[:1]
            if side not in ("r", "l") or str(value).lower() not in ("r", "l", "right", "left"):
                raise ValueError(f"stance_side: expected 'r' or 'l' (right/left), got {value!r}")
            o.stance_side = side
        elif name == "cane_side":
            if value not in ("contralateral", "ipsilateral"):
                raise ValueError(f"cane_side: expected 'contralateral' or 'ipsilateral', got {value!r}")
            o.cane_contralateral = value == "contralateral"
        elif name == "cane_force_bw":
            if model is None:
                raise ValueError("cane_force_bw needs a model (its body weight)")
            o.cane_force = finite_number(name, value) * model.total_mass * float(np.linalg.norm(model.core.gravity))
        else:
            import difflib

            close = difflib.get_close_matches(name, STANCE_OPTION_NAMES, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ValueError(f"single_leg_stance: unknown option '{name}'{hint}; expected one of {', '.join(STANCE_OPTION_NAMES)}")
    if "cane_force_n" in options and "cane_force_bw" in options:
        raise ValueError("give cane_force_n or cane_force_bw, not both")
    return o


@dataclass
class LeverResult:
    """The textbook lever (SI units; the contact force is on the femoral head: y up, z lateral)."""

    abductor_force_n: float
    abductor_force_bw: float
    hip_contact_force_n: np.ndarray          # (3,) N
    hip_contact_force_bw: float
    contact_angle_deg: float
    body_weight_lever_m: float
    abductor_lever_m: float
    abductor_angle_deg: float
    partial_weight_n: float
    body_weight_n: float
    reserve_torque_nm: float = 0.0

    @property
    def hip_contact_force_magnitude_n(self) -> float:
        return float(np.linalg.norm(self.hip_contact_force_n))


def lever_model(partial_weight_n: float, body_weight_lever_m: float = 0.10, abductor_lever_m: float = 0.05,
                abductor_angle_deg: float = 0.0, body_weight_n: float | None = None) -> LeverResult:
    """Pauwels' lever: F_a = W_p d_w / d_a; contact force = W_p + F_a (vector sum).

    ``body_weight_n`` defaults to W_p / (1 - 0.1986) (de Leva 1996 male leg share).
    ValueError for a non-positive weight or lever, or an angle outside [0, 90) deg.
    """
    bw = 0.0 if body_weight_n is None else finite_number("body_weight_n", body_weight_n)
    if body_weight_n is not None and bw <= 0:
        raise ValueError(f"body_weight_n: expected > 0, got {body_weight_n!r}")
    d = _core.lever_model(finite_number("partial_weight_n", partial_weight_n), bw, finite_number("body_weight_lever_m", body_weight_lever_m),
                          finite_number("abductor_lever_m", abductor_lever_m), math.radians(finite_number("abductor_angle_deg", abductor_angle_deg)))
    return LeverResult(
        abductor_force_n=d["abductor_force_n"], abductor_force_bw=d["abductor_force_bw"],
        hip_contact_force_n=np.asarray(d["hip_contact_force"]), hip_contact_force_bw=d["hip_contact_force_bw"],
        contact_angle_deg=math.degrees(d["contact_angle"]), body_weight_lever_m=float(body_weight_lever_m),
        abductor_lever_m=float(abductor_lever_m), abductor_angle_deg=float(abductor_angle_deg),
        partial_weight_n=float(partial_weight_n), body_weight_n=d["body_weight_n"])


@dataclass
class StanceResult:
    """Single-leg stance on a model. Forces in N (and body weights), moments in N m.

    ``hip_contact_force_n`` is the force of the pelvis on the femoral head in ground
    axes (x anterior, y up, z right); ``..._pelvis_n`` / ``..._femur_n`` the same in
    those frames. ``muscle_forces`` has one row per stance-side hip muscle.
    """

    abductor_force_n: float
    abductor_force_bw: float
    hip_contact_force_n: np.ndarray
    hip_contact_force_bw: float
    contact_angle_deg: float
    body_weight_lever_m: float
    abductor_lever_m: float
    reserve_torque_nm: float
    hip_contact_force_pelvis_n: np.ndarray
    hip_contact_force_femur_n: np.ndarray
    hip_moment_nm: dict[str, float]
    abductor_moment_nm: float
    reserve_nm: dict[str, float]
    feasible: bool
    equilibrium_residual_nm: float
    body_weight_n: float
    superincumbent_weight_n: float
    load_weight_n: float
    stance_side: str
    options: dict[str, Any]
    muscle_forces: pd.DataFrame = field(repr=False)
    posture: dict[str, float] = field(repr=False)
    hip_centre_m: np.ndarray = field(repr=False)
    superincumbent_com_m: np.ndarray = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (the CLI's --json)."""
        out = {k: getattr(self, k) for k in (
            "abductor_force_n", "abductor_force_bw", "hip_contact_force_n", "hip_contact_force_bw", "contact_angle_deg",
            "body_weight_lever_m", "abductor_lever_m", "reserve_torque_nm", "hip_contact_force_pelvis_n",
            "hip_contact_force_femur_n", "hip_moment_nm", "abductor_moment_nm", "reserve_nm", "feasible",
            "equilibrium_residual_nm", "body_weight_n", "superincumbent_weight_n", "load_weight_n", "stance_side",
            "options")}
        out["muscle_forces"] = {name: row.to_dict() for name, row in self.muscle_forces.iterrows()}
        return out




def single_leg_stance(model: Model | None = None, **options) -> StanceResult:
    """Abductor and hip contact force in single-leg stance on ``model`` (the default model when None).

    Options (units in the names): stance_side ('r'/'l'), trunk_lean_deg (+ toward the stance
    side), trunk_sagittal_offset_m, pelvic_obliquity_deg (+ swing side drops),
    stance_hip_adduction_deg, stance_hip_flexion_deg, stance_hip_rotation_deg,
    swing_hip_flexion_deg, swing_hip_adduction_deg, swing_knee_flexion_deg,
    hand_load_contralateral_kg, hand_load_ipsilateral_kg, hand_lateral_distance_m,
    cane_force_n or cane_force_bw, cane_side ('contralateral'/'ipsilateral'),
    cane_lateral_distance_m, belt_load_kg, backpack_load_kg, backpack_offset_m,
    abductor_strength_scale. ValueError for an unknown option or a bad value.
    """
    model = as_model(model)
    o = stance_options(model, **options)
    d = _core.single_leg_stance(model.core, o)
    dofs = ["flexion", "adduction", "rotation"]
    arms = np.asarray(d["muscle_moment_arm"]).reshape(-1, 3)
    table = pd.DataFrame({
        "group": d["muscle_groups"],
        "force_n": d["muscle_force"],
        "activation": d["muscle_activation"],
        "max_force_n": d["muscle_max_force"],
        "abductor": d["is_abductor"],
        "flexion_arm_m": arms[:, 0],
        "adduction_arm_m": arms[:, 1],
        "rotation_arm_m": arms[:, 2],
    }, index=pd.Index(d["muscle_names"], name="muscle"))
    table["force_bw"] = table["force_n"] / d["body_weight_n"]
    return StanceResult(
        abductor_force_n=d["abductor_force_n"], abductor_force_bw=d["abductor_force_bw"],
        hip_contact_force_n=np.asarray(d["hip_contact_force"]), hip_contact_force_bw=d["hip_contact_force_bw"],
        contact_angle_deg=math.degrees(d["contact_angle"]), body_weight_lever_m=d["body_weight_lever_m"],
        abductor_lever_m=d["abductor_lever_m"], reserve_torque_nm=d["reserve_torque_nm"],
        hip_contact_force_pelvis_n=np.asarray(d["hip_contact_force_pelvis"]),
        hip_contact_force_femur_n=np.asarray(d["hip_contact_force_femur"]),
        hip_moment_nm=dict(zip(dofs, map(float, d["hip_moment"]))), abductor_moment_nm=d["abductor_moment_nm"],
        reserve_nm=dict(zip(dofs, map(float, d["reserve"]))), feasible=bool(d["feasible"]),
        equilibrium_residual_nm=d["equilibrium_residual_nm"], body_weight_n=d["body_weight_n"],
        superincumbent_weight_n=d["superincumbent_weight_n"], load_weight_n=d["load_weight_n"],
        stance_side=o.stance_side, options=dict(options), muscle_forces=table,
        posture=model.posture_dict(np.asarray(d["posture"])), hip_centre_m=np.asarray(d["hip_centre"]),
        superincumbent_com_m=np.asarray(d["superincumbent_com"]))


def abductor_weakness(model: Model | None = None, strength_scale: float = 1.0, max_lean_deg: float = 30.0,
                      max_drop_deg: float = 30.0, **options) -> dict[str, Any]:
    """Whether level-pelvis stance is feasible at this abductor strength; if not, the trunk
    lean toward the stance side that makes it feasible and the pelvic drop that results
    (NaN when none within the limits), and the passive model used."""
    model = as_model(model)
    o = stance_options(model, **options)
    d = _core.abductor_weakness(model.core, finite_number("strength_scale", strength_scale), o,
                                math.radians(finite_number("max_lean_deg", max_lean_deg)), math.radians(finite_number("max_drop_deg", max_drop_deg)))
    return {
        "strength_scale": d["strength_scale"],
        "level_feasible": bool(d["level_feasible"]),
        "level_reserve_nm": d["level_reserve_nm"],
        "compensating_trunk_lean_deg": math.degrees(d["compensating_trunk_lean"]),
        "pelvic_drop_deg": math.degrees(d["pelvic_drop"]),
        "passive_model": d["passive_model"],
    }


def q_angle(model: Model | None = None, posture=None, *, weight_bearing: bool = True,
            quadriceps_force_n: float = 0.0) -> pd.DataFrame:
    """Q-angle, knee frontal-plane projection angle (valgus +) and the lateral pull on the
    patella for ``quadriceps_force_n``, per side (rows 'r', 'l'), in degrees and N.

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
        d = _core.q_angle(model.core, q, side, bool(weight_bearing), finite_number("quadriceps_force_n", quadriceps_force_n))
        rows[side] = {"q_angle_deg": math.degrees(d["q_angle"]), "knee_fppa_deg": math.degrees(d["knee_fppa"]),
                      "lateral_pull_n": d["lateral_pull_n"]}
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
        fc = result.hip_contact_force_n
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
        lateral_contact = result.hip_contact_force_n[2]
        vertical_contact = result.hip_contact_force_n[1]
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
                f"{np.linalg.norm(r['hip_contact_force_n']):.0f} N ({r['hip_contact_force_bw']:.2f} BW), "
                f"{r['contact_angle_deg']:.1f} deg from vertical")
    lines = [
        f"stance side: {r['stance_side']}   body weight {r['body_weight_n']:.0f} N",
        f"abductor force: {r['abductor_force_n']:.0f} N ({r['abductor_force_bw']:.2f} BW), lever {r['abductor_lever_m'] * 100:.1f} cm",
        f"body-weight lever: {r['body_weight_lever_m'] * 100:.1f} cm",
        f"hip contact force: {np.linalg.norm(r['hip_contact_force_n']):.0f} N ({r['hip_contact_force_bw']:.2f} BW), "
        f"{r['contact_angle_deg']:.1f} deg from vertical; ground xyz {np.round(r['hip_contact_force_n'], 1).tolist()} N",
        f"reserve torque: {r['reserve_torque_nm']:.3g} N m ({'feasible' if r['feasible'] else 'NOT feasible'}); "
        f"equilibrium residual {r['equilibrium_residual_nm']:.1e} N m",
        "muscle forces (N):",
    ]
    for name, row in r["muscle_forces"].items():
        if row["force_n"] > 0.5:
            lines.append(f"  {name:14s} {row['force_n']:8.1f}  activation {row['activation']:.2f}")
    return "\n".join(lines)


def _add_stance_arguments(func):
    specs = [
        ("--lever", dict(action="store_true", help="textbook lever model instead of the musculoskeletal model")),
        ("--partial-weight-n", dict(type=float, help="lever: weight above the stance hip (N)")),
        ("--body-weight-n", dict(type=float, help="lever: body weight for ratios (N)")),
        ("--body-weight-lever-m", dict(type=float, default=None, help="lever: body-weight lever (m), default 0.10")),
        ("--abductor-lever-m", dict(type=float, default=None, help="lever: abductor lever (m), default 0.05")),
        ("--abductor-angle-deg", dict(type=float, default=None, help="lever: abductor line from vertical (deg), default 0")),
        ("--side", dict(choices=["r", "l"], default="r", help="stance side (default r)")),
        ("--trunk-lean-deg", dict(type=float, help="trunk lean, + toward the stance side")),
        ("--trunk-sagittal-offset-m", dict(type=float, help="trunk COM in front (+) of the hips")),
        ("--pelvic-obliquity-deg", dict(type=float, help="+ swing side drops, - hike")),
        ("--stance-hip-adduction-deg", dict(type=float)),
        ("--swing-hip-flexion-deg", dict(type=float)),
        ("--swing-knee-flexion-deg", dict(type=float)),
        ("--hand-load-contralateral-kg", dict(type=float)),
        ("--hand-load-ipsilateral-kg", dict(type=float)),
        ("--hand-lateral-distance-m", dict(type=float)),
        ("--cane-force-n", dict(type=float)),
        ("--cane-force-bw", dict(type=float, help="cane force as a fraction of body weight")),
        ("--cane-side", dict(choices=["contralateral", "ipsilateral"])),
        ("--cane-lateral-distance-m", dict(type=float)),
        ("--belt-load-kg", dict(type=float)),
        ("--backpack-load-kg", dict(type=float)),
        ("--abductor-strength-scale", dict(type=float)),
        ("--plot", dict(metavar="FILE", help="write the free-body diagram (PNG or SVG)")),
    ]
    for flags, kw in reversed(specs):
        func = argument(flags, **kw)(func)
    return model_arguments(func)


@command("stance", help="Single-leg stance: abductor and hip contact forces (musculoskeletal or --lever).",
         text=_stance_text)
@_add_stance_arguments
def _cmd_stance(args):
    if args.lever:
        if args.partial_weight_n is None:
            raise ValueError("--lever needs --partial-weight-n (N)")
        r = lever_model(args.partial_weight_n,
                        0.10 if args.body_weight_lever_m is None else args.body_weight_lever_m,
                        0.05 if args.abductor_lever_m is None else args.abductor_lever_m,
                        0.0 if args.abductor_angle_deg is None else args.abductor_angle_deg, args.body_weight_n)
        if args.plot:
            plot_free_body_diagram(r, args.plot)
        out = {k: getattr(r, k) for k in ("abductor_force_n", "abductor_force_bw", "hip_contact_force_n",
                                          "hip_contact_force_bw", "contact_angle_deg", "body_weight_lever_m",
                                          "abductor_lever_m", "reserve_torque_nm")}
        return out
    for flag in ("partial_weight_n", "body_weight_n", "body_weight_lever_m", "abductor_lever_m", "abductor_angle_deg"):
        if getattr(args, flag) is not None:
            raise ValueError(f"--{flag.replace('_', '-')} is a lever-model input: add --lever")
    model = model_from_args(args)
    options = {"stance_side": args.side}
    for name in _STANCE_OPTIONS:
        v = getattr(args, name, None)
        if v is not None:
            options[name] = v
    if args.cane_force_bw is not None:
        options["cane_force_bw"] = args.cane_force_bw
    if args.cane_side is not None:
        options["cane_side"] = args.cane_side
    r = single_leg_stance(model, **options)
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
