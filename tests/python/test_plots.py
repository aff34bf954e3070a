"""Plots: each chart is a real PNG with drawn content; `biomech plot` draws a results file."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import biomech
from biomech import plots

from PIL import Image as PIL  # noqa: N812 - pillow is a test dependency


def drawn(path) -> float:
    """Fraction of pixels that are not background white."""
    img = np.asarray(PIL.open(path).convert("L"), dtype=float)
    return float((img < 250).mean())


def fake_series():
    t = np.linspace(0, 2, 21)
    s = np.sin(np.pi * t / 2)
    return pd.DataFrame({"role": "moving", "gmed_anterior_percent_mvic": 30 + 20 * s,
                         "gmed_middle_percent_mvic": 40 + 30 * s, "gmed_posterior_percent_mvic": 10 + 5 * s,
                         "gmed_percent_mvic": 35 + 25 * s, "tfl_percent_mvic": 20 + 10 * s,
                         "hip_contact_force_bw": 1 + 0.8 * s},
                        index=pd.MultiIndex.from_product([["r"], t], names=["leg", "time_s"]))


def fake_comparison():
    return pd.DataFrame({"exercise": ["side_plank", "clamshell"], "leg": ["r", "r"], "role": ["stance", "moving"],
                         "gmed_peak_percent_mvic": [90.0, 40.0], "gmed_anterior_peak_percent_mvic": [60.0, 20.0],
                         "gmed_middle_peak_percent_mvic": [90.0, 40.0], "gmed_posterior_peak_percent_mvic": [30.0, 30.0]})


def test_each_chart_draws(tmp_path):
    plots.ranking(fake_comparison(), tmp_path / "rank.png")
    plots.repetition(fake_series(), tmp_path / "rep.png")
    df = biomech.sweep(grid={"gmed_strength_pct": [30, 65, 100], "trunk_lean_deg": [0, 10]}, quiet=True)
    plots.sweep_response(df, "gmed_strength_pct", ["abductor_force_bw", "hip_contact_force_bw"], by="trunk_lean_deg",
                         path=tmp_path / "sweep.png")
    for name in ("rank.png", "rep.png", "sweep.png"):
        assert 0.02 < drawn(tmp_path / name) < 0.9, name
    with pytest.raises(ValueError, match="missing"):
        plots.ranking(pd.DataFrame({"exercise": ["x"]}))
    with pytest.raises(ValueError, match="no column"):
        plots.sweep_response(df, "shoe_size", "abductor_force_bw")


def test_seesaw_diagram(tmp_path):
    plots.seesaw(path=tmp_path / "fbd.png", trunk_lean_deg=5)
    assert 0.02 < drawn(tmp_path / "fbd.png") < 0.9


def test_cli_plot_results_file(tmp_path):
    biomech.save_results(tmp_path / "r.h5", comparison=fake_comparison(), simulations={"clamshell": fake_series()})
    biomech.sweep(grid={"gmed_strength_pct": [30, 100]}, quiet=True, out=tmp_path / "s.h5")
    for h5, expect in (("r.h5", {"ranking.png", "repetition_clamshell.png"}), ("s.h5", {"sweep_gmed_strength_pct.png"})):
        out = tmp_path / ("out_" + h5)
        r = subprocess.run([sys.executable, "-m", "biomech", "plot", str(tmp_path / h5), "--out", str(out)],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        assert {p.name for p in out.iterdir()} == expect
        for p in out.iterdir():
            assert drawn(p) > 0.02
    biomech.save_results(tmp_path / "empty.h5", extra={"x": 1.0})
    r = subprocess.run([sys.executable, "-m", "biomech", "plot", str(tmp_path / "empty.h5"), "--out", str(tmp_path / "e")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "nothing to plot" in r.stderr
