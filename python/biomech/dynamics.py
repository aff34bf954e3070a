"""Forward dynamics of single-leg stance: pelvic drop under abductor weakness
(the Trendelenburg test), trunk-lean compensation, and the hip hitch.

    >>> import biomech
    >>> model = biomech.Model.default()
    >>> r = biomech.simulate_stance(model, abductor_strength=0.3, duration_s=5.0)
    >>> r.summary["max_drop_deg"], r.summary["trendelenburg_positive"]
    >>> r.timeseries[["obliquity_deg", "trunk_lean_deg", "abductor_force_n"]]
    >>> biomech.simulate_stance(model, abductor_strength=0.3, compensation=True).summary["max_drop_deg"]
    >>> biomech.simulate_hip_hitch(model, amplitude_deg=8, period_s=2).plot("hitch.png")

The mechanics are in C++ (libbiomech/include/biomech/pelvis_dynamics.hpp and
hill_muscle.hpp; sources of every number there); the integration runs with
the GIL released. Obliquity is positive when the swing side drops; trunk lean
is positive toward the stance side.

Trendelenburg threshold: a drop of more than 4 deg is called positive. 4 deg
is the minimal detectable change of the pelvis-on-femur angle in the
Trendelenburg test (Youdas JW, Mraz ST, Norstad BJ, Schinke JJ, Hollman JH
(2007) Determining meaningful changes in pelvic-on-femoral position during
the Trendelenburg test. J Sport Rehabil 16(4):326-335: goniometer, 90
healthy adults, SEM 2 deg, MDC 4 deg). It is a measurement-error bound, not a
diagnostic cut-off validated against weakness; the stance-hip adduction the
model reports changes by exactly the obliquity, so the two compare directly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from .cli import argument, command
from .model import Model, as_model, finite_number, model_arguments, model_from_args

DEG = math.pi / 180.0
TRENDELENBURG_THRESHOLD_DEG = 4.0
TRENDELENBURG_SOURCE = ("Youdas et al. 2007, J Sport Rehabil 16(4):326-335: minimal detectable change of the "
                        "pelvis-on-femur angle in the Trendelenburg test, 4 deg")
# Normal active hip adduction range, 30 deg (American Academy of Orthopaedic Surgeons,
# Joint Motion: Method of Measuring and Recording, 1965). A drop beyond it has left the
# range where the passive model (the hip tissue calibrated on the modified Ober test,
# PelvisPlant::hip_passive) is meant to act: a person would step down or fall, so the summary says so.
HIP_ADDUCTION_RANGE_DEG = 30.0


@dataclass
class DynamicsResult:
    """A simulation: ``timeseries`` (DataFrame indexed by ``time_s``) and ``summary`` (dict, units in the keys)."""

    timeseries: pd.DataFrame
    summary: dict = field(default_factory=dict)

    def plot(self, path=None):
        """Obliquity and trunk lean, abductor and hip contact force over time; saved when ``path`` is given."""
        return plot_dynamics(self, path)

    def __repr__(self) -> str:
        s = self.summary
        return (f"<DynamicsResult {len(self.timeseries)} samples, max drop {s.get('max_drop_deg', float('nan')):.2f} deg, "
                f"trendelenburg_positive={s.get('trendelenburg_positive')}>")


# ---- argument checks




def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}: expected True or False, got {value!r}")
    return bool(value)


def _side(value: Any) -> str:
    v = str(value).lower()
    if v not in ("r", "l", "right", "left"):
        raise ValueError(f"stance_side: expected 'r' or 'l' (right/left), got {value!r}")
    return v[0]




def pelvis_plant(model, stance_side: str = "r") -> _core.PelvisPlant:
    """The reduced frontal-plane model (built once per model and side, then cached on the Model)."""
    side = _side(stance_side)
    if isinstance(model, Model):
        cache = model.__dict__.setdefault("_dynamics_plants", {})
        if side not in cache:
            cache[side] = _core.build_pelvis_plant(model.core, side)
        return cache[side]
    return _core.build_pelvis_plant(as_model(model).core, side)


def _options(plant, *, abductor_strength, duration_s, sample_hz, controller, compensation, kp, kd, delay_s,
             excitation, perturbation_nm, perturbation_start_s, perturbation_duration_s, tendon, drop_threshold_deg,
             stop_at_event, abs_tol, rel_tol, initial_obliquity_deg, lean_dof, muscles_enabled) -> _core.PelvisSimulationOptions:
    o = _core.PelvisSimulationOptions()
    o.abductor_strength = finite_number("abductor_strength", abductor_strength)
    o.duration = finite_number("duration_s", duration_s)
    o.sample_rate = finite_number("sample_hz", sample_hz)
    o.controller.compensation = _flag("compensation", compensation)
    o.stop_at_event = _flag("stop_at_event", stop_at_event)
    o.lean_dof = _flag("lean_dof", lean_dof)
    o.muscles_enabled = _flag("muscles_enabled", muscles_enabled)
    if kp is not None:
        o.controller.kp = finite_number("kp", kp)
    if kd is not None:
        o.controller.kd = finite_number("kd", kd)
    o.controller.delay = finite_number("delay_s", delay_s)
    o.perturbation.torque = finite_number("perturbation_nm", perturbation_nm)
    o.perturbation.start = finite_number("perturbation_start_s", perturbation_start_s)
    o.perturbation.duration = finite_number("perturbation_duration_s", perturbation_duration_s)
    o.drop_threshold = finite_number("drop_threshold_deg", drop_threshold_deg) * DEG
    o.initial_obliquity = finite_number("initial_obliquity_deg", initial_obliquity_deg) * DEG
    if abs_tol is not None:
        o.integrator.abs_tol = finite_number("abs_tol", abs_tol)
    if rel_tol is not None:
        o.integrator.rel_tol = finite_number("rel_tol", rel_tol)
    if tendon not in ("rigid", "compliant"):
        raise ValueError(f"tendon: expected 'rigid' or 'compliant', got {tendon!r}")
    o.tendon = _core.TendonModel.rigid if tendon == "rigid" else _core.TendonModel.compliant
    if controller == "feedback":
        o.controller.kind = _core.ControllerKind.feedback
        if excitation is not None:
            raise ValueError("excitation: only with controller='prescribed'")
    elif controller == "prescribed":
        o.controller.kind = _core.ControllerKind.prescribed
        names = list(plant.muscle_names)
        if excitation is None:
            excitation = 0.0
        if isinstance(excitation, pd.DataFrame):
            missing = [n for n in names if n not in excitation.columns]
            if missing:
                raise ValueError(f"excitation: expected a column per muscle {names}, missing {missing}")
            o.controller.prescribed_time = np.asarray(excitation.index, dtype=float)
            o.controller.prescribed_excitations = np.asarray(excitation[names], dtype=float)
        else:
            o.controller.prescribed_excitation = finite_number("excitation", excitation)
        o.initial_activation = -1.0
    else:
        raise ValueError(f"controller: expected 'feedback' or 'prescribed', got {controller!r}")
    return o


# ---- results as tables


def _table(r: _core.PelvisSimulationResult) -> pd.DataFrame:
    t = np.asarray(r.time)
    cols: dict[str, np.ndarray] = {
        "obliquity_deg": np.degrees(r.obliquity),
        "obliquity_rate_deg_s": np.degrees(r.obliquity_rate),
        "trunk_lean_deg": np.degrees(r.lean),
        "trunk_tilt_deg": np.degrees(r.trunk_tilt),
        "hip_adduction_deg": np.degrees(r.hip_adduction),
        "effort": np.asarray(r.effort),
        "abductor_force_n": np.asarray(r.abductor_force),
        "abductor_force_bw": np.asarray(r.abductor_force) / r.body_weight,
        "muscle_moment_nm": np.asarray(r.muscle_moment),
        "passive_moment_nm": np.asarray(r.passive_moment),
        "gravity_moment_nm": np.asarray(r.gravity_moment),
        "lean_torque_nm": np.asarray(r.lean_torque),
    }
    f = np.asarray(r.hip_contact_force)
    for k, axis in enumerate("xyz"):
        cols[f"hip_contact_force_{axis}_n"] = f[:, k]
    cols["hip_contact_force_n"] = np.linalg.norm(f, axis=1)
    cols["hip_contact_force_bw"] = np.asarray(r.hip_contact_force_bw)
    cols["energy_j"] = np.asarray(r.energy)
    for what, arr, unit in (("excitation", r.excitation, ""), ("activation", r.activation, ""),
                            ("force", r.force, "_n"), ("fiber_length", r.fiber_length, "_m")):
        a = np.asarray(arr)
        for i, name in enumerate(r.muscle_names):
            cols[f"{what}_{name}{unit}"] = a[:, i]
    df = pd.DataFrame(cols, index=pd.Index(t, name="time_s"))
    return df


def _summary(r: _core.PelvisSimulationResult) -> dict:
    return {
        "max_drop_deg": r.max_drop / DEG,
        "time_of_max_drop_s": r.time_of_max_drop,
        "steady_obliquity_deg": r.steady_obliquity / DEG,
        "trendelenburg_positive": bool(r.trendelenburg_positive),
        "drop_threshold_deg": r.drop_threshold / DEG,
        "drop_threshold_source": TRENDELENBURG_SOURCE,
        "event_time_s": r.event_time if r.event_time >= 0 else None,
        "stopped_at_event": bool(r.stopped_at_event),
        "final_trunk_lean_deg": r.final_lean / DEG,
        "anticipatory_lean_deg": r.anticipatory_lean / DEG,
        "steady_abductor_force_n": r.steady_abductor_force,
        "steady_abductor_force_bw": r.steady_abductor_force / r.body_weight,
        "peak_hip_contact_force_bw": r.peak_hip_contact_force_bw,
        "feedforward_effort": r.feedforward_effort,
        "body_weight_n": r.body_weight,
        "muscles": list(r.muscle_names),
        "integrator": r.integrator,
        "steps": int(r.steps),
        "rhs_evaluations": int(r.rhs_evaluations),
        "notes": list(r.notes),
    }


# ---- public API


def simulate_stance(model, abductor_strength: float = 1.0, duration_s: float = 5.0, controller: str = "feedback",
                    sample_hz: float = 100.0, compensation: bool = False, *, stance_side: str = "r",
                    kp: float | None = None, kd: float | None = None, delay_s: float = 0.0, excitation=None,
                    perturbation_nm: float = 0.0, perturbation_start_s: float = 0.5,
                    perturbation_duration_s: float = 0.1, tendon: str = "rigid",
                    drop_threshold_deg: float = TRENDELENBURG_THRESHOLD_DEG, stop_at_event: bool = False,
                    abs_tol: float | None = None, rel_tol: float | None = None, initial_obliquity_deg: float = 0.0,
                    lean_dof: bool = True, muscles_enabled: bool = True) -> DynamicsResult:
    """Single-leg stance held by Hill-type abductors at ``abductor_strength`` (0-1) of their strength.

    controller: ``"feedback"`` (effort = feed-forward + kp * drop + kd * drop rate, optional
    ``delay_s``) or ``"prescribed"`` (``excitation``: a number in 0-1, or a DataFrame indexed
    by time in s with one column per abductor). ``compensation``: the trunk leans over the
    stance hip (anticipatory lean plus lean in proportion to the drop). ``perturbation_nm``:
    a torque pulse toward drop. ``tendon``: ``"rigid"`` or ``"compliant"``.

    Returns a DynamicsResult: ``timeseries`` (pelvic obliquity, trunk lean, effort, per-muscle
    excitation / activation / force / fibre length, hip contact force, energy) and ``summary``
    (max drop, steady obliquity, Trendelenburg positive or not, ...). ValueError for a
    negative or zero duration, a non-positive sample rate, a strength outside 0-1, NaN, or an
    unknown option value.
    """
    plant = pelvis_plant(model, stance_side)
    o = _options(plant, abductor_strength=abductor_strength, duration_s=duration_s, sample_hz=sample_hz,
                 controller=controller, compensation=compensation, kp=kp, kd=kd, delay_s=delay_s,
                 excitation=excitation, perturbation_nm=perturbation_nm, perturbation_start_s=perturbation_start_s,
                 perturbation_duration_s=perturbation_duration_s, tendon=tendon,
                 drop_threshold_deg=drop_threshold_deg, stop_at_event=stop_at_event, abs_tol=abs_tol,
                 rel_tol=rel_tol, initial_obliquity_deg=initial_obliquity_deg, lean_dof=lean_dof,
                 muscles_enabled=muscles_enabled)
    r = _core.simulate_pelvis(plant, o)
    s = _summary(r)
    s["beyond_adduction_range"] = bool(s["max_drop_deg"] > HIP_ADDUCTION_RANGE_DEG)
    if s["beyond_adduction_range"]:
        s["notes"].append(f"the pelvis dropped {s['max_drop_deg']:.0f} deg, beyond the normal hip adduction range "
                          f"({HIP_ADDUCTION_RANGE_DEG:.0f} deg, AAOS 1965): the stance cannot be held; a person "
                          "would put the other foot down or fall, and the drop after that is not physiological")
    s.update(abductor_strength=o.abductor_strength, compensation=o.controller.compensation,
             stance_side=plant.stance_side, controller=controller, duration_s=o.duration, sample_hz=o.sample_rate)
    return DynamicsResult(_table(r), s)


def simulate_hip_hitch(model, amplitude_deg: float = 8.0, period_s: float = 2.0, repetitions: int = 3,
                       abductor_strength: float = 1.0, sample_hz: float = 100.0, *, stance_side: str = "r",
                       kp: float | None = None, kd: float | None = None, delay_s: float = 0.0,
                       tendon: str = "rigid") -> DynamicsResult:
    """The hip hitch (seed 000): the swing side of the pelvis is lowered and raised by ``amplitude_deg``
    each way, one repetition per ``period_s``, ``repetitions`` times, then held level for 1 s.

    The pelvis tracks the motion with the feedback controller plus a feed-forward effort from the
    plant's inverse dynamics. ``summary`` adds tracking error, peak abductor force and peak hip
    contact force.
    """
    plant = pelvis_plant(model, stance_side)
    if isinstance(repetitions, bool) or not isinstance(repetitions, (int, np.integer)):
        raise ValueError(f"repetitions: expected an integer, got {repetitions!r}")
    h = _core.HipHitchOptions()
    h.amplitude = finite_number("amplitude_deg", amplitude_deg) * DEG
    h.period = finite_number("period_s", period_s)
    h.repetitions = int(repetitions)
    o = _options(plant, abductor_strength=abductor_strength, duration_s=1.0, sample_hz=sample_hz,
                 controller="feedback", compensation=False, kp=kp, kd=kd, delay_s=delay_s, excitation=None,
                 perturbation_nm=0.0, perturbation_start_s=0.0, perturbation_duration_s=0.0, tendon=tendon,
                 drop_threshold_deg=TRENDELENBURG_THRESHOLD_DEG, stop_at_event=False, abs_tol=None, rel_tol=None,
                 initial_obliquity_deg=0.0, lean_dof=True, muscles_enabled=True)
    r = _core.simulate_pelvis_hip_hitch(plant, h, o)
    df = _table(r)
    # the reference the pelvis followed (same formula as the C++ side)
    t = df.index.to_numpy()
    A, T, tr, tm = h.amplitude, h.period, 0.25 * h.period, h.repetitions * h.period
    w = np.ones_like(t)
    w[t < tr] = np.sin(np.pi * t[t < tr] / (2 * tr)) ** 2
    late = t > tm - tr
    w[late] = np.sin(np.pi * (tm - t[late]) / (2 * tr)) ** 2
    ref = np.where((t > 0) & (t < tm), A * w * np.sin(2 * np.pi * t / T), 0.0)
    df.insert(0, "reference_obliquity_deg", np.degrees(ref))
    s = _summary(r)
    err = df["obliquity_deg"] - df["reference_obliquity_deg"]
    s.update(
        amplitude_deg=h.amplitude / DEG, period_s=h.period, repetitions=h.repetitions,
        abductor_strength=o.abductor_strength, stance_side=plant.stance_side,
        max_obliquity_deg=float(df["obliquity_deg"].max()), min_obliquity_deg=float(df["obliquity_deg"].min()),
        tracking_rms_deg=float(np.sqrt(np.mean(err**2))), tracking_max_error_deg=float(err.abs().max()),
        peak_abductor_force_n=float(df["abductor_force_n"].max()),
        peak_abductor_force_bw=float(df["abductor_force_bw"].max()),
        peak_effort=float(df["effort"].max()),
    )
    return DynamicsResult(df, s)


def static_stance(model, abductor_strength: float = 1.0, obliquity_deg: float = 0.0, trunk_lean_deg: float = 0.0,
                  stance_side: str = "r") -> dict:
    """Static equilibrium of the dynamic model (the state its simulations settle to)."""
    plant = pelvis_plant(model, stance_side)
    o = _core.PelvisSimulationOptions()
    o.abductor_strength = finite_number("abductor_strength", abductor_strength)
    e = _core.pelvis_static_equilibrium(plant, o, finite_number("obliquity_deg", obliquity_deg) * DEG,
                                        finite_number("trunk_lean_deg", trunk_lean_deg) * DEG)
    return {
        "feasible": bool(e.feasible), "effort": e.effort,
        "abductor_force_n": e.abductor_force, "abductor_force_bw": e.abductor_force / plant.body_weight,
        "muscle_moment_nm": e.muscle_moment, "gravity_moment_nm": e.gravity_moment,
        "passive_moment_nm": e.passive_moment, "residual_nm": e.residual,
        "hip_contact_force_n": np.asarray(e.hip_contact_force).tolist(),
        "hip_contact_force_bw": float(np.linalg.norm(e.hip_contact_force) / plant.body_weight),
        "muscle_forces_n": dict(zip(plant.muscle_names, np.asarray(e.force).tolist())),
    }


def plot_dynamics(result: DynamicsResult, path=None):
    """Two panels: obliquity and trunk lean (deg); abductor force and hip contact force (body weights)."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    df, s = result.timeseries, result.summary
    t = df.index.to_numpy()
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 6), dpi=110, sharex=True)
    if "reference_obliquity_deg" in df:
        ax1.plot(t, df["reference_obliquity_deg"], color="0.6", ls="--", lw=1.2, label="reference")
    ax1.plot(t, df["obliquity_deg"], color="#c0392b", lw=1.8, label="pelvic obliquity (+ = swing side drops)")
    ax1.plot(t, df["trunk_lean_deg"], color="#1f5fbf", lw=1.5, label="trunk lean (+ = toward stance side)")
    thr = s.get("drop_threshold_deg", TRENDELENBURG_THRESHOLD_DEG)
    ax1.axhline(thr, color="k", lw=0.8, ls=":", label=f"{thr:g} deg (Youdas 2007 MDC)")
    ax1.set_ylabel("deg")
    ax1.legend(loc="best", fontsize=8)
    title = f"abductor strength {s.get('abductor_strength', 1.0):.0%}"
    if "amplitude_deg" in s:
        title = f"hip hitch, {s['amplitude_deg']:g} deg, {s['period_s']:g} s per repetition, " + title
    else:
        title = ("Trendelenburg test, " + title + (", trunk-lean compensation" if s.get("compensation") else "")
                 + f": max drop {s.get('max_drop_deg', float('nan')):.1f} deg, "
                 + ("positive" if s.get("trendelenburg_positive") else "negative"))
    ax1.set_title(title, fontsize=10)
    ax2.plot(t, df["abductor_force_bw"], color="#8e44ad", lw=1.6, label="abductor force")
    ax2.plot(t, df["hip_contact_force_bw"], color="#27ae60", lw=1.6, label="hip contact force")
    ax2.set_ylabel("body weights")
    ax2.set_xlabel("time (s)")
    ax2.legend(loc="best", fontsize=8)
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
        plt.close(fig)
    return fig


