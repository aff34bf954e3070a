"""``biomech stance`` and ``biomech q-angle``: the seesaw of single-leg stance and the Q-angle."""
from __future__ import annotations

import numpy as np

from .. import _core
from ..fields import field_arguments, field_values
from ..model import posture_deg
from ..seesaw import q_angle, single_leg_stance
from . import argument, command, model_arguments, model_from_args, parse_assignments


def plot_free_body_diagram(result, path):
    from ..plots import plot_free_body_diagram as draw

    return draw(result, path)


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
