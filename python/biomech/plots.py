"""Every plot of biomech (all matplotlib code lives here): exercise ranking, one repetition,
the seesaw's free-body diagram, pelvis dynamics over time, sweep response curves, measured EMG
against the model; ``plot_results`` draws what a results file holds (``biomech plot``).

One backend policy (``_plt``): the user's matplotlib backend when there is a display, the
file-only Agg backend otherwise; matplotlib is imported when the first plot is drawn.
Every function writes ``path`` when given (PNG, SVG or PDF by the suffix) and returns the
matplotlib Figure (closed when it was written to a file).
"""
from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


__all__ = ["ranking", "repetition", "seesaw", "plot_free_body_diagram", "dynamics", "strength_curve",
           "sweep_response", "plot_results", "plot_emg_comparison",
           "weakness_curve", "frontal_frame"]

GMED_SEGMENTS = ("anterior", "middle", "posterior")
SEGMENT_COLORS = ("#4c72b0", "#55a868", "#c44e52")


def _plt():
    import matplotlib

    if matplotlib.get_backend().lower() != "agg" and not os.environ.get("DISPLAY"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _finish(fig, path):
    if path is not None:
        fig.savefig(os.fspath(path), dpi=120)
        _plt().close(fig)
    return fig


def ranking(table: pd.DataFrame, path: str | os.PathLike | None = None, top: int | None = None):
    """Exercise ranking by peak gluteus medius %MVIC, the anterior, middle and posterior
    segments stacked (each bar split in proportion to the segments' peaks).

    table: ``biomech.compare(...)`` (columns exercise, leg, role, gmed_peak_percent_mvic and
    gmed_<segment>_peak_percent_mvic). top: only the first ``top`` rows by peak.
    """
    need = ["exercise", "gmed_peak_percent_mvic"] + [f"gmed_{g}_peak_percent_mvic" for g in GMED_SEGMENTS]
    missing = [c for c in need if c not in table]
    if missing:
        raise ValueError(f"ranking: expected a comparison table with columns {need}, missing {missing}")
    plt = _plt()
    t = table.sort_values("gmed_peak_percent_mvic", ascending=False).head(top or len(table)).iloc[::-1]
    labels = [" ".join(str(x) for x in (e, f"({leg}, {r})" if "leg" in t else "") if x)
              for e, leg, r in zip(t["exercise"], t.get("leg", [""] * len(t)), t.get("role", [""] * len(t)))]
    seg = np.nan_to_num(np.column_stack([t[f"gmed_{g}_peak_percent_mvic"].to_numpy(float) for g in GMED_SEGMENTS]))
    total = np.nan_to_num(t["gmed_peak_percent_mvic"].to_numpy(float))
    sums = seg.sum(axis=1)
    share = np.divide(seg, sums[:, None], out=np.zeros_like(seg), where=sums[:, None] > 0) * total[:, None]
    fig, ax = plt.subplots(figsize=(10, 0.3 * len(t) + 2.2))
    left = np.zeros(len(t))
    for k, g in enumerate(GMED_SEGMENTS):
        ax.barh(labels, share[:, k], left=left, color=SEGMENT_COLORS[k], label=f"gluteus medius, {g}")
        left += share[:, k]
    for y, v in enumerate(total):
        ax.text(v + 0.5, y, f"{v:.0f}", va="center", fontsize=7)
    ax.set_xlabel("peak gluteus medius activation (% of the model's MVIC), bar split by segment")
    ax.set_title("Exercises ranked by peak gluteus medius activation (model estimate)", pad=24)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=8, frameon=False)
    ax.set_xlim(0, max(10.0, float(total.max(initial=0)) * 1.12))
    fig.tight_layout()
    return _finish(fig, path)


