"""Parameter sweeps over grids and random populations, streamed to HDF5.

>>> import biomech
>>> df = biomech.sweep(grid={"gmed_strength_pct": [30, 60, 100]},
...                    population={"mass_kg": {"distribution": "normal", "mean": 75, "sd": 12,
...                                            "min": 45, "max": 130}},
...                    samples=100, seed=1, target="single_leg_stance", n_jobs=2)  # doctest: +SKIP

Rows: every population sample crossed with every grid point (population outer, grid inner);
a grid alone gives its cartesian product, a population alone ``samples`` rows. Population
samples are drawn in fixed blocks from ``numpy.random.default_rng([seed, block])``, so the
rows do not depend on the chunk size, the number of threads or where chunks run.

Evaluation: chunks of ``chunk_size`` rows go to the C++ core (``_core.sweep_chunk``, the GIL
released). Locally ``n_jobs`` threads each evaluate whole chunks, one ahead of the writer, so a
chunk's start and end (Python, the GIL) never leave a core idle; the chunks left over when the
rest divide evenly among the jobs (all of them, when there are fewer chunks than jobs) split
their rows over ``n_jobs`` C++ threads instead. With ``executor=`` (a
``dask.distributed.Client`` or any ``concurrent.futures.Executor``) the chunks run there, each on
``n_jobs`` C++ threads, a bounded number at a time. Chunks are written in order. With ``out=`` results are
appended chunk by chunk to an HDF5 file (atomic: it appears complete, or not at all) and
memory stays bounded; without it a DataFrame is returned.

The same settings come from a YAML file (``biomech sweep CONFIG.yaml --out sweep.h5``); the
config is checked completely before any work starts (``SweepConfigError``, a ValueError
naming the field).
"""
from __future__ import annotations

import collections
import concurrent.futures
import hashlib
import itertools
import json
import math
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _core
from ._paths import DEFAULT_MODEL_FILE, data_path, git_commit

if TYPE_CHECKING:  # pandas loads when a DataFrame is made: a sweep streamed to a file needs none
    import pandas as pd

__all__ = ["sweep", "load_sweep_config", "validate_sweep_config", "SweepConfigError", "sweep_parameters"]

SEX_LABELS = ("male", "female")
_BLOCK = 1024  # population samples per RNG block
CONFIG_KEYS = {
    "target": "what to evaluate: " + ", ".join(["moment_arms", "single_leg_stance", "exercise"]),
    "exercise": "exercise id or file (target exercise)",
    "model": "'default' or a model file",
    "subject": "base subject: a mapping of biomech.Subject fields (default: the model file's default subject)",
    "side": "'r' or 'l'",
    "grid": "parameter -> list of values or {min, max, num} / {values: [...]}",
    "population": "parameter -> {distribution: uniform|normal|choice, ...}",
    "samples": "population size",
    "fixed": "parameter -> value held for every row",
    "seed": "random seed (integer)",
    "chunk_size": "rows per chunk",
    "n_jobs": "threads (0 = all cores); with an executor, C++ threads per chunk",
    "compression": "gzip level 0-9 of the HDF5 datasets",
}


# Bounds of a sweep's sizes, checked before anything is allocated (docs/errors.md).
MAX_ROWS = 100_000_000        # rows of one sweep (population samples x grid points)
MAX_GRID_NUM = 1_000_000      # values of one grid axis or distribution
MAX_CHUNK_SIZE = 1_000_000    # rows evaluated and held at once


class SweepConfigError(_core.FileError):
    """A sweep config that cannot run (a biomech.FileError, so a ValueError): ``field`` names
    the offending entry (dotted path), ``file`` the config file (or "sweep config") and
    ``line`` its line (0 when unknown or not from a file)."""

    def __init__(self, field: str, message: str, source: str = "sweep config", line: int = 0):
        if len(message) > 300:  # a hostile value is quoted, not dumped
            message = message[:297] + "..."
        super().__init__(f"{source}{f':{line}' if line else ''}: field '{field}': {message}")
        self.file, self.line, self.field, self.message = source, int(line), field, message

    def at_line(self, lines: Mapping[str, int]) -> "SweepConfigError":
        """The same error with the line of its field in a config file (``_yaml.load``'s map)."""
        from ._yaml import line_of

        return SweepConfigError(self.field, self.message, self.file, line_of(lines, self.field))


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def sweep_parameters() -> pd.DataFrame:
    """Every known sweep parameter with its units, range and meaning (posture parameters
    ``<coordinate>_deg`` of target moment_arms come from the model)."""
    import pandas as pd

    return pd.DataFrame(_core.sweep_parameter_info()).set_index("name")


