"""Fuzz: every file type mutated and every public entry called with hostile values gets a
correct result or a clear error, never a crash, a hang, a silent wrong result or an
unclear error (fuzz_cases.py has the mutations and oracles).

Bounded for CI (``BIOMECH_FUZZ_EXAMPLES`` cases per test, 15 by default); bench/fuzz.py
runs the same tests long. The reproducers of the reliability issue follow as plain tests.
"""
from __future__ import annotations

import math
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import biomech
from biomech import _core
from biomech.sweep import MAX_ROWS, SweepConfigError, _read_sweep_config, validate_sweep_config
from fuzz_cases import (ALIAS_BOMB, EXAMPLES, EXERCISES, HOSTILE_NUMBERS, NUMBER, SWEEP_CONFIGS, all_finite,
                        apply_bytes, apply_text, byte_mutation, check_argument_error, check_file_error,
                        exercise_sample, model_sample, record, results_sample, same_results, text_mutation, watchdog)
from shared import shared_path

HERE = Path(__file__).resolve().parent

fuzz = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=60), database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def pristine(workdir):
    path = results_sample(workdir / "pristine.h5")
    return path.read_bytes(), biomech.load_results(path)


@pytest.fixture(scope="module")
def model():
    return biomech.Model.default()


# ---- files


@fuzz
@given(data=st.data())
def test_damaged_results_file_never_loads_changed(pristine, workdir, data):
    raw, expected = pristine
    m = data.draw(byte_mutation(len(raw)))
    path = workdir / "damaged.h5"
    path.write_bytes(apply_bytes(raw, m))
    with watchdog():
        try:
            got = biomech.load_results(path)
        except Exception as e:  # noqa: BLE001 - the oracle judges it
            check_file_error(e, path)
            record("hdf5", "error")
            return
    same_results(got, expected)  # loaded: then exactly what was saved
    record("hdf5", "loaded")


@fuzz
@given(data=st.data(), which=st.sampled_from(sorted(SWEEP_CONFIGS)))
def test_mutated_sweep_config(workdir, data, which):
    raw = SWEEP_CONFIGS[which]
    path = workdir / "sweep.yaml"
    path.write_bytes(apply_text(raw, data.draw(text_mutation(raw))))
    with watchdog():
        try:
            cfg, lines = _read_sweep_config(path)
            try:
                plan = validate_sweep_config(cfg, str(path))
            except SweepConfigError as e:
                raise e.at_line(lines) from None
        except Exception as e:  # noqa: BLE001
            check_file_error(e, path)
            record("sweep", "error")
            return
    assert 0 < plan.n_rows <= MAX_ROWS
    assert all(np.isfinite(v).all() for v in plan.grid_values)
    record("sweep", "valid")


@fuzz
@given(data=st.data(), which=st.sampled_from(EXERCISES))
def test_mutated_exercise_file(model, workdir, data, which):
    raw = exercise_sample(which)
    path = workdir / f"{which}.yaml"
    path.write_bytes(apply_text(raw, data.draw(text_mutation(raw))))
    with watchdog():
        try:
            ex = _core.load_exercise(str(path))
            _core.check_exercise(model.core, ex)
            times = _core.exercise_times(ex)
        except Exception as e:  # noqa: BLE001
            check_file_error(e, path)
            record("exercise", "error")
            return
    assert 1 <= len(times) <= 600_001 and np.isfinite(times).all()
    record("exercise", "valid")


@fuzz
@given(data=st.data())
def test_mutated_model_file(workdir, data):
    raw = model_sample()
    path = workdir / "model.yaml"
    path.write_bytes(apply_text(raw, data.draw(text_mutation(raw))))
    with watchdog():
        try:
            m = biomech.Model.load(path)
            name, mass = m.name, m.total_mass
            lengths, arms = m.moment_arms_array()
        except Exception as e:  # noqa: BLE001
            check_file_error(e, path)
            record("model", "error")
            return
    assert isinstance(name, str) and math.isfinite(mass) and mass > 0
    assert np.isfinite(lengths).all() and np.isfinite(arms).all()
    record("model", "valid")


