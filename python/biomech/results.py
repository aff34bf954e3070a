"""HDF5 results files: ``save_results`` and ``load_results``.

The file is written by the C++ core (``biomech._core.ResultsWriter``, through the
HDF5 C library) atomically: a temporary file in the same directory, renamed over
the target when complete. It is read back with plain h5py. Every dataset carries
a ``units`` attribute. The layout is documented in docs/results_file.md::

    /                 provenance attributes (format, package_version, git_commit, created_utc, options)
    /model            model parameters (name, source, licence, coordinates, bodies)
    /muscles          the muscle table
    /subject          subject parameters
    /simulations/<id> each simulated exercise's time series
    /comparison       the exercise comparison table
    /sweep            a sweep: one row per parameter set (parameters, then outputs)
    /extra            anything else (tables, arrays, numbers, strings, nested dicts)

>>> import biomech, pandas as pd
>>> biomech.save_results("r.h5", comparison=pd.DataFrame({"peak_gmed_pct_mvic": [40.0]}))  # doctest: +SKIP
>>> biomech.load_results("r.h5").comparison  # doctest: +SKIP
"""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import _core

__all__ = ["save_results", "load_results", "Results", "units_for", "git_commit", "ResultsWriter",
           "write_tree", "read_tree"]

ResultsWriter = _core.ResultsWriter

# Units from a name's suffix: the one naming rule of the project (biomech.fields).
from .fields import units_for  # noqa: E402


def git_commit() -> str:
    """The git commit of the biomech source tree, when the package runs from one (else ``""``).

    ``$BIOMECH_GIT_COMMIT`` overrides it.
    """
    env = os.environ.get("BIOMECH_GIT_COMMIT")
    if env:
        return env
    here = Path(__file__).resolve().parent
    for root in (here.parents[1], here.parents[0]):
        if (root / ".git").exists():
            try:
                out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                                     text=True, timeout=5, check=False)
                if out.returncode == 0:
                    return out.stdout.strip()
            except (OSError, subprocess.SubprocessError):
                pass
    return ""


# ---- writing


def _check_key(key: Any) -> str:
    k = str(key)
    if not k or "/" in k or k in (".", ".."):
        raise ValueError(f"results: expected a name without '/', got {key!r}")
    return k


def _is_text(values: Any) -> bool:
    return all(isinstance(v, str) for v in values)


def _write_column(w, path: str, values: pd.Series | np.ndarray, units: str) -> str:
    """One 1-D column; returns the stored dtype name (float64, int64, bool, str, category, datetime)."""
    s = pd.Series(values)
    kind = "float64"
    if isinstance(s.dtype, pd.CategoricalDtype):
        w.write_strings(path, [str(v) for v in s.astype(str)])
        kind = "category"
    elif pd.api.types.is_bool_dtype(s.dtype):
        w.write(path, s.to_numpy(dtype=np.int64), "1")
        kind = "bool"
    elif pd.api.types.is_integer_dtype(s.dtype):
        w.write(path, s.to_numpy(dtype=np.int64), units)
        kind = "int64"
    elif pd.api.types.is_float_dtype(s.dtype):
        w.write(path, s.to_numpy(dtype=np.float64), units)
    elif pd.api.types.is_datetime64_any_dtype(s.dtype):
        w.write_strings(path, [v.isoformat() for v in s])
        kind = "datetime"
    elif _is_text(s):
        w.write_strings(path, list(s))
        kind = "str"
    else:
        raise ValueError(f"results: column {path!r}: expected numbers, booleans or strings, got dtype {s.dtype}")
    w.set_attribute(path, "dtype", kind)
    return kind


def _write_table(w, group: str, df: pd.DataFrame, units: Mapping[str, str] | None = None) -> None:
    units = dict(units or {})
    units.update(df.attrs.get("units", {}) if isinstance(df.attrs.get("units"), Mapping) else {})
    w.create_group(group)
    names = []
    for col in df.columns:
        name = _check_key(col)
        if name.startswith("_"):
            raise ValueError(f"results: table {group!r}: column names starting with '_' are reserved, got {name!r}")
        names.append(name)
        _write_column(w, f"{group}/{name}", df[col], units.get(name) or units_for(name))
    if len(set(names)) != len(names):
        raise ValueError(f"results: table {group!r}: duplicate column names {names}")
    w.set_attribute(group, "kind", "table")
    w.set_attribute(group, "columns", names)
    w.set_attribute(group, "n_rows", int(len(df)))
    if not (isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1):
        # index levels as _index0, _index1, ... (a plain index is one level)
        names = []
        for k in range(df.index.nlevels):
            level = df.index.get_level_values(k)
            iname = level.name
            _write_column(w, f"{group}/_index{k}", pd.Series(np.asarray(level), dtype=level.dtype),
                          units.get(str(iname)) or units_for(str(iname or "")))
            names.append("" if iname is None else str(iname))
        w.set_attribute(group, "index_names", names)
    other = {k: v for k, v in df.attrs.items() if k != "units"}
    if other:
        w.set_attribute(group, "df_attrs", json.dumps(other, default=str))