# ---- config checking


def _is_number(v: Any) -> bool:
    if not isinstance(v, (int, float, np.integer, np.floating)) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # an int beyond float range
        return False


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _sex_code(v: Any, field: str, src: str) -> float:
    if isinstance(v, str) and v.lower() in SEX_LABELS:
        return float(SEX_LABELS.index(v.lower()))
    if _is_number(v) and v in (0, 1):
        return float(v)
    raise SweepConfigError(field, f"expected 'male' or 'female', got {v!r}", src)


class _Param:
    """A checked parameter: its values on a grid or its distribution."""

    def __init__(self, name: str, info: dict | None, src: str):
        self.name, self.info, self.src = name, info, src

    def value(self, v: Any, field: str) -> float:
        if self.name == "sex":
            return _sex_code(v, field, self.src)
        if not _is_number(v):
            raise SweepConfigError(field, f"expected a number, got {v!r}", self.src)
        v = float(v)
        if self.info is not None and not (self.info["min"] <= v <= self.info["max"]):
            raise SweepConfigError(field, f"expected a value in [{self.info['min']:g}, {self.info['max']:g}] "
                                          f"{self.info['units']}, got {v:g}", self.src)
        return v


def _grid_values(p: _Param, spec: Any, field: str) -> np.ndarray:
    src = p.src
    if isinstance(spec, Mapping):
        unknown = set(spec) - {"min", "max", "num", "values"}
        if unknown:
            raise SweepConfigError(f"{field}.{sorted(map(str, unknown))[0]}", "unknown key (expected min, max, num or values)",
                                   src)
        if "values" in spec:
            if set(spec) != {"values"}:
                raise SweepConfigError(field, "give either values or min/max/num, not both", src)
            return _grid_values(p, spec["values"], f"{field}.values")
        for k in ("min", "max", "num"):
            if k not in spec:
                raise SweepConfigError(f"{field}.{k}", "missing (a range needs min, max and num)", src)
        lo, hi = p.value(spec["min"], f"{field}.min"), p.value(spec["max"], f"{field}.max")
        num = spec["num"]
        if not _is_int(num) or not 1 <= num <= MAX_GRID_NUM:
            raise SweepConfigError(f"{field}.num", f"expected a positive integer <= {MAX_GRID_NUM}, got {num!r:.40}", src)
        if hi < lo:
            raise SweepConfigError(field, f"empty range: max {hi:g} < min {lo:g}", src)
        if num > 1 and hi == lo:
            raise SweepConfigError(field, f"empty range: min == max == {lo:g} with num {num}", src)
        return np.linspace(lo, hi, int(num))
    if isinstance(spec, (list, tuple, np.ndarray)):
        if len(spec) == 0:
            raise SweepConfigError(field, "empty list of values", src)
        if len(spec) > MAX_GRID_NUM:
            raise SweepConfigError(field, f"expected at most {MAX_GRID_NUM} values, got {len(spec)}", src)
        return np.array([p.value(v, f"{field}[{i}]") for i, v in enumerate(spec)], dtype=float)
    raise SweepConfigError(field, f"expected a list of values or {{min, max, num}}, got {spec!r} "
                                  "(a single value goes under 'fixed')", src)


