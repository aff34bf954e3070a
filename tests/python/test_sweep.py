"""Sweeps: identical results locally, with C++ threads, on a thread pool and on a
Dask LocalCluster with two workers; streaming to HDF5; configs checked before any work."""
from __future__ import annotations

import concurrent.futures
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

import biomech
from biomech.sweep import SweepConfigError, load_sweep_config, validate_sweep_config

POPULATION = {
    "target": "single_leg_stance",
    "population": {
        "mass_kg": {"distribution": "normal", "mean": 75, "sd": 12, "min": 45, "max": 120},
        "sex": {"distribution": "choice", "values": ["male", "female"]},
    },
    "samples": 6,
    "grid": {"gmed_strength_pct": [40, 100], "trunk_lean_deg": {"min": 0, "max": 10, "num": 2}},
    "seed": 11,
    "chunk_size": 5,
}


@pytest.fixture(scope="module")
def local():
    return biomech.sweep(POPULATION, quiet=True)


def test_rows_and_physics(local):
    assert len(local) == 6 * 2 * 2
    assert list(local.columns[:4]) == ["mass_kg", "sex", "gmed_strength_pct", "trunk_lean_deg"]
    assert set(local["sex"]) <= {"male", "female"}
    assert np.isfinite(local["abductor_force_n"]).all()
    # grid inner, population outer: each sample repeats over the 4 grid points
    assert (local["mass_kg"].to_numpy().reshape(6, 4) == local["mass_kg"].to_numpy()[::4, None]).all()
    # lean toward the stance side lowers the abductor force for every subject and strength
    upright = local[local.trunk_lean_deg == 0]["abductor_force_n"].to_numpy()
    lean = local[local.trunk_lean_deg == 10]["abductor_force_n"].to_numpy()
    assert (lean < upright).all()
    assert local.attrs["units"]["abductor_force_n"] == "N"


@pytest.mark.parametrize("chunk_size, n_jobs", [(3, 2), (1000, 2), (5, 0)])
def test_same_rows_whatever_the_chunking_and_threads(local, chunk_size, n_jobs):
    # 8 chunks over 2 jobs run whole chunks in parallel; 1 chunk over 2 jobs splits its rows over C++ threads;
    # 5 chunks over all cores: the fifth is split when there are 2
    other = biomech.sweep({**POPULATION, "chunk_size": chunk_size, "n_jobs": n_jobs}, quiet=True)
    pd.testing.assert_frame_equal(other, local)


def test_thread_pool_executor_gives_identical_results(local):
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        pooled = biomech.sweep(POPULATION, executor=ex, quiet=True)
    pd.testing.assert_frame_equal(pooled, local)


def test_dask_local_cluster_with_two_workers_gives_identical_results(local, tmp_path):
    import distributed  # the "distributed" extra of biomech (in the test extra)

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        remote = biomech.sweep(POPULATION, executor=client, quiet=True)
        streamed = biomech.sweep(POPULATION, executor=client, quiet=True, out=tmp_path / "dask.h5")
    pd.testing.assert_frame_equal(remote, local)
    back = biomech.load_results(streamed).sweep
    np.testing.assert_array_equal(back["abductor_force_n"], local["abductor_force_n"])


def test_streaming_to_hdf5(local, tmp_path):
    path = biomech.sweep(POPULATION, quiet=True, out=tmp_path / "s.h5")
    r = biomech.load_results(path)
    pd.testing.assert_frame_equal(r.sweep, local, check_categorical=False)
    assert list(r.sweep["sex"]) == list(local["sex"])
    assert r.options["seed"] == 11
    with h5py.File(path, "r") as f:
        g = f["sweep"]
        assert g.attrs["n_rows"] == len(local)
        assert g.attrs["target"] == b"single_leg_stance"  # fixed-length UTF-8: bytes in plain h5py
        for name in g:
            assert "units" in g[name].attrs
            assert g[name].maxshape == (None,)  # appendable
        assert g["mass_kg"].attrs["units"] == b"kg"
        assert "muscles" in f and "model" in f and "subject" in f


