"""``biomech trendelenburg`` and ``biomech hip-hitch``: forward dynamics of the pelvis."""
from __future__ import annotations

from .. import _core
from ..dynamics import TRENDELENBURG_SOURCE, simulate_hip_hitch, simulate_stance
from ..fields import field_arguments, field_values
from . import argument, command, model_arguments, model_from_args

# Integrator and servo settings stay at their defaults on the command line.
_SKIP = ["integrator", "integrator_from_tendon", "abs_tol", "rel_tol", "max_step_s", "initial_step_s",
         "lumbar_stiffness_nm_per_rad", "lumbar_damping_nms_per_rad", "lumbar_gravity_compensation",
         "initial_activation", "initial_obliquity_rate_deg_s", "feedforward_effort"]
# The hip hitch sets its own duration and runs the feedback controller.
_HITCH_SKIP = _SKIP + ["duration_s", "controller", "excitation", "stop_at_event", "compensation",
                       "perturbation_nm", "perturbation_start_s", "perturbation_duration_s"]


def _options_arguments(skip, *structs):
    def deco(func):
        specs = [(("--stance-side",), dict(choices=["r", "l"], default="r", help="stance side (default r)")),
                 (("--plot",), dict(metavar="FILE", help="write obliquity, lean and forces over time (PNG or SVG)"))]
        for s in structs:
            specs += field_arguments(s, skip=skip)
        for flags, kw in reversed(specs):
            func = argument(*flags, **kw)(func)
        return model_arguments(func)

    return deco


def _stance_text(s: dict) -> str:
    lines = [
        f"abductor strength: {s['abductor_strength']:.0%}" + (" (trunk-lean compensation)" if s.get("compensation") else "")
        + (" (other abductors spared)" if s.get("other_abductors") else ""),
        f"max pelvic drop: {s['max_drop_deg']:.2f} deg at {s['time_of_max_drop_s']:.2f} s",
        f"steady obliquity: {s['steady_obliquity_deg']:.2f} deg",
        f"trendelenburg: {'POSITIVE' if s['trendelenburg_positive'] else 'negative'} "
        f"(threshold {s['drop_threshold_deg']:g} deg, {TRENDELENBURG_SOURCE})",
    ]
    if s["event_time_s"] >= 0:
        lines.append(f"drop crossed the threshold at {s['event_time_s']:.3f} s")
    lines += [
        f"final trunk lean: {s['final_trunk_lean_deg']:.2f} deg toward the stance side",
        f"steady abductor force: {s['steady_abductor_force_n']:.0f} N ({s['steady_abductor_force_bw']:.2f} BW)",
        f"peak hip contact force: {s['peak_hip_contact_force_bw']:.2f} BW",
    ]
    lines += [f"note: {n}" for n in s["notes"]]
    return "\n".join(lines)


def _hitch_text(s: dict) -> str:
    return "\n".join([
        f"hip hitch: {s['amplitude_deg']:g} deg, {s['period_s']:g} s per repetition, {s['repetitions']} repetitions, "
        f"abductor strength {s['abductor_strength']:.0%}",
        f"obliquity range: {s['min_obliquity_deg']:.2f} to {s['max_drop_deg']:.2f} deg "
        f"(tracking error rms {s['tracking_rms_deg']:.2f} deg, max {s['tracking_max_error_deg']:.2f} deg)",
        f"peak abductor force: {s['peak_abductor_force_n']:.0f} N ({s['peak_abductor_force_bw']:.2f} BW), "
        f"peak effort {s['peak_effort']:.2f}",
        f"peak hip contact force: {s['peak_hip_contact_force_bw']:.2f} BW",
    ])


@command("trendelenburg", help="Trendelenburg test: pelvic drop in single-leg stance at an abductor strength (0-1).",
         text=_stance_text)
@argument("--other-abductors", action="store_true",
          help="also the hip's other abducting muscles (gluteus maximus, piriformis, rectus femoris, sartorius), "
               "not weakened: a superior gluteal nerve block spares them")
@_options_arguments(_SKIP, _core.PelvisSimulationOptions)
def _trendelenburg_cmd(args):
    r = simulate_stance(model_from_args(args), stance_side=args.stance_side, other_abductors=args.other_abductors,
                        **field_values(args, _core.PelvisSimulationOptions, skip=_SKIP))
    if args.plot:
        r.plot(args.plot)
    return r.summary


@command("hip-hitch", help="Hip hitch exercise as a motion: pelvic obliquity, abductor and hip contact forces.",
         text=_hitch_text)
@_options_arguments(_HITCH_SKIP, _core.HipHitchOptions, _core.PelvisSimulationOptions)
def _hip_hitch_cmd(args):
    r = simulate_hip_hitch(model_from_args(args), stance_side=args.stance_side,
                           **field_values(args, _core.HipHitchOptions),
                           **field_values(args, _core.PelvisSimulationOptions, skip=_HITCH_SKIP))
    if args.plot:
        r.plot(args.plot)
    return r.summary