OSIM = shared_path("reference_models", "gait2392_thelen2003muscle.osim")


@pytest.mark.skipif(OSIM is None or not OSIM.exists(), reason="needs the shared reference models ($BIOMECH_SHARED)")
@fuzz
@given(data=st.data())
def test_mutated_osim_file(workdir, data):
    raw = OSIM.read_bytes()
    path = workdir / "model.osim"
    path.write_bytes(apply_text(raw, data.draw(text_mutation(raw, aliases=False))))
    with watchdog():
        try:
            m = biomech.Model.from_osim(path)
            name, mass = m.name, m.total_mass
            lengths, arms = m.moment_arms_array()
        except Exception as e:  # noqa: BLE001
            check_file_error(e, path)
            record("osim", "error")
            return
    assert isinstance(name, str) and math.isfinite(mass)
    assert np.isfinite(lengths).all() and np.isfinite(arms).all()
    record("osim", "valid")


# ---- public functions with hostile values

HOSTILE = st.one_of(st.sampled_from([math.inf, -math.inf, math.nan, 1e308, -1e308, 1e9, -1e9, 0.0, -0.0, 1e-320,
                                     2**31, 2**63, 10**30, -1, True, "7", None, [1.0], {"a": 1}]),
                    st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**70), 2**70))
OPTION_CLASSES = ["StanceOptions", "LeverInput", "QAngleOptions", "RecruitmentOptions", "SimulateOptions", "Subject"]


@fuzz
@given(cls_name=st.sampled_from(OPTION_CLASSES), data=st.data(), value=HOSTILE)
def test_options_with_hostile_values(cls_name, data, value):
    cls = getattr(_core, cls_name)
    field = data.draw(st.sampled_from([f["name"] for f in cls.fields()]))
    info = next(f for f in cls.fields() if f["name"] == field)
    try:
        o = cls(**{field: value})
    except Exception as e:  # noqa: BLE001
        check_argument_error(e, field)
        record("api", "error")
        return
    got = getattr(o, field)
    if isinstance(got, float) and info["kind"] == "number":
        assert math.isfinite(got) and info["min"] <= got <= info["max"], (field, value, got)
    record("api", "valid")


@fuzz
@given(call=st.sampled_from(["lever_model", "strength_curve", "posture", "percent_mvic", "single_leg_stance"]),
       data=st.data(), value=HOSTILE)
def test_functions_with_hostile_values(model, call, data, value):
    with watchdog():
        try:
            if call == "lever_model":
                name = data.draw(st.sampled_from(["partial_weight_n", "body_weight_lever_m", "abductor_lever_m",
                                                  "abductor_angle_deg", "body_weight_n"]))
                kw = {"partial_weight_n": 600.0, name: value}
                out = biomech.lever_model(**kw).to_dict()
            elif call == "strength_curve":
                name = data.draw(st.sampled_from(["samples", "min_abduction_deg", "max_abduction_deg"]))
                out = biomech.strength_curve(model, **{name: value})
            elif call == "posture":
                name = data.draw(st.sampled_from(model.coordinate_names))
                out = model.moment_arms({name: value})
            elif call == "percent_mvic":
                a = np.full(len(model.muscle_names), 0.1)
                a[data.draw(st.integers(0, len(a) - 1))] = value
                out = biomech.percent_mvic(model, a)
            else:
                name = data.draw(st.sampled_from(["trunk_lean_deg", "hand_load_contralateral_kg", "abductor_strength_scale"]))
                out = biomech.single_leg_stance(model, **{name: value}).to_dict()
        except Exception as e:  # noqa: BLE001
            check_argument_error(e)
            record("api", "error")
            return
    if call == "percent_mvic":
        out = out.dropna()  # NaN: muscles outside the MVIC test (documented)
    assert all_finite(out), (call, value)
    record("api", "valid")


# ---- the reproducers of the reliability issue


def _exercise_with(tmp_path, old: str, new: str, name="clamshell"):
    text = exercise_sample(name).decode()
    assert old in text
    path = tmp_path / f"{name}.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize("rate", ["1e9", "1e6"])