# ---- command line


def _stance_text(s: dict) -> str:
    lines = [
        f"abductor strength: {s['abductor_strength']:.0%}" + (" (trunk-lean compensation)" if s["compensation"] else ""),
        f"max pelvic drop: {s['max_drop_deg']:.2f} deg at {s['time_of_max_drop_s']:.2f} s",
        f"steady obliquity: {s['steady_obliquity_deg']:.2f} deg",
        f"trendelenburg: {'POSITIVE' if s['trendelenburg_positive'] else 'negative'} "
        f"(threshold {s['drop_threshold_deg']:g} deg, {TRENDELENBURG_SOURCE})",
    ]
    if s["event_time_s"] is not None:
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
        f"obliquity range: {s['min_obliquity_deg']:.2f} to {s['max_obliquity_deg']:.2f} deg "
        f"(tracking error rms {s['tracking_rms_deg']:.2f} deg, max {s['tracking_max_error_deg']:.2f} deg)",
        f"peak abductor force: {s['peak_abductor_force_n']:.0f} N ({s['peak_abductor_force_bw']:.2f} BW), "
        f"peak effort {s['peak_effort']:.2f}",
        f"peak hip contact force: {s['peak_hip_contact_force_bw']:.2f} BW",
    ])


@command("trendelenburg", help="Trendelenburg test: pelvic drop in single-leg stance at an abductor strength (0-1).",
         text=_stance_text)
