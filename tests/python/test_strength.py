"""Strength curve, MVIC reference, weakness table and stretch ranking on the default
model."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import biomech
from biomech import _core
from biomech._paths import data_path
from biomech.model import Model, posture_deg
from biomech.strength import (
    effective_max_force,
    load_postures,
    mvic_test,
    percent_mvic,
    strength_curve,
    stretches,
    weakness_table,
)


@pytest.fixture(scope="module")
def model():
    return Model.default()


def test_active_force_length_is_thelen_gaussian():
    l = np.array([0.5, 1.0, 1.5])
    np.testing.assert_allclose(_core.active_force_length(l), np.exp(-((l - 1) ** 2) / 0.45), rtol=1e-15)
    with pytest.raises(ValueError, match="expected"):
        _core.active_force_length(-1.0)


def test_strength_curve_is_finite_positive_and_peaks_near_neutral(model):
    df = strength_curve(model)
    assert isinstance(df, pd.DataFrame)
    assert df.index[0] == pytest.approx(-10.0) and df.index[-1] == pytest.approx(40.0)
    assert np.isfinite(df.to_numpy()).all()
    assert (df["torque_nm"] > 0).all()
    np.testing.assert_allclose(df["torque_nm_per_kg"], df["torque_nm"] / df.attrs["body_mass_kg"])
    # "Gluteus Medius Training": "the hip abductors produce the most torque near that neutral hip position"
    assert -10.0 < df.attrs["peak_abduction_deg"] < 25.0
    assert df.attrs["peak_torque_nm"] >= df["torque_nm"].max() - 1e-9
    # per-muscle contributions add up to the total
    dm = strength_curve(model, muscles=True)
    muscle_cols = [c for c in dm.columns if c not in ("torque_nm", "torque_nm_per_kg")]
    np.testing.assert_allclose(dm[muscle_cols].sum(axis=1), dm["torque_nm"], rtol=1e-12)
    assert {"glut_med1_r", "glut_med2_r", "glut_med3_r", "tfl_r"} <= set(muscle_cols)


def test_strength_curve_left_equals_right(model):
    r = strength_curve(model, "r")
    l = strength_curve(model, "l")
    np.testing.assert_allclose(r["torque_nm"], l["torque_nm"], rtol=1e-9)
    with pytest.raises(ValueError, match="side"):
        strength_curve(model, "x")


def test_default_subjects_abduction_strength_within_measured_spread(tmp_path):
    """The strength rule (scaling.hpp) against people: each default subject's peak hip abduction
    torque, modelled as each study tested it (isometric, or concentric at the test's speed), lies
    within mean +- SD of the shipped measurements (models/measured_strength.csv: Lewinson et al.
    2014, Sugimoto et al. 2014); the plot draws model and data together."""
    data = biomech.strength_data()
    hip = data[(data.joint == "hip") & (data.direction == "abduction") & (data.unit == "N m/kg")]
    assert len(hip) >= 3
    for sex in ("male", "female"):
        m = Model.default(_core.Subject(name=sex, sex=sex, mass_kg=70.0 if sex == "male" else 60.0,
                                        height_m=1.75 if sex == "male" else 1.63))
        rows = hip[hip.sex.isin([sex, "pooled"])]
        for _, r in rows.iterrows():
            peak = strength_curve(m, velocity_deg_s=r.velocity_deg_per_s).attrs["peak_torque_nm_per_kg"]
            assert abs(peak - r["mean"]) < r["sd"], (sex, r.study, peak, r["mean"], r["sd"])
    out = tmp_path / "strength.png"
    df = strength_curve(Model.default(), plot=out)
    assert out.stat().st_size > 1000 and df.attrs["velocity_deg_s"] == 0.0


def test_concentric_torque_is_below_isometric(model):
    iso = strength_curve(model)["torque_nm"]
    kin = strength_curve(model, velocity_deg_s=60.0)["torque_nm"]
    assert (kin < iso).all() and (kin > 0.5 * iso).all()
    with pytest.raises(ValueError, match="velocity"):
        strength_curve(model, velocity_deg_s=-1.0)


def test_force_length_scaling_changes_with_posture(model):
    neutral = effective_max_force(model)
    fmax = np.array([m.max_isometric_force for m in model.core.muscles])
    assert (neutral.to_numpy() <= fmax + 1e-9).all() and (neutral.to_numpy() >= 0).all()
    flexed = effective_max_force(model, posture_deg(model, hip_flexion_r=90))
    assert not np.allclose(neutral["glut_max1_r"], flexed["glut_max1_r"])
    assert neutral["glut_max1_l"] == pytest.approx(flexed["glut_max1_l"])  # other side untouched


def test_mvic_reference_covers_every_gmed_segment_and_tfl(model):
    mv = mvic_test(model)
    names = model.muscle_names
    act = np.asarray(mv.activation)
    for name in ("glut_med1_r", "glut_med2_r", "glut_med3_r", "tfl_r"):
        assert act[names.index(name)] == 1.0
    pm = percent_mvic(model, 0.4 * act, mvic=mv)
    assert pm["glut_med2_r"] == pytest.approx(40.0)
    assert pm["gluteus_medius"] == pytest.approx(40.0)
    assert pm["gluteus_medius_posterior"] == pytest.approx(40.0)
    assert pm["tfl"] == pytest.approx(40.0)
    assert math.isnan(pm["add_long_r"])


def test_weakness_moves_load_to_tfl_and_gluteus_minimus(model):
    tau = [0.0, -60.0, 0.0]  # an abduction moment, N m
    df = weakness_table(model, tau, posture_deg(model))
    assert list(df.index) == pytest.approx([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3])
    # "4 Gluteus Medius Exercises for Stronger, Balanced Hips": with a weak gluteus medius, TFL (and gluteus minimus) take over
    act = weakness_table(model, tau, posture_deg(model), value="mean_activation")
    assert (np.diff(df["gluteus_medius"]) < 0).all()
    # gluteus minimus and TFL take more until they are fully active, then hold their share
    for muscle in ("gluteus_minimus", "tfl"):
        full = act[muscle].to_numpy()[:-1] > 0.999
        share, a = np.diff(df[muscle]), np.diff(act[muscle])
        assert full.sum() < len(full) - 3, muscle  # most levels are below full activation
        assert (share[~full] > 0).all() and (np.abs(share[full]) < 1e-9).all(), muscle
        assert (a[~full] > 0).all(), muscle
    np.testing.assert_allclose(df.sum(axis=1), 1.0, atol=1e-9)
    with pytest.raises(ValueError):
        weakness_table(model, [1.0, 2.0], posture_deg(model))


def test_weakness_table_defaults_to_single_leg_stance(model):
    df = weakness_table(model)
    assert df.attrs["moments_from"] == "single_leg_stance"
    assert df.attrs["hip_moments_nm"][1] < 0  # stance needs an abduction moment
    assert df.loc[1.0, "gluteus_medius"] > df.loc[0.3, "gluteus_medius"]


def test_postures_file_cites_the_articles():
    ps = load_postures()
    assert len(ps) == 10
    for p in ps:
        assert p.source.startswith("'") and '"' in p.source, p.name  # 'article title', ...: "passage"
        assert p.kind in ("stretch", "habit")
    assert data_path("postures.yaml").exists()


def test_stretch_ranking(model):
    df = stretches(model)
    assert len(df) == 10
    assert list(df["rank"]) == list(range(1, 11))
    assert (np.diff(df["mean_change_pct"]) <= 0).all()  # ranked longest first
    assert {"anterior_change_pct", "middle_change_pct", "posterior_change_pct"} <= set(df.columns)
    ch = df["mean_change_pct"]
    # adducting the hip lengthens the gluteus medius against the same posture without it
    assert ch["sitting_legs_crossed"] > ch["sitting_ankles_crossed"]
    assert ch["side_lying_no_pillow"] > ch["side_lying_with_pillow"]
    assert ch["standing_weight_shifted"] > 0 and ch["standing_side_bend"] > 0
    assert (df.loc[df["kind"] == "stretch", "mean_change_pct"] > 0).all()
    # left/right symmetry
    dl = stretches(model, side="l")
    pd.testing.assert_series_equal(df["mean_change_pct"], dl["mean_change_pct"], rtol=1e-9)
    # a posture built in code: pure adduction lengthens all three segments
    add = _core.Posture("adduction_15", hip_adduction=math.radians(15))
    one = stretches(model, postures=[add])
    assert (one[["anterior_change_pct", "middle_change_pct", "posterior_change_pct"]] > 0).all(axis=None)


def test_bad_postures_file(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("postures:\n  - name: a\n    kind: dance\n")
    with pytest.raises(biomech.FileError) as e:
        load_postures(bad)
    assert e.value.field == "postures[0].kind" and e.value.line == 3
    with pytest.raises(FileNotFoundError):
        load_postures(tmp_path / "missing.yaml")