def test_custom_evaluate_function(local):
    def double_mass(params, **fixed):
        return pd.DataFrame({"twice_mass_kg": 2 * params["mass_kg"]})

    df = biomech.sweep(POPULATION, evaluate=double_mass, outputs=["twice_mass_kg"], quiet=True)
    np.testing.assert_array_equal(df["twice_mass_kg"], 2 * local["mass_kg"])


def test_moment_arm_target_over_postures():
    df = biomech.sweep(target="moment_arms", grid={"hip_flexion_r_deg": {"min": 0, "max": 90, "num": 10}},
                       quiet=True)
    arm = df["gmed_abduction_moment_arm_m"].to_numpy()
    assert (arm > 0).all() and arm[0] > arm[-1]  # abduction arm shrinks as the hip flexes


def test_weaker_gluteus_medius_needs_more_reserve():
    df = biomech.sweep(grid={"gmed_strength_pct": [30, 50, 75, 100]}, fixed={"hand_load_contralateral_kg": 10},
                       quiet=True)
    reserve = df["reserve_torque_nm"].to_numpy()
    assert (np.diff(reserve) <= 1e-9).all()
    gmed = df["gmed_force_n"].to_numpy()
    assert gmed[0] <= gmed[-1]


def test_exercise_target_cuff_mass():
    df = biomech.sweep(target="exercise", exercise="side_lying_hip_abduction_cuff_ankle",
                       grid={"cuff_mass_kg": [0.0, 2.0, 4.0]}, quiet=True)
    peak = df["gmed_peak_percent_mvic"].to_numpy()
    assert (np.diff(peak) > 0).all()


# ---- malformed configs: a clear error naming the field, before any work

BAD = [
    ({"grid": {"shoe_size_eu": [40, 42]}}, "grid.shoe_size_eu", "unknown parameter"),
    ({"grid": {"mass_kg": {"min": 90, "max": 60, "num": 3}}}, "grid.mass_kg", "empty range"),
    ({"grid": {"mass_kg": []}}, "grid.mass_kg", "empty list"),
    ({"grid": {"mass_kg": ["heavy"]}}, "grid.mass_kg[0]", "expected a number"),
    ({"grid": {"mass_kg": {"min": 60, "max": 90, "num": 2.5}}}, "grid.mass_kg.num", "positive integer"),
    ({"grid": {"mass_kg": 70}}, "grid.mass_kg", "fixed"),
    ({"grid": {"gmed_strength_pct": [30, 500]}}, "grid.gmed_strength_pct[1]", "[0, 200]"),
    ({"grid": {"sex": ["male", "other"]}}, "grid.sex[1]", "male"),
    ({"population": {"mass_kg": {"distribution": "normal", "mean": 70, "sd": -1}}, "samples": 3},
     "population.mass_kg.sd", "positive"),
    ({"population": {"mass_kg": {"distribution": "uniform", "min": 70, "max": 70}}, "samples": 3},
     "population.mass_kg", "empty range"),
    ({"population": {"mass_kg": {"distribution": "gamma"}}, "samples": 3}, "population.mass_kg.distribution", "uniform"),
    ({"population": {"mass_kg": {"distribution": "uniform", "min": 50, "max": 90}}}, "samples", "missing"),
    ({"grid": {"mass_kg": [60]}, "samples": "ten"}, "samples", "integer"),
    ({"grid": {"mass_kg": [60]}, "n_jobs": -1}, "n_jobs", "integer"),
    ({"grid": {"mass_kg": [60]}, "colour": "red"}, "colour", "unknown setting"),
    ({"grid": {"mass_kg": [60]}, "target": "juggling"}, "target", "expected one of"),
    ({"grid": {"mass_kg": [60]}, "fixed": {"mass_kg": 70}}, "fixed.mass_kg", "already given"),
    ({"grid": {"cuff_mass_kg": [1, 2]}}, "target", "cuff_mass_kg"),
    ({"target": "exercise", "exercise": "no_such_exercise", "grid": {"mass_kg": [60]}}, "exercise", ""),
    ({}, "grid", "nothing to sweep"),
]


