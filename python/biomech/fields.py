"""Front ends of the C++ field tables (libbiomech/include/biomech/fields.hpp).

Every described struct of ``biomech._core`` (``StanceOptions``, ``StanceResult``,
``ExerciseSummary``, ``RecruitmentOptions``, ``Subject``, ...) carries its own table:
``StanceOptions.fields()`` lists each field's public name (unit in the name), unit,
kind, bounds, default and one-line doc. Options are built from keywords in public
units (``_core.StanceOptions(trunk_lean_deg=10)``) and checked in C++; results read
in public units (``r.contact_angle_deg``) and convert with ``to_dict()``.

This module derives the command-line options and the table columns from those
tables, so that adding a field in C++ adds it everywhere.
"""
from __future__ import annotations

import argparse
import math
from typing import Any, Iterable

__all__ = ["field_table", "field_arguments", "field_values", "scalar_fields", "units_of", "units_for",
           "split_unit", "scalar_values", "per_sample_table"]

_NUMERIC = ("number", "integer", "flag")

# The naming rule: a name's suffix gives its unit. Every field table follows it (a test checks),
# and results files derive the units of their columns from it.
SUFFIX_UNITS = [
    ("_pct_mvic", "%MVIC"), ("_percent_mvic", "%MVIC"), ("_nm_per_kg", "N m/kg"), ("_n_per_m", "N/m"),
    ("_nms_per_rad", "N m s/rad"), ("_nm_per_rad", "N m/rad"), ("_deg_s", "deg/s"),
    ("_nms", "N m s"), ("_nm", "N m"), ("_bw", "BW"), ("_pct", "%"), ("_deg", "deg"), ("_rad", "rad"),
    ("_kg", "kg"), ("_hz", "Hz"), ("_j", "J"), ("_n", "N"), ("_m", "m"), ("_s", "s"),
]
_NAME_UNITS = {"time": "s", "t": "s", "frame": "1", "activation": "1", "mass": "kg", "height": "m"}


def units_for(name: str, default: str = "1") -> str:
    """Unit of a column or dataset from its name (``hip_contact_force_bw`` -> ``BW``, ``time`` -> ``s``).

    Names without a unit suffix are dimensionless (``"1"``) unless ``default`` says otherwise.
    """
    n = str(name).lower()
    if n in _NAME_UNITS:
        return _NAME_UNITS[n]
    for suffix, unit in SUFFIX_UNITS:
        if n.endswith(suffix):
            return unit
    return default


def split_unit(name: str) -> tuple[str, str]:
    """``"force_n"`` -> ``("force", "_n")``; a name without a unit suffix -> ``(name, "")``."""
    for suffix, _ in SUFFIX_UNITS:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], suffix
    return name, ""


def scalar_values(obj) -> dict[str, Any]:
    """The scalar fields (numbers, flags, choices, text) of a described ``_core`` object, in public units."""
    kinds = {f["name"]: f["kind"] for f in type(obj).fields()}
    return {k: v for k, v in obj.to_dict().items() if kinds[k] in (*_NUMERIC, "choice", "text")}


def per_sample_table(obj, index: str, entity_names=()):
    """A DataFrame of the per-sample fields of a described ``_core`` result, indexed by ``index``
    (e.g. ``time_s``): every numeric vector of that length is a column; a matrix with one column
    per entity (muscle) gives ``<stem>:<entity><unit suffix>`` (``force:glut_med1_r_n``), a
    matrix of 3 columns gives ``<stem>_x<suffix>``, ``_y``, ``_z``."""
    import numpy as np
    import pandas as pd

    d = obj.to_dict()
    t = np.asarray(d[index], dtype=float)
    n = len(t)
    cols: dict[str, np.ndarray] = {}
    for f in type(obj).fields():
        name = f["name"]
        if name == index or f["kind"] not in ("vector", "matrix"):
            continue
        a = np.asarray(d[name])
        if a.dtype.kind not in "fiub" or a.ndim == 0 or a.shape[0] != n:
            continue
        if a.ndim == 1:
            cols[name] = a
            continue
        stem, suffix = split_unit(name)
        if a.shape[1] == len(entity_names):
            for k, e in enumerate(entity_names):
                cols[f"{stem}:{e}{suffix}"] = a[:, k]
        elif a.shape[1] == 3:
            for k, axis in enumerate("xyz"):
                cols[f"{stem}_{axis}{suffix}"] = a[:, k]
    return pd.DataFrame(cols, index=pd.Index(t, name=index))


