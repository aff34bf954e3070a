"""Field tables (libbiomech/include/biomech/fields.hpp): one description per struct feeds the
Python attributes, keywords, CLI options, table columns and sweep parameters."""
from __future__ import annotations

import math
import pickle
import subprocess
import sys

import pytest

import biomech
from biomech import _core
from biomech.fields import field_arguments, scalar_fields
from biomech.results import units_for

OPTIONS = [_core.StanceOptions, _core.LeverInput, _core.QAngleOptions, _core.RecruitmentOptions,
           _core.SimulateOptions, _core.AnalyzeOptions]
# inputs that must be given (their C++ default is a placeholder outside the bounds)
REQUIRED = {("LeverInput", "partial_weight_n")}
RESULTS = [_core.StanceResult, _core.LeverResult, _core.WeaknessResult, _core.QAngleResult, _core.ExerciseSummary,
           _core.Subject, _core.HipFrame]


@pytest.mark.parametrize("struct", OPTIONS + RESULTS, ids=lambda s: s.__name__)
def test_names_carry_their_units(struct):
    """Every field with a unit ends with that unit's suffix, by the rule units_for reads names with."""
    for f in struct.fields():
        if f["unit"] in ("", "1"):
            continue
        assert units_for(f["name"]) == f["unit"], f"{struct.__name__}.{f['name']}: unit {f['unit']!r}"


@pytest.mark.parametrize("struct", OPTIONS, ids=lambda s: s.__name__)
def test_options_take_every_field_by_keyword_and_check_its_bounds(struct):
    defaults = struct()
    for f in struct.fields():
        if f["kind"] not in ("number", "integer"):
            continue
        lo, hi = f["min"], f["max"]
        assert math.isfinite(lo) and math.isfinite(hi), f"{f['name']}: an option needs bounds"
        if (struct.__name__, f["name"]) not in REQUIRED and f["default"] is not None:  # None: optional, not given
            assert lo <= f["default"] <= hi, f"{f['name']}: default {f['default']} outside [{lo}, {hi}]"
        inside = struct(**{f["name"]: hi})
        assert getattr(inside, f["name"]) == pytest.approx(hi)
        for bad in (hi + 1.0 + abs(hi), lo - 1.0 - abs(lo), float("nan")):
            with pytest.raises(ValueError, match=f["name"]):
                struct(**{f["name"]: bad})
    # round trips: dict and pickle
    given = {k: v for k, v in defaults.to_dict().items() if (struct.__name__, k) not in REQUIRED}
    again = struct(**given)
    assert again.to_dict().keys() == defaults.to_dict().keys()
    assert pickle.loads(pickle.dumps(defaults)).to_dict().keys() == defaults.to_dict().keys()


def test_public_values_are_converted_to_si_inside():
    o = _core.StanceOptions(trunk_lean_deg=10.0)
    r = biomech.single_leg_stance(trunk_lean_deg=10.0)
    assert o.trunk_lean_deg == pytest.approx(10.0)
    # the C++ member is radians: the result's posture has the lumbar bending it implies
    lean = biomech.Model.default().posture_dict(r.core.posture)["lumbar_bending"]
    assert abs(lean) == pytest.approx(math.radians(10.0), abs=1e-9)


def test_unknown_name_suggests_the_one_with_its_unit():
    with pytest.raises(ValueError, match=r"did you mean 'trunk_lean_deg'"):
        _core.StanceOptions(trunk_lean=10)
    with pytest.raises(ValueError, match="expected stance_side one of 'r', 'l', got 'x'"):
        _core.StanceOptions(stance_side="x")
    assert _core.StanceOptions(stance_side="left").stance_side == "l"


def test_cli_options_come_from_the_table():
    flags = {flags[0] for flags, _ in field_arguments(_core.StanceOptions)}
    for f in _core.StanceOptions.fields():
        if f["kind"] in ("number", "integer", "flag", "choice"):
            assert "--" + f["name"].replace("_", "-") in flags
    out = subprocess.run([sys.executable, "-m", "biomech", "stance", "--help"], capture_output=True, text=True,
                         timeout=300).stdout
    assert "--hand-load-contralateral-kg" in out and "0 to 100" in out


def test_sweep_parameters_and_compare_columns_come_from_the_tables():
    params = set(biomech.sweep_parameters().index)
    for f in _core.StanceOptions.fields():
        if f["kind"] in ("number", "integer", "flag"):
            assert f["name"] in params
    table = biomech.compare(exercises=["clamshell"])
    assert list(table.columns) == scalar_fields(_core.ExerciseSummary)