class _Dist:
    """A population distribution of one parameter."""

    def __init__(self, p: _Param, spec: Any, field: str):
        src = p.src
        self.name = p.name
        if not isinstance(spec, Mapping) or "distribution" not in spec:
            raise SweepConfigError(field, f"expected {{distribution: uniform|normal|choice, ...}}, got {spec!r}", src)
        self.kind = spec["distribution"]
        allowed = {"uniform": {"min", "max"}, "normal": {"mean", "sd", "min", "max"}, "choice": {"values", "p"}}
        if not isinstance(self.kind, str) or self.kind not in allowed:
            raise SweepConfigError(f"{field}.distribution",
                                   f"expected uniform, normal or choice, got {self.kind!r}", src)
        unknown = set(spec) - allowed[self.kind] - {"distribution"}
        if unknown:
            raise SweepConfigError(f"{field}.{sorted(map(str, unknown))[0]}", f"unknown key for a {self.kind} distribution "
                                   f"(expected {', '.join(sorted(allowed[self.kind]))})", src)
        if self.kind == "uniform":
            for k in ("min", "max"):
                if k not in spec:
                    raise SweepConfigError(f"{field}.{k}", "missing", src)
            self.lo, self.hi = p.value(spec["min"], f"{field}.min"), p.value(spec["max"], f"{field}.max")
            if not self.hi > self.lo:
                raise SweepConfigError(field, f"empty range: max {self.hi:g} <= min {self.lo:g}", src)
        elif self.kind == "normal":
            for k in ("mean", "sd"):
                if k not in spec:
                    raise SweepConfigError(f"{field}.{k}", "missing", src)
            self.mean = p.value(spec["mean"], f"{field}.mean")
            sd = spec["sd"]
            if not _is_number(sd) or sd <= 0:
                raise SweepConfigError(f"{field}.sd", f"expected a positive number, got {sd!r}", src)
            self.sd = float(sd)
            info = p.info or {"min": -np.inf, "max": np.inf}
            self.lo = p.value(spec["min"], f"{field}.min") if "min" in spec else info["min"]
            self.hi = p.value(spec["max"], f"{field}.max") if "max" in spec else info["max"]
            if not self.hi > self.lo:
                raise SweepConfigError(field, f"empty range: max {self.hi:g} <= min {self.lo:g}", src)
        else:
            values = spec.get("values")
            if not isinstance(values, (list, tuple)) or not values or len(values) > MAX_GRID_NUM:
                raise SweepConfigError(f"{field}.values", f"expected a non-empty list of at most {MAX_GRID_NUM} "
                                                          f"values, got {values!r:.80}", src)
            self.values = np.array([p.value(v, f"{field}.values[{i}]") for i, v in enumerate(values)])
            prob = spec.get("p")
            if prob is not None:
                if (not isinstance(prob, (list, tuple)) or len(prob) != len(values)
                        or not all(_is_number(x) and x >= 0 for x in prob) or not sum(prob) > 0):
                    raise SweepConfigError(f"{field}.p", f"expected {len(values)} non-negative weights, got {prob!r}", src)
                prob = np.asarray(prob, float) / float(sum(prob))
            self.p = prob

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.kind == "uniform":
            return rng.uniform(self.lo, self.hi, n)
        if self.kind == "normal":
            # clipped to [min, max] (the parameter's admissible range when not given)
            return np.clip(rng.normal(self.mean, self.sd, n), self.lo, self.hi)
        return self.values[rng.choice(len(self.values), size=n, p=self.p)]


class _Plan:
    """A checked sweep: parameter names, how each row is made, and how it is evaluated."""

    def __init__(self):
        self.target = "single_leg_stance"
        self.grid_names: list[str] = []
        self.grid_values: list[np.ndarray] = []
        self.dists: list[_Dist] = []
        self.samples = 0
        self.fixed: dict[str, float] = {}
        self.seed = 0
        self.side = "r"
        self.chunk_size = 4096
        self.n_jobs = 1
        self.compression = 4
        self.model = "default"
        self.subject: Mapping | None = None
        self.exercise: str | None = None
        self.config: dict = {}

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.dists] + self.grid_names

    @property
    def n_grid(self) -> int:
        return math.prod(len(v) for v in self.grid_values)  # Python ints: no overflow

    @property
    def n_rows(self) -> int:
        return (self.samples if self.dists else 1) * self.n_grid

    def rows(self, start: int, stop: int) -> np.ndarray:
        """Parameter rows [start, stop) as an (n, len(names)) array."""
        idx = np.arange(start, stop, dtype=np.int64)
        out = np.empty((len(idx), len(self.names)))
        ng = self.n_grid
        pop_i, grid_i = idx // ng, idx % ng
        if self.dists and len(idx):
            b0, b1 = int(pop_i[0]) // _BLOCK, int(pop_i[-1]) // _BLOCK
            blocks = [self._block(b) for b in range(b0, b1 + 1)]
            table = np.concatenate(blocks, axis=0)
            out[:, :len(self.dists)] = table[pop_i - b0 * _BLOCK]
        if self.grid_values and len(idx):
            sub = np.unravel_index(grid_i, [len(v) for v in self.grid_values])
            for j, (vals, s) in enumerate(zip(self.grid_values, sub)):
                out[:, len(self.dists) + j] = vals[s]
        return out

    def _block(self, b: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, b])
        return np.column_stack([d.draw(rng, _BLOCK) for d in self.dists])


def load_sweep_config(path: str | os.PathLike) -> dict:
    """Reads a YAML sweep config (a mapping). FileNotFoundError / SweepConfigError."""
    return _read_sweep_config(path)[0]


