"""Forward dynamics from Python and the CLI: the Trendelenburg sign under
weakness, compensation, the hip hitch, bad input. The C++ tests
(tests/cpp/test_pelvis_dynamics.cpp) hold the energy, static-equivalence and
tolerance checks; these check the Python front says the same physics."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

import biomech
from biomech.cli import main as cli_main
from biomech.dynamics import simulate_hip_hitch, simulate_stance, static_stance

# the default drop threshold: 4 deg, the minimal detectable change of Youdas et al. 2007
TRENDELENBURG_THRESHOLD_DEG = 4.0


@pytest.fixture(scope="module")
def model():
    return biomech.Model.default()


def test_full_strength_holds_level_and_matches_static(model):
    r = simulate_stance(model, abductor_strength=1.0, duration_s=3.0)
    assert abs(r.summary["steady_obliquity_deg"]) < 2.0
    assert not r.summary["trendelenburg_positive"]
    s = static_stance(model, abductor_strength=1.0, obliquity_deg=r.summary["steady_obliquity_deg"],
                      trunk_lean_deg=r.summary["final_trunk_lean_deg"])
    assert s["feasible"] and abs(s["residual_nm"]) < 1e-6
    assert r.summary["steady_abductor_force_n"] == pytest.approx(s["abductor_force_n"], rel=0.01)
    ts = r.timeseries
    assert ts.index.name == "time_s" and np.all(np.isfinite(ts["obliquity_deg"]))
    # the abductors' forces add up to the abductor force, sample by sample
    forces = ts[[c for c in ts.columns if c.startswith("force:")]]
    np.testing.assert_allclose(forces.sum(axis=1), ts["abductor_force_n"], rtol=1e-12)


def test_drop_grows_as_strength_falls_and_lean_compensates(model):
    drops = [simulate_stance(model, abductor_strength=a, duration_s=3.0).summary["max_drop_deg"]
             for a in (1.0, 0.7, 0.5, 0.3)]
    assert np.all(np.diff(drops) > 0), drops
    weak = simulate_stance(model, abductor_strength=0.3, duration_s=3.0)
    assert weak.summary["trendelenburg_positive"] and weak.summary["max_drop_deg"] > TRENDELENBURG_THRESHOLD_DEG
    comp = simulate_stance(model, abductor_strength=0.3, duration_s=3.0, compensation=True)
    assert comp.summary["max_drop_deg"] < TRENDELENBURG_THRESHOLD_DEG
    assert comp.summary["final_trunk_lean_deg"] > 0  # toward the stance side


def test_hip_hitch_tracks_both_ways(model):
    # 3 s per hitch: at 2 s an 8 deg hitch asks more than the default subject's measured
    # abductor strength (scaling.hpp) can give (effort 1.0, tracking error ~8 deg)
    r = simulate_hip_hitch(model, amplitude_deg=8.0, period_s=3.0, repetitions=2)
    s = r.summary
    assert s["max_drop_deg"] > 6.0 and s["min_obliquity_deg"] < -6.0  # drop and hike
    ts = r.timeseries
    err = ts["obliquity_deg"] - ts["reference_obliquity_deg"]
    assert s["tracking_max_error_deg"] == pytest.approx(err.abs().max(), rel=1e-12)
    assert s["tracking_max_error_deg"] < 2.0
    assert s["peak_abductor_force_bw"] > 0.5


@pytest.mark.parametrize("kwargs", [dict(duration_s=-1.0), dict(sample_hz=0.0), dict(abductor_strength=1.5),
                                    dict(abductor_strength=math.nan), dict(controller="psychic")])
def test_bad_input_is_a_clear_value_error(model, kwargs):
    with pytest.raises(ValueError) as e:
        simulate_stance(model, **kwargs)
    assert str(e.value) and "\n" not in str(e.value)


def test_cli_trendelenburg_json_and_error(capsys):
    assert cli_main(["trendelenburg", "--abductor-strength", "0.3", "--duration-s", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["trendelenburg_positive"] is True and out["max_drop_deg"] > 4.0
    assert cli_main(["trendelenburg", "--abductor-strength", "2"]) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("biomech") and len(err.splitlines()) == 1 and "Traceback" not in err


def test_dynamic_steady_state_carries_the_musculoskeletal_seesaw_moment(model):
    """The pelvis plant's full-strength steady state needs the same frontal-plane hip moment as the
    3D musculoskeletal seesaw (biomech.single_leg_stance) in the same posture. Their abductor
    forces differ: the plant's abductors (gluteus medius, minimus, TFL) carry the whole moment,
    while the 3D recruitment shares it with gluteus maximus, piriformis and others and also
    balances hip flexion and rotation."""
    seesaw = biomech.single_leg_stance(model)
    r = simulate_stance(model, abductor_strength=1.0, duration_s=3.0)
    s = static_stance(model, obliquity_deg=r.summary["steady_obliquity_deg"],
                      trunk_lean_deg=r.summary["final_trunk_lean_deg"])
    assert abs(s["gravity_moment_nm"]) == pytest.approx(seesaw.abductor_moment_nm, rel=0.01)
    assert r.summary["steady_abductor_force_n"] == pytest.approx(s["abductor_force_n"], rel=0.01)
    assert s["abductor_force_n"] >= seesaw.abductor_force_n  # no sharing with other muscles in the plant


def test_other_abductors_spared_by_a_nerve_block_keep_the_pelvis_level(model, capsys):
    """With the hip's other abductors in the plant (not weakened, as a superior gluteal nerve block
    spares them), 45% of gluteus medius, minimus and TFL strength still holds the pelvis level
    (drop below the 4 deg detectable change), where the default plant's pelvis falls to the passive
    tissue. Kendall et al. 2013 (Clin J Sport Med 23:45-51): no change of drop after blocks that
    took 52% of the measured abduction strength. At full strength both hold the level pelvis."""
    spared = simulate_stance(model, abductor_strength=0.45, duration_s=3.0, other_abductors=True)
    default = simulate_stance(model, abductor_strength=0.45, duration_s=3.0)
    assert spared.summary["steady_obliquity_deg"] < TRENDELENBURG_THRESHOLD_DEG
    assert default.summary["steady_obliquity_deg"] > 20.0
    assert spared.summary["other_abductors"] is True
    assert set(default.summary["muscles"]) < set(spared.summary["muscles"])
    full = simulate_stance(model, duration_s=3.0, other_abductors=True)
    assert abs(full.summary["steady_obliquity_deg"]) < 0.01
    assert cli_main(["trendelenburg", "--abductor-strength", "0.45", "--duration-s", "3", "--other-abductors"]) == 0
    assert "other abductors spared" in capsys.readouterr().out


def test_plant_hip_passive_is_the_moment_the_simulation_applies(model):
    """PelvisPlant.hip_passive (about hip adduction = hip_adduction0 + obliquity) reproduces the passive
    moment the simulation reports at every sample: the curve a comparison with another simulator must use."""
    from biomech.dynamics import pelvis_plant

    plant = pelvis_plant(model, "r")
    ts = simulate_stance(model, duration_s=1.0, abductor_strength=0.3).timeseries
    theta = np.radians(ts["obliquity_deg"].to_numpy())
    omega = np.radians(ts["obliquity_rate_deg_s"].to_numpy())
    expected = [plant.hip_passive.moment(plant.hip_adduction0 + t, w) for t, w in zip(theta, omega)]
    assert np.degrees(theta).max() > 20.0  # the fall reaches the stiff end of the curve
    np.testing.assert_allclose(ts["passive_moment_nm"].to_numpy(), expected, rtol=1e-12, atol=1e-12)