def repetition(series: pd.DataFrame, path: str | os.PathLike | None = None, leg: str | None = None,
               title: str | None = None):
    """Activation of the gluteus medius segments and TFL (%MVIC, top) and hip contact force
    (body weights, bottom) over one repetition.

    series: ``biomech.simulate(...)`` (index (leg, time_s), columns gmed_<segment>_percent_mvic,
    gmed_percent_mvic, tfl_percent_mvic, hip_contact_force_bw). leg: 'r' or 'l' (all legs when None).
    """
    if "hip_contact_force_bw" not in series:
        raise ValueError("repetition: expected a simulate() table with hip_contact_force_bw, got columns "
                         f"{list(series.columns)[:8]}...")
    plt = _plt()
    df = series
    legs = [None]
    if isinstance(df.index, pd.MultiIndex) and "leg" in df.index.names:
        legs = [leg] if leg is not None else list(dict.fromkeys(df.index.get_level_values("leg")))
    fig, (ax1, ax2) = plt.subplots(2, 1, sharex=True, figsize=(8, 6))
    styles = ["-", "--", ":"]
    for i, lg in enumerate(legs):
        d = df.xs(lg, level="leg") if lg is not None else df
        t = d["time_s"].to_numpy(float) if "time_s" in d else np.asarray(d.index.get_level_values(-1), dtype=float)
        tag = f" ({lg})" if lg is not None and len(legs) > 1 else ""
        ls = styles[i % len(styles)]
        for k, g in enumerate(GMED_SEGMENTS):
            c = f"gmed_{g}_percent_mvic"
            if c in d:
                ax1.plot(t, d[c], ls, color=SEGMENT_COLORS[k], label=f"gluteus medius {g}{tag}")
        if "gmed_percent_mvic" in d:
            ax1.plot(t, d["gmed_percent_mvic"], ls, color="black", lw=2, label=f"gluteus medius{tag}")
        if "tfl_percent_mvic" in d:
            ax1.plot(t, d["tfl_percent_mvic"], ls, color="#8172b2", label=f"TFL{tag}")
        ax2.plot(t, d["hip_contact_force_bw"], ls, color="#dd8452", label=f"hip contact force{tag}")
    ax1.set_ylabel("activation (% MVIC)")
    ax1.legend(fontsize=7, ncol=2)
    ax2.set_ylabel("hip contact force (BW)")
    ax2.set_xlabel("time (s)")
    ax2.legend(fontsize=7)
    ax1.set_title(title or f"One repetition: {series.attrs.get('exercise', '')}")
    fig.tight_layout()
    return _finish(fig, path)


def seesaw(result: Any = None, path: str | os.PathLike | None = None, **options):
    """The frontal-plane seesaw (free-body diagram, :func:`plot_free_body_diagram`).

    result: a stance or lever result (or its dict), or None to compute ``biomech.single_leg_stance(**options)``.
    """
    if result is None:
        from .seesaw import single_leg_stance

        result = single_leg_stance(**options)
    return plot_free_body_diagram(result, path)


def plot_free_body_diagram(result: Any, path: str | os.PathLike | None = None, ax=None):
    """Frontal-plane free-body diagram of the pelvis-side body balanced on the stance hip:
    the femoral head as fulcrum, the body weight and abductor levers, and the body weight,
    abductor and hip contact forces drawn to scale, with their values.

    result: ``biomech.single_leg_stance(...)``, ``biomech.lever_model(...)`` or either's
    ``to_dict()`` (as stored in a results file). Writes ``path`` (PNG or SVG by its suffix)
    when given; returns the matplotlib Figure."""
    plt = _plt()
    from matplotlib.patches import Circle, FancyArrowPatch, Polygon

    result = _Values(result)
    if "superincumbent_weight_n" in result:  # single-leg stance on a model
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
    if "superincumbent_weight_n" in result:
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
        fig.savefig(os.fspath(path), bbox_inches="tight")
        plt.close(fig)
    return fig


class _Values:
    """Attribute access to an object's fields or a mapping's keys."""

    def __init__(self, obj: Any):
        self._d = obj if isinstance(obj, Mapping) else obj.to_dict()

    def __contains__(self, key: str) -> bool:
        return key in self._d

    def __getattr__(self, key: str):
        try:
            return self._d[key]
        except KeyError:
            raise AttributeError(key) from None