def _read_sweep_config(path: str | os.PathLike) -> tuple[dict, dict[str, int]]:
    """(config, line of every field): bounded YAML (aliases, nesting, size, UTF-8; _yaml.py)."""
    from . import _yaml

    path = Path(path)
    try:
        exists = path.exists()
    except OSError as e:  # a name too long, ...
        raise SweepConfigError("<file>", f"cannot open it ({e.strerror or e})", str(path)[:300]) from None
    if not exists:
        raise FileNotFoundError(f"sweep config not found: {path}")
    try:
        cfg, lines = _yaml.load(path, "sweep config")
    except _core.FileError as e:
        raise SweepConfigError(e.field, str(e).split(f"field '{e.field}': ", 1)[-1], str(path), e.line) from None
    if not isinstance(cfg, Mapping):
        raise SweepConfigError("<file>", f"expected a mapping of settings, got {type(cfg).__name__}", str(path), 1)
    return dict(cfg), lines


def _param_info() -> dict[str, dict]:
    return {p["name"]: p for p in _core.sweep_parameter_info()}


def _posture_names(model) -> dict[str, dict]:
    """Posture parameters <coordinate>_deg / _m of a model, with their ranges."""
    out = {}
    for c in model.coordinates:
        if c.name not in model.coordinate_names:
            continue
        k = 180.0 / math.pi if c.rotational else 1.0
        out[c.name + ("_deg" if c.rotational else "_m")] = {
            "name": c.name, "units": "deg" if c.rotational else "m",
            "min": c.range_min * k, "max": c.range_max * k}
    return out