def test_exercise_rate_overflow_is_a_file_error(model, tmp_path, rate):
    """1e9 Hz gave 2 frames (int overflow) and a peak gluteus medius of 0.26 %MVIC; 1e6 bad_alloc."""
    path = _exercise_with(tmp_path, "motion:\n", f"motion:\n  sample_rate_hz: {rate}\n")
    ex = _core.load_exercise(str(path))
    with pytest.raises(biomech.FileError) as e:
        biomech.simulate(model, biomech.Exercise.load(path))
    assert e.value.file == str(path) and e.value.field == "motion.sample_rate_hz" and e.value.line == 24
    assert "in [0.001, 1000] Hz" in str(e.value)
    with pytest.raises(biomech.FileError):
        _core.exercise_times(ex)


def test_keyframe_time_overflow_is_a_file_error(model, tmp_path):
    path = _exercise_with(tmp_path, "{t_s: 6.0,", "{t_s: 1e9,")
    with pytest.raises(biomech.FileError) as e:
        biomech.simulate(model, biomech.Exercise.load(path))
    assert e.value.field == "motion.keyframes[3].t_s" and e.value.line == 29 and "got 1e+09" in str(e.value)


def test_band_stiffness_bound(model, tmp_path):
    text = exercise_sample("lateral_band_walk_knees").decode()
    old = re.search(r"stiffness_n_per_m: [0-9.]+", text).group(0)
    path = _exercise_with(tmp_path, old, "stiffness_n_per_m: 1e308", "lateral_band_walk_knees")
    with pytest.raises(biomech.FileError) as e:
        _core.check_exercise(model.core, _core.load_exercise(str(path)))
    assert e.value.field.endswith(".stiffness_n_per_m") and e.value.line > 0