@argument("--strength", type=float, default=1.0, help="abductor strength, fraction of normal, 0-1 (default 1)")
@argument("--compensate", action="store_true", help="allow trunk-lean compensation over the stance hip")
@argument("--duration-s", type=float, default=5.0, help="simulated time (s, default 5)")
@argument("--sample-hz", type=float, default=100.0, help="output sample rate (Hz, default 100)")
@argument("--side", default="r", help="stance side, r or l (default r)")
@argument("--delay-s", type=float, default=0.0, help="neural delay of the feedback (s, default 0)")
@argument("--perturbation-nm", type=float, default=0.0, help="torque pulse toward drop at 0.5 s for 0.1 s (N m)")
@argument("--plot", metavar="FILE", help="write obliquity, lean and forces over time (PNG or SVG)")
@model_arguments
def _trendelenburg_cmd(args):
    model = model_from_args(args)
    r = simulate_stance(model, abductor_strength=args.strength, duration_s=args.duration_s, sample_hz=args.sample_hz,
                        compensation=args.compensate, stance_side=args.side, delay_s=args.delay_s,
                        perturbation_nm=args.perturbation_nm)
    if args.plot:
        r.plot(args.plot)
    return r.summary


@command("hip-hitch", help="Hip hitch exercise as a motion: pelvic obliquity, abductor and hip contact forces.",
         text=_hitch_text)
@argument("--amplitude-deg", type=float, default=8.0, help="drop and hike of the swing side (deg, default 8)")
@argument("--period-s", type=float, default=2.0, help="time per repetition (s, default 2)")
@argument("--repetitions", type=int, default=3, help="number of repetitions (default 3)")
@argument("--strength", type=float, default=1.0, help="abductor strength, fraction of normal, 0-1 (default 1)")
@argument("--sample-hz", type=float, default=100.0, help="output sample rate (Hz, default 100)")
@argument("--side", default="r", help="stance side, r or l (default r)")
@argument("--plot", metavar="FILE", help="write obliquity and forces over time (PNG or SVG)")
@model_arguments
def _hip_hitch_cmd(args):
    model = model_from_args(args)
    r = simulate_hip_hitch(model, amplitude_deg=args.amplitude_deg, period_s=args.period_s,
                           repetitions=args.repetitions, abductor_strength=args.strength, sample_hz=args.sample_hz,
                           stance_side=args.side)
    if args.plot:
        r.plot(args.plot)
    return r.summary