def write_tree(w, path: str, obj: Any, units: Mapping[str, str] | None = None) -> None:
    """Writes a Python object under ``path``: DataFrames as tables, Series as one-column tables,
    arrays as datasets, dicts (and dataclasses, named tuples, objects with ``to_dict()``) as
    groups, numbers and strings as one-element datasets marked ``scalar``. ``None`` is skipped."""
    units = units or {}
    leaf = path.rsplit("/", 1)[-1]
    if obj is None:
        return
    if isinstance(obj, pd.DataFrame):
        _write_table(w, path, obj, units)
        return
    if isinstance(obj, pd.Series):
        name = obj.name if obj.name is not None else leaf
        _write_table(w, path, obj.to_frame(name=_check_key(name)), units)
        w.set_attribute(path, "kind", "series")
        return
    if isinstance(obj, (bool, np.bool_)):
        w.write(path, np.array([int(obj)], dtype=np.int64), "1")
        w.set_attribute(path, "dtype", "bool")
        w.set_attribute(path, "scalar", 1)
        return
    if isinstance(obj, (int, np.integer)):
        w.write(path, np.array([int(obj)], dtype=np.int64), units.get(leaf) or units_for(leaf))
        w.set_attribute(path, "scalar", 1)
        return
    if isinstance(obj, (float, np.floating)):
        w.write(path, np.array([float(obj)]), units.get(leaf) or units_for(leaf))
        w.set_attribute(path, "scalar", 1)
        return
    if isinstance(obj, str):
        w.write_strings(path, [obj])
        w.set_attribute(path, "scalar", 1)
        return
    if isinstance(obj, np.ndarray) or (isinstance(obj, (list, tuple)) and not hasattr(obj, "_asdict")):
        arr = np.asarray(obj)
        if arr.dtype.kind in "US" or (arr.dtype == object and arr.size and _is_text(arr.ravel())):
            if arr.ndim != 1:
                raise ValueError(f"results: {path!r}: expected a 1-D list of strings, got shape {arr.shape}")
            w.write_strings(path, [str(v) for v in arr])
            return
        if arr.dtype.kind not in "biuf":
            raise ValueError(f"results: {path!r}: expected a numeric or string array, got dtype {arr.dtype}")
        if arr.ndim == 0:
            write_tree(w, path, arr.item(), units)
            return
        if arr.ndim > 2:
            raise ValueError(f"results: {path!r}: expected a 1-D or 2-D array, got shape {arr.shape}")
        kind = arr.dtype.kind
        data = arr.astype(np.int64) if kind in "biu" else arr.astype(np.float64)
        w.write(path, np.ascontiguousarray(data), "1" if kind == "b" else (units.get(leaf) or units_for(leaf)))
        if kind == "b":
            w.set_attribute(path, "dtype", "bool")
        elif kind in "iu":
            w.set_attribute(path, "dtype", "int64")
        if not isinstance(obj, np.ndarray):
            w.set_attribute(path, "container", "list")
        return
    # mappings and record-like objects become groups
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        mapping, type_name = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}, type(obj).__name__
    elif hasattr(obj, "_asdict"):
        mapping, type_name = obj._asdict(), type(obj).__name__
    elif isinstance(obj, Mapping):
        mapping, type_name = obj, ""
    elif hasattr(obj, "to_dict") and callable(obj.to_dict):
        mapping, type_name = obj.to_dict(), type(obj).__name__
        if hasattr(type(obj), "fields"):  # a described struct of the core: units from its field table
            units = {**{f["name"]: f["unit"] for f in type(obj).fields() if f["unit"]}, **units}
    else:
        raise ValueError(f"results: {path!r}: cannot store an object of type {type(obj).__name__}")
    w.create_group(path)
    w.set_attribute(path, "kind", "dict")
    if type_name:
        w.set_attribute(path, "type", type_name)
    keys = []
    for k, v in mapping.items():
        key = _check_key(k)
        if v is None:
            continue
        keys.append(key)
        write_tree(w, f"{path}/{key}", v, units)
    w.set_attribute(path, "keys", keys)