@pytest.mark.parametrize("cfg,field,words", BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_malformed_config_fails_before_any_work(cfg, field, words):
    calls = []

    def evaluate(params, **fixed):
        calls.append(len(params))
        return pd.DataFrame({"x": np.zeros(len(params))})

    with pytest.raises(SweepConfigError) as e:
        biomech.sweep(cfg, evaluate=evaluate, outputs=["x"], quiet=True)
    assert e.value.field == field
    assert f"field '{field}'" in str(e.value) and words in str(e.value)
    assert calls == []


def test_cli_sweep(tmp_path):
    cfg = tmp_path / "sweep.yaml"
    cfg.write_text("# seesaw over strength\ntarget: single_leg_stance\ngrid:\n  gmed_strength_pct: {min: 30, max: 100, num: 4}\n"
                   "fixed: {trunk_lean_deg: 5}\n")
    out = tmp_path / "sweep.h5"
    r = subprocess.run([sys.executable, "-m", "biomech", "sweep", str(cfg), "--out", str(out), "--quiet", "--json"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert '"rows": 4' in r.stdout
    assert len(biomech.load_results(out).sweep) == 4
    assert r.stderr == ""  # no progress bar when not on a terminal

    bad = tmp_path / "bad.yaml"
    bad.write_text("grid:\n  gmed_strength_pct: {min: 100, max: 30, num: 4}\n")
    r = subprocess.run([sys.executable, "-m", "biomech", "sweep", str(bad), "--out", str(tmp_path / "bad.h5")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "grid.gmed_strength_pct" in r.stderr and "empty range" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "bad.h5").exists()


def test_validate_returns_a_plan_without_running():
    plan = validate_sweep_config(POPULATION)
    assert plan.n_rows == 24
    assert plan.names == ["mass_kg", "sex", "gmed_strength_pct", "trunk_lean_deg"]
    rows = plan.rows(0, 24)
    np.testing.assert_array_equal(rows[3:10], plan.rows(3, 10))


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[2] / "datasets" / "sweeps").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_shipped_sweep_configs_validate(path):
    """Every config in datasets/sweeps/ is complete and runnable (checked, not run)."""
    plan = validate_sweep_config(load_sweep_config(path), str(path))
    assert plan.n_rows > 0


def test_failing_chunk_stops_the_sweep_and_leaves_no_file(tmp_path):
    calls = []

    def evaluate(params, **fixed):
        calls.append(len(params))
        if len(calls) == 3:
            raise RuntimeError("chunk 3 fails")
        return pd.DataFrame({"double_mass": 2.0 * params["mass_kg"]})

    with pytest.raises(RuntimeError, match="chunk 3 fails"):
        biomech.sweep(POPULATION, evaluate=evaluate, outputs=["double_mass"], out=tmp_path / "s.h5", quiet=True)
    assert not (tmp_path / "s.h5").exists()
    assert 3 <= len(calls) <= 4  # the next chunk is computed while one is written, no further


def test_weak_light_subject_converges_to_the_long_solve():
    # A row of bench/bench_sweep.py's population (seed 2024, row 72742) on which the recruitment
    # stalled at the default reserve weight: continuation now goes below that weight and reaches
    # the optimum a 20-times longer Newton solve finds at the default weight.
    row = {"sex": "female", "mass_kg": 55.31674457908349, "height_m": 1.658318169029096,
           "pelvis_width_m": 0.25412548911887134, "neck_shaft_angle_deg": 135.87130504239428,
           "gmed_strength_pct": 36.58397124896115}

    def stance(**extra):
        return biomech.sweep({"target": "single_leg_stance", "fixed": {**row, **extra},
                              "grid": {"trunk_lean_deg": [0.0]}}, quiet=True).iloc[0]

    r, long = stance(), stance(max_iterations=20000)
    assert r["reserve_torque_nm"] > 0.1  # the weak gluteus medius cannot hold the pelvis alone
    for k in ("abductor_force_n", "hip_contact_force_n", "reserve_torque_nm"):
        assert r[k] == pytest.approx(long[k], rel=1e-6, abs=1e-6)