def dynamics(result: Any, path: str | os.PathLike | None = None):
    """Two panels of a pelvis simulation (``biomech.simulate_stance`` / ``simulate_hip_hitch``):
    obliquity and trunk lean (deg); abductor force and hip contact force (body weights)."""
    plt = _plt()
    df, s = result.timeseries, result.summary
    t = df.index.to_numpy()
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 6), dpi=110, sharex=True)
    if np.isfinite(df["reference_obliquity_deg"]).any():
        ax1.plot(t, df["reference_obliquity_deg"], color="0.6", ls="--", lw=1.2, label="reference")
    ax1.plot(t, df["obliquity_deg"], color="#c0392b", lw=1.8, label="pelvic obliquity (+ = swing side drops)")
    ax1.plot(t, df["trunk_lean_deg"], color="#1f5fbf", lw=1.5, label="trunk lean (+ = toward stance side)")
    thr = s["drop_threshold_deg"]
    ax1.axhline(thr, color="k", lw=0.8, ls=":", label=f"{thr:g} deg (Youdas 2007 MDC)")
    ax1.set_ylabel("deg")
    ax1.legend(loc="best", fontsize=8)
    title = f"abductor strength {s.get('abductor_strength', 1.0):.0%}"
    if "amplitude_deg" in s:
        title = f"hip hitch, {s['amplitude_deg']:g} deg, {s['period_s']:g} s per repetition, " + title
    else:
        title = ("Trendelenburg test, " + title + (", trunk-lean compensation" if s.get("compensation") else "")
                 + f": max drop {s['max_drop_deg']:.1f} deg, "
                 + ("positive" if s["trendelenburg_positive"] else "negative"))
    ax1.set_title(title, fontsize=10)
    ax2.plot(t, df["abductor_force_bw"], color="#8e44ad", lw=1.6, label="abductor force")
    ax2.plot(t, df["hip_contact_force_bw"], color="#27ae60", lw=1.6, label="hip contact force")
    ax2.set_ylabel("body weights")
    ax2.set_xlabel("time (s)")
    ax2.legend(loc="best", fontsize=8)
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return _finish(fig, path)


def strength_curve(model=None, path: str | os.PathLike | None = None, side: str = "r",
                   min_abduction_deg: float = -10.0, max_abduction_deg: float = 40.0):
    """The model's maximal hip abduction torque over abduction angle (isometric, and concentric
    at 60 deg/s) beside the measured strengths of ``biomech.strength_data()`` for the model's
    sex: mean +- SD (a bar at the test's angle when the abstract gives one, else spanning the
    range, dashed), isokinetic tests in the colour of the 60 deg/s curve. %BW*height values are
    converted with the model subject's height.
    """
    from .model import as_model
    from .strength import strength_curve as curve, strength_data

    m = as_model(model)
    plt = _plt()
    iso = curve(m, side, min_abduction_deg=min_abduction_deg, max_abduction_deg=max_abduction_deg)
    kin = curve(m, side, min_abduction_deg=min_abduction_deg, max_abduction_deg=max_abduction_deg,
                velocity_deg_s=60.0)
    sex, height = iso.attrs["sex"], iso.attrs["height_m"]
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    ax.plot(iso.index, iso["torque_nm_per_kg"], color="#4c72b0", label="model, isometric")
    ax.plot(kin.index, kin["torque_nm_per_kg"], color="#c44e52", label="model, concentric 60 deg/s")
    data = strength_data()
    data = data[(data["joint"] == "hip") & (data["direction"] == "abduction") & data["sex"].isin([sex, "pooled"])]
    lo, hi = float(iso.index.min()), float(iso.index.max())
    for k, (_, r) in enumerate(data.iterrows()):
        mean, sd = float(r["mean"]), float(r["sd"])
        if r["unit"] == "%BW*height":
            mean, sd = mean / 100.0 * 9.80665 * height, sd / 100.0 * 9.80665 * height
        color = "#c44e52" if r["test"].startswith("isokinetic") else "#4c72b0"
        x = lo + (0.15 + 0.12 * k) * (hi - lo)
        ax.hlines(mean, lo, hi, colors=color, linestyles="dashed", linewidth=0.8)
        if np.isfinite(sd):
            ax.errorbar([x], [mean], yerr=[sd], fmt="o", color=color, capsize=4)
        else:
            ax.plot([x], [mean], "s", color=color)
        ax.annotate(f"{r['study']} ({r['sex']}, {r['test'].replace('_', ' ')})", (x, mean), fontsize=7,
                    xytext=(4, 4), textcoords="offset points", color=color)
    ax.set_xlabel("hip abduction (deg; negative = adduction), standing")
    ax.set_ylabel("maximal abduction torque (N m/kg)")
    ax.set_title(f"Hip abduction strength: model ({sex}, {iso.attrs['body_mass_kg']:.0f} kg, {height:.2f} m) vs people")
    ax.set_ylim(0, max(2.5, float(iso["torque_nm_per_kg"].max()) * 1.15))
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return _finish(fig, path)