def _core_model(obj: Any) -> Any:
    """The compiled model of a ``biomech.Model`` or ``_core.Model``, else None."""
    if isinstance(obj, _core.Model):
        return obj
    core = getattr(obj, "core", None)
    return core if isinstance(core, _core.Model) else None


def save_results(path: str | os.PathLike, *, model: Any = None, subject: Any = None,
                 muscles: pd.DataFrame | None = None, simulations: Mapping[str, Any] | None = None,
                 comparison: pd.DataFrame | None = None, sweep: pd.DataFrame | None = None,
                 extra: Mapping[str, Any] | None = None, units: Mapping[str, str] | None = None,
                 options: Mapping[str, Any] | None = None, compression: int = 4,
                 producer: str = "biomech.save_results") -> Path:
    """Writes a results file atomically (previous file kept until the new one is complete).

    model: a ``biomech.Model`` (its parameters go to /model, its muscle table to /muscles and,
        unless ``subject`` is given, its subject to /subject) or a mapping (stored as a tree).
    subject: a ``biomech.Subject`` or a mapping.
    muscles: a muscle table (DataFrame), when ``model`` is not a Model.
    simulations: exercise id -> time series (a DataFrame, a mapping of DataFrames / arrays /
        numbers, or a result object with ``to_dict()``).
    comparison: the comparison table; sweep: a sweep table (parameters and outputs).
    extra: any other named objects.
    units: unit by column or dataset name, overriding the suffix rule of ``units_for``
        (a DataFrame's ``attrs["units"]`` dict is used too).
    options: the options that produced the results (stored as JSON in the root attribute ``options``).
    compression: gzip level 0-9 of numeric datasets.

    Returns the path. Raises ValueError for objects it cannot store (the old file stays).
    """
    path = Path(path)
    with _core.ResultsWriter(str(path), compression=compression) as w:
        w.write_provenance(package_version=_core.__version__, git_commit=git_commit(),
                           options=json.dumps(dict(options or {}), default=str, sort_keys=True), producer=producer)
        if model is not None:
            if _core_model(model) is not None:
                model = _core_model(model)
                _core.hdf5_write_model(w, model)
                w.write_strings("/model/yaml", [_core.model_to_yaml(model)])
                w.set_attribute("/model/yaml", "scalar", 1)
                if muscles is None:
                    _core.hdf5_write_muscle_table(w, model)
                if subject is None:
                    _core.hdf5_write_subject(w, model.subject)
            else:
                write_tree(w, "/model", model, units)
        if subject is not None:
            if isinstance(subject, _core.Subject):
                _core.hdf5_write_subject(w, subject)
            else:
                write_tree(w, "/subject", subject, units)
        if muscles is not None:
            _write_table(w, "/muscles", muscles, units)
        if simulations:
            w.create_group("/simulations")
            w.set_attribute("/simulations", "kind", "dict")
            w.set_attribute("/simulations", "keys", [_check_key(k) for k in simulations])
            for key, sim in simulations.items():
                write_tree(w, f"/simulations/{_check_key(key)}", sim, units)
        if comparison is not None:
            _write_table(w, "/comparison", comparison, units)
        if sweep is not None:
            _write_table(w, "/sweep", sweep, units)
        if extra:
            write_tree(w, "/extra", dict(extra), units)
    return path


# ---- reading (plain h5py)


