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

__all__ = ["field_table", "field_arguments", "field_values", "scalar_fields", "units_of"]

_NUMERIC = ("number", "integer", "flag")


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
