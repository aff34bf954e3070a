"""Hostile inputs for the fuzz tests (test_fuzz.py) and their long run (bench/fuzz.py).

Each file type has a pristine sample and a Hypothesis strategy of mutations; each
oracle accepts one of two outcomes only: a correct result (for a results file: the
pristine contents exactly; otherwise finite numbers within the documented bounds),
or a clear error (biomech.FileError / FileNotFoundError naming the file, ValueError
or TypeError naming the argument). Anything else (another exception, a non-finite
number, a changed value) fails the test. A watchdog turns a hang into a failure
with a traceback instead of a stuck run.
"""
from __future__ import annotations

import faulthandler
import json
import math
import os
import re
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import strategies as st

import biomech

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("BIOMECH_FUZZ_EXAMPLES", "15"))  # per test; bench/fuzz.py raises it
HANG_S = float(os.environ.get("BIOMECH_FUZZ_HANG_S", "120"))  # one case taking longer is a hang
REPORT = os.environ.get("BIOMECH_FUZZ_REPORT")  # bench/fuzz.py: a JSON line per case


@contextmanager
def watchdog():
    """Ends the process with every thread's traceback when a case hangs (even inside C code)."""
    faulthandler.dump_traceback_later(HANG_S, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


def record(kind: str, outcome: str) -> None:
    if REPORT:
        with open(REPORT, "a") as f:
            f.write(json.dumps({"type": kind, "outcome": outcome}) + "\n")


# ---- mutations of bytes and of YAML text

HOSTILE_NUMBERS = ["1e308", "-1e308", "1e9", "1e6", "65536", "-1", "0", "1e-320", ".nan", ".inf", "-.inf",
                   "2147483648", "99999999999999999999999", "0x7fffffff", "-0.0", "1e-9"]
NUMBER = re.compile(rb"(?<![\w.])-?\d+(\.\d+)?([eE][-+]?\d+)?(?![\w.])")


def byte_mutation(n: int):
    """(kind, position, payload) for data of n bytes: a flipped bit, a truncation, a zeroed
    512-byte block, or bytes overwritten."""
    return st.one_of(
        st.tuples(st.just("flip"), st.integers(0, n - 1), st.integers(0, 7)),
        st.tuples(st.just("truncate"), st.integers(0, n - 1), st.just(0)),
        st.tuples(st.just("zero512"), st.integers(0, max(0, n - 1) // 512).map(lambda k: 512 * k), st.just(0)),
        st.tuples(st.just("overwrite"), st.integers(0, n - 1), st.binary(min_size=1, max_size=16)),
    )


def apply_bytes(data: bytes, m) -> bytes:
    kind, at, arg = m
    b = bytearray(data)
    if kind == "flip":
        b[at] ^= 1 << arg
    elif kind == "truncate":
        del b[at:]
    elif kind == "zero512":
        b[at:at + 512] = bytes(len(b[at:at + 512]))
    else:
        b[at:at + len(arg)] = arg
    return bytes(b)


ALIAS_BOMB = (b"\nbomb_a: &a [x, x, x, x, x, x, x, x, x, x]\nbomb_b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
              b"bomb_c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nbomb_d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
              b"bomb_e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nbomb_f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n")


def text_mutation(data: bytes, aliases: bool = True):
    """A mutation of a YAML file: a number replaced by a hostile one, a line deleted or
    duplicated, an invalid UTF-8 byte, deep nesting, an alias bomb, or byte mutations."""
    numbers = [m.span() for m in NUMBER.finditer(data)]
    lines = data.count(b"\n") + 1
    options = [
        st.tuples(st.just("number"), st.integers(0, max(0, len(numbers) - 1)), st.sampled_from(HOSTILE_NUMBERS)),
        st.tuples(st.just("delete_line"), st.integers(0, lines - 1), st.just("")),
        st.tuples(st.just("duplicate_line"), st.integers(0, lines - 1), st.just("")),
        st.tuples(st.just("bad_utf8"), st.integers(0, len(data)), st.sampled_from(["\xe9", "\xff", "\xc3", "\xed\xa0\x80"])),
        st.tuples(st.just("nest"), st.integers(0, max(0, len(numbers) - 1)), st.integers(1, 3000)),
        byte_mutation(len(data)),
    ]
    if aliases:
        options.append(st.tuples(st.just("alias_bomb"), st.just(0), st.just("")))
    return st.one_of(*options)


def apply_text(data: bytes, m) -> bytes:
    kind, at, arg = m
    if kind in ("flip", "truncate", "zero512", "overwrite"):
        return apply_bytes(data, m)
    if kind in ("number", "nest"):
        spans = [x.span() for x in NUMBER.finditer(data)]
        if not spans:
            return data
        a, b = spans[min(at, len(spans) - 1)]
        new = arg.encode() if kind == "number" else b"[" * arg + data[a:b] + b"]" * arg
        return data[:a] + new + data[b:]
    lines = data.split(b"\n")
    if kind == "delete_line":
        del lines[min(at, len(lines) - 1)]
        return b"\n".join(lines)
    if kind == "duplicate_line":
        k = min(at, len(lines) - 1)
        lines.insert(k, lines[k])
        return b"\n".join(lines)
    if kind == "bad_utf8":
        return data[:at] + arg.encode("latin-1") + data[at:]
    if kind == "alias_bomb":
        return data + ALIAS_BOMB
    raise AssertionError(kind)


# ---- oracles


def check_file_error(exc: BaseException, path: Path) -> None:
    """A clear error about a file: biomech.FileError or FileNotFoundError naming it."""
    assert isinstance(exc, (biomech.FileError, FileNotFoundError)), f"unclear error {type(exc).__name__}: {exc}"
    assert str(path) in str(exc), f"error does not name the file {path}: {exc}"
    assert "\n" not in str(exc).strip(), f"error of several lines: {exc}"


def check_argument_error(exc: BaseException, *names: str) -> None:
    """A clear error about an argument: ValueError/TypeError naming it (or one of its fields)."""
    assert isinstance(exc, (ValueError, TypeError)), f"unclear error {type(exc).__name__}: {exc}"
    assert "Unable to cast" not in str(exc) and "incompatible function arguments" not in str(exc), str(exc)
    if names:
        assert any(n in str(exc) for n in names), f"error names none of {names}: {exc}"


def all_finite(obj) -> bool:
    """True when every number in obj (arrays, frames, dicts, result structs) is finite."""
    if isinstance(obj, (pd.DataFrame, pd.Series)):
        num = obj.select_dtypes("number") if isinstance(obj, pd.DataFrame) else obj
        return bool(np.isfinite(np.asarray(num, dtype=float)).all()) if len(num) else True
    if isinstance(obj, np.ndarray):
        return obj.dtype.kind not in "fc" or bool(np.isfinite(obj).all())
    if isinstance(obj, dict):
        return all(all_finite(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return all(all_finite(v) for v in obj)
    if isinstance(obj, float):
        return math.isfinite(obj)
    return True


def same(a, b, where: str = "") -> None:
    """Asserts a == b exactly (NaN equal to NaN; dtypes, index and attrs of frames)."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        assert a.attrs == b.attrs, where
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), where
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        for k in a:
            same(a[k], b[k], f"{where}/{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def same_results(a, b) -> None:
    same(a.attrs, b.attrs, "attrs")
    for part in ("model", "subject", "muscles", "simulations", "comparison", "sweep", "extra"):
        x, y = getattr(a, part), getattr(b, part)
        if x is None or y is None:
            assert x is None and y is None, f"{part}: present in one file only"
        else:
            same(x, y, part)


# ---- pristine samples


def results_sample(path: Path) -> Path:
    """A results file with every kind of object save_results stores (model, subject, muscles,
    tables of float/int/bool/text/category columns, arrays, scalars, nested dicts, empties)."""
    model = biomech.Model.default()
    comparison = pd.DataFrame({
        "exercise": ["clamshell", "side_plank", "bridge"],
        "gmed_peak_percent_mvic": [40.5, np.nan, 71.25],
        "reps": np.array([10, 12, 8], dtype=np.int64),
        "feasible": [True, False, True],
        "level": pd.Categorical(["low", "high", "low"]),
    })
    sims = {"clamshell": pd.DataFrame({"time": np.linspace(0, 2, 41), "hip_contact_force_bw": np.sin(np.arange(41))})}
    extra = {"stance": {"abductor_force_n": 1234.5, "side": "r", "ok": True, "count": 3,
                        "matrix": np.arange(12.0).reshape(4, 3), "names": ["a", "b\u00e9"]},
             "empty_dict": {}, "empty_frame": pd.DataFrame(), "empty_list": [], "note": ""}
    biomech.save_results(path, model=model, comparison=comparison, simulations=sims, extra=extra,
                         options={"p": 2, "note": "fuzz"})
    return path


SWEEP_CONFIGS = {
    "grid": b"target: single_leg_stance\ngrid:\n  gmed_strength_pct: {min: 30, max: 100, num: 4}\n"
            b"  trunk_lean_deg: [0, 5, 10]\nfixed: {mass_kg: 70}\nseed: 3\nchunk_size: 64\n",
    "population": b"target: single_leg_stance\npopulation:\n  mass_kg: {distribution: normal, mean: 75, sd: 12, min: 45, "
                  b"max: 130}\n  sex: {distribution: choice, values: [male, female], p: [0.5, 0.5]}\nsamples: 20\n"
                  b"grid:\n  gmed_strength_pct: [40, 80]\nn_jobs: 1\ncompression: 4\n",
}

EXERCISES = ["clamshell", "clamshell_banded", "lateral_band_walk_knees", "side_lying_hip_abduction_cuff_ankle",
             "side_plank_hip_abduction", "single_leg_stance"]


def exercise_sample(name: str) -> bytes:
    return (REPO / "models" / "exercises" / f"{name}.yaml").read_bytes()


def model_sample() -> bytes:
    return (REPO / "models" / "gait2392_hip.yaml").read_bytes()