def _attr(obj, name: str, default: Any = None) -> Any:
    v = obj.attrs.get(name, default)
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray) and v.dtype == object:
        return [x.decode() if isinstance(x, bytes) else str(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


def _read_column(ds) -> np.ndarray | list:
    import h5py

    if h5py.check_string_dtype(ds.dtype) is not None:
        values = list(ds.asstr()[...]) if ds.shape[0] else []
        kind = _attr(ds, "dtype", "str")
        if kind == "category":
            return pd.Categorical(values)
        if kind == "datetime":
            return pd.to_datetime(values)
        return values
    data = ds[...]
    kind = _attr(ds, "dtype", "")
    if kind == "bool":
        return data.astype(bool)
    if kind == "category_codes":
        return pd.Categorical.from_codes(data.astype(int), categories=list(_attr(ds, "labels", [])))
    return data


def _read_table(g) -> pd.DataFrame:
    columns = _attr(g, "columns", []) or []
    data = {c: _read_column(g[c]) for c in columns}
    n = int(_attr(g, "n_rows", 0))
    index = None
    if "index_names" in g.attrs:
        names = [n or None for n in _attr(g, "index_names")]
        levels = [_read_column(g[f"_index{k}"]) for k in range(len(names))]
        if len(levels) == 1:
            index = pd.Index(levels[0], name=names[0])
        else:
            index = pd.MultiIndex.from_arrays(levels, names=names)
    df = pd.DataFrame(data, columns=columns, index=index if index is not None else pd.RangeIndex(n))
    units = {c: _attr(g[c], "units") for c in columns}
    df.attrs["units"] = units
    if "df_attrs" in g.attrs:
        df.attrs.update(json.loads(_attr(g, "df_attrs")))
    return df


def read_tree(obj) -> Any:
    """The Python object stored at an h5py group or dataset (the inverse of ``write_tree``)."""
    import h5py

    if isinstance(obj, h5py.Dataset):
        value = _read_column(obj) if obj.ndim == 1 else obj[...]
        if _attr(obj, "dtype") == "bool" and isinstance(value, np.ndarray):
            value = value.astype(bool)
        if _attr(obj, "scalar", 0):
            v = value[0]
            return v.item() if isinstance(v, np.generic) else v
        if _attr(obj, "container") == "list" and isinstance(value, np.ndarray):
            return value.tolist()
        return value
    kind = _attr(obj, "kind", "")
    if kind == "table":
        return _read_table(obj)
    if kind == "series":
        df = _read_table(obj)
        s = df.iloc[:, 0]
        s.attrs = dict(df.attrs)
        return s
    keys = _attr(obj, "keys", None)
    names = list(keys) if keys is not None else list(obj.keys())
    out: dict[str, Any] = {}
    for k, v in obj.attrs.items():
        if k not in ("kind", "keys", "type", "columns", "n_rows"):
            out[k] = _attr(obj, k)
    for k in names:
        out[k] = read_tree(obj[k])
    return out


class Results:
    """What a results file holds, as Python objects.

    Attributes: ``attrs`` (provenance: format, package_version, git_commit, created_utc,
    options as a dict), ``model`` (dict: name, source, license, coordinates and bodies tables,
    ...), ``subject`` (dict), ``muscles`` (DataFrame), ``simulations`` (dict id -> stored
    object), ``comparison`` (DataFrame), ``sweep`` (DataFrame), ``extra`` (dict). Missing parts are None.
    """

    def __init__(self, path: Path, attrs: dict, parts: dict):
        self.path = path
        self.attrs = attrs
        self.model = parts.get("model")
        self.subject = parts.get("subject")
        self.muscles = parts.get("muscles")
        self.simulations = parts.get("simulations")
        self.comparison = parts.get("comparison")
        self.sweep = parts.get("sweep")
        self.extra = parts.get("extra")

    @property
    def options(self) -> dict:
        return self.attrs.get("options", {})

    def model_object(self):
        """The stored model as a ``biomech.Model`` (from the model-file text in /model/yaml), or None."""
        text = (self.model or {}).get("yaml") if isinstance(self.model, dict) else None
        if not text:
            return None
        import tempfile

        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "model.yaml"
            p.write_text(text)
            return _core.load_model(str(p))

    def __repr__(self) -> str:
        parts = [k for k in ("model", "subject", "muscles", "simulations", "comparison", "sweep", "extra")
                 if getattr(self, k) is not None]
        return f"<biomech.Results {self.path.name}: {', '.join(parts) or 'empty'}>"


def load_results(path: str | os.PathLike) -> Results:
    """Reads a results file written by ``save_results`` or ``biomech.sweep`` (with plain h5py).

    Tables come back as DataFrames (with ``attrs["units"]``), arrays as NumPy arrays, numbers and
    strings as Python scalars. Raises FileNotFoundError when the file does not exist and
    ValueError when it is not a biomech results file.
    """
    import h5py

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"results file not found: {path}")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise ValueError(f"{path}: not an HDF5 file ({e})") from None
    with f:
        if _attr(f, "format") != _core.RESULTS_FORMAT:
            raise ValueError(f"{path}: expected a biomech results file (root attribute format="
                             f"{_core.RESULTS_FORMAT!r}), got format={_attr(f, 'format')!r}")
        attrs = {k: _attr(f, k) for k in f.attrs}
        try:
            attrs["options"] = json.loads(attrs.get("options") or "{}")
        except json.JSONDecodeError:
            pass
        parts = {k: read_tree(f[k]) for k in ("model", "subject", "muscles", "simulations", "comparison",
                                             "sweep", "extra") if k in f}
    return Results(path, attrs, parts)
