"""Q-angle, knee valgus and the seesaw in every exercise; weakness by muscle group
(``strength``) and the nearest posture the weakened muscles hold; the CLI
(``compare --strength``, ``show``) and the plots. The mechanics are tested in
tests/cpp/test_weakness.cpp; here, what the Python front adds."""
from __future__ import annotations

import json

import numpy as np
import pytest

import biomech
import biomech.cli as cli
import biomech.plots


@pytest.fixture(scope="module")
def model():
    return biomech.Model.default()


def test_timeseries_carry_the_frontal_plane_per_frame(model):
    df = biomech.simulate(model, "single_leg_stance")
    for col in ("q_angle_deg", "knee_fppa_deg", "patella_lateral_pull_n", "pelvic_obliquity_deg", "trunk_lean_deg",
                "lumbar_bending_moment_nm", "body_weight_lever_m", "abductor_lever_m", "abductor_force_n",
                "abductor_force_bw", "hip_contact_angle_deg", "hip_adduction_change_deg", "held"):
        assert col in df, col
    row = df.iloc[0]
    assert 0.03 < row["abductor_lever_m"] < 0.09          # a few cm, as the seesaw's
    assert row["abductor_force_n"] == pytest.approx(row["abductor_force_bw"] * model.total_mass * 9.80665, rel=1e-3)
    assert 5 < row["q_angle_deg"] < 25


def test_compare_has_peak_q_angle_and_valgus_and_changes_under_weakness(model):
    ids = ["single_leg_stance"]
    full = biomech.compare(model, ids)
    assert {"peak_q_angle_deg", "peak_knee_valgus_deg", "peak_pelvic_drop_deg"} <= set(full.columns)
    assert not any(c.endswith("_change") for c in full.columns)
    weak = biomech.compare(model, ids, strength={"abductors": 0.3})
    row = weak.iloc[0]
    assert row["held_fraction"] == 1.0
    assert row["peak_trunk_lean_deg_change"] > 1.0            # the trunk leans over the stance hip
    assert row["peak_lumbar_moment_nm_change"] > 1.0          # and the lumbar muscles work
    assert row["peak_trunk_lean_deg"] == pytest.approx(row["peak_trunk_lean_deg_change"] + full.iloc[0]["peak_trunk_lean_deg"])
    same = biomech.compare(model, ids, strength={"abductors": 1.0})
    assert same.iloc[0]["gmed_peak_percent_mvic"] == pytest.approx(full.iloc[0]["gmed_peak_percent_mvic"], abs=1e-9)


def test_strength_keys_are_checked(model):
    with pytest.raises(ValueError, match="gluteus_maximum"):
        biomech.compare(model, ["single_leg_stance"], strength={"gluteus_maximum": 0.5})


def test_weakness_curve_and_its_plot(model, tmp_path):
    curve = biomech.weakness_curve(model, ["single_leg_stance", "clamshell"], {"abductors": 0.3}, levels=(1.0, 0.3))
    assert set(curve["exercise"]) == {"single_leg_stance"}    # only exercises with a stance leg
    assert sorted(curve["strength"]) == [0.3, 1.0]
    lean = curve.set_index("strength")["peak_trunk_lean_deg"]
    assert lean[0.3] > lean[1.0]
    out = tmp_path / "curve.png"
    biomech.plots.weakness_curve(curve, out)
    assert out.stat().st_size > 10_000
    # the strength column (the plot's x) is the factor applied, down to the one asked for
    half = biomech.weakness_curve(model, ["single_leg_stance"], {"gluteus_medius": 0.5}, levels=(1.0, 0.6, 0.2))
    assert sorted(half["strength"]) == pytest.approx([0.5, 0.75, 1.0], abs=1e-12)
    assert min(half["strength"]) == 0.5


def test_frontal_frame_and_its_plot(model, tmp_path):
    frame = biomech.frontal_frame(model, "single_leg_squat", 2.0)
    assert frame["time_s"] == pytest.approx(2.0, abs=0.05)
    right = frame["legs"]["r"]
    assert right["role"] == "stance" and frame["legs"]["l"]["role"] == "moving"  # the lifted leg, held by its own hip
    hip, knee = right["landmarks"]["hip_m"], right["landmarks"]["knee_m"]
    assert np.linalg.norm(hip - knee) > 0.3                   # a femur
    out = tmp_path / "frame.png"
    biomech.plots.frontal_frame(frame, out)
    assert out.stat().st_size > 10_000


def test_cli_compare_strength_json(capsys):
    assert cli.main(["--json", "compare", "--exercises", "single_leg_stance", "--strength", "abductors=0.3"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows[0]["peak_trunk_lean_deg_change"] > 1.0


def test_cli_compare_strength_text_and_plot(tmp_path, capsys):
    out = tmp_path / "weak.png"
    assert cli.main(["compare", "--exercises", "single_leg_stance", "--strength", "gluteus_medius=0.5",
                     "abductors=0.6", "--plot", str(out)]) == 0
    assert "d_knee_valgus_deg" in capsys.readouterr().out
    assert out.stat().st_size > 10_000


def test_cli_bad_strength_item_is_a_usage_error(capsys):
    assert cli.main(["compare", "--strength", "abductors"]) == 2
    assert "expected KEY=NUMBER, got 'abductors'" in capsys.readouterr().err


def test_cli_show_writes_the_frame(tmp_path, capsys):
    out = tmp_path / "frame.png"
    assert cli.main(["show", "single_leg_squat", "--time", "1.2", "--plot", str(out)]) == 0
    assert "q_angle_deg" in capsys.readouterr().out
    assert out.stat().st_size > 10_000
    assert cli.main(["--json", "show", "lateral_step_up", "--time", "0"]) == 0
    legs = json.loads(capsys.readouterr().out)["legs"]
    assert legs["r"]["knee_fppa_deg"] > 0


def test_weakened_frames_are_judged_against_a_full_strength_run(model):
    """A weakened frame is held when its reserves stay within 1e-3 N m of those of the prescribed
    posture at full strength (exercise.hpp): the reference the simulation computes inside (the
    recruitment alone, in the weakened frame's posture) is what a separate full-strength run gives."""
    from biomech import _core

    ex = biomech.Exercise.load("single_leg_squat").core
    full = _core.simulate(model.core, model.data, ex, _core.SimulateOptions())
    weak = _core.simulate(model.core, model.data, ex,
                          _core.SimulateOptions(strength={"abductors": 0.25}, nearest_posture=False))
    np.testing.assert_array_equal(np.asarray(weak.posture), np.asarray(full.posture))
    held = []
    for lf, lw in zip(full.legs, weak.legs):
        r0 = np.linalg.norm(np.asarray(lf.reserve), axis=1)
        rw = np.linalg.norm(np.asarray(lw.reserve), axis=1)
        np.testing.assert_array_equal(np.asarray(lw.held), rw <= r0 + 1e-3)
        held += list(lw.held)
    assert any(held) and not all(held)  # the squat's stance leg gives way part of the way down
