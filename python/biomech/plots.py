"""Plots (matplotlib, Agg backend): exercise ranking, one repetition, the seesaw diagram and
sweep response curves; ``biomech plot results.h5 --out DIR`` draws what a results file holds.

Every function writes ``path`` when given (PNG, SVG or PDF by the suffix) and returns the
matplotlib Figure (closed when it was written to a file).
"""
from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .cli import argument, command

__all__ = ["ranking", "repetition", "seesaw", "sweep_response", "plot_results", "plot_emg_comparison",
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
    """The frontal-plane seesaw (free-body diagram), drawn by ``biomech.plot_free_body_diagram``.

    result: a StanceResult / LeverResult, or None to compute ``biomech.single_leg_stance(**options)``.
    """
    from . import seesaw as _seesaw

    if result is None:
        result = _seesaw.single_leg_stance(**options)
    fig = _seesaw.plot_free_body_diagram(result)
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
            ax.plot([h[0], h[0] - medial * da], [h[1], h[1]], color="#55a868", lw=2)
            ax.annotate("", (h[0] - medial * da, h[1] + 0.08), (h[0] - medial * da, h[1]),
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
    from . import seesaw as _seesaw

    fields = {f.name for f in dataclasses.fields(_seesaw.StanceResult)}
    if not fields <= set(d):
        return None
    return _seesaw.StanceResult(**{k: d[k] for k in fields})


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


@command("plot", help="Draw the plots of a results file (ranking, repetitions, seesaw, sweep curves).")
@argument("results", help="HDF5 results file (biomech compare --out, biomech sweep --out, save_results)")
@argument("--out", required=True, help="directory for the PNG files (created when missing)")
def _plot_cmd(args):
    files = plot_results(args.results, args.out)
    if not files:
        raise ValueError(f"{args.results}: nothing to plot (no comparison, time series, stance result or sweep)")
    return {"written": [str(p) for p in files]}