def validate_sweep_config(cfg: Mapping[str, Any], source: str = "sweep config") -> _Plan:
    """Checks a sweep config completely (no evaluation) and returns the plan; SweepConfigError otherwise."""
    if not isinstance(cfg, Mapping):
        raise SweepConfigError("<config>", f"expected a mapping, got {type(cfg).__name__}", source)
    for k in cfg:
        if not isinstance(k, str) or k not in CONFIG_KEYS:
            raise SweepConfigError(str(k)[:80], "unknown setting (expected one of " + ", ".join(CONFIG_KEYS) + ")",
                                   source)
    for section in ("grid", "population", "fixed", "subject"):
        for k in (cfg.get(section) or {}) if isinstance(cfg.get(section), Mapping) else ():
            if not isinstance(k, str):
                raise SweepConfigError(f"{section}.{str(k)[:80]}", f"expected a name, got {type(k).__name__}", source)
    plan = _Plan()
    try:
        plan.config = json.loads(json.dumps(dict(cfg), default=str))
    except (ValueError, TypeError, RecursionError) as e:  # a mapping that contains itself
        raise SweepConfigError("<config>", f"expected plain settings (numbers, text, lists, mappings): {e}",
                               source) from None

    def integer(key: str, lo: int, hi: int) -> int:
        v = cfg[key]
        if not _is_int(v) or v < lo or v > hi:
            raise SweepConfigError(key, f"expected an integer in [{lo}, {hi}], got {v!r:.40}", source)
        return int(v)

    targets = list(_core.sweep_targets())
    if "target" in cfg:
        if not isinstance(cfg["target"], str) or cfg["target"] not in targets:
            raise SweepConfigError("target", f"expected one of {', '.join(targets)}, got {cfg['target']!r}", source)
        plan.target = cfg["target"]
    if plan.target == "exercise":
        if not isinstance(cfg.get("exercise"), str) or not cfg["exercise"]:
            raise SweepConfigError("exercise", f"expected an exercise id or file, got {cfg.get('exercise')!r}", source)
        plan.exercise = cfg["exercise"]
        try:
            _load_exercise(plan.exercise)
        except (OSError, ValueError, MemoryError, RuntimeError) as e:
            raise SweepConfigError("exercise", _first_line(e), source) from None
    elif "exercise" in cfg:
        raise SweepConfigError("exercise", f"only for target 'exercise', not {plan.target!r}", source)
    if "side" in cfg:
        if not isinstance(cfg["side"], str) or cfg["side"] not in ("r", "l"):
            raise SweepConfigError("side", f"expected 'r' or 'l', got {cfg['side']!r}", source)
        plan.side = cfg["side"]
    for key, attr, lo, hi in (("seed", "seed", 0, 2**63 - 1), ("chunk_size", "chunk_size", 1, MAX_CHUNK_SIZE),
                              ("n_jobs", "n_jobs", 0, 256), ("compression", "compression", 0, 9),
                              ("samples", "samples", 1, MAX_ROWS)):
        if key in cfg:
            setattr(plan, attr, integer(key, lo, hi))
    if "model" in cfg:
        m = cfg["model"]
        if not isinstance(m, (str, os.PathLike)) and not _is_model(m):
            raise SweepConfigError("model", f"expected 'default' or a model file path, got {m!r}", source)
        if isinstance(m, (str, os.PathLike)) and str(m) != "default":
            try:
                regular = Path(m).is_file()
            except OSError as e:  # a name too long, ...
                raise SweepConfigError("model", f"cannot open {str(m)[:200]!r} ({e.strerror or e})", source) from None
            if not regular:
                raise SweepConfigError("model", f"model file not found (or not a regular file): {str(m)[:200]}",
                                       source)
        plan.model = m
    try:
        _load_generic(plan.model)
    except (OSError, ValueError, MemoryError, RuntimeError) as e:
        raise SweepConfigError("model", _first_line(e), source) from None
    if "subject" in cfg and cfg["subject"] is not None:
        s = cfg["subject"]
        if isinstance(s, _core.Subject):
            s = s.to_dict()
        if not isinstance(s, Mapping):
            raise SweepConfigError("subject", f"expected a mapping of Subject fields, got {s!r}", source)
        try:
            _core.Subject(**{k: v for k, v in s.items()})
        except (TypeError, ValueError, RuntimeError) as e:
            raise SweepConfigError("subject", _first_line(e), source) from None
        plan.subject = dict(s)

    known = _param_info()
    if plan.target == "moment_arms":
        known.update(_posture_names(_load_generic(plan.model)[0]))
    seen: dict[str, str] = {}

    def param(name: Any, section: str) -> _Param:
        field = f"{section}.{name}"
        if not isinstance(name, str) or name not in known:
            near = [k for k in known if isinstance(name, str) and (name in k or k in name)]
            hint = f" (did you mean {near[0]}?)" if near else ""
            raise SweepConfigError(field, f"unknown parameter{hint}; known: {', '.join(sorted(known))}", source)
        if name in seen:
            raise SweepConfigError(field, f"parameter already given in '{seen[name]}'", source)
        seen[name] = section
        return _Param(name, known[name], source)

    for section in ("grid", "population", "fixed"):
        if section in cfg and not isinstance(cfg[section], Mapping):
            raise SweepConfigError(section, f"expected a mapping of parameters, got {cfg[section]!r}", source)
    for name, spec in (cfg.get("grid") or {}).items():
        p = param(name, "grid")
        plan.grid_names.append(name)
        plan.grid_values.append(_grid_values(p, spec, f"grid.{name}"))
    for name, spec in (cfg.get("population") or {}).items():
        p = param(name, "population")
        plan.dists.append(_Dist(p, spec, f"population.{name}"))
    for name, v in (cfg.get("fixed") or {}).items():
        p = param(name, "fixed")
        plan.fixed[name] = p.value(v, f"fixed.{name}")
    if plan.dists and "samples" not in cfg:
        raise SweepConfigError("samples", "missing: a population needs the number of samples", source)
    if not plan.dists and "samples" in cfg:
        raise SweepConfigError("samples", "given without a population", source)
    if not plan.names:
        raise SweepConfigError("grid", "nothing to sweep: give a grid or a population", source)
    if plan.n_rows > MAX_ROWS:
        sizes = " x ".join(str(len(v)) for v in plan.grid_values)
        raise SweepConfigError("grid" if plan.grid_values else "samples",
                               f"expected at most {MAX_ROWS} rows, got {plan.n_rows} "
                               f"({plan.samples if plan.dists else 1} samples x grid {sizes or '1'})", source)
    # the target's own check (parameter / target compatibility), still before any work
    try:
        model, _ = _load_generic(plan.model)
        _core.sweep_outputs(model, plan.target, plan.names, plan.fixed, plan.side, _subject(plan),
                            _load_exercise(plan.exercise))
    except ValueError as e:
        raise SweepConfigError("target", _first_line(e), source) from None
    return plan


# ---- models in workers (cached per process)

_MODELS: dict[str, Any] = {}
_MODELS_LOCK = threading.Lock()


def _is_model(m: Any) -> bool:
    return isinstance(m, _core.Model) or isinstance(getattr(m, "core", None), _core.Model)


