"""Checks of Python arguments, in one place.

Options and results of the compiled core check themselves through their field tables
(``_core.StanceOptions(trunk_lean_deg=...)``); what is checked here is what only the
Python front takes: plain numbers, counts, sides and flags given to Python functions.
Each check raises ValueError naming the argument, what was expected and what came.
"""
from __future__ import annotations

import math
from typing import Any

from . import _core

__all__ = ["finite_number", "integer", "flag", "side", "is_number"]


def finite_number(name: str, value: Any, lo: float = -math.inf, hi: float = math.inf) -> float:
    """``value`` as a finite float within [lo, hi] (booleans and text are not numbers)."""
    if isinstance(value, (bool, str, bytes)):
        raise ValueError(f"{name}: expected a number, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a number, got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    if not lo <= v <= hi:
        raise ValueError(f"{name}: expected a number in [{lo:g}, {hi:g}], got {v:g}")
    return v


def integer(name: str, value: Any, lo: int, hi: int) -> int:
    """``value`` as an int within [lo, hi] (booleans and floats are not integers)."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise ValueError(f"{name}: expected an integer, got {value!r}")
    v = int(value)
    if not lo <= v <= hi:
        raise ValueError(f"{name}: expected an integer in [{lo}, {hi}], got {v}")
    return v


def flag(name: str, value: Any) -> bool:
    """``value`` as a bool (True/False, NumPy booleans)."""
    if type(value).__name__ not in ("bool", "bool_"):
        raise ValueError(f"{name}: expected True or False, got {value!r}")
    return bool(value)


def side(value: Any, name: str = "side") -> str:
    """'r' or 'l' from 'r', 'l', 'right' or 'left': the same parser as every option of the core."""
    if not isinstance(value, str):
        raise ValueError(f"{name}: expected 'r' or 'l', got {value!r}")
    try:
        return _core.parse_side(value)
    except ValueError:
        raise ValueError(f"{name}: expected 'r' or 'l' (right, left), got {value!r}") from None


def is_number(text: str) -> bool:
    """True when ``text`` reads as a float (the readers' test for a numeric token)."""
    try:
        float(text)
    except ValueError:
        return False
    return True