def test_sweep_grid_row_overflow(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("grid:\n" + "".join(f"  {p}: {{min: 0, max: 10, num: 65536}}\n" for p in
                                        ("trunk_lean_deg", "gmed_strength_pct", "stance_hip_flexion_deg",
                                         "hand_load_contralateral_kg")))  # 65536^4 rows wrapped to 0 in int64
    with pytest.raises(SweepConfigError) as e:
        biomech.sweep(path, out=tmp_path / "out.h5", quiet=True)
    assert e.value.field == "grid" and f"at most {MAX_ROWS} rows" in str(e.value) and e.value.line == 1
    assert not (tmp_path / "out.h5").exists()
    r = subprocess.run([sys.executable, "-m", "biomech", "sweep", str(path), "--out", str(tmp_path / "o.h5")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and str(path) in r.stderr


def test_strength_curve_samples_bound(model):
    with pytest.raises(ValueError, match=r"samples an integer in \[3, 10000\], got 1000000000"):
        biomech.strength_curve(model, samples=10**9)


def test_sweep_alias_bomb_and_nesting_fail_before_expansion(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n")
    with pytest.raises(SweepConfigError) as e:
        biomech.sweep(bomb, quiet=True)
    assert "alias" in str(e.value) and e.value.line == 7 and str(bomb) in str(e.value)
    deep = tmp_path / "deep.yaml"
    deep.write_text("grid: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(SweepConfigError, match="nested deeper than 64 levels"):
        biomech.sweep(deep, quiet=True)
    cycle = tmp_path / "cycle.yaml"
    cycle.write_text("grid: &g {mass_kg: *g}\n")
    with pytest.raises(SweepConfigError, match="cycle"):
        biomech.sweep(cycle, quiet=True)


@pytest.mark.parametrize("text,field", [
    ("grid: {[a]: [1]}\n", "<file>"),                  # unhashable key (YAML refuses it)
    ("grid: {mass_kg: [60]}\nmodel: /dev/zero\n", "model"),
    ("grid: {mass_kg: [60]}\nmodel: " + "x" * 5000 + ".yaml\n", "model"),
    ("grid: {mass_kg: [60]}\n" + "[x]: 1\n", "<file>"),
    ("grid: {mass_kg: [1e400]}\n", "grid.mass_kg[0]"),
    ("grid: {mass_kg: [99999999999999999999999999999999999999999999999999999999999999999999999999999999999999"
     "9999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999"
     "999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999]}\n",
     "grid.mass_kg[0]"),
    ("grid: {mass_kg: [60]}\nchunk_size: 10000000000\n", "chunk_size"),
    ("grid: {mass_kg: [60]}\ntarget: [juggling]\n", "target"),
    ("grid: {mass_kg: [60]}\ncaf\xe9: 1\n", "<file>"),
])
def test_sweep_config_errors_name_file_and_field(tmp_path, text, field):
    path = tmp_path / "cfg.yaml"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(SweepConfigError) as e:
        biomech.sweep(path, quiet=True)
    assert e.value.field == field and str(path) in str(e.value), str(e.value)
    if field != "<file>":
        assert e.value.line > 0


def test_invalid_utf8_names_line_and_column(tmp_path):
    path = tmp_path / "cfg.yaml"
    path.write_bytes(b"grid:\n  mass_kg: [60, 7\xe9]\n")
    with pytest.raises(SweepConfigError, match=r"invalid UTF-8 at line 2, column 18 \(byte 0xe9\)") as e:
        biomech.sweep(path, quiet=True)
    assert e.value.line == 2


def test_yaml_files_invalid_utf8_alias_bomb_and_devices(tmp_path):
    """A model named caf\\xe9 loaded and then m.name raised; /dev/zero ran out of memory or hung."""
    raw = model_sample()
    at = raw.index(b"\nname: ") + len(b"\nname: ")
    line = raw[:at].count(b"\n") + 1
    bad = tmp_path / "cafe.yaml"
    bad.write_bytes(raw[:at] + b"caf\xe9" + raw[at:])
    with pytest.raises(biomech.FileError, match=f"invalid UTF-8 at line {line}") as e:
        biomech.Model.load(bad)
    assert e.value.file == str(bad) and e.value.line == line
    bomb = tmp_path / "bomb.yaml"
    bomb.write_bytes(raw + ALIAS_BOMB)
    with pytest.raises(biomech.FileError, match="alias bomb") as e:
        biomech.Model.load(bomb)
    assert e.value.line > raw.count(b"\n")
    deep = tmp_path / "deep.yaml"
    deep.write_bytes(raw + b"\nextra: " + b"[" * 100 + b"]" * 100 + b"\n")
    with pytest.raises(biomech.FileError, match="nested deeper than 64 levels"):
        biomech.Model.load(deep)
    for load in (biomech.Model.load, biomech.Exercise.load):
        with pytest.raises(biomech.FileError, match="regular"):
            load("/dev/zero")
    r = subprocess.run([sys.executable, "-m", "biomech", "simulate", "/dev/zero"], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "/dev/zero" in r.stderr, r.stderr


def test_osim_invalid_utf8(tmp_path):
    osim = OSIM
    if osim is None or not osim.exists():
        pytest.skip("needs the shared reference models ($BIOMECH_SHARED)")
    raw = osim.read_bytes()
    at = raw.index(b"<Model name=\"") + len(b"<Model name=\"")
    path = tmp_path / "bad.osim"
    path.write_bytes(raw[:at] + b"caf\xe9" + raw[at:])
    line = raw[:at].count(b"\n") + 1
    with pytest.raises(biomech.FileError, match=f"invalid UTF-8 at line {line}") as e:
        biomech.Model.from_osim(path)
    assert e.value.line == line


def test_save_results_refuses_cycles_and_deep_nesting(tmp_path):
    d: dict = {}
    d["self"] = d
    with pytest.raises(ValueError, match="contains itself"):
        biomech.save_results(tmp_path / "a.h5", extra=d)
    deep: dict = {}
    node = deep
    for _ in range(400):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(ValueError, match="at most 32 nested levels"):
        biomech.save_results(tmp_path / "b.h5", extra=deep)
    with pytest.raises(ValueError, match="options"):
        biomech.save_results(tmp_path / "c.h5", options=d)
    with pytest.raises(ValueError, match="NUL"):
        biomech.save_results(tmp_path / "d.h5", extra={"s": "a\0b"})
    assert not list(tmp_path.iterdir())  # nothing written, no temporaries left


def test_empty_dicts_and_frames_round_trip(tmp_path):
    path = biomech.save_results(tmp_path / "e.h5", comparison=pd.DataFrame(), extra={"d": {}, "l": [], "s": ""},
                                sweep=pd.DataFrame({"x": np.array([], dtype=float)}))
    r = biomech.load_results(path)
    assert r.comparison.shape == (0, 0) and r.extra == {"d": {}, "l": [], "s": ""} and list(r.sweep) == ["x"]


def test_every_dataset_has_a_checksum(pristine, workdir):
    import h5py

    with h5py.File(workdir / "pristine.h5") as f:
        names = []
        f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        assert names and all(f[n].fletcher32 for n in names)


def test_zeroed_blocks_and_truncations_never_hang_or_change(pristine, workdir):
    """Every 512-byte block zeroed and every 1/64 truncation, in a child process with a
    timeout (a hang fails the test instead of stopping the run)."""
    code = f"""
import sys; sys.path.insert(0, {str(HERE)!r})
from pathlib import Path
import biomech
from fuzz_cases import apply_bytes, check_file_error, same_results
src = Path({str(workdir / "pristine.h5")!r}); raw = src.read_bytes(); expected = biomech.load_results(src)
cases = [("zero512", k, 0) for k in range(0, len(raw), 512)] + [("truncate", len(raw) * k // 64, 0) for k in range(64)]
p = Path({str(workdir / "block.h5")!r})
for m in cases:
    p.write_bytes(apply_bytes(raw, m))
    try:
        got = biomech.load_results(p)
    except Exception as e:
        check_file_error(e, p)
    else:
        same_results(got, expected)
print(len(cases))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert int(r.stdout.split()[-1]) > 64


def test_damaged_file_through_the_cli(pristine, workdir):
    raw, _ = pristine
    path = workdir / "cli.h5"
    path.write_bytes(raw[: len(raw) // 2])
    r = subprocess.run([sys.executable, "-m", "biomech", "plot", str(path), "--out", str(workdir / "plots")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and str(path) in r.stderr, r.stderr


def test_hostile_api_reproducers(model):
    with pytest.raises(ValueError, match="partial_weight_n"):
        biomech.lever_model(partial_weight_n=1e308)
    with pytest.raises(ValueError, match="sex"):
        biomech.Subject(sex=5)
    with pytest.raises(ValueError, match="knee_angle_r"):
        model.moment_arms({"knee_angle_r": 1e308})
    with pytest.raises(ValueError, match="pelvis_tx"):
        model.moment_arms({"pelvis_tx": 1e308})
    with pytest.raises(ValueError, match=r"activations in \[0, 1\], got nan"):
        biomech.percent_mvic(model, np.full(len(model.muscle_names), np.nan))


# ---- recorded trials (biomech analyze), subjects, exercise 'limits'


@pytest.fixture(scope="module")
def trial(model, workdir):
    """A short written coordinates file and an ExternalLoads xml + .mot (one force on femur_r)."""
    names = model.coordinate_names
    t = np.linspace(0.0, 1.0, 21)
    q = pd.DataFrame({n: np.zeros_like(t) for n in names}, index=pd.Index(t, name="time"))
    q["hip_flexion_r"] = 20.0 * np.sin(t)  # deg
    kin = biomech.write_storage(workdir / "trial.mot", q, in_degrees=True)
    grf = pd.DataFrame({"f_vx": 0.0, "f_vy": 100.0, "f_vz": 0.0, "f_px": 0.0, "f_py": 0.0, "f_pz": 0.0},
                       index=pd.Index(t, name="time"))
    biomech.write_storage(workdir / "grf.mot", grf)
    xml = workdir / "loads.xml"
    xml.write_text('<?xml version="1.0" encoding="UTF-8" ?>\n<OpenSimDocument Version="40000">\n'
                   '<ExternalLoads name="loads"><objects>\n<ExternalForce name="f">\n'
                   "<applied_to_body>femur_r</applied_to_body>\n<force_identifier>f_v</force_identifier>\n"
                   "<point_identifier>f_p</point_identifier>\n</ExternalForce></objects>\n"
                   "<datafile>grf.mot</datafile></ExternalLoads></OpenSimDocument>\n")
    return kin, xml


def _replace_value(path: Path, column: str, row: int, value: str) -> tuple[Path, int]:
    """A copy of a storage file with one value replaced; (copy, its 1-based line)."""
    lines = path.read_text().splitlines()
    end = lines.index("endheader")
    labels = lines[end + 1].split()
    at = end + 2 + row
    tokens = lines[at].split()
    tokens[labels.index(column)] = value
    lines[at] = "\t".join(tokens)
    out = path.with_name(f"{path.stem}_{column}_{value}{path.suffix}")
    out.write_text("\n".join(lines) + "\n")
    return out, at + 1


@pytest.mark.parametrize("value", ["nan", "inf", "1e308", "-1e9"])
def test_analyze_kinematics_values_name_file_line_and_column(model, trial, value):
    """1e308 deg gave 'forward_kinematics: expected finite coordinates' naming nothing."""
    kin, _ = trial
    path, line = _replace_value(kin, "hip_flexion_r", 4, value)
    with pytest.raises(biomech.FileError) as e:
        biomech.analyze(model, path, None, progress=False)
    assert e.value.file == str(path) and e.value.line == line and e.value.field == "hip_flexion_r", str(e.value)


def test_analyze_time_and_external_load_bounds(model, trial, workdir):
    """A last time of 1e308 s gave 'natural_spline_interpolate: singular collocation system';
    a force of 1e300 N went through to the results."""
    kin, xml = trial
    path, line = _replace_value(kin, "time", 20, "1e308")
    with pytest.raises(biomech.FileError, match=r"time in \[-1e\+09, 1e\+09\] s") as e:
        biomech.analyze(model, path, None, progress=False)
    assert e.value.line == line and e.value.field == "time"
    grf, line = _replace_value(workdir / "grf.mot", "f_vy", 3, "1e300")
    with pytest.raises(biomech.FileError, match=r"force component in \[-100000, 100000\] N") as e:
        biomech.analyze(model, kin, biomech.read_external_loads(xml, data_file=grf), progress=False)
    assert e.value.file == str(grf) and e.value.line == line and e.value.field == "f_vy"
    df = biomech.analyze(model, kin, xml, progress=False)  # the pristine trial analyses
    assert np.isfinite(df["hip_contact_force_bw"]).all()


def test_trial_files_invalid_utf8_devices_and_bad_xml(trial, workdir):
    kin, xml = trial
    raw = kin.read_bytes()
    bad = workdir / "bad.mot"
    bad.write_bytes(raw.replace(b"hip_flexion_r", b"hip_flexion_r\xe9", 1))
    line = raw[: raw.index(b"hip_flexion_r")].count(b"\n") + 1
    with pytest.raises(biomech.FileError, match=f"invalid UTF-8 at line {line}, column") as e:
        biomech.read_storage(bad)
    assert e.value.line == line
    bad_xml = workdir / "bad.xml"
    bad_xml.write_bytes(xml.read_bytes().replace(b"femur_r", b"femur_r\xe9"))
    with pytest.raises(biomech.FileError, match="invalid UTF-8 at line 5"):
        biomech.read_external_loads(bad_xml)
    bad_xml.write_bytes(xml.read_bytes().replace(b"</ExternalForce>", b""))
    with pytest.raises(biomech.FileError, match=r"not well-formed XML at line \d+, column \d+"):
        biomech.read_external_loads(bad_xml)
    for read in (biomech.read_storage, biomech.read_external_loads):
        with pytest.raises(biomech.FileError, match="regular"):
            read("/dev/zero")
    r = subprocess.run([sys.executable, "-m", "biomech", "analyze", "--model", str(REPO_MODEL), "--kinematics",
                        str(bad)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and str(bad) in r.stderr, r.stderr


REPO_MODEL = HERE.parents[1] / "models" / "gait2392_hip.yaml"


@fuzz
@given(data=st.data())
def test_mutated_storage_file(model, trial, workdir, data):
    kin, _ = trial
    raw = kin.read_bytes()
    path = workdir / "mutated.mot"
    path.write_bytes(apply_text(raw, data.draw(text_mutation(raw, aliases=False))))
    with watchdog():
        try:
            q = biomech.analysis._kinematics(path, model)
        except Exception as e:  # noqa: BLE001
            check_file_error(e, path)
            record("storage", "error")
            return
    assert np.isfinite(q.data.to_numpy()).all() and (np.diff(q.time) > 0).all()
    assert (np.abs(q.time) <= biomech.storage.MAX_TIME_S).all()
    record("storage", "valid")


@fuzz
@given(data=st.data())
def test_mutated_external_loads_file(trial, workdir, data):
    _, xml = trial
    raw = xml.read_bytes()
    path = workdir / "mutated.xml"
    path.write_bytes(apply_text(raw, data.draw(text_mutation(raw, aliases=False))))
    with watchdog():
        try:
            loads = biomech.read_external_loads(path)
            biomech.analysis._loads(loads)  # the bounds analyze applies
        except Exception as e:  # noqa: BLE001
            if isinstance(e, FileNotFoundError) or str(path) not in str(e):  # a mutated <datafile> names another file
                assert isinstance(e, (biomech.FileError, FileNotFoundError, ValueError)), repr(e)
                assert "\n" not in str(e).strip()
            else:
                check_file_error(e, path)
            record("external_loads", "error")
            return
    assert all(np.isfinite(f.force).all() and np.abs(f.force).max() <= biomech.analysis.MAX_EXTERNAL_FORCE_N
               for f in loads.forces if f.force is not None)
    record("external_loads", "valid")


def test_strength_scale_bound_names_the_factor():
    """{'all': 1e308} gave 'max isometric force ... got inf' (a derived number) instead of the factor."""
    with pytest.raises(ValueError, match=r"strength_scale\['all'\]: expected a factor in \[0, 100\], got 1e\+308"):
        biomech.Model.default(biomech.Subject(strength_scale={"all": 1e308}))
    with pytest.raises(ValueError, match="strength_scale"):
        biomech.Subject(strength_scale={"all": "x"})
    assert biomech.Model.default(biomech.Subject(strength_scale={"gluteus_medius": 0.0})).name


def test_exercise_limits_must_be_text(model, tmp_path):
    text = exercise_sample("clamshell_banded").decode()
    assert "\nlimits: >" in text
    path = tmp_path / "clamshell_banded.yaml"
    path.write_text(re.sub(r"\nlimits: >\n(  .*\n)+", "\nlimits: {a: [1]}\n", text, count=1))
    line = path.read_text().splitlines().index("limits: {a: [1]}") + 1
    with pytest.raises(biomech.FileError) as e:
        biomech.Exercise.load(path)
    assert e.value.field == "limits" and e.value.line == line, str(e.value)


def test_lever_model_cli_refuses_1e308():
    r = subprocess.run([sys.executable, "-m", "biomech", "stance", "--lever", "--partial-weight-n", "1e308"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "partial_weight_n" in r.stderr, r.stderr


def test_moving_path_point_knot_bound(tmp_path):
    """A knee-driven path point's spline knot at 1e308 deg loaded and gave NaN muscle lengths."""
    raw = model_sample()
    at = raw.index(b"function: {spline: {x_deg: [", raw.index(b"moving: {"))
    end = raw.index(b"]", at)
    knots = raw[at + len(b"function: {spline: {x_deg: ["):end].split(b",")
    bad = tmp_path / "knot.yaml"
    bad.write_bytes(raw[:at] + b"function: {spline: {x_deg: [" + b",".join(knots[:-1] + [b" 1e308"]) + raw[end:])
    with pytest.raises(biomech.FileError, match=r"expected function value in \[-1000, 1000\] rad or m") as e:
        biomech.Model.load(bad)
    assert e.value.file == str(bad), str(e.value)
    assert e.value.line == raw[:at].count(b"\n") + 1 and e.value.field.endswith(f"x_deg[{len(knots) - 1}]"), str(e.value)


def test_spline_knots_too_close_are_a_file_error(tmp_path):
    """Fuzz finding: a moving path point's knot 0.00999 deg replaced by 1e-320 loaded (strictly
    increasing, 1.7e-322 rad after 0) and overflowed the spline: NaN moment arms."""
    raw = model_sample()
    at = raw.index(b", 0, 0.009999832398418257,", raw.index(b"moving: {"))
    bad = tmp_path / "close.yaml"
    bad.write_bytes(raw[:at] + b", 0, 1e-320," + raw[at + len(b", 0, 0.009999832398418257,"):])
    with pytest.raises(biomech.FileError, match=r"spline knot spacing >= 1e-09 rad or m") as e:
        biomech.Model.load(bad)
    assert e.value.line == raw[:at].count(b"\n") + 1 and e.value.field.endswith("x_deg[11]"), str(e.value)


# Functions of joint axes, couplers and moving points (kFunctionBounds): a knot list or a
# polynomial of hostile size or values gives a FileError at its line, never a model that loads
# with non-finite moment arms, never an allocation that runs away.
FUNCTION = re.compile(rb"\{(spline|polynomial|linear|constant): \{[^{}]*\}\}")
HOSTILE_FUNCTIONS = [b"{spline: {x_deg: [0, 1e308], y_m: [0, 1]}}", b"{spline: {x_deg: [0, 1], y_m: [0, -1e308]}}",
                     b"{polynomial: {coefficients_m_per_deg: [1e300, 0]}}", b"{linear: {slope_m_per_deg: 1e308}}",
                     b"{constant: {value_m: 1e308}}", b"{spline: {x_deg: [0, 1], y_m: [0, .nan]}}"]


@fuzz
@given(data=st.data())
def test_mutated_model_function(workdir, data):
    raw = model_sample()
    spans = [m.span() for m in FUNCTION.finditer(raw)]
    a, b = spans[data.draw(st.integers(0, len(spans) - 1))]
    kind = data.draw(st.sampled_from(["hostile", "long_spline", "long_polynomial", "number"]))
    if kind == "hostile":
        new = data.draw(st.sampled_from(HOSTILE_FUNCTIONS))
    elif kind == "long_spline":
        n = data.draw(st.sampled_from([1001, 5000, 100_000]))
        knots = b"[" + b", ".join(b"%d" % i for i in range(n)) + b"]"
        new = b"{spline: {x_deg: " + knots + b", y_m: " + knots + b"}}"
    elif kind == "long_polynomial":
        n = data.draw(st.integers(11, 2000))
        new = b"{polynomial: {coefficients_m_per_deg: [" + b", ".join([b"1e-9"] * n) + b"]}}"
    else:  # one number of the function replaced by a hostile one
        body = raw[a:b]
        nums = [m.span() for m in NUMBER.finditer(body)]
        if not nums:
            return
        i, j = nums[data.draw(st.integers(0, len(nums) - 1))]
        new = body[:i] + data.draw(st.sampled_from(HOSTILE_NUMBERS)).encode() + body[j:]
    path = workdir / "function.yaml"
    path.write_bytes(raw[:a] + new + raw[b:])
    with watchdog():
        try:
            m = biomech.Model.load(path)
            lengths, arms = m.moment_arms_array()
        except Exception as e:  # noqa: BLE001
            check_file_error(e, path)
            assert isinstance(e, FileNotFoundError) or e.line > 0, str(e)
            record("model", "error")
            return
    assert np.isfinite(lengths).all() and np.isfinite(arms).all()
    record("model", "valid")


def test_stance_without_abductor_strength_is_finite(model):
    """abductor_strength_scale=0 gave abductor_lever_m NaN; the lever is then capacity-weighted."""
    r = biomech.single_leg_stance(model, abductor_strength_scale=0.0).to_dict()
    assert all_finite(r) and r["abductor_force_n"] == 0.0 and 0.0 < r["abductor_lever_m"] < 0.2