def weakness_curve(table: pd.DataFrame, path: str | os.PathLike | None = None):
    """Peak Q-angle and peak knee valgus (FPPA) against strength, one line per weight-bearing
    exercise. table: ``biomech.weakness_curve(...)``."""
    need = ["exercise", "strength", "peak_q_angle_deg", "peak_knee_valgus_deg", "peak_trunk_lean_deg"]
    missing = [c for c in need if c not in table]
    if missing:
        raise ValueError(f"weakness_curve: expected columns {need}, missing {missing}")
    plt = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2), sharex=True)
    for (ex, leg), g in table.groupby(["exercise", "leg"], sort=True):
        g = g.sort_values("strength")
        partly = g["held_fraction"] < 1.0 if "held_fraction" in g else g["strength"] < -1
        for ax, col in zip(axes, ("peak_q_angle_deg", "peak_knee_valgus_deg", "peak_trunk_lean_deg")):
            line, = ax.plot(g["strength"], g[col], marker="o", ms=3, label=f"{ex} ({leg})")
            ax.plot(g["strength"][partly], g[col][partly], "x", ms=9, color=line.get_color())
    for ax, title in zip(axes, ("peak Q-angle (deg)", "peak knee valgus, FPPA (deg)", "peak trunk lean to stance (deg)")):
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("strength (fraction of the model's)")
        ax.invert_xaxis()
        ax.grid(alpha=0.3)
    weak = table.attrs.get("strength")
    fig.suptitle(f"Weakness of {', '.join(weak) if weak else 'the abductors'}: nearest posture the muscles hold "
                 "(x: some frames held by no posture within 30 deg)", fontsize=11)
    axes[0].legend(fontsize=7, loc="best")
    fig.tight_layout()
    return _finish(fig, path)


