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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._errors import file_error
from ._paths import git_commit

__all__ = ["save_results", "load_results", "Results", "units_for", "git_commit", "ResultsWriter",
           "write_tree", "read_tree"]

ResultsWriter = _core.ResultsWriter

# Nesting of groups that save_results writes and load_results reads (a file
# deeper than this is damaged or not ours; it also bounds the recursion).
MAX_DEPTH = 32

# Units from a name's suffix: the one naming rule of the project (biomech.fields).
from .fields import units_for  # noqa: E402


# ---- writing


def _check_key(key: Any) -> str:
    k = str(key)
    if not k or "/" in k or k in (".", ".."):
        raise ValueError(f"results: expected a name without '/', got {key!r}")
    return _check_text(k, "a name")


def _check_text(text: str, where: str) -> str:
    """Text that HDF5 stores as it is: valid Unicode without NUL characters."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError(f"results: {where[:200]!r}: expected valid Unicode text, got {text[:80]!r} ({e.reason})") from None
    if "\0" in text:
        raise ValueError(f"results: {where[:200]!r}: expected text without NUL characters, got {text[:80]!r}")
    return text


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
        w.write_strings(path, [_check_text(v, path) for v in s])
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


def write_tree(w, path: str, obj: Any, units: Mapping[str, str] | None = None, *,
               _depth: int = 0, _parents: tuple = ()) -> None:
    """Writes a Python object under ``path``: DataFrames as tables, Series as one-column tables,
    arrays as datasets, dicts (and dataclasses, named tuples, objects with ``to_dict()``) as
    groups, numbers and strings as one-element datasets marked ``scalar``. ``None`` is skipped.
    ValueError for nesting deeper than ``MAX_DEPTH`` groups or an object that contains itself."""
    units = units or {}
    leaf = path.rsplit("/", 1)[-1]
    if _depth > MAX_DEPTH:
        raise ValueError(f"results: {path[:200]!r}: expected at most {MAX_DEPTH} nested levels, got more")
    if any(obj is p for p in _parents):
        raise ValueError(f"results: {path[:200]!r}: the object contains itself (a reference cycle)")
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
        w.write_strings(path, [_check_text(obj, path)])
        w.set_attribute(path, "scalar", 1)
        return
    if isinstance(obj, np.ndarray) or (isinstance(obj, (list, tuple)) and not hasattr(obj, "_asdict")):
        arr = np.asarray(obj)
        if arr.dtype.kind in "US" or (arr.dtype == object and arr.size and _is_text(arr.ravel())):
            if arr.ndim != 1:
                raise ValueError(f"results: {path!r}: expected a 1-D list of strings, got shape {arr.shape}")
            w.write_strings(path, [_check_text(str(v), path) for v in arr])
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
        write_tree(w, f"{path}/{key}", v, units, _depth=_depth + 1, _parents=_parents + (obj,))
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
    try:
        options_json = json.dumps(dict(options or {}), default=str, sort_keys=True)
    except (ValueError, TypeError, RecursionError) as e:
        raise ValueError(f"save_results: options: expected a JSON-like mapping ({e})") from None
    with _core.ResultsWriter(str(path), compression=compression) as w:
        w.write_provenance(package_version=_core.__version__, git_commit=git_commit(),
                           options=_check_text(options_json, "options"), producer=producer)
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


# ---- reading (plain h5py), verified

_TABLE_ATTRS = ("kind", "keys", "type", "columns", "n_rows")
_COLUMN_KINDS = ("float64", "int64", "bool", "str", "category", "datetime", "category_codes")


class _Damaged(Exception):
    """A structural expectation that a file does not meet: (object, message)."""

    def __init__(self, obj: str, message: str):
        super().__init__(message)
        self.obj, self.message = obj, message


def _text(v: Any) -> Any:
    return v.decode("utf-8") if isinstance(v, bytes) else v


def _attr(obj, name: str, default: Any = None) -> Any:
    """An attribute as a Python value: str, list of str, number, list of numbers."""
    v = obj.attrs.get(name, default)
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.ndarray) and v.dtype.kind in "OS":
        return [_text(x) if isinstance(x, bytes) else str(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


class _Verifier:
    """Reads a results file object by object, checking each against what save_results
    writes; any surprise (or h5py/HDF5 error) becomes _Damaged naming the object."""

    def __init__(self, path: Path, size: int):
        self.path = path
        # a gzip stream expands at most ~1032x: no dataset we wrote holds more than this
        self.max_bytes = 1100 * size + (1 << 20)
        self.seen: set[int] = set()
        self.where = "/"  # the object being read, for errors that h5py raises on the way

    def attr(self, obj, name: str, kind: type | tuple, default: Any = None) -> Any:
        try:
            v = _attr(obj, name, default)
        except (OSError, KeyError, ValueError, TypeError, UnicodeDecodeError) as e:
            raise _Damaged(f"{obj.name}@{name}", f"unreadable attribute ({e})") from None
        if v is default:
            return v
        ok = isinstance(v, kind) and not isinstance(v, bool)
        if ok and isinstance(v, list):
            ok = all(isinstance(x, str) for x in v) if kind is list else True
        if not ok:
            raise _Damaged(f"{obj.name}@{name}", f"expected {getattr(kind, '__name__', kind)}, got {v!r:.80}")
        return v

    def member(self, g, name: str):
        """g[name], noting where the reader is (h5py errors on damage name no object)."""
        self.where = f"{g.name.rstrip('/')}/{name}"
        return g[name]

    def visit(self, obj, depth: int) -> None:
        import h5py

        if depth > MAX_DEPTH:
            raise _Damaged(obj.name, f"nested deeper than {MAX_DEPTH} levels")
        info = h5py.h5o.get_info(obj.id)
        if info.addr in self.seen or info.rc != 1:
            raise _Damaged(obj.name, "linked more than once (a results file is a tree)")
        self.seen.add(info.addr)

    def dataset(self, ds) -> np.ndarray | list:
        """The verified contents of a 1-D or 2-D dataset (numbers or text)."""
        import h5py

        if not isinstance(ds, h5py.Dataset):
            raise _Damaged(ds.name, "expected a dataset, got a group")
        name = ds.name
        if not ds.fletcher32:
            raise _Damaged(name, "dataset without a checksum (fletcher32): cannot verify it")
        if ds.ndim not in (1, 2):
            raise _Damaged(name, f"expected a 1-D or 2-D dataset, got shape {ds.shape}")
        text = h5py.check_string_dtype(ds.dtype)
        if not (ds.dtype in (np.dtype("<f8"), np.dtype("<i8")) or (text is not None and ds.dtype.kind == "S")):
            raise _Damaged(name, f"unexpected dtype {ds.dtype}")
        if ds.size * ds.dtype.itemsize > self.max_bytes:
            raise _Damaged(name, f"shape {ds.shape} is larger than the file can hold")
        units = self.attr(ds, "units", (str, list))
        if not (isinstance(units, str) or (isinstance(units, list) and ds.ndim == 2 and len(units) == ds.shape[1])):
            raise _Damaged(name, f"expected a units attribute, got {units!r:.80}")
        if ds.size == 0:
            return [] if text is not None else np.zeros(ds.shape, dtype=ds.dtype)
        try:
            data = ds[...]
        except OSError as e:
            raise _Damaged(name, f"cannot read its data: checksum or storage error ({e})") from None
        if text is not None:
            try:
                return [v.decode("utf-8") for v in data.ravel()]
            except UnicodeDecodeError as e:
                raise _Damaged(name, f"text that is not UTF-8 ({e})") from None
        return data

    def column(self, ds, n_rows: int | None = None) -> np.ndarray | list:
        name = ds.name
        if getattr(ds, "ndim", 1) != 1:
            raise _Damaged(name, f"expected a 1-D column, got shape {ds.shape}")
        data = self.dataset(ds)
        is_text = isinstance(data, list)
        if n_rows is not None and len(data) != n_rows:
            raise _Damaged(name, f"expected {n_rows} rows (the table's n_rows), got {len(data)}")
        kind = self.attr(ds, "dtype", str, "str" if is_text else "float64")
        if kind not in _COLUMN_KINDS:
            raise _Damaged(f"{name}@dtype", f"unknown column dtype {kind!r}")
        if is_text != (kind in ("str", "category", "datetime")):
            raise _Damaged(name, f"dtype {kind!r} does not match the stored {ds.dtype}")
        if kind == "category":
            return pd.Categorical(data)
        if kind == "datetime":
            try:
                return pd.to_datetime(data)
            except (ValueError, TypeError) as e:
                raise _Damaged(name, f"not ISO 8601 times ({e})") from None
        if kind == "bool":
            if data.dtype != np.int64 or not np.isin(data, (0, 1)).all():
                raise _Damaged(name, "expected booleans stored as 0 or 1")
            return data.astype(bool)
        if kind == "int64" and data.dtype != np.int64:
            raise _Damaged(name, f"dtype 'int64' does not match the stored {ds.dtype}")
        if kind == "category_codes":
            labels = self.attr(ds, "labels", list, [])
            if data.dtype != np.int64 or (len(data) and (data.min() < -1 or data.max() >= len(labels))):
                raise _Damaged(name, f"category codes outside the {len(labels)} labels")
            return pd.Categorical.from_codes(data.astype(int), categories=labels)
        return data

    def table(self, g, depth: int = 0) -> pd.DataFrame:
        columns = self.attr(g, "columns", list)
        n = self.attr(g, "n_rows", int)
        if columns is None or n is None or n < 0:
            raise _Damaged(g.name, "a table needs the attributes columns (names) and n_rows >= 0")
        index_names = self.attr(g, "index_names", list)
        expected = list(columns) + [f"_index{k}" for k in range(len(index_names or []))]
        missing = [c for c in expected if c not in g]
        if len(set(columns)) != len(columns) or missing:
            raise _Damaged(g.name, f"expected the columns {expected}, missing {missing}")
        data = {}
        for c in columns:
            ds = self.member(g, c)
            self.visit(ds, depth + 1)
            data[c] = self.column(ds, n)
        for extra in sorted(set(g.keys()) - set(expected)):  # e.g. /model/bodies/com: verified, not a column
            self.tree(self.member(g, extra), depth + 1)
        index = None
        if index_names is not None:
            levels = []
            for k in range(len(index_names)):
                ds = self.member(g, f"_index{k}")
                self.visit(ds, depth + 1)
                levels.append(self.column(ds, n))
            names = [x or None for x in index_names]
            if len(levels) == 1:
                index = pd.Index(levels[0], name=names[0])
            elif levels:
                index = pd.MultiIndex.from_arrays(levels, names=names)
        df = pd.DataFrame(data, columns=columns, index=index if index is not None else pd.RangeIndex(n))
        df.attrs["units"] = {c: _attr(self.member(g, c), "units") for c in columns}
        if "df_attrs" in g.attrs:
            try:
                df.attrs.update(json.loads(self.attr(g, "df_attrs", str)))
            except (json.JSONDecodeError, TypeError, ValueError) as e:
                raise _Damaged(f"{g.name}@df_attrs", f"not a JSON object ({e})") from None
        for k in ("target", "exercise", "parameters", "outputs", "fixed"):  # what a sweep records
            if k in g.attrs:
                df.attrs[k] = _attr(g, k)
        return df

    def tree(self, obj, depth: int = 0) -> Any:
        import h5py

        self.visit(obj, depth)
        if isinstance(obj, h5py.Dataset):
            value = self.dataset(obj)
            if self.attr(obj, "dtype", str, "") == "bool" and isinstance(value, np.ndarray):
                if not np.isin(value, (0, 1)).all():
                    raise _Damaged(obj.name, "expected booleans stored as 0 or 1")
                value = value.astype(bool)
            if self.attr(obj, "scalar", int, 0):
                if obj.shape != (1,):
                    raise _Damaged(obj.name, f"a scalar needs shape (1,), got {obj.shape}")
                v = value[0]
                return v.item() if isinstance(v, np.generic) else v
            if _attr(obj, "container") == "list" and isinstance(value, np.ndarray):
                return value.tolist()
            return value
        kind = self.attr(obj, "kind", str, "")
        if kind == "table":
            return self.table(obj, depth)
        if kind == "series":
            df = self.table(obj, depth)
            if df.shape[1] != 1:
                raise _Damaged(obj.name, f"a series needs one column, got {df.shape[1]}")
            s = df.iloc[:, 0]
            s.attrs = dict(df.attrs)
            return s
        keys = self.attr(obj, "keys", list)
        children = list(obj.keys())
        names = keys if keys is not None else children
        if keys is not None and sorted(keys) != sorted(children):
            raise _Damaged(obj.name, f"expected the members {sorted(keys)}, found {sorted(children)}")
        out: dict[str, Any] = {}
        for k in obj.attrs:
            if k not in _TABLE_ATTRS:
                out[k] = self.attr(obj, k, object)
        for k in names:
            out[k] = self.tree(self.member(obj, k), depth + 1)
        return out


def read_tree(obj) -> Any:
    """The Python object stored at an h5py group or dataset (the inverse of ``write_tree``),
    verified as ``load_results`` does; biomech.FileError when it is damaged."""
    v = _Verifier(Path(obj.file.filename), os.path.getsize(obj.file.filename))
    try:
        return v.tree(obj)
    except _Damaged as e:
        raise file_error(obj.file.filename, 0, e.obj, e.message) from None


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
    strings as Python scalars. Every dataset's checksum and every structural expectation (what
    save_results writes) is verified: a damaged file raises biomech.FileError naming the file and
    the object, never loads with changed numbers. FileNotFoundError when the file does not exist.
    """
    import h5py

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"results file not found: {path}")
    if not path.is_file():
        raise file_error(path, 0, "/", "expected a results file, got a directory or device")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise file_error(path, 0, "/", f"not a readable HDF5 file ({_h5_reason(e)})") from None
    v = _Verifier(path, path.stat().st_size)
    try:
        with f:
            fmt = v.attr(f, "format", str)
            if fmt != _core.RESULTS_FORMAT:
                raise _Damaged("/@format", f"expected a biomech results file (format={_core.RESULTS_FORMAT!r}), "
                                           f"got format={fmt!r}")
            version = v.attr(f, "format_version", int)
            if version != _core.RESULTS_FORMAT_VERSION:
                old = " (written without checksums by an older biomech: write it again)" if version == 1 else ""
                raise _Damaged("/@format_version", f"this reader knows format_version "
                                                   f"{_core.RESULTS_FORMAT_VERSION}, got {version!r}{old}")
            attrs = {k: v.attr(f, k, object) for k in f.attrs}
            try:
                attrs["options"] = json.loads(attrs.get("options") or "{}")
            except (json.JSONDecodeError, TypeError) as e:
                raise _Damaged("/@options", f"not JSON ({e})") from None
            unknown = set(f.keys()) - set(_PARTS)
            if unknown:
                raise _Damaged("/" + sorted(unknown)[0], f"unexpected group (a results file holds {', '.join(_PARTS)})")
            parts = {k: v.tree(v.member(f, k), 1) for k in _PARTS if k in f}
    except _Damaged as e:
        raise file_error(path, 0, e.obj, e.message) from None
    except (OSError, KeyError, ValueError, TypeError, RuntimeError, IndexError) as e:
        # anything h5py/HDF5 raise on a damaged file that the checks above did not name
        raise file_error(path, 0, v.where, f"damaged or not a biomech results file ({_h5_reason(e)})") from None
    return Results(path, attrs, parts)


_PARTS = ("model", "subject", "muscles", "simulations", "comparison", "sweep", "extra")


def _h5_reason(e: BaseException) -> str:
    return " ".join(str(e).split())[:200] or type(e).__name__