def field_table(struct) -> list[dict]:
    """The field table of a described ``_core`` class (a list of dicts)."""
    return struct.fields()


def scalar_fields(struct) -> list[str]:
    """Public names of the numeric scalar fields (number, integer, flag) and choices, in table order:
    the columns of a table of results."""
    return [f["name"] for f in struct.fields() if f["kind"] in (*_NUMERIC, "choice", "text")]


def units_of(struct) -> dict[str, str]:
    """Public name -> unit ("" for text, flags and choices) of every field."""
    return {f["name"]: f["unit"] for f in struct.fields()}


def _help(f: dict) -> str:
    unit = f" ({f['unit']})" if f["unit"] not in ("", "1") else ""
    bounds = ""
    if f["kind"] in ("number", "integer"):
        lo, hi = f["min"], f["max"]
        if math.isfinite(lo) and math.isfinite(hi):
            bounds = f", {lo:g} to {hi:g}"
        elif math.isfinite(lo):
            bounds = f", >= {lo:g}"
        elif math.isfinite(hi):
            bounds = f", <= {hi:g}"
    default = f["default"]
    shown = "" if default is None else f"; default {default:g}" if isinstance(default, float) else f"; default {default}"
    return f"{f['doc']}{unit}{bounds}{shown}"


def _flag_type(text: str) -> bool:
    t = text.strip().lower()
    if t in ("1", "true", "yes", "on"):
        return True
    if t in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _mapping_item(text: str) -> tuple[str, float]:
    key, sep, value = text.partition("=")
    try:
        if not sep or not key:
            raise ValueError
        return key, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected KEY=NUMBER, got {text!r}") from None


def field_arguments(struct, skip: Iterable[str] = ()) -> list[tuple[tuple, dict]]:
    """``argparse`` arguments (flags, kwargs) for the scalar and mapping input fields of
    ``struct``: ``--trunk-lean-deg`` for ``trunk_lean_deg``; a flag takes ``--name true|false``;
    a mapping takes ``--name KEY=X [KEY=X ...]``. Every argument defaults to None (not
    given: the C++ default applies)."""
    out = []
    skip = set(skip)
    for f in struct.fields():
        if f["name"] in skip or f["kind"] not in (*_NUMERIC, "choice", "mapping"):
            continue
        flag = "--" + f["name"].replace("_", "-")
        kw: dict[str, Any] = {"default": None, "dest": f["name"], "help": _help(f)}
        if f["kind"] == "mapping":
            kw.update(type=_mapping_item, nargs="+", metavar="KEY=X")
        elif f["kind"] == "number":
            kw.update(type=float, metavar="X")
        elif f["kind"] == "integer":
            kw.update(type=int, metavar="N")
        elif f["kind"] == "flag":
            kw.update(type=_flag_type, metavar="true|false")
        else:
            kw.update(choices=f["choices"])
        out.append(((flag,), kw))
    return out


def field_values(args: argparse.Namespace, struct, skip: Iterable[str] = ()) -> dict[str, Any]:
    """The values given on the command line for ``struct``'s fields (public names)."""
    skip = set(skip)
    out = {}
    for f in struct.fields():
        value = getattr(args, f["name"], None)
        if f["name"] in skip or value is None:
            continue
        out[f["name"]] = dict(value) if f["kind"] == "mapping" else value
    return out