def _model_ref(model: Any) -> tuple[str, str]:
    """A picklable reference to the generic model: ('default', ''), ('path', p) or ('yaml', text)."""
    if model is None or (isinstance(model, str) and model == "default"):
        return ("default", "")
    if isinstance(model, (str, os.PathLike)):
        return ("path", str(Path(model).resolve()))
    core = model if isinstance(model, _core.Model) else model.core
    return ("yaml", _core.model_to_yaml(core))


def _load_generic(model: Any) -> tuple[Any, Any]:
    """(generic model, its default subject or None) for a model reference, cached."""
    ref = model if isinstance(model, tuple) else None
    if ref is None and _is_model(model):
        core = model if isinstance(model, _core.Model) else model.core
        return core, None
    ref = ref or _model_ref(model)
    key = ref[0] + ":" + hashlib.sha1(ref[1].encode()).hexdigest()
    with _MODELS_LOCK:
        if key in _MODELS:
            return _MODELS[key]
        if ref[0] == "default":
            path = str(data_path(DEFAULT_MODEL_FILE))
        elif ref[0] == "path":
            path = ref[1]
        else:
            d = tempfile.mkdtemp(prefix="biomech-sweep-")
            path = os.path.join(d, "model.yaml")
            Path(path).write_text(ref[1])
        generic = _core.load_model(path)
        subjects = _core.load_subjects(path) if ref[0] != "yaml" else {}
        base = None
        if subjects:
            base = subjects.get("male") or next(iter(subjects.values()))
        _MODELS[key] = (generic, base)
        return _MODELS[key]


_EXERCISES: dict[str, Any] = {}


def _load_exercise(ref: str | None):
    """The compiled exercise of an id or file (cached per process), or None."""
    if ref is None:
        return None
    with _MODELS_LOCK:
        if ref not in _EXERCISES:
            from .exercise import Exercise

            _EXERCISES[ref] = Exercise.load(ref).core
        return _EXERCISES[ref]


def _subject(plan: _Plan):
    if plan.subject is not None:
        return _core.Subject(**plan.subject)
    if _is_model(plan.model):
        return None
    return _load_generic(plan.model)[1]


# ---- evaluation of one chunk (runs locally, in a thread pool or on a Dask worker)


def _evaluate_chunk(task: dict) -> np.ndarray:
    """Outputs (n, n_outputs) of one chunk. `task` is picklable."""
    model, _ = _load_generic(task["model"])
    subject = _core.Subject(**task["subject"]) if task["subject"] is not None else None
    if task.get("evaluate") is not None:
        import pandas as pd

        params = pd.DataFrame(task["params"], columns=task["names"])
        res = task["evaluate"](params, **task["fixed"])
        return np.asarray(pd.DataFrame(res)[task["outputs"]].to_numpy(dtype=float))
    return _core.sweep_chunk(model, task["target"], task["names"], task["params"], task["n_jobs"],
                             task["fixed"], task["side"], subject, _load_exercise(task.get("exercise")))


