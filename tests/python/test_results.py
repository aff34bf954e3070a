"""HDF5 results files: plain-h5py readability, units on every dataset,
round trips through save_results / load_results, and atomic replacement under SIGKILL."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import h5py
import numpy as np
import pandas as pd
import pytest

import biomech
from biomech import _core
from biomech.results import units_for


def all_datasets(path):
    out = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            out[name] = obj

    f = h5py.File(path, "r")
    f.visititems(visit)
    return f, out


def sample_objects():
    rng = np.random.default_rng(3)
    comparison = pd.DataFrame({
        "exercise": ["side_plank", "clamshell", "single_leg_squat"],
        "leg": ["r", "r", "l"],
        "gmed_peak_percent_mvic": [88.5, 41.25, 70.0],
        "gmed_tfl_ratio": [1.5, np.inf, 0.8],
        "reps": np.array([10, 15, 8], dtype=np.int64),
        "feasible": [True, False, True],
    })
    t = np.linspace(0.0, 2.0, 41)
    series = pd.DataFrame(
        {"role": ["moving"] * 41,
         "hip_adduction_moment_nm": np.sin(t),
         "hip_contact_force_bw": 2.0 + np.cos(t),
         "activation:glut_med1_r": rng.uniform(0, 1, 41)},
        index=pd.MultiIndex.from_product([["r"], t], names=["leg", "time_s"]))
    series.attrs.update({"exercise": "clamshell", "p": 2.0})
    sims = {"clamshell": series,
            "side_plank": {"time": t, "activation": rng.uniform(0, 1, (41, 5)), "muscles": ["a", "b", "c", "d", "e"],
                           "peak_hip_contact_force_bw": 3.25, "frames": 41, "converged": np.ones(41, dtype=bool),
                           "note": "static hold"}}
    return comparison, sims


def text(v) -> str:
    """A string attribute read with plain h5py (fixed-length UTF-8: bytes)."""
    return v.decode() if isinstance(v, bytes) else v


def test_every_dataset_reads_with_h5py_and_has_units(tmp_path):
    comparison, sims = sample_objects()
    path = biomech.save_results(tmp_path / "r.h5", comparison=comparison, simulations=sims,
                                sweep=pd.DataFrame({"mass_kg": [60.0, 70.0], "abductor_force_bw": [1.9, 2.0]}),
                                extra={"nested": {"a": np.eye(3), "b": 1.5}}, options={"p": 2, "exercises": "all"})
    f, ds = all_datasets(path)
    with f:
        assert len(ds) > 20
        for name, d in ds.items():
            assert "units" in d.attrs, name
            d[...]  # readable
            u = d.attrs["units"]
            assert (isinstance(u, bytes) and u) or (len(u) > 0), name
            assert d.fletcher32, name  # every dataset carries a checksum
        # strings are fixed-length UTF-8 (inside checksummed objects): h5py gives bytes
        assert text(f.attrs["format"]) == _core.RESULTS_FORMAT
        assert text(f.attrs["package_version"]) == biomech.__version__
        assert json.loads(text(f.attrs["options"])) == {"exercises": "all", "p": 2}
        assert len(text(f.attrs["created_utc"])) == 20 and text(f.attrs["created_utc"]).endswith("Z")
        assert f.attrs["git_commit"]
        # units follow the column names
        assert text(f["comparison/gmed_peak_percent_mvic"].attrs["units"]) == "%MVIC"
        assert text(f["simulations/clamshell/hip_contact_force_bw"].attrs["units"]) == "BW"
        assert text(f["simulations/clamshell/hip_adduction_moment_nm"].attrs["units"]) == "N m"
        assert text(f["sweep/mass_kg"].attrs["units"]) == "kg"
        # plain h5py sees the table's values
        np.testing.assert_array_equal(f["comparison/gmed_peak_percent_mvic"][...], comparison["gmed_peak_percent_mvic"])
        assert list(f["comparison/exercise"].asstr()[...]) == list(comparison["exercise"])
        assert f["comparison/gmed_peak_percent_mvic"].chunks is not None
        assert f["comparison/gmed_peak_percent_mvic"].compression == "gzip"


def test_round_trip_gives_equal_objects(tmp_path):
    comparison, sims = sample_objects()
    extra = {"nested": {"a": np.eye(3), "b": 1.5, "label": "x", "n": 7, "flag": True}, "values": [1.0, 2.0]}
    biomech.save_results(tmp_path / "r.h5", comparison=comparison, simulations=sims, extra=extra)
    r = biomech.load_results(tmp_path / "r.h5")
    pd.testing.assert_frame_equal(r.comparison, comparison)
    pd.testing.assert_frame_equal(r.simulations["clamshell"], sims["clamshell"])
    assert r.simulations["clamshell"].attrs["exercise"] == "clamshell"
    sp = r.simulations["side_plank"]
    for k, v in sims["side_plank"].items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(sp[k], v)
            assert sp[k].dtype == v.dtype
        else:
            assert sp[k] == v and type(sp[k]) is type(v), k
    np.testing.assert_array_equal(r.extra["nested"]["a"], np.eye(3))
    assert r.extra["nested"]["b"] == 1.5 and r.extra["nested"]["label"] == "x" and r.extra["nested"]["n"] == 7
    assert r.extra["nested"]["flag"] is True
    assert r.extra["values"] == [1.0, 2.0]
    assert r.options == {}
    assert r.comparison.attrs["units"]["gmed_peak_percent_mvic"] == "%MVIC"


def test_model_muscles_and_subject(tmp_path):
    model = biomech.Model.default()
    biomech.save_results(tmp_path / "m.h5", model=model)
    r = biomech.load_results(tmp_path / "m.h5")
    assert list(r.muscles["name"]) == model.muscle_names
    np.testing.assert_array_equal(r.muscles["max_isometric_force"],
                                  [m.max_isometric_force for m in model.core.muscles])
    assert r.model["name"] == model.name
    assert list(r.model["coordinates"]["name"]) == model.coordinate_names
    assert r.model["total_mass"] == pytest.approx(model.total_mass, rel=1e-12)
    assert r.subject["mass_kg"] == model.subject.mass_kg and r.subject["sex"] == model.subject.sex
    # the stored model file text gives the same model back
    again = r.model_object()
    assert again is not None and again.muscle_names == model.core.muscle_names
    f, ds = all_datasets(tmp_path / "m.h5")
    with f:
        for name, d in ds.items():
            assert "units" in d.attrs, name


def test_bad_input_keeps_the_previous_file(tmp_path):
    path = tmp_path / "r.h5"
    biomech.save_results(path, extra={"x": 1.0})
    with pytest.raises(ValueError):
        biomech.save_results(path, extra={"x": 2.0, "bad": object()})
    assert biomech.load_results(path).extra == {"x": 1.0}
    assert not [p for p in os.listdir(tmp_path) if ".tmp-" in p]
    with pytest.raises(ValueError, match="'/'"):
        biomech.save_results(path, extra={"a/b": 1.0})
    with pytest.raises(FileNotFoundError):
        biomech.load_results(tmp_path / "missing.h5")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = 1
    with pytest.raises(ValueError, match="biomech results file"):
        biomech.load_results(tmp_path / "other.h5")
    with pytest.raises(ValueError, match="units"):
        with _core.ResultsWriter(str(tmp_path / "w.h5")) as w:
            w.write("x", np.zeros(3), "")
    assert not (tmp_path / "w.h5").exists()


def test_units_from_names():
    assert units_for("hip_contact_force_bw") == "BW"
    assert units_for("peak_abduction_moment_nm_per_kg") == "N m/kg"
    assert units_for("time") == "s" and units_for("time_s") == "s"
    assert units_for("gmed_peak_percent_mvic") == "%MVIC"
    assert units_for("gmed_tfl_ratio") == "1"
    assert units_for("band_stiffness_n_per_m") == "N/m"


# ---- atomic writes under SIGKILL

WRITER = textwrap.dedent("""
    import sys, numpy as np
    from biomech import _core
    path, value = sys.argv[1], float(sys.argv[2])
    print("start", flush=True)
    with _core.ResultsWriter(path, compression=1) as w:
        w.write_provenance(producer="kill test")
        w.create_appendable("/big", 64, "N")
        block = np.full((4096, 64), value)
        for i in range(4000):            # 8 GB if it ever finished: it is killed long before
            w.append("/big", block)
            w.flush()
        w.write("/value", np.array([value]), "1")
""")


def test_sigkill_while_writing_leaves_previous_file_or_none(tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    path = tmp_path / "out.h5"
    env = dict(os.environ)
    rng = np.random.default_rng(0)
    seen_absent = False
    for trial in range(12):
        if trial == 6:
            # from here on a previous complete file exists: it must survive every kill
            with _core.ResultsWriter(str(path)) as w:
                w.create_appendable("/big", 64, "N")
                w.append("/big", np.zeros((1, 64)))
            with h5py.File(path, "r") as f:
                assert f["big"].shape[0] == 1
        proc = subprocess.Popen([sys.executable, str(script), str(path), str(trial + 1.0)],
                                stdout=subprocess.PIPE, env=env)
        assert proc.stdout.readline().strip() == b"start"
        time.sleep(float(rng.uniform(0.05, 0.6)))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        assert proc.returncode == -signal.SIGKILL
        if trial < 6:
            assert not path.exists()
            seen_absent = True
        else:
            with h5py.File(path, "r") as f:  # the previous file, intact
                assert f["big"].shape == (1, 64)
    assert seen_absent
    # stale temporaries are listed (and harmless): the killed writers left them
    assert _core.stale_temporaries(str(path))