def frontal_frame(frame: Mapping, path: str | os.PathLike | None = None):
    """One frame in the frontal plane as a level camera in front sees it (lateral to the right of
    the picture is the subject's left): pelvis, femora, tibiae, the Q-angle lines (ASIS -> patella,
    patella -> tibial tuberosity, extended), and for a weight-bearing leg the seesaw: the
    body-weight lever d_w and the abductor lever d_a from the hip centre.
    frame: ``biomech.frontal_frame(...)``."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 7.2))
    legs = frame["legs"]
    analysed = [leg for leg in legs.values() if leg["role"] != "not analysed"]
    floor = min(float(leg["landmarks"]["ankle_m"][1]) for leg in (analysed or list(legs.values())))
    # camera in front: the subject's right on the left; heights from the (lowest analysed) ankle centre
    P = lambda v: (float(-v[2]), float(v[1]) - floor)  # noqa: E731
    lm = {s: legs[s]["landmarks"] for s in legs}
    if {"r", "l"} <= set(lm):
        a_r, a_l, h_r, h_l = (P(lm[s][k]) for s, k in (("r", "asis_m"), ("l", "asis_m"), ("r", "hip_m"), ("l", "hip_m")))
        ax.fill([a_r[0], a_l[0], h_l[0], h_r[0]], [a_r[1], a_l[1], h_l[1], h_r[1]], color="#d9d9d9", zorder=0,
                label="pelvis")
    for side, leg in legs.items():
        L = {k: P(v) for k, v in leg["landmarks"].items()}
        is_analysed = leg["role"] != "not analysed"
        col = "#333333" if is_analysed else "#999999"
        ax.plot(*zip(L["hip_m"], L["knee_m"]), color=col, lw=5, solid_capstyle="round")
        ax.plot(*zip(L["knee_m"], L["ankle_m"]), color=col, lw=4, solid_capstyle="round")
        for k in ("hip_m", "knee_m", "ankle_m"):
            ax.plot(*L[k], "o", color="white", mec=col, ms=6, zorder=3)
        if not is_analysed:
            continue
        a, pt, tt = np.array(L["asis_m"]), np.array(L["patella_m"]), np.array(L["tuberosity_m"])
        ext = pt + (pt - a) / np.linalg.norm(pt - a) * 0.12
        ax.plot(*zip(a, pt), color="#c44e52", lw=1.5)
        ax.plot(*zip(pt, ext), color="#c44e52", lw=1, ls="--")
        ax.plot(*zip(pt, tt), color="#c44e52", lw=1.5)
        ax.annotate(f"Q {leg['q_angle_deg']:.1f} deg\nFPPA {leg['knee_fppa_deg']:.1f} deg", pt, xytext=(12, -4),
                    textcoords="offset points", fontsize=8, color="#c44e52")
        dw, da = leg.get("body_weight_lever_m", float("nan")), leg.get("abductor_lever_m", float("nan"))
        if np.isfinite(dw) and np.isfinite(da):
            h = np.array(L["hip_m"])
            medial = 1.0 if side == "r" else -1.0  # toward the midline in the picture
            ax.plot([h[0], h[0] + medial * dw], [h[1], h[1]], color="#4c72b0", lw=2)
            ax.annotate("", (h[0] + medial * dw, h[1] - 0.08), (h[0] + medial * dw, h[1]),
                        arrowprops=dict(arrowstyle="->", color="#4c72b0"))
            ax.text(h[0] + medial * dw, h[1] + 0.01, f"d_w {dw * 100:.1f} cm", color="#4c72b0", fontsize=8,
                    ha="center")
            # the seesaw's beam is the pelvis: the weight pulls it down medially, the abductors pull it
            # down laterally (toward the trochanter), the femoral head (the triangle) pushes it up
            ax.plot([h[0], h[0] - medial * da], [h[1], h[1]], color="#55a868", lw=2)
            ax.annotate("", (h[0] - medial * da, h[1] - 0.08), (h[0] - medial * da, h[1]),
                        arrowprops=dict(arrowstyle="->", color="#55a868"))
            ax.text(h[0] - medial * da - 0.01 * medial, h[1] - 0.03,
                    f"d_a {da * 100:.1f} cm\nF_a {leg.get('abductor_force_bw', float('nan')):.2f} BW",
                    color="#55a868", fontsize=8, ha="right" if medial > 0 else "left", va="top")
            ax.plot(*h, "^", color="k", ms=8, zorder=4)
    ax.set_aspect("equal")
    ax.margins(x=0.35, y=0.08)
    ax.set_xlabel("lateral (m), subject's right on the left")
    ax.set_ylabel("height above the ankle centre (m)")
    extra = ""
    if analysed:
        s0 = analysed[0]
        extra = (f"\npelvic obliquity {s0['pelvic_obliquity_deg']:.1f} deg, trunk lean {s0['trunk_lean_deg']:.1f} deg"
                 f", hip contact {s0.get('hip_contact_angle_deg', float('nan')):.0f} deg from vertical")
    ax.set_title(f"{frame['exercise']} at {frame['time_s']:.2f} s{extra}", fontsize=9)
    ax.grid(alpha=0.2)
    fig.tight_layout()
    return _finish(fig, path)


def sweep_response(table: pd.DataFrame, x: str, y: str | Sequence[str], by: str | None = None,
                   path: str | os.PathLike | None = None, band: tuple[float, float] = (0.1, 0.9)):
    """Response curves of a sweep: the median of ``y`` against ``x`` (one line per value of
    ``by``), with the ``band`` quantiles shaded when several rows share an ``x`` (populations).
    Units come from ``table.attrs["units"]`` when present."""
    ys = [y] if isinstance(y, str) else list(y)
    for c in [x, *ys] + ([by] if by else []):
        if c not in table:
            raise ValueError(f"sweep_response: no column {c!r} (columns: {', '.join(map(str, table.columns))})")
    plt = _plt()
    units = table.attrs.get("units", {}) if isinstance(table.attrs.get("units"), Mapping) else {}
    fig, axes = plt.subplots(len(ys), 1, sharex=True, figsize=(7, 2.8 * len(ys) + 0.6), squeeze=False)
    groups = [(None, table)] if by is None else list(table.groupby(by, observed=True, sort=True))
    cmap = plt.get_cmap("viridis")
    for ax, yc in zip(axes[:, 0], ys):
        for i, (key, g) in enumerate(groups):
            stats = g.groupby(x, sort=True)[yc].agg(["median", lambda s: s.quantile(band[0]),
                                                     lambda s: s.quantile(band[1]), "size"])
            stats.columns = ["median", "lo", "hi", "n"]
            color = cmap(i / max(1, len(groups) - 1)) if by else "#4c72b0"
            label = f"{by} = {key:g}" if by and isinstance(key, (int, float)) else (f"{by} = {key}" if by else None)
            ax.plot(stats.index.to_numpy(float), stats["median"], "-o", ms=3, color=color, label=label)
            if (stats["n"] > 1).any():
                ax.fill_between(stats.index.to_numpy(float), stats["lo"], stats["hi"], color=color, alpha=0.2)
        u = units.get(yc)
        ax.set_ylabel(f"{yc}" + (f" ({u})" if u and u != "1" else ""), fontsize=8)
        if by:
            ax.legend(fontsize=7)
    u = units.get(x)
    axes[-1, 0].set_xlabel(f"{x}" + (f" ({u})" if u and u != "1" else ""))
    axes[0, 0].set_title(f"Sweep response ({len(table)} evaluations" +
                         (f", median and {band[0]:.0%}-{band[1]:.0%} band)" if len(table) > len(set(table[x])) else ")"))
    fig.tight_layout()
    return _finish(fig, path)


def plot_emg_comparison(times, envelope, activation, comparison=None, muscle: str = "",
                        path: str | os.PathLike | None = None):
    """Measured EMG envelope and the model's activation of one muscle over a trial.

    times (n,) s; envelope and activation (n,) in one unit (fraction of MVIC or of peak);
    comparison: ``biomech.emg.compare(...)``'s result, whose r, RMS, timing and bursts (two
    strips along the top) are drawn; computed when None.
    """
    from .emg import compare

    t = np.asarray(times, dtype=float)
    e = np.asarray(envelope, dtype=float)
    a = np.asarray(activation, dtype=float)
    c = comparison if comparison is not None else compare(e, a, t)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.plot(t, e, color="#4c72b0", lw=1.8, label="measured EMG envelope")
    ax.plot(t, a, color="#c44e52", lw=1.8, ls="--", label="model activation")
    top = float(max(e.max(initial=0), a.max(initial=0), 1e-9))
    # bursts as two strips along the top of the axes (fractions of the axes' height)
    for bursts, (y0, y1), color, label in ((c.emg_bursts, (0.94, 0.98), "#4c72b0", "EMG bursts"),
                                           (c.activation_bursts, (0.89, 0.93), "#c44e52", "model bursts")):
        for k, (on, off) in enumerate(bursts):
            ax.axvspan(on, off, ymin=y0, ymax=y1, color=color, alpha=0.6, lw=0, label=label if k == 0 else None)
    ax.set_ylim(0, top * 1.3)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("activation (fraction of reference)")
    timing = ("" if np.isnan(c.onset_difference_s) else
              f", onset {1000 * c.onset_difference_s:+.0f} ms, offset {1000 * c.offset_difference_s:+.0f} ms")
    ax.set_title(f"{muscle + ': ' if muscle else ''}r = {c.correlation:.2f}, RMS = {c.rms:.3f}{timing} (EMG - model)",
                 fontsize=10)
    ax.legend(fontsize=8, loc="center right")
    fig.tight_layout()
    return _finish(fig, path)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def _stance_from(d: Mapping):
    """A stored single-leg-stance result (its to_dict()), or None."""
    need = ("body_weight_n", "superincumbent_weight_n", "abductor_force_n", "hip_contact_force_ground_n",
            "body_weight_lever_m", "abductor_lever_m", "stance_side")
    return d if all(k in d for k in need) else None


KEY_OUTPUTS = ("abductor_force_bw", "hip_contact_force_bw", "reserve_torque_nm", "gmed_peak_percent_mvic",
               "peak_hip_contact_force_bw", "gmed_abduction_moment_arm_m")


def plot_results(path: str | os.PathLike, out: str | os.PathLike) -> list[Path]:
    """Draws everything a results file holds into directory ``out`` and returns the files:
    ranking.png (comparison), repetition_<id>.png (each simulation with a time series),
    seesaw_<name>.png (stored stance results), sweep_<output>.png (sweep response curves of
    the main outputs against each swept parameter)."""
    from .results import load_results

    r = load_results(path)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if isinstance(r.comparison, pd.DataFrame) and "gmed_peak_percent_mvic" in r.comparison:
        p = out / "ranking.png"
        ranking(r.comparison, p)
        written.append(p)
    for key, sim in (r.simulations or {}).items():
        if isinstance(sim, pd.DataFrame) and "hip_contact_force_bw" in sim:
            p = out / f"repetition_{_safe(key)}.png"
            repetition(sim, p, title=f"One repetition: {key}")
            written.append(p)
    for key, obj in (r.extra or {}).items():
        if isinstance(obj, Mapping):
            stance = _stance_from(obj)
            if stance is not None:
                p = out / f"seesaw_{_safe(key)}.png"
                seesaw(stance, p)
                written.append(p)
    if isinstance(r.sweep, pd.DataFrame) and len(r.sweep):
        with _h5_attrs(path, "sweep") as attrs:
            params = list(attrs.get("parameters", []))
            outputs = list(attrs.get("outputs", []))
        params = [c for c in params if c in r.sweep and c != "sex"] or [r.sweep.columns[0]]
        outputs = [c for c in outputs if c in r.sweep] or [c for c in r.sweep.columns if c not in params]
        chosen = [c for c in KEY_OUTPUTS if c in outputs] or outputs[:3]
        by = "sex" if "sex" in r.sweep and r.sweep["sex"].nunique() > 1 else None
        for x in params:
            p = out / f"sweep_{_safe(x)}.png"
            sweep_response(r.sweep, x, chosen, by=by, path=p)
            written.append(p)
    return written


class _h5_attrs:
    def __init__(self, path, group):
        self.path, self.group = path, group

    def __enter__(self):
        import h5py

        from .results import _attr

        with h5py.File(self.path, "r") as f:
            g = f[self.group]
            return {k: _attr(g, k) for k in g.attrs}

    def __exit__(self, *exc):
        return False


def validation_study(rows: pd.DataFrame, study: str, rho_text: str, path: str | os.PathLike | None = None):
    """One study's gluteus medius %MVIC against the model's mean %MVIC (``biomech.validate``):
    measured mean +- SD per exercise, the model's mean (and peak) estimate beside it."""
    plt = _plt()
    r = rows.sort_values("mean_percent_mvic").reset_index(drop=True)
    labels = [f"{e} ({g}{'' if isinstance(s, str) else ': leg not stated, the higher'})\n{n[:45]}"
              for e, g, s, n in zip(r["exercise_id"], r["leg"], r["side"], r["published_name"])]
    y = np.arange(len(r))
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(r) + 1.8))
    ax.errorbar(r["mean_percent_mvic"], y, xerr=r["sd"].fillna(0).to_numpy(), fmt="o", color="#4c72b0",
                capsize=3, label="measured mean +- SD")
    ax.plot(r["model_mean_percent_mvic"], y, "D", color="#c44e52", label="model, mean over the repetition")
    ax.plot(r["model_peak_percent_mvic"], y, "|", color="#c44e52", ms=12, label="model, peak")
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlabel("gluteus medius activation (%MVIC; each side its own MVIC reference)")
    ax.set_title(f"{study}: Spearman's rho {rho_text}", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _finish(fig, path)


def validation_contact_force(cf: pd.DataFrame, path: str | os.PathLike | None = None):
    """In vivo hip contact force (``biomech.validate().contact_force``): each study's published
    range (bar), mean +- SD (dot and whiskers) or upper bound (arrow), the model's peak beside it."""
    plt = _plt()
    r = cf.reset_index(drop=True)
    y = np.arange(len(r))
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(r) + 1.8))
    labelled = set()

    def once(label):  # each legend entry once
        if label in labelled:
            return None
        labelled.add(label)
        return label

    for i, row in r.iterrows():
        lo, hi, mean, sd = row["measured_min"], row["measured_max"], row["measured_mean"], row["measured_sd"]
        if not math.isnan(lo):
            ax.plot([lo, hi], [i, i], color="#4c72b0", lw=6, alpha=0.35, solid_capstyle="butt",
                    label=once("measured range"))
        if not math.isnan(mean):
            ax.errorbar([mean], [i], xerr=[0 if math.isnan(sd) else sd], fmt="o", color="#4c72b0", capsize=3,
                        label=once("measured mean (+- SD when published)"))
        elif math.isnan(lo):
            ax.annotate("", (hi - 0.25, i), (hi, i), arrowprops={"arrowstyle": "->", "color": "#4c72b0"})
            ax.plot([hi], [i], "|", color="#4c72b0", ms=12, label=once("measured upper bound"))
    ax.plot(r["model_bw"], y, "D", color="#c44e52", label="model, peak")
    ax.set_yticks(y, [f"{s}: {t[:45]}\nmodel: {e}" for s, t, e in zip(r["study_id"], r["task"], r["exercise_id"])],
                  fontsize=7)
    ax.set_xlabel("hip contact force (body weights)")
    ax.set_title("Hip contact force: instrumented implants vs the model", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _finish(fig, path)