def _available_cores() -> int:
    """Cores this process may run on (n_jobs 0)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _n_workers(executor: Any) -> int:
    try:
        info = executor.scheduler_info()  # dask.distributed.Client
        return max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))
    except AttributeError:
        return max(1, int(getattr(executor, "_max_workers", 2) or 2))


class _SweepWriter:
    """Appends sweep rows to /sweep of a results file, one 1-D appendable dataset per column."""

    def __init__(self, path: Path, plan: _Plan, outputs: list[tuple[str, str]], model_core, subject):
        self.w = _core.ResultsWriter(str(path), compression=plan.compression, chunk_rows=min(plan.chunk_size, 65536))
        w = self.w
        w.write_provenance(package_version=_core.__version__, git_commit=git_commit(),
                           options=json.dumps(plan.config, sort_keys=True, default=str), producer="biomech.sweep")
        if model_core is not None:
            _core.hdf5_write_model(w, model_core)
            _core.hdf5_write_muscle_table(w, model_core)
        if subject is not None:
            _core.hdf5_write_subject(w, subject)
        info = _param_info()
        posture = _posture_names(model_core) if model_core is not None else {}
        self.columns = plan.names + [n for n, _ in outputs]
        w.create_group("/sweep")
        for name in plan.names:
            units = (info.get(name) or posture.get(name) or {"units": "1"})["units"]
            if name == "sex":
                w.create_appendable(f"/sweep/{name}", 0, "1", int64=True)
                w.set_attribute(f"/sweep/{name}", "labels", list(SEX_LABELS))
                w.set_attribute(f"/sweep/{name}", "dtype", "category_codes")
            else:
                w.create_appendable(f"/sweep/{name}", 0, units)
            w.set_attribute(f"/sweep/{name}", "role", "parameter")
        for name, units in outputs:
            w.create_appendable(f"/sweep/{name}", 0, units)
            w.set_attribute(f"/sweep/{name}", "role", "output")
        w.set_attribute("/sweep", "kind", "table")
        w.set_attribute("/sweep", "columns", self.columns)
        w.set_attribute("/sweep", "target", plan.target)
        if plan.exercise:
            w.set_attribute("/sweep", "exercise", plan.exercise)
        w.set_attribute("/sweep", "parameters", plan.names)
        w.set_attribute("/sweep", "outputs", [n for n, _ in outputs])
        w.set_attribute("/sweep", "n_rows", 0)
        if plan.fixed:
            w.set_attribute("/sweep", "fixed", json.dumps(plan.fixed, sort_keys=True))
        self.n = 0

    def append(self, params: np.ndarray, out: np.ndarray) -> None:
        block = np.concatenate([params, out], axis=1)
        for j, name in enumerate(self.columns):
            col = np.ascontiguousarray(block[:, j])
            self.w.append(f"/sweep/{name}", col.astype(np.int64) if name == "sex" else col)
        self.n += len(block)

    def commit(self) -> None:
        self.w.set_attribute("/sweep", "n_rows", int(self.n))
        self.w.commit()

    def abort(self) -> None:
        self.w.abort()


def _frame(names: list[str], outputs: list[str], params: np.ndarray, out: np.ndarray) -> pd.DataFrame:
    import pandas as pd

    df = pd.DataFrame(np.concatenate([params, out], axis=1), columns=names + outputs)
    if "sex" in df:
        df["sex"] = pd.Categorical.from_codes(df["sex"].astype(int), categories=list(SEX_LABELS))
    return df


def sweep(config: Mapping[str, Any] | str | os.PathLike | None = None, *, target: str | None = None,
          grid: Mapping[str, Any] | None = None, population: Mapping[str, Any] | None = None,
          samples: int | None = None, fixed: Mapping[str, Any] | None = None, model: Any = None,
          subject: Any = None, exercise: str | None = None, side: str | None = None, seed: int | None = None,
          chunk_size: int | None = None, n_jobs: int | None = None, compression: int | None = None,
          out: str | os.PathLike | None = None, executor: Any = None, quiet: bool = False,
          evaluate: Callable[..., pd.DataFrame] | None = None, outputs: list[str] | None = None,
          max_in_flight: int | None = None) -> pd.DataFrame | Path:
    """Evaluates a target over a grid and/or a random population of parameters.

    config: a mapping or a YAML file with the keys below (keyword arguments override it).
    target: "single_leg_stance" (default), "moment_arms" or (when available) "exercise".
    grid: parameter -> values (list, or {min, max, num}); population: parameter ->
        {distribution: uniform (min, max) | normal (mean, sd, optional min, max; clipped) |
        choice (values, optional p)} with ``samples`` draws; fixed: parameter -> value.
        Parameters: ``biomech.sweep_parameters()`` (sex as 'male'/'female').
    model: None/'default' (the shipped model file, scaled per row from its default subject), a
        model file, or a Model (used as given unless subject parameters are swept).
    n_jobs: threads evaluating the sweep (GIL released); 0 = all cores. With an executor, the
        C++ threads of each chunk.
    executor: a dask.distributed.Client or concurrent.futures.Executor running the chunks.
    out: HDF5 file to stream to (returns its Path); without it the DataFrame is returned.
    quiet: no progress bar (it is shown only on a terminal anyway).
    evaluate: a Python function f(params: DataFrame, **fixed) -> DataFrame of the columns named
        in ``outputs``, replacing the C++ target (must be picklable to run on an executor).

    Raises SweepConfigError (a ValueError naming the field) before any work when the settings
    are wrong.
    """
    lines: dict[str, int] = {}
    if isinstance(config, (str, os.PathLike)):
        source = str(config)
        cfg, lines = _read_sweep_config(config)
    else:
        source = "sweep config"
        cfg = dict(config or {})
    for key, value in (("target", target), ("grid", grid), ("population", population), ("samples", samples),
                       ("fixed", fixed), ("model", model), ("subject", subject), ("exercise", exercise),
                       ("side", side), ("seed", seed), ("chunk_size", chunk_size), ("n_jobs", n_jobs),
                       ("compression", compression)):
        if value is not None:
            cfg[key] = value
            lines = {k: v for k, v in lines.items() if k != key and not k.startswith((key + ".", key + "["))}
    if evaluate is not None:
        if not outputs:
            raise SweepConfigError("outputs", "a custom evaluate function needs the list of its output columns", source)
        cfg.setdefault("target", "single_leg_stance")
    try:
        plan = validate_sweep_config(cfg, source)
    except SweepConfigError as e:
        raise e.at_line(lines) from None
    generic, _ = _load_generic(plan.model)
    base = _subject(plan)
    if evaluate is not None:
        out_spec = [(o, "1") for o in outputs]
    else:
        out_spec = [tuple(o) for o in _core.sweep_outputs(generic, plan.target, plan.names, plan.fixed,
                                                          plan.side, base, _load_exercise(plan.exercise))]
    out_names = [n for n, _ in out_spec]
    if out is not None:
        out = Path(out)
        if not out.parent.exists():
            raise SweepConfigError("out", f"directory {out.parent} does not exist", source)

    # Without an executor, n_jobs local threads evaluate whole chunks (one C++ thread each, GIL released)
    # while this thread writes finished ones in order: when one thread is between chunks (Python, waiting
    # for the GIL) the others keep their cores busy. The chunks left over when the rest divide evenly among
    # the threads (all of them, when there are fewer chunks than jobs) split their rows over n_jobs C++
    # threads instead, so the sweep does not end on one chunk computed alone while the other cores idle.
    local = executor is None
    model_ref = plan.model if _is_model(plan.model) and local else _model_ref(plan.model)
    task_base = {"model": model_ref, "subject": base.to_dict() if base is not None else None,
                 "target": plan.target, "names": plan.names, "fixed": plan.fixed, "side": plan.side,
                 "n_jobs": plan.n_jobs, "evaluate": evaluate, "outputs": out_names, "exercise": plan.exercise}
    n_rows = plan.n_rows
    starts = range(0, n_rows, plan.chunk_size)
    n_jobs = plan.n_jobs or _available_cores()
    split_from = len(starts) - len(starts) % n_jobs  # chunks from here on are split over n_jobs C++ threads

    def task(s: int, params: np.ndarray) -> dict:
        if local:
            return {**task_base, "params": params, "n_jobs": n_jobs if s // plan.chunk_size >= split_from else 1}
        return {**task_base, "params": params}

    from tqdm.auto import tqdm

    show = not quiet and sys.stderr.isatty()
    bar = tqdm(total=n_rows, disable=not show, unit="eval", desc=f"sweep {plan.target}", file=sys.stderr)
    writer = (_SweepWriter(out, plan, out_spec, generic, base if base is not None else generic.subject)
              if out is not None else None)
    frames: list[pd.DataFrame] = []

    def take(params: np.ndarray, result: np.ndarray) -> None:
        result = np.asarray(result, dtype=float)
        if result.shape != (len(params), len(out_names)):
            raise RuntimeError(f"sweep: a chunk returned shape {result.shape}, expected {(len(params), len(out_names))}")
        if writer is not None:
            writer.append(params, result)
        else:
            frames.append(_frame(plan.names, out_names, params, result))
        bar.update(len(params))

    pool = concurrent.futures.ThreadPoolExecutor(n_jobs, thread_name_prefix="biomech-sweep") if local else executor
    try:
        limit = n_jobs + 1 if local else max_in_flight or 2 * _n_workers(executor)
        pending: collections.deque = collections.deque()
        it = iter(starts)
        for s in itertools.islice(it, limit):
            params = plan.rows(s, min(s + plan.chunk_size, n_rows))
            pending.append((params, pool.submit(_evaluate_chunk, task(s, params))))
        while pending:
            params, fut = pending.popleft()
            take(params, fut.result())
            s = next(it, None)
            if s is not None:
                p = plan.rows(s, min(s + plan.chunk_size, n_rows))
                pending.append((p, pool.submit(_evaluate_chunk, task(s, p))))
        if writer is not None:
            writer.commit()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        if local:
            pool.shutdown(wait=True, cancel_futures=True)
        bar.close()
    if writer is not None:
        return out
    import pandas as pd

    df = pd.concat(frames, ignore_index=True) if frames else _frame(plan.names, out_names,
                                                                      np.empty((0, len(plan.names))),
                                                                      np.empty((0, len(out_names))))
    df.attrs["units"] = {**{n: (_param_info().get(n) or {"units": "1"})["units"] for n in plan.names},
                         **dict(out_spec)}
    df.attrs["target"] = plan.target
    return df
